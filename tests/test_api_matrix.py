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
defense-inventories rw      r             rw           rw        r                rw        rw             -       r     rw                 r
defense-verifications r    r             r            r         r                r         r              -       r     r                  r
rules              r        r             r            r         r                r         r              x       x     x                  r
verdicts           r        r             r            r         r                r         r              -       -     -                  r
rule-overrides     r        r             r            -         -                -         -              -       -     -                  r
pingan-awards      rw       r             rw           r         r                r         r              -       -     -                  r
training-sessions  rw       r             rw           r         r                rw        rw             -       -     r                  r
training-attendances rw     r             rw           r         r                rw        rw             -       -     r                  r
appointments       rw       r             rw           r         r                rw        rw             -       -     r                  r
spot-check-samples rw       r             rw           -         -                -         -              -       -     -                  r
spot-checks        rw       r             rw           r         r                -         -              -       -     -                  r
school-classes     rw       r             rw           r         r                rw        rw             r       -     -                  r
safety-reminders   rw       r             rw           r         r                rw        rw             r       -     -                  r
education-activities rw     r             rw           r         r                rw        rw             r       -     -                  r
campaigns          rw       r             rw           r         r                r         r              r       -     -                  r
campaign-results   rw       r             rw           r         r                rw        rw             r       -     -                  r
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
    "defense-inventories": {"guards": 3},
    "defense-verifications": {"note": "tampered"},
    "rules": {"note": "tampered"},
    "verdicts": {"note": "tampered"},
    "rule-overrides": {"note": "tampered"},
    "pingan-awards": {"document_number": "盐教安〔2026〕3号"},
    "training-sessions": {"topic": "校园安全管理专题培训"},
    "training-attendances": {"hours": "2.0"},
    "appointments": {"unit": "花马池派出所"},
    # A sample is renamed; a check is given a later date (the bureau's, not the inspector's).
    "spot-check-samples": {"title": "已销号隐患抽查复核（修订）"},
    "spot-checks": {"due_on": str(datetime.date.today() + datetime.timedelta(days=60))},
    "school-classes": {"pupils": 46},
    "safety-reminders": {"note": "讲了放学路上的交通安全"},
    "education-activities": {"participants": 300},
    "campaigns": {"description": "各校组织学生登录安全教育平台完成专题学习"},
    "campaign-results": {"completed": 590},
}
READ_ONLY = {"audit", "inspections", "plan-gaps", "drill-compliance", "incident-stats"}
# A verification of an inventory figure is a record of what was found: never edited.
READ_ONLY |= {"defense-verifications"}
# Compliance: verdicts are derived, and a rule override is never edited (a new version is).
READ_ONLY |= {"rules", "verdicts", "rule-overrides"}
# The catalogue of rules is the same for every caller: its rows belong to no school, so it is
# checked apart (tests/compliance/test_api.py checks the numbers in force at a node).
CATALOGUE = {"rules"}
LIST_ONLY = {"due-inspections"}
# Rows of a derived list have no id of their own: they are known by the record they stem from.
ROW_KEY = {"due-inspections": "schedule", "plan-gaps": "school", "verdicts": "node"}


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
COMPLIANCE_RESOURCES = {"verdicts", "rule-overrides", "pingan-awards"}
DRILL_RESOURCES = {"drills", "drill-compliance"}
TRAINING_RESOURCES = {"training-sessions", "training-attendances", "appointments"}
HAZARD_RESOURCES = {
    "hazards",
    "inspections",
    "spots",
    "checklist-templates",
    "schedules",
    "due-inspections",
}


# A county's campaign is read by its schools (the row above for campaigns), changed by the
# county's bureau; classes, reminders, activities and completions belong to the school.
EDUCATION_RESOURCES = {
    "school-classes",
    "safety-reminders",
    "education-activities",
    "campaigns",
    "campaign-results",
}


def make_target(node, tag: str, resource: str):
    records = Records(node, tag)
    if resource in EDUCATION_RESOURCES:
        from tests.education.factories import education_target

        return education_target(node, tag, resource)
    if resource in COMPLIANCE_RESOURCES:  # an award; the numbers of the school's county;
        # the school's verdicts are keyed by its node
        from safecampus.compliance.models import PingAnAward, RuleOverride

        if resource == "pingan-awards":
            return PingAnAward.objects.create(
                org=node, level="county", awarded_on=datetime.date(2025, 6, 1)
            )
        if resource == "rule-overrides":
            return RuleOverride.objects.create(
                org=node.ancestors().get(kind="county"),
                code="DRILL-SCHOOL",
                effective_from=datetime.date(2026, 9, 1),
                params={"per_month": 2},
            )
        return node
    if resource in TRAINING_RESOURCES:  # a school's session, one attendee, an appointment
        from tests.training.helpers import appoint, attend, session

        held = session(node, datetime.date(2026, 3, 5), hours=3, topic=f"安全培训{tag}")
        if resource == "training-sessions":
            return held
        if resource == "training-attendances":
            return attend(held, f"参训人{tag}")
        return appoint(node, "psy_part", f"心理老师{tag}")
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
    if resource.startswith("spot-check"):  # a sample of the county's closed hazards: it lives
        # at the county's bureau (an inspector or township officer placed lower reads only the
        # checks), its check at the school; no school role reads either
        from tests.hazards.test_spotchecks import closed_hazard, draw

        county = node.ancestors().get(kind="county")
        staff = f.user_with_role(Role.BUREAU_STAFF, county)
        hazard = closed_hazard(node)
        sample = draw(staff, county, assignees=[staff])
        return sample if resource == "spot-check-samples" else sample.checks.get(hazard=hazard)
    if resource.startswith("defense-"):  # a school's inventory; a check of its guards
        from tests.defense.factories import declared, verified

        snapshot = declared(node)
        if resource == "defense-inventories":
            return snapshot
        return verified(node, None, guards=2)[0][0]
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
    if resource in CATALOGUE:
        return check_catalogue(world, resource, role)
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


def check_catalogue(world, resource, role):
    """The same rows for every reader (200), refused outright to the others (403)."""
    client = api(make_user(world, role))
    expected = {"r": 200, "x": 403}[EXPECTED[resource, role]]
    url = f"/api/v1/{resource}/"
    assert client.get(url).status_code == expected
    assert client.get(f"{url}DRILL-KG/").status_code == expected
    assert client.patch(f"{url}DRILL-KG/", EDITS[resource]).status_code == 405


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
        if prefix in CATALOGUE:  # no record of any county
            continue
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
