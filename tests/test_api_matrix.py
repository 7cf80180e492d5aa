"""The authorisation matrix of the API, written out as the spec states it.

Every role sits where it does in real life (a county's bureau staff at the county, a
principal at their school, the police liaison at the township with its police station). Each
reads and writes a record of every resource at school A1, which lies inside every one of those
placements, and the same record at school B1, in the other county, which lies outside all.

The table is deliberately typed out rather than derived from `roles.PERMISSIONS`: if the
role table in code drifts from what was agreed, this test fails.
"""

import datetime

import pytest
from django.utils import timezone

from safecampus.accounts.models import User
from safecampus.accounts.roles import Role
from safecampus.config.api_urls import router
from safecampus.core.models import AuditEntry
from safecampus.core.scoping import scope_path_field
from safecampus.emergency.models import EmergencyPlan
from safecampus.hazards import services as hazard_services
from safecampus.hazards.calendar import calendar_for
from safecampus.hazards.models import Schedule, Spot
from safecampus.orgs.models import School
from tests import factories as f
from tests.api_helpers import Records, api, api_setup, ids  # noqa: F401
from tests.hazards.helpers import checklist

# Where each role is placed in the `world` fixture.
PLACEMENT = {
    Role.SYSADMIN: "county_a",
    Role.BUREAU_LEADER: "county_a",
    Role.BUREAU_STAFF: "county_a",
    Role.INSPECTOR: "school_a1",
    Role.TOWNSHIP_OFFICER: "town_a",
    Role.PRINCIPAL: "school_a1",
    Role.SAFETY_OFFICER: "school_a1",
    Role.TEACHER: "school_a1",
    Role.GUARD: "school_a1",
    Role.DEPARTMENT_LIAISON: "town_a",  # with department police_a
    Role.OBSERVER: "county_a",
}

# What each role may do with a record at school A1, inside its scope:
#   rw  reads it (in the list, detail 200) and edits it (PATCH 200)
#   r   reads it; editing answers 403
#   -   does not see it: not in the list, detail 404, edit 404
#   x   the resource is refused outright: list, detail and edit answer 403
# The audit trail and inspections (a signed record) are read-only: any edit answers 405.
# The checks due are a derived list without records of their own: only the list is tested,
# each row keyed by its schedule.
# Outside its scope (school B1) every role sees nothing: not listed, detail 404, edit 404,
# except where the resource is refused outright (x: 403) or read-only (audit: 405).
TABLE = """
resource           sysadmin bureau_leader bureau_staff inspector township_officer principal safety_officer teacher guard department_liaison observer
orgs               rw       r             rw           r         r                rw        rw             r       r     r                  r
schools            rw       r             rw           r         r                rw        rw             r       r     r                  r
departments        rw       r             rw           r         rw               r         r              -       -     r                  r
people             rw       r             rw           r         rw               rw        rw             r       -     r                  r
leadership-groups  rw       r             rw           r         rw               rw        rw             -       -     r                  r
users              rw       x             x            x         x                x         x              x       x     x                  x
audit              r        r             r            -         r                r         r              -       -     -                  -
hazards            rw       r             rw           r         r                rw        rw             r       r     r                  r
inspections        r        r             r            r         r                r         r              r       r     r                  r
spots              rw       r             rw           r         r                rw        rw             r       r     r                  r
checklist-templates rw      r             rw           r         r                r         r              r       r     r                  r
schedules          rw       r             rw           r         r                rw        rw             r       r     -                  r
due-inspections    r        r             r            r         r                r         r              r       r     -                  r
plans              rw       r             rw           r         rw               rw        rw             r       r     r                  r
plan-gaps          r        r             r            r         r                r         r              r       r     r                  r
incidents          rw       r             rw           r         r                rw        rw             r       r     r                  r
drills             rw       r             rw           r         r                rw        rw             r       r     r                  r
drill-compliance   r        r             r            r         r                r         r              r       r     r                  r
incident-stats     r        r             r            r         r                r         r              r       r     r                  r
"""


def parse(table: str) -> dict[tuple[str, str], str]:
    header, *rows = [line.split() for line in table.strip().splitlines()]
    return {
        (row[0], role): cell for row in rows for role, cell in zip(header[1:], row[1:], strict=True)
    }


EXPECTED = parse(TABLE)
RESOURCES = sorted({resource for resource, _role in EXPECTED})

EDITS = {
    "orgs": {"short_name": "改名"},
    "schools": {"enrolment": 650},
    "departments": {"phone": "0953-6012345"},
    "people": {"post": "副校长"},
    "leadership-groups": {"purpose": "统筹全校安全工作"},
    "users": {"first_name": "改"},
    "audit": {"comment": "tampered"},
    "hazards": {"description": "灭火器已过期两个月"},
    "inspections": {"note": "tampered"},
    "spots": {"area": "教学区"},
    "checklist-templates": {"description": "每周一次"},
    "schedules": {"title": "每周重点部位检查（修订）"},
    "plans": {"summary": "每学期开学前修订联系人"},
    "plan-gaps": {"note": "tampered"},
    "incidents": {"injured": 2},
    "drills": {"summary": "疏散有序，楼梯口需增设引导员"},
    "drill-compliance": {"note": "tampered"},
    "incident-stats": {"note": "tampered"},
}
READ_ONLY = {"audit", "inspections", "plan-gaps", "drill-compliance", "incident-stats"}
LIST_ONLY = {"due-inspections"}
# Rows of a derived list have no id of their own: they are known by the record they stem from.
ROW_KEY = {"due-inspections": "schedule", "plan-gaps": "school"}


def a_school_day(node) -> datetime.date:
    """A school day near today, on which a weekly schedule has a current period."""
    today = timezone.localdate()
    return calendar_for(node).school_days(today, today + datetime.timedelta(days=90))[0]


class HazardRecords:
    """One record of every hazard resource at a school, named by the resource's route."""

    def __init__(self, node, tag: str, inspector):
        self.spot = Spot.objects.create(org=node, name=f"点位{tag}")
        version = checklist(org=node)
        self.template = version.template
        self.schedule = Schedule.objects.create(
            org=node,
            title=f"每周检查{tag}",
            template=self.template,
            rhythm="weekly",
            starts_on=a_school_day(node) - datetime.timedelta(days=7),
        )
        self.inspection = hazard_services.inspection_submit(
            school=node,
            by=inspector,
            checklist=version,
            signed_name="王",
            answers=[{"item": i, "answer": "normal"} for i in version.items.all()],
        )
        self.hazard = hazard_services.hazard_report(
            school=node, by=None, description=f"灭火器过期{tag}", category="fire"
        )

    def target(self, route: str):
        return {
            "hazards": self.hazard,
            "inspections": self.inspection,
            "spots": self.spot,
            "checklist-templates": self.template,
            "schedules": self.schedule,
            "due-inspections": self.schedule,
        }[route]


PLAN_RESOURCES = {"plans", "plan-gaps"}
DRILL_RESOURCES = {"drills", "drill-compliance"}
HAZARD_RESOURCES = {
    "hazards",
    "inspections",
    "spots",
    "checklist-templates",
    "schedules",
    "due-inspections",
}


def make_target(node, tag: str, resource: str):
    records = Records(node, tag)
    if resource in DRILL_RESOURCES:  # a held drill; a school's compliance is keyed by its node
        from tests.emergency.factories import held_drill

        drill = held_drill(node, timezone.localdate() - datetime.timedelta(days=2), seconds=150)
        return drill if resource == "drills" else node
    if resource in ("incidents", "incident-stats"):  # an injury; statistics keyed by school
        from safecampus.emergency.incidents import incident_report

        incident = incident_report(
            school=node, by=None, incident_type="injury", place="操场", description=f"摔伤{tag}"
        )
        return incident if resource == "incidents" else node
    if resource in PLAN_RESOURCES:  # a draft plan; the school's gaps are keyed by its node
        plan = EmergencyPlan.objects.create(org=node, scenario="fire", title=f"火灾预案{tag}")
        return plan if resource == "plans" else node
    if resource in HAZARD_RESOURCES:
        return HazardRecords(node, tag, records.user).target(resource)
    return records.target(resource)


def list_params(resource: str, world) -> dict:
    if resource in LIST_ONLY:
        return {"date": str(a_school_day(world.school_a1))}
    return {}


def test_table_covers_every_role_and_route():
    assert {role for _resource, role in EXPECTED} == {r.value for r in Role}
    assert set(RESOURCES) == {prefix for prefix, _viewset, _basename in router.registry}


def version_of(record):
    record.refresh_from_db()
    if isinstance(record, School):
        return record.node.version  # a school's node versions node and profile together
    return getattr(record, "version", 1)


def make_user(world, role):
    node = getattr(world, PLACEMENT[role])
    department = world.police_a if role == Role.DEPARTMENT_LIAISON else None
    return f.user_with_role(role, node, department=department)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r.value for r in Role])
@pytest.mark.parametrize("resource", RESOURCES)
def test_matrix(world, resource, role):
    inside = make_target(world.school_a1, "a", resource)
    outside = make_target(world.school_b1, "b", resource)
    client = api(make_user(world, role))
    cell = EXPECTED[resource, role]
    url = f"/api/v1/{resource}/"

    listing = client.get(url, {"page_size": 500, **list_params(resource, world)})
    if cell == "x":
        assert listing.status_code == 403
    else:
        assert listing.status_code == 200, listing.content
        key = ROW_KEY.get(resource, "id")
        listed = {row[key] for row in listing.json()["results"]}
        assert (inside.pk in listed) == (cell in {"r", "rw"})
        assert outside.pk not in listed
    if resource in LIST_ONLY:
        return

    detail = {"rw": 200, "r": 200, "-": 404, "x": 403}[cell]
    assert client.get(f"{url}{inside.pk}/").status_code == detail
    assert client.get(f"{url}{outside.pk}/").status_code == (403 if cell == "x" else 404)

    for record, expected in (
        (inside, {"rw": 200, "r": 403, "-": 404, "x": 403}[cell]),
        (outside, 403 if cell == "x" else 404),
    ):
        if resource in READ_ONLY:
            expected = 405
        before = AuditEntry.objects.count()
        answer = client.patch(
            f"{url}{record.pk}/", {**EDITS[resource], "version": version_of(record)}
        )
        assert answer.status_code == expected, (record, answer.content)
        assert AuditEntry.objects.count() == before + (1 if expected == 200 else 0)


def county_of(model, pk) -> str:
    return model._base_manager.filter(pk=pk).values_list(scope_path_field(model), flat=True)[0]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SYSADMIN, Role.BUREAU_STAFF, Role.TOWNSHIP_OFFICER])
def test_outsider_walks_every_list_route_and_sees_nothing_of_county_a(world, role):
    """An official of the other county, on every list the router knows, filtered or not."""
    for node, tag in ((world.school_a1, "a"), (world.school_a2, "a2"), (world.school_b1, "b")):
        HazardRecords(node, tag, Records(node, tag).user)
    node = world.county_b if role != Role.TOWNSHIP_OFFICER else world.town_b
    client = api(f.user_with_role(role, node))
    seen_any = False
    for prefix, viewset, _basename in router.registry:
        model = viewset.queryset.model
        for params in ({}, {"within": world.county_a.pk}, {"search": "冯记沟"}):
            response = client.get(
                f"/api/v1/{prefix}/", {**params, **list_params(prefix, world), "page_size": 500}
            )
            if response.status_code == 403:  # refused outright: nothing to leak either
                continue
            for row in response.json()["results"]:
                seen_any = True
                path = county_of(model, row[ROW_KEY.get(prefix, "id")])
                assert not path.startswith(world.county_a.path), (prefix, params, row)
            if "within" in params:
                assert response.json()["count"] == 0, prefix
    assert seen_any


@pytest.mark.django_db
def test_department_liaison_is_narrowed_to_the_township(world):
    """The police liaison of town A sees town A's schools, not the county around it."""
    liaison = make_user(world, Role.DEPARTMENT_LIAISON)
    names = {row["name"] for row in api(liaison).get("/api/v1/orgs/").json()["results"]}
    assert names == {"冯记沟乡", "冯记沟中心小学", "冯记沟幼儿园"}


@pytest.mark.django_db
def test_anonymous_is_refused_everywhere(world):
    client = api()
    for prefix, _viewset, _basename in router.registry:
        assert client.get(f"/api/v1/{prefix}/").status_code in {401, 403}
    assert client.get("/api/v1/users/me/").status_code in {401, 403}
    assert User.objects.count() == 0
