"""`python -m tests.deploy.world WEBHOOK_URL`: the people of one school in an empty database.

Run by tests/deploy/test_serve_prod.py against the database the production server uses
(level 2 has no fixture loader): a county with one school, its teacher, safety officer and
principal, the teacher as the person responsible for fixes, and the county's WeCom group
robot, which hears every hazard event, pointed at the test's own webhook. Prints the ids.
"""

import json
import sys

import django

PASSWORD = "correct-horse-battery-staple"


def build(webhook: str) -> dict:
    from safecampus.accounts.models import RoleAssignment, User
    from safecampus.notify.models import Channel
    from safecampus.orgs import services
    from safecampus.orgs.choices import NodeKind, SchoolKind
    from safecampus.orgs.models import Person

    province = services.node_create(
        parent=None, kind=NodeKind.PROVINCE, name="宁夏回族自治区", by=None
    )
    city = services.node_create(parent=province, kind=NodeKind.CITY, name="吴忠市", by=None)
    county = services.node_create(
        parent=city, kind=NodeKind.COUNTY, name="盐池县", short_name="盐池", by=None
    )
    town = services.node_create(parent=county, kind=NodeKind.TOWNSHIP, name="冯记沟乡", by=None)
    school = services.school_create(
        parent=town,
        name="冯记沟中心小学",
        school_kind=SchoolKind.PRIMARY,
        enrolment=600,
        staff_count=40,
        by=None,
    ).node
    users = {}
    for role in ("teacher", "safety_officer", "principal"):
        user = User(username=f"sp_{role}", first_name=role, org=school)
        user.set_password(PASSWORD)
        user.save()
        RoleAssignment.objects.create(user=user, role=role, org=school)
        users[role] = user.username
    responsible = Person.objects.create(
        org=school, name="张宏建", post="总务主任", user=User.objects.get(username="sp_teacher")
    )
    Channel.objects.create(
        org=county,
        name="盐池县校园安全工作群",
        kind="wecom",
        target=webhook,
        min_severity="routine",
    )
    return {"school": school.pk, "responsible": responsible.pk, "users": users}


if __name__ == "__main__":
    django.setup()
    sys.stdout.write(json.dumps(build(sys.argv[1])) + "\n")
