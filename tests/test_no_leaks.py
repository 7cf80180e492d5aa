"""Nothing of county A reaches a user of county B, whatever page or id they try.

Walks every GET route of the site (pages, exports, search, API) as powerful users of the
other county and school, substituting the ids of every county-A record for every id in the
route, and checks that no county-A name appears in any answer.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from safecampus.core.models import AuditEntry
from safecampus.orgs.models import Department, LeadershipGroup, OrgNode, Person
from tests import factories as f

SECRET = "绝密甲"  # county A's records are renamed to carry it; no page text has it


def routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def text_of(response) -> str:
    """What a person could read in the answer: the page, the JSON, or every cell of a workbook."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        import io

        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return " ".join(
            str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row
        )
    return content.decode("utf-8", "replace")


def fill(route: str, value) -> str:
    # Regex routes (the API router's) carry ^ and $ in the middle once joined with their
    # prefix; their named groups are filled before the <converter> placeholders, which
    # would otherwise eat the group's <name>.
    route = route.replace("^", "").replace("$", "")
    route = re.sub(r"\(\?P<\w+>[^)]*\)", str(value), route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", str(value), route)
    route = route.replace("\\.", ".").replace("\\", "")
    return "/" + route.replace("//", "/")


def _hazard_records(world):
    """County A's checklist, inspection, hazard (escalated, with a notice), spot, schedule,
    weekly analysis and visit, each carrying the secret; returns their ids and the spot's QR
    token."""
    import datetime

    from django.utils import timezone

    from safecampus.hazards import review, services
    from safecampus.hazards.models import HazardEscalation, Schedule, Spot
    from tests.hazards.helpers import checklist, photo

    officer = f.user_with_role("safety_officer", world.school_a1)
    spot = Spot.objects.create(org=world.school_a1, name=SECRET + "食堂")
    # County A's own checklist: a template without a node is the built-in library, for all.
    version = checklist(items=(SECRET + "消防通道",), org=world.county_a)
    item = version.items.get()
    item.department_kinds = ["police"]  # a joint check: the police record shows the item
    item.save()
    inspection = services.inspection_submit(
        school=world.school_a1,
        by=officer,
        checklist=version,
        signed_name=SECRET,
        spots=[spot],
        answers=[
            {"item": item, "answer": "abnormal", "note": SECRET + "堵塞", "photos": [photo()]}
        ],
    )
    inspection.departments.add(world.police_a)
    hazard = inspection.hazards.get()
    escalation = HazardEscalation.objects.create(
        hazard=hazard, step="notice", deadline=timezone.localdate(), document_number=SECRET + "1号"
    )
    schedule = Schedule.objects.create(
        org=world.school_a1,
        title=SECRET + "日查",
        template=version.template,
        rhythm="school_day",
        starts_on=timezone.localdate() - datetime.timedelta(days=30),
    )
    weekly = review.weekly_review_save(
        school=world.school_a1,
        week_start=timezone.localdate(),
        by=officer,
        attendees=SECRET,
        analysis=SECRET,
        signed_name=SECRET,
    )
    inspector = f.user_with_role("inspector", world.school_a1)
    visit = review.visit_record(
        school=world.school_a1, by=inspector, visited_on=timezone.localdate(), findings=SECRET
    )
    return [
        spot.pk,
        inspection.pk,
        hazard.pk,
        escalation.pk,
        schedule.pk,
        weekly.pk,
        visit.pk,
        version.template.pk,
        str(spot.token),
    ]


def _settings_records(world):
    """County A's calendar period, deadline policy and notification channel, with the secret."""
    import datetime

    from safecampus.hazards.models import CalendarPeriod, DeadlinePolicy
    from safecampus.notify.models import Channel

    day = datetime.date(2026, 10, 1)
    period = CalendarPeriod.objects.create(
        org=world.county_a, kind="holiday", name=SECRET + "假", start=day, end=day
    )
    policy = DeadlinePolicy.objects.create(org=world.county_a, days_general=9)
    channel = Channel.objects.create(
        org=world.county_a, name=SECRET + "群", kind="email", target="a@example.org"
    )
    return [period.pk, policy.pk, channel.pk]


def _plan_records(world):
    """County A's emergency plans: an approved one with its duties and document, and the
    draft of its next edition; returns their ids and the document's token."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from safecampus.core.attachments import documents_of
    from safecampus.emergency import plans

    plan = plans.plan_create(
        by=None,
        org=world.school_a1,
        scenario="fire",
        title=SECRET + "火灾应急预案",
        summary=SECRET,
        contacts=[{"duty": "总指挥", "name": SECRET + "李", "phone": "13900000000"}],
        document=SimpleUploadedFile(SECRET + ".pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    plans.plan_approve(plan=plan, by=None, approved_by_name=SECRET, expected_version=None)
    draft = plans.plan_new_edition(plan=plan, by=None, edition=SECRET + "版")
    region = plans.plan_create(by=None, org=world.county_a, scenario="comprehensive", title=SECRET)
    return [plan.pk, draft.pk, region.pk, str(documents_of(plan).get().token)]


def _incident_records(world):
    """County A's incidents, a sensitive one and a plain one, with timeline entries (one
    corrected) and a reporting policy; returns their ids."""
    from safecampus.emergency import incidents
    from safecampus.emergency.models import IncidentPolicy

    officer = f.user_with_role("principal", world.school_a1, first_name=SECRET)
    found = []
    for kind in ("bullying", "injury"):
        incident = incidents.incident_report(
            school=world.school_a1,
            by=officer,
            incident_type=kind,
            place=SECRET + "操场",
            description=SECRET,
            names=SECRET + "张三",
        )
        note = incidents.entry_append(incident=incident, by=officer, step="note", text=SECRET)
        fix = incidents.entry_append(
            incident=incident,
            by=officer,
            step="correction",
            corrects=note,
            text=SECRET,
            reason=SECRET,
        )
        found += [incident.pk, note.pk, fix.pk]
    policy = IncidentPolicy.objects.create(org=world.county_a, first_report_minutes=30)
    return [*found, policy.pk]


def _drill_records(world):
    """County A's drills: a held one with a building, a problem that raised a hazard and a
    photo, and a planned one; returns their ids, the problem's and the photo's token."""
    import datetime

    from django.utils import timezone

    from safecampus.core.attachments import photos_of
    from safecampus.emergency import drills
    from tests.hazards.helpers import photo

    held = drills.drill_record(
        by=None,
        school=world.school_a1,
        held_at=timezone.now() - datetime.timedelta(days=3),
        scenario="fire",
        evacuation_seconds=220,
        assembly_point=SECRET + "操场",
        summary=SECRET,
        evaluator_name=SECRET,
        buildings=[{"name": SECRET + "教学楼", "storeys": 4, "seconds": 150}],
        photos=[photo()],
    )
    problem = drills.problem_add(drill=held, by=None, text=SECRET + "楼梯拥堵", raise_hazard=True)
    planned = drills.drill_plan(
        school=world.school_a2,
        by=None,
        scenario="earthquake",
        title=SECRET + "地震演练",
        planned_for=timezone.now() + datetime.timedelta(days=3),
    )
    return [held.pk, planned.pk, problem.pk, str(photos_of(held).get().token)]


def _compliance_records(world):
    """County A's numbers for a rule and a 平安校园 award (revoked), with the secret."""
    import datetime

    from safecampus.compliance.models import PingAnAward, RuleOverride

    override = RuleOverride.objects.create(
        org=world.county_a,
        code="DRILL-SCHOOL",
        effective_from=datetime.date(2026, 9, 1),
        params={"per_month": 2},
        note=SECRET,
        document_number=SECRET + "号",
    )
    award = PingAnAward.objects.create(
        org=world.school_a1,
        level="county",
        awarded_on=datetime.date(2025, 6, 1),
        revoked_on=datetime.date(2026, 3, 1),
        document_number=SECRET + "号",
        note=SECRET,
    )
    return [override.pk, award.pk]


def _training_records(world):
    """County A's training: a school's session with a person on file and a name, a county's
    course, and appointments (one ended), each carrying the secret; returns their ids."""
    import datetime

    from tests.training.helpers import appoint, attend, session

    day = datetime.date(2026, 3, 5)
    own = session(world.school_a1, day, hours=3, topic=SECRET + "全员培训", trainer=SECRET)
    person = f.PersonFactory(org=world.school_a1, name=SECRET + "王")
    rows = [attend(own, person), attend(own, SECRET + "临聘")]
    course = session(world.county_a, day, hours=8, topic=SECRET + "培训班", audience="guards")
    rows.append(attend(course, SECRET + "保安", school=world.school_a2))
    legal = appoint(world.school_a1, "legal_vp", SECRET + "警官", unit=SECRET + "派出所")
    ended = appoint(world.school_a2, "psy_part", SECRET + "周", ended_on=day)
    return [own.pk, course.pk, legal.pk, ended.pk, *(r.pk for r in rows)]


def _defense_records(world):
    """County A's three-defense inventory: a declaration and a correction by the police found
    during an inspection, with the secret; returns the snapshots' and verifications' ids."""
    from tests.defense.factories import declared, verified

    police = f.user_with_role("department_liaison", world.town_a, department=world.police_a)
    from safecampus.defense.models import InventorySnapshot, Verification

    first = declared(world.school_a1)
    rows, fixed = verified(world.school_a1, police, guards=1, guards_trained=1, guards_certified=1)
    Verification.objects.filter(pk__in=[r.pk for r in rows]).update(note=SECRET)
    InventorySnapshot.objects.filter(pk__in=[first.pk, fixed.pk]).update(note=SECRET)
    return [first.pk, fixed.pk, *(r.pk for r in rows)]


def _spotcheck_records(world):
    """County A's spot-checks: a sample with one check recorded (a fix that did not hold,
    with its photo) and one still due, each carrying the secret; returns their ids and the
    photo's token."""
    from safecampus.core.attachments import photos_of
    from safecampus.hazards import spotchecks
    from tests.hazards.helpers import photo
    from tests.hazards.test_spotchecks import closed_hazard, draw

    staff = f.user_with_role("bureau_staff", world.county_a, first_name=SECRET)
    first = closed_hazard(world.school_a1, text=SECRET + "围墙缺口")
    closed_hazard(world.school_a2, text=SECRET + "栏杆松动")
    sample = draw(staff, world.county_a, assignees=[staff], title=SECRET, note=SECRET)
    done = sample.checks.select_related("sample", "org", "assignee").get(hazard=first)
    spotchecks.check_record(
        check=done, by=staff, outcome="not_held", note=SECRET + "又坏了", photo=photo()
    )
    rows = list(sample.checks.values_list("pk", flat=True))
    return [sample.pk, *rows, str(photos_of(done, "spotcheck").get().token)]


def _education_records(world):
    """County A's safety education: a class with its head teacher and a reminder, an activity
    with a photo, a county campaign and a school's completion, each carrying the secret;
    returns their ids and the photo's token."""
    import datetime

    from safecampus.core.attachments import photos_of
    from safecampus.education import services
    from tests.hazards.helpers import photo

    teacher = f.user_with_role("teacher", world.school_a1, first_name=SECRET)
    klass = services.class_save(
        by=None, school=world.school_a1, grade="三年级", name=SECRET + "班", head_teacher=teacher
    )
    reminder, _created = services.reminder_record(
        school_class=klass, by=None, kind="daily", note=SECRET
    )
    activity = services.activity_save(
        by=None,
        school=world.school_a1,
        kind="themed",
        title=SECRET + "主题班会",
        topic="traffic",
        day=datetime.date(2026, 10, 16),
        note=SECRET,
        photos=[photo()],
    )
    campaign = services.campaign_save(
        by=None,
        org=world.county_a,
        name=SECRET + "安全第一课",
        topic="other",
        start=datetime.date(2026, 9, 1),
        end=datetime.date(2026, 9, 30),
        description=SECRET,
    )
    result, _created = services.result_save(
        campaign=campaign, school=world.school_a1, by=None, target=600, completed=590
    )
    token = str(photos_of(activity).get().token)
    return [klass.pk, reminder.pk, activity.pk, campaign.pk, result.pk, token]


@pytest.fixture
def county_a_records(world):
    group = f.LeadershipGroupFactory(org=world.town_a, name="冯记沟乡校园安全管理领导小组")
    person = f.PersonFactory(org=world.school_a1, name="张三", post=SECRET + "校长")
    from safecampus.orgs.services import group_set_members

    group_set_members(group=group, by=None, members=[{"person": person, "group_role": "leader"}])
    f.user_with_role("safety_officer", world.school_a1, username="fjg-officer", first_name=SECRET)
    from django.db.models import Value
    from django.db.models.functions import Concat

    OrgNode.objects.within(world.county_a.path).update(name=Concat(Value(SECRET), "name"))
    for model in (Department, Person, LeadershipGroup):
        model.objects.within(world.county_a.path).update(name=Concat(Value(SECRET), "name"))
    ids = set(_hazard_records(world)) | set(_settings_records(world))
    ids |= set(_plan_records(world))
    ids |= set(_drill_records(world))
    ids |= set(_incident_records(world))
    ids |= set(_education_records(world))
    ids |= set(_spotcheck_records(world))
    ids |= set(_defense_records(world))
    ids |= set(_training_records(world))
    ids |= set(_compliance_records(world))
    for model in (OrgNode, Department, Person, LeadershipGroup):
        ids |= set(model.objects.within(world.county_a.path).values_list("pk", flat=True))
    ids |= set(AuditEntry.objects.within(world.county_a.path).values_list("pk", flat=True)[:5])
    from safecampus.accounts.models import User

    ids |= set(User.objects.within(world.county_a.path).values_list("pk", flat=True))
    return sorted(ids, key=str)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "where"),
    [
        ("sysadmin", "county_b"),
        ("bureau_staff", "county_b"),
        ("principal", "school_b1"),
        ("department_liaison", "town_b"),
    ],
)
def test_outsiders_never_see_county_a(client, world, county_a_records, role, where):
    node = getattr(world, where)
    department = None
    if role == "department_liaison":
        department = f.DepartmentFactory(org=node, name="豫海派出所", kind="police")
    client.force_login(f.user_with_role(role, node, department=department))
    checked = 0
    for route in set(routes()):
        if (
            route.startswith(("static", "media", "i18n", "jsi18n", "accounts/logout"))
            or "format" in route
        ):
            continue
        has_arg = "<" in route or "(?P" in route
        if has_arg:
            urls = [fill(route, value) for value in county_a_records]
        else:
            base = fill(route, None)
            urls = [base, base + "?q=绝密", base + "?search=绝密"]
            nodes = OrgNode.objects.within(world.county_a.path).values_list("pk", flat=True)
            urls += [
                f"{base}?{key}={pk}" for pk in nodes for key in ("within", "parent", "org", "node")
            ]
        for url in urls:
            response = client.get(url)
            if response.status_code == 200:
                body = text_of(response)
                assert SECRET not in body, f"{url} shows county A to {role} of {where}"
            checked += 1
    assert checked > 100
