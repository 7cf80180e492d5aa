"""Factories for the organisation tree, people and accounts. Nodes are made through the
service, so their paths are real."""

import factory

from safecampus.accounts.models import RoleAssignment, User
from safecampus.orgs import services
from safecampus.orgs.choices import DepartmentKind, NodeKind, SchoolKind
from safecampus.orgs.models import Department, LeadershipGroup, Person

PASSWORD = "correct-horse-battery"


def node(parent=None, kind=NodeKind.COUNTY, name=None, **kw):
    name = name or f"{kind}-{factory.Faker._get_faker().unique.pystr(min_chars=6, max_chars=6)}"
    return services.node_create(parent=parent, kind=kind, name=name, by=None, **kw)


def school(parent, name=None, school_kind=SchoolKind.PRIMARY, **profile):
    name = name or f"学校-{factory.Faker._get_faker().unique.pystr(min_chars=6, max_chars=6)}"
    profile.setdefault("enrolment", 600)
    profile.setdefault("staff_count", 40)
    return services.school_create(
        parent=parent, name=name, school_kind=school_kind, by=None, **profile
    ).node


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "测试"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def user_with_role(role, org, department=None, **kw):
    user = UserFactory(org=org, **kw)
    RoleAssignment.objects.create(user=user, role=role, org=org, department=department)
    return user


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    kind = DepartmentKind.POLICE
    name = factory.Sequence(lambda n: f"派出所{n}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"张{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    post = "校长"


class LeadershipGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadershipGroup

    name = factory.Sequence(lambda n: f"校园安全工作领导小组{n}")
