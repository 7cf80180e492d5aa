"""What the home page ("我的工作") shows: to-dos from each capability, then the key figures
of the user's scope. Capabilities register their to-do providers in TODO_PROVIDERS."""

from django.db.models import Count, Q

from safecampus.accounts.access import assignments
from safecampus.accounts.roles import SCHOOL_ROLES
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import OrgNode, Person, School

# Each provider takes the user and returns a list of {"label", "count", "url", "severity"}.
TODO_PROVIDERS: list = []


def home_context(user) -> dict:
    roles = assignments(user)
    is_school_user = bool(roles) and all(a.role in SCHOOL_ROLES for a in roles)
    todos = [item for provider in TODO_PROVIDERS for item in provider(user)]
    nodes = OrgNode.objects.for_user(user)
    figures = nodes.aggregate(
        schools=Count("pk", filter=Q(kind=NodeKind.SCHOOL)),
        townships=Count("pk", filter=Q(kind=NodeKind.TOWNSHIP)),
        counties=Count("pk", filter=Q(kind=NodeKind.COUNTY)),
    )
    schools = School.objects.for_user(user)
    from django.db.models import Sum

    figures.update(schools.aggregate(enrolment=Sum("enrolment"), staff=Sum("staff_count")))
    figures["people"] = Person.objects.for_user(user).count()
    return {
        "assignments": roles,
        "is_school_user": is_school_user,
        "todos": todos,
        "figures": figures,
        "school_nodes": [a.org for a in roles if a.org.kind == NodeKind.SCHOOL],
    }
