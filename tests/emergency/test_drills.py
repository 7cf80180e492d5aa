"""Drills: the one parser of evacuation times, planning and recording, cancelling, sign-off,
problems that raise hazards or become tasks, the pages (a phone-sized record form that keeps
what was typed), the calendar, the PDF report, XLSX exports, the API, scoping, the home page's
"drills due", and query counts."""

import datetime
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pypdf import PdfReader

from safecampus.core.errors import ConflictError, NotAllowed
from safecampus.core.models import AuditEntry
from safecampus.emergency import drills
from safecampus.emergency.choices import DrillStatus
from safecampus.emergency.drills import format_duration, parse_duration
from safecampus.emergency.models import Drill
from safecampus.hazards.models import Hazard
from safecampus.orgs.choices import SchoolKind
from tests import factories as f
from tests.api_helpers import api, api_setup  # noqa: F401
from tests.emergency.factories import held_drill, planned_drill
from tests.hazards.helpers import photo
from tests.region_helpers import cell, row_urls, schools

D = datetime.date


def aware(day, hour=10, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def yesterday():
    return timezone.localdate() - datetime.timedelta(days=1)


@pytest.fixture
def officer(world):
    return f.user_with_role("safety_officer", world.school_a1, first_name="王安全")


@pytest.fixture
def outsider(world):
    return f.user_with_role("bureau_staff", world.county_b)


# ------------------------------------------------------------------------------ the parser

SECONDS = st.integers(min_value=1, max_value=3600)


@given(SECONDS)
def test_every_time_reads_back_from_how_it_is_shown(seconds):
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert parse_duration(format_duration(seconds)) == seconds


@given(SECONDS)
def test_minutes_and_seconds_in_every_spelling(seconds):
    m, s = divmod(seconds, 60)
    assert parse_duration(str(seconds)) == seconds
    assert parse_duration(f"{seconds}秒") == seconds
    assert parse_duration(f"{m}:{s:02d}") == seconds
    assert parse_duration(f" {m} : {s} ") == seconds
    assert parse_duration(f"{m}分{s}秒") == seconds
    assert parse_duration(f"{m}分{s}") == seconds
    assert parse_duration(f"{m}分钟{s}秒") == seconds
    assert parse_duration(f"{m}min{s}s") == seconds
    assert parse_duration(f"{m}'{s}\"") == seconds
    wide = str.maketrans("0123456789:", "０１２３４５６７８９：")
    assert parse_duration(f"{m}:{s:02d}".translate(wide)) == seconds
    assert parse_duration(f"0:{m:02d}:{s:02d}") == seconds if m < 60 else True


@given(st.text(max_size=40))
@settings(max_examples=300)
def test_anything_typed_is_a_number_of_seconds_or_a_readable_error(text):
    try:
        value = parse_duration(text)
    except ValidationError as exc:
        assert exc.messages and all(exc.messages)
    else:
        assert value is None or 1 <= value <= 3600


@pytest.mark.parametrize(
    ("typed", "seconds"),
    [("3分40秒", 220), ("3:40", 220), ("220", 220), ("3分钟", 180), ("3.5分", 210), (None, None),
     ("", None), (220, 220), ("2 min", 120), ("40 s", 40)],
)  # fmt: skip
def test_examples(typed, seconds):
    assert parse_duration(typed) == seconds


@pytest.mark.parametrize(
    "typed", ["3.5", "3:75", "3分75秒", "abc", "-3", "0", "0:00", "2小时", "²"]
)
def test_nonsense_is_refused(typed):
    with pytest.raises(ValidationError):
        parse_duration(typed)


def test_formatting():
    with translation.override("zh-hans"):
        assert [format_duration(s) for s in (220, 120, 40, None)] == [
            "3分40秒",
            "2分钟",
            "40秒",
            "",
        ]
    with translation.override("en"):
        assert format_duration(220) == "3 min 40 s"


# ---------------------------------------------------------------------------- the services


@pytest.mark.django_db
def test_plan_then_record_as_held(world, officer):
    drill = drills.drill_plan(
        school=world.school_a1, by=officer, scenario="fire", planned_for=aware(yesterday(), 9)
    )
    assert drill.status == DrillStatus.PLANNED
    recorded = drills.drill_record(
        by=officer,
        drill=drill,
        expected_version=drill.version,
        held_at=aware(yesterday(), 9, 30),
        students=500,
        staff=40,
        students_by_grade={"一年级": 90, "二年级": 95},
        evacuation_seconds="3分40秒",
        assembly_point="操场",
        police_joined=True,
        buildings=[{"name": "教学楼", "storeys": 4, "seconds": "2:30"}],
        problems=[
            {"text": "二楼东侧楼梯拥堵", "follow_up": "增设引导员", "due_on": D(2026, 12, 1)}
        ],
        evaluator_name="李评估",
    )
    recorded.refresh_from_db()
    assert recorded.status == DrillStatus.HELD
    assert recorded.evacuation_seconds == 220
    assert recorded.evaluated_at is not None
    assert [(b.name, b.storeys, b.seconds) for b in recorded.buildings.all()] == [
        ("教学楼", 4, 150)
    ]
    assert recorded.problems.get().follow_up == "增设引导员"
    trail = AuditEntry.objects.filter(object_id=str(drill.pk)).values_list("action", "transition")
    assert ("transition", "drill:record") in list(trail)
    with pytest.raises(ValidationError):  # already held
        drills.drill_record(by=officer, drill=recorded, held_at=aware(yesterday()))


@pytest.mark.django_db
def test_two_people_recording_one_planned_drill_cannot_both_win(world, officer):
    drill = planned_drill(world.school_a1, aware(yesterday()))
    seen = drill.version
    drills.drill_record(by=officer, drill=drill, expected_version=seen, held_at=aware(yesterday()))
    stale = Drill.objects.get(pk=drill.pk)
    stale.status = DrillStatus.PLANNED  # as the second person's page still shows it
    with pytest.raises(ConflictError):
        drills.drill_record(
            by=officer, drill=stale, expected_version=seen, held_at=aware(yesterday())
        )


@pytest.mark.django_db
def test_a_drill_cannot_be_recorded_before_it_happens(world, officer):
    with pytest.raises(ValidationError) as caught:
        drills.drill_record(
            by=officer, school=world.school_a1, held_at=timezone.now() + datetime.timedelta(days=2)
        )
    assert "held_at" in caught.value.message_dict
    assert not Drill.objects.exists()


@pytest.mark.django_db
def test_cancel_needs_a_reason_and_a_planned_drill(world, officer):
    drill = planned_drill(world.school_a1, aware(timezone.localdate() + datetime.timedelta(days=3)))
    with pytest.raises(ValidationError):
        drills.drill_cancel(drill=drill, by=officer, reason="  ")
    drills.drill_cancel(drill=drill, by=officer, reason="暴雨停课", expected_version=drill.version)
    drill.refresh_from_db()
    assert (drill.status, drill.cancel_reason) == (DrillStatus.CANCELLED, "暴雨停课")
    with pytest.raises(ValidationError):
        drills.drill_cancel(drill=drill, by=officer, reason="再取消")
    with pytest.raises(ValidationError):
        drills.drill_update(drill=drill, by=officer, data={"title": "改"}, expected_version=None)


@pytest.mark.django_db
def test_a_teacher_may_not_record_drills(world):
    teacher = f.user_with_role("teacher", world.school_a1)
    with pytest.raises(NotAllowed):
        drills.drill_record(by=teacher, school=world.school_a1, held_at=aware(yesterday()))


@pytest.mark.django_db
def test_sign_off(world, officer):
    drill = held_drill(world.school_a1, yesterday())
    drills.drill_sign_off(
        drill=drill, by=officer, evaluator_name="李评估", expected_version=drill.version
    )
    drill.refresh_from_db()
    assert drill.evaluator_name == "李评估" and drill.evaluated_at is not None
    with pytest.raises(ConflictError):
        drills.drill_sign_off(drill=drill, by=officer, evaluator_name="张", expected_version=1)


@pytest.mark.django_db
def test_a_problem_raises_a_linked_hazard_in_the_ledger(world, officer):
    drill = held_drill(world.school_a1, yesterday(), "fire")
    problem = drills.problem_add(
        drill=drill,
        by=officer,
        text="消防通道被杂物堵塞",
        raise_hazard=True,
        category="fire",
        grade="high",
    )
    hazard = Hazard.objects.get()
    assert problem.hazard == hazard
    assert hazard.org == world.school_a1
    assert (hazard.category, hazard.grade, hazard.status) == ("fire", "high", "reported")
    assert "消防通道被杂物堵塞" in hazard.description
    assert re.match(r"^盐池-\d{4}-\d{6}$", hazard.number)
    with pytest.raises(ValidationError):  # one hazard per problem
        drills.problem_raise_hazard(problem=problem, by=officer)
    assert Hazard.objects.count() == 1
    later = drills.problem_add(drill=drill, by=officer, text="广播声音小")
    drills.problem_raise_hazard(problem=later, by=officer)
    assert Hazard.objects.count() == 2
    comments = list(
        AuditEntry.objects.filter(object_id=str(drill.pk)).values_list("comment", flat=True)
    )
    assert any(hazard.number in c for c in comments)


@pytest.mark.django_db
def test_a_problem_as_a_follow_up_task_with_owner_and_date(world, officer):
    drill = held_drill(world.school_a1, yesterday())
    owner = f.PersonFactory(org=world.school_a1, name="赵后勤")
    stranger = f.PersonFactory(org=world.school_b1, name="外校人")
    with pytest.raises(ValidationError):
        drills.problem_add(drill=drill, by=officer, text="x", follow_up="y", owner=owner)  # no date
    with pytest.raises(ValidationError):
        drills.problem_add(
            drill=drill, by=officer, text="x", follow_up="y", owner=stranger, due_on=D(2026, 12, 1)
        )
    problem = drills.problem_add(
        drill=drill, by=officer, text="应急照明不足", follow_up="更换应急灯", owner=owner,
        due_on=D(2026, 12, 1),
    )  # fmt: skip
    drills.problem_done(problem=problem, by=officer)
    problem.refresh_from_db()
    assert problem.done_at is not None
    with pytest.raises(ValidationError):
        drills.problem_done(problem=problem, by=officer)


# ------------------------------------------------------------------------------- the pages


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["3分40秒", "3:40", "220"])
def test_record_form_reads_the_time_however_it_is_typed(client, world, officer, typed):
    client.force_login(officer)
    response = client.post(
        reverse("drills:record"),
        {
            "school": world.school_a1.pk,
            "scenario": "fire",
            "held_at": f"{yesterday().isoformat()}T10:00",
            "evacuation_time": typed,
            "students": "480",
            "staff": "35",
            "b-TOTAL_FORMS": "1",
            "b-INITIAL_FORMS": "0",
            "b-0-name": "教学楼",
            "b-0-storeys": "4",
            "b-0-seconds": "2分05秒",
            "p-TOTAL_FORMS": "1",
            "p-INITIAL_FORMS": "0",
            "p-0-text": "楼梯口拥挤",
            "p-0-raise_hazard": "on",
            "p-0-category": "building",
            "p-0-grade": "general",
            "photos": [photo()],
        },
    )
    drill = Drill.objects.get()
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("drills:drill", args=[drill.pk])
    assert drill.evacuation_seconds == 220
    assert drill.buildings.get().seconds == 125
    assert drill.problems.get().hazard is not None
    page = client.get(response["Location"]).content.decode()
    assert "3分40秒" in page and "楼梯口拥挤" in page and "教学楼" in page
    assert 'data-testid="photos"' in page


@pytest.mark.django_db
def test_record_form_keeps_what_was_typed_on_error(client, world, officer):
    client.force_login(officer)
    response = client.post(
        reverse("drills:record"),
        {
            "school": world.school_a1.pk,
            "scenario": "earthquake",
            "held_at": f"{yesterday().isoformat()}T10:00",
            "evacuation_time": "三分钟多",
            "assembly_point": "北操场东侧",
            "b-TOTAL_FORMS": "3",
            "b-INITIAL_FORMS": "0",
            "p-TOTAL_FORMS": "2",
            "p-INITIAL_FORMS": "0",
            "p-0-text": "疏散路线标识不清",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "请按“3分40秒”“3:40”或秒数填写用时。" in page
    assert 'value="三分钟多"' in page
    assert "北操场东侧" in page and "疏散路线标识不清" in page
    assert not Drill.objects.exists()


@pytest.mark.django_db
def test_record_form_puts_the_essentials_first(client, world, officer):
    client.force_login(officer)
    page = client.get(reverse("drills:record") + f"?school={world.school_a1.pk}").content.decode()
    details = page.index('class="more"')
    for name in ("scenario", "held_at", "evacuation_time", "students", "staff"):
        assert page.index(f'name="{name}"') < details
    for name in ("assembly_point", "police_joined", "summary", "evaluator_name", "b-0-name"):
        assert page.index(f'name="{name}"') > details
    assert 'name="viewport"' in page


@pytest.mark.django_db
def test_record_a_planned_drill_from_its_page(client, world, officer):
    drill = planned_drill(world.school_a1, aware(yesterday(), 15), "earthquake")
    client.force_login(officer)
    url = reverse("drills:record_planned", args=[drill.pk])
    form = client.get(url).content.decode()
    assert f'value="{yesterday().isoformat()}T15:00"' in form
    response = client.post(
        url,
        {
            "version": drill.version,
            "scenario": "earthquake",
            "held_at": f"{yesterday().isoformat()}T15:10",
            "evacuation_time": "2:50",
            "b-TOTAL_FORMS": "0",
            "b-INITIAL_FORMS": "0",
            "p-TOTAL_FORMS": "0",
            "p-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    drill.refresh_from_db()
    assert (drill.status, drill.evacuation_seconds) == (DrillStatus.HELD, 170)


@pytest.mark.django_db
def test_edit_a_held_drill_and_its_buildings(client, world, officer):
    drill = held_drill(world.school_a1, yesterday(), seconds=220, buildings=[("教学楼", 4, 150)])
    client.force_login(officer)
    url = reverse("drills:edit", args=[drill.pk])
    form = client.get(url).content.decode()
    assert 'value="3分40秒"' in form and 'value="2分30秒"' in form  # shown as typed
    response = client.post(
        url,
        {
            "version": drill.version,
            "scenario": "fire",
            "held_at": f"{yesterday().isoformat()}T10:00",
            "evacuation_time": "2:55",
            "b-TOTAL_FORMS": "2",
            "b-INITIAL_FORMS": "1",
            "b-0-name": "教学楼",
            "b-0-storeys": "4",
            "b-0-seconds": "1分50秒",
            "b-1-name": "实验楼",
            "b-1-storeys": "3",
            "b-1-seconds": "100",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    drill.refresh_from_db()
    assert drill.evacuation_seconds == 175
    assert [(b.name, b.seconds) for b in drill.buildings.order_by("id")] == [
        ("教学楼", 110),
        ("实验楼", 100),
    ]
    stale = client.post(url, {"version": 1, "scenario": "fire", "held_at": f"{yesterday().isoformat()}T10:00",
                              "b-TOTAL_FORMS": "0", "b-INITIAL_FORMS": "0"})  # fmt: skip
    assert stale.status_code == 200
    assert "已有他人修改了它" in stale.content.decode()


@pytest.mark.django_db
def test_cancel_and_sign_off_from_the_drill_page(client, world, officer):
    client.force_login(officer)
    planned = planned_drill(
        world.school_a1, aware(timezone.localdate() + datetime.timedelta(days=5))
    )
    page = client.post(reverse("drills:cancel", args=[planned.pk]), {"version": planned.version})
    assert page.status_code == 200 and "error" in page.content.decode()
    client.post(
        reverse("drills:cancel", args=[planned.pk]), {"version": planned.version, "reason": "考试"}
    )
    planned.refresh_from_db()
    assert planned.status == DrillStatus.CANCELLED
    held = held_drill(world.school_a1, yesterday())
    client.post(
        reverse("drills:sign_off", args=[held.pk]),
        {"version": held.version, "evaluator_name": "李"},
    )
    held.refresh_from_db()
    assert held.evaluator_name == "李"


@pytest.mark.django_db
def test_problem_pages_raise_a_hazard_and_close_a_task(client, world, officer):
    drill = held_drill(world.school_a1, yesterday())
    client.force_login(officer)
    client.post(
        reverse("drills:problem_add", args=[drill.pk]),
        {"text": "警报声音听不清", "follow_up": "更换警报器", "due_on": "2026-12-20", "category": "other", "grade": "general"},
    )  # fmt: skip
    problem = drill.problems.get()
    client.post(
        reverse("drills:problem_hazard", args=[drill.pk, problem.pk]),
        {"category": "security", "grade": "low"},
    )
    problem.refresh_from_db()
    assert problem.hazard.category == "security"
    client.post(reverse("drills:problem_done", args=[drill.pk, problem.pk]))
    problem.refresh_from_db()
    assert problem.done_at is not None


@pytest.mark.django_db
def test_calendar_shows_a_month_of_planned_held_and_cancelled_drills(client, world, officer):
    held_drill(world.school_a1, D(2026, 10, 12), "fire")
    planned_drill(world.school_a1, aware(D(2026, 10, 20), 9), "earthquake")
    cancelled = planned_drill(world.school_a1, aware(D(2026, 10, 22), 9), "violence")
    drills.drill_cancel(drill=cancelled, by=officer, reason="下雨")
    held_drill(world.school_b1, D(2026, 10, 12), "fire")  # another county
    client.force_login(officer)
    page = client.get(reverse("drills:calendar") + "?month=2026-10").content.decode()
    assert "计划 1 次，已开展 1 次，已取消 1 次" in page
    assert 'data-day="2026-10-12"' in page
    assert "火灾" in page and "地震" in page


@pytest.mark.django_db
def test_a_busy_day_shows_its_first_four_drills_by_time_and_how_many_more(world, officer):
    """A region's month is counted and ranked in SQL: each day shows its earliest four drills,
    held ones at the time they were held, planned ones at the time planned, and how many
    more there are; drills late in the evening fall on their local day."""
    for hour in (15, 8, 11, 9):
        held_drill(world.school_a1, D(2026, 10, 12), "fire", hour=hour)
    planned_drill(world.school_a1, aware(D(2026, 10, 12), 10), "earthquake")
    planned_drill(world.school_a1, aware(D(2026, 10, 12), 23), "violence")  # 23:00 local
    qs = Drill.objects.for_user(officer).within(world.county_a.path)
    by_day, totals, statuses = drills.month_calendar(qs, D(2026, 10, 1), D(2026, 10, 31))
    shown = by_day[D(2026, 10, 12)]
    assert [timezone.localtime(d.when_).hour for d in shown] == [8, 9, 10, 11]
    assert [d.status for d in shown] == ["held", "held", "planned", "held"]
    assert totals == {D(2026, 10, 12): 6}
    assert statuses == {"held": 4, "planned": 2}


@pytest.mark.django_db
def test_list_and_its_xlsx_export_round_trip(client, world, officer):
    held_drill(
        world.school_a1, D(2026, 10, 12), "fire", seconds=220, police=True, assembly_point="操场"
    )
    planned_drill(world.school_a1, aware(D(2026, 12, 2), 9), "earthquake")
    client.force_login(officer)
    page = client.get(reverse("drills:list") + "?status=held").content.decode()
    assert "3分40秒" in page
    response = client.get(reverse("drills:list") + "?status=held&export=xlsx")
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header = rows[0]
    assert header[:4] == ("学校", "演练类型", "标题", "状态")
    assert len(rows) == 2
    row = dict(zip(header, rows[1], strict=True))
    assert row["学校"] == "冯记沟中心小学"
    assert row["疏散用时（秒）"] == 220 and row["疏散用时"] == "3分40秒"
    assert row["公安参与"] == "是" and row["集合点"] == "操场"
    assert row["开展时间"] == datetime.datetime(2026, 10, 12, 10, 0)


@pytest.mark.django_db
def test_drill_report_pdf_carries_the_schools_chinese_name(client, world, officer):
    drill = held_drill(
        world.school_a1, D(2026, 10, 12), "fire", seconds=220, buildings=[("教学楼", 4, 150)]
    )
    drills.problem_add(drill=drill, by=officer, text="楼梯口拥挤", raise_hazard=True)
    client.force_login(officer)
    response = client.get(reverse("drills:report_pdf", args=[drill.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = re.sub(
        r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    )
    assert "冯记沟中心小学" in text
    assert (
        "应急演练记录" in text and "3分40秒" in text and "教学楼" in text and "楼梯口拥挤" in text
    )


@pytest.mark.django_db
def test_county_view_lists_the_schools_out_of_compliance_and_why(client, world):
    user = f.user_with_role("bureau_staff", world.county_a)
    held_drill(world.school_a1, D(2026, 9, 10), "fire", seconds=220)
    held_drill(world.school_a2, D(2026, 9, 10), "fire", seconds=90)
    client.force_login(user)
    url = reverse("drills:compliance")
    page = client.get(url + "?as_of=2026-11-05").content.decode()
    assert "2026年10月无演练" in page
    assert "超过 3分钟" in page  # EVAC-PRIMARY of the primary school
    assert reverse("drills:school", args=[world.school_a1.pk]) in page  # drill-down
    page = client.get(url + "?as_of=2026-11-05&rule=EVAC-PRIMARY").content.decode()
    assert "超过 3分钟" in page and "2026年10月无演练" not in page
    page = client.get(url + f"?as_of=2026-11-05&township={world.town_a.pk}").content.decode()
    assert "冯记沟中心小学" in page
    response = client.get(url + "?as_of=2026-11-05&rule=DRILL-SCHOOL&export=xlsx")
    rows = list(
        load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True)
    )
    assert rows[0][:4] == ("学校", "乡镇", "学校类型", "规则")
    assert rows[1][0] == "冯记沟中心小学" and rows[1][1] == "冯记沟乡"
    assert rows[1][3] == "DRILL-SCHOOL" and "2026年10月无演练" in rows[1][7]


@pytest.mark.django_db
def test_a_city_sees_a_row_per_county_with_its_schools_out_of_compliance(client, world):
    """Above a county the page lists regions, each row filled by its own request, so a
    province's page never judges twenty thousand schools at once."""
    held_drill(world.school_a1, D(2026, 9, 10), "fire", seconds=220)  # no October drill
    held_drill(world.school_b1, D(2026, 10, 12), "fire", seconds=100)  # compliant in October
    client.force_login(f.user_with_role("bureau_staff", world.city))
    url = reverse("drills:compliance")
    html = client.get(url + "?as_of=2026-11-05").content.decode()
    assert "冯记沟中心小学" not in html and "豫海中学" not in html  # no school table
    rows = row_urls(html)
    assert set(rows) == {str(world.county_a.pk), str(world.county_b.pk)}
    row_a = client.get(rows[str(world.county_a.pk)]).content.decode()
    assert "盐池县" in row_a and "as_of=2026-11-05" in row_a
    assert cell(row_a, "DRILL-SCHOOL") == "1"  # the primary school, linked
    assert f"node={world.county_a.pk}&amp;rule=DRILL-SCHOOL" in row_a
    row_b = client.get(rows[str(world.county_b.pk)]).content.decode()
    assert cell(row_b, "DRILL-SCHOOL") == "0"
    # The county's own page, reached from the row, lists its schools and leads back up.
    page = client.get(url + f"?node={world.county_a.pk}&as_of=2026-11-05").content.decode()
    assert "2026年10月无演练" in page and f"?as_of=2026-11-05&amp;node={world.city.pk}" in page


@pytest.mark.django_db
def test_a_province_sees_its_cities_and_the_schools_right_under_a_city(client, world):
    own = f.school(world.city, "吴忠市第一中学", SchoolKind.SENIOR)
    held_drill(world.school_b1, D(2026, 10, 12), "fire", seconds=100)
    client.force_login(f.user_with_role("bureau_staff", world.province))
    url = reverse("drills:compliance")
    rows = row_urls(client.get(url + "?as_of=2026-11-05").content.decode())
    assert set(rows) == {str(world.city.pk)}
    city_row = client.get(rows[str(world.city.pk)]).content.decode()
    assert schools(city_row) == 4
    html = client.get(url + f"?node={world.city.pk}&as_of=2026-11-05").content.decode()
    assert "吴忠市直属学校" in html
    direct = client.get(row_urls(html)[str(world.city.pk)]).content.decode()
    assert schools(direct) == 1
    page = client.get(
        url + f"?node={world.city.pk}&direct=1&as_of=2026-11-05&status=all"
    ).content.decode()
    assert own.name in page and "冯记沟中心小学" not in page and 'data-testid="direct"' in page


@pytest.mark.django_db
def test_a_region_row_of_another_county_is_not_found(client, world):
    held_drill(world.school_b1, D(2026, 9, 10), "fire", seconds=100)
    client.force_login(f.user_with_role("bureau_staff", world.county_a))
    url = reverse("drills:compliance") + f"?node={world.county_b.pk}&part=row"
    assert client.get(url).status_code == 404
    assert client.get(reverse("drills:compliance") + "?part=row").status_code == 404


@pytest.mark.django_db
def test_school_page_shows_the_trend_against_the_target(client, world, officer):
    held_drill(world.school_a1, D(2026, 9, 10), "fire", seconds=200)
    held_drill(
        world.school_a1, D(2026, 10, 12), "fire", seconds=160, buildings=[("教学楼", 4, 110)]
    )
    client.force_login(officer)
    page = client.get(reverse("drills:school", args=[world.school_a1.pk]) + "?as_of=2026-11-05")
    html = page.content.decode()
    assert 'id="drills-trend"' in html
    trend = page.context["trend"]
    assert trend["seconds"] == [200, 160] and trend["target"] == 180
    assert "vendor/echarts/echarts.min.js" in html and "js/drills.js" in html
    # A school's own staff asking for the county view land on their school.
    assert client.get(reverse("drills:compliance"))["Location"] == reverse(
        "drills:school", args=[world.school_a1.pk]
    )


@pytest.mark.django_db
def test_outsiders_get_404_on_every_drill_page(client, world, outsider):
    drill = held_drill(world.school_a1, yesterday())
    problem = drills.problem_add(drill=drill, by=None, text="问题")
    client.force_login(outsider)
    for name in ("drill", "record_planned", "edit", "report_pdf"):
        assert client.get(reverse(f"drills:{name}", args=[drill.pk])).status_code == 404, name
    for name in ("cancel", "sign_off", "photos", "problem_add"):
        assert client.post(reverse(f"drills:{name}", args=[drill.pk])).status_code == 404, name
    for name in ("problem_hazard", "problem_done"):
        assert (
            client.post(reverse(f"drills:{name}", args=[drill.pk, problem.pk])).status_code == 404
        )
    assert client.get(reverse("drills:school", args=[world.school_a1.pk])).status_code == 404
    page = client.get(reverse("drills:calendar") + f"?node={world.school_a1.pk}").content.decode()
    assert "冯记沟" not in page
    assert "冯记沟" not in client.get(reverse("drills:list")).content.decode()


@pytest.mark.django_db
def test_a_teacher_reads_but_may_not_write(client, world):
    drill = planned_drill(world.school_a1, aware(timezone.localdate() + datetime.timedelta(days=2)))
    client.force_login(f.user_with_role("teacher", world.school_a1))
    assert client.get(reverse("drills:drill", args=[drill.pk])).status_code == 200
    assert client.get(reverse("drills:record")).status_code == 403
    assert client.get(reverse("drills:record_planned", args=[drill.pk])).status_code == 403
    assert (
        client.post(reverse("drills:cancel", args=[drill.pk]), {"reason": "x"}).status_code == 403
    )


@pytest.mark.django_db
def test_pages_cost_a_fixed_number_of_queries(client, world):
    user = f.user_with_role("bureau_staff", world.county_a)
    client.force_login(user)

    def grow(n):
        for _i in range(n):
            school = f.school(world.town_a)
            drill = held_drill(
                school, D(2026, 10, 12), "fire", seconds=150, buildings=[("楼", 3, 90)]
            )
            drills.problem_add(drill=drill, by=None, text="问题")

    def cost(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    urls = [
        reverse("drills:list"),
        reverse("drills:list") + "?export=xlsx",
        reverse("drills:calendar") + "?month=2026-10",
        reverse("drills:compliance") + "?as_of=2026-11-05&status=all",
    ]
    grow(2)
    few = [cost(u) for u in urls]
    grow(10)
    assert [cost(u) for u in urls] == few


# -------------------------------------------------------------------------------- the home


@pytest.mark.django_db
def test_home_shows_drills_due_to_the_safety_officer(client, world, officer):
    client.force_login(officer)
    today = timezone.localdate()
    items = {i["key"]: i for i in drills.todo_items(officer)}
    from safecampus.emergency.compliance import calendars_of, month_period

    month = month_period(today)
    if calendars_of([world.school_a1], today)[world.school_a1.pk].school_days(
        month.start, month.end
    ):
        assert items["drills-due"]["count"] == 1
        assert "?school=" in items["drills-due"]["url"]
        held_drill(world.school_a1, today.replace(day=1) if today.day > 1 else today)
        assert "drills-due" not in {i["key"] for i in drills.todo_items(officer)}
    planned_drill(world.school_a1, timezone.now() + datetime.timedelta(minutes=1))
    keys = {i["key"]: i for i in drills.todo_items(officer)}
    if timezone.localtime(timezone.now() + datetime.timedelta(minutes=1)).date() == today:
        assert keys["drills-today"]["count"] == 1
    page = client.get(reverse("home")).content.decode()
    assert "今日计划的演练" in page or "本月演练尚未开展" in page
    assert drills.todo_items(f.user_with_role("teacher", world.school_a1)) == []


# ---------------------------------------------------------------------------------- the API


@pytest.mark.django_db
def test_api_plans_records_and_cancels(world, officer):
    client = api(officer, "zh-hans")
    when = (timezone.now() + datetime.timedelta(days=3)).isoformat()
    created = client.post(
        "/api/v1/drills/",
        {"org": world.school_a1.pk, "scenario": "earthquake", "planned_for": when},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "planned"
    held_at = aware(yesterday()).isoformat()
    recorded = client.patch(
        f"/api/v1/drills/{body['id']}/",
        {
            "version": body["version"],
            "status": "held",
            "held_at": held_at,
            "evacuation_seconds": "3:40",
            "buildings": [{"name": "教学楼", "storeys": 4, "seconds": "2分30秒"}],
            "problems": [{"text": "广播听不清", "raise_hazard": True, "category": "security"}],
        },
        format="json",
    )
    assert recorded.status_code == 200, recorded.content
    data = recorded.json()
    assert data["status"] == "held" and data["evacuation_seconds"] == 220
    assert data["evacuation_time"] == "3分40秒"
    assert data["buildings"] == [{"name": "教学楼", "storeys": 4, "seconds": 150}]
    assert data["problems"][0]["hazard_number"].startswith("盐池-")
    stale = client.patch(
        f"/api/v1/drills/{body['id']}/", {"version": 1, "summary": "x"}, format="json"
    )
    assert stale.status_code == 409
    back = client.patch(
        f"/api/v1/drills/{body['id']}/",
        {"version": data["version"], "status": "planned"},
        format="json",
    )
    assert back.status_code == 400
    bad = client.post(
        "/api/v1/drills/",
        {
            "org": world.school_a1.pk,
            "scenario": "fire",
            "held_at": held_at,
            "evacuation_seconds": "三分",
        },
        format="json",
    )
    assert bad.status_code == 400 and "evacuation_seconds" in bad.json()
    plan = client.post(
        "/api/v1/drills/",
        {"org": world.school_a1.pk, "scenario": "fire", "planned_for": when},
        format="json",
    ).json()
    cancelled = client.patch(
        f"/api/v1/drills/{plan['id']}/",
        {"version": plan["version"], "status": "cancelled", "cancel_reason": "考试周"},
        format="json",
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


@pytest.mark.django_db
def test_api_filters(world, officer):
    held_drill(world.school_a1, D(2026, 10, 12), "fire")
    held_drill(world.school_a1, D(2026, 9, 3), "comprehensive")
    planned_drill(world.school_a2, aware(D(2026, 12, 2)), "earthquake")
    user = f.user_with_role("bureau_staff", world.county_a)
    client = api(user)

    def listed(**params):
        response = client.get("/api/v1/drills/", params)
        assert response.status_code == 200, response.content
        return sorted(r["scenario"] for r in response.json()["results"])

    assert listed(scenario="fire") == ["fire"]
    assert listed(status="planned") == ["earthquake"]
    assert listed(within=world.school_a2.pk) == ["earthquake"]
    assert listed(date_from="2026-10-01", date_to="2026-10-31") == ["fire"]
    assert listed(date_from="2026-09-01") == ["comprehensive", "earthquake", "fire"]
    assert listed(within=world.county_b.pk) == []


@pytest.mark.django_db
def test_api_compliance_of_a_school(world, outsider):
    held_drill(world.school_a1, D(2026, 9, 10), "fire", seconds=220)
    user = f.user_with_role("bureau_staff", world.county_a)
    response = api(user, "zh-hans").get(
        "/api/v1/drill-compliance/", {"school": world.school_a1.pk, "as_of": "2026-11-05"}
    )
    assert response.status_code == 200
    (row,) = response.json()["results"]
    verdicts = {v["rule"]: v for v in row["verdicts"]}
    assert verdicts["DRILL-SCHOOL"]["status"] == "non_compliant"
    assert verdicts["DRILL-SCHOOL"]["period"]["key"] == "2026-10"
    assert "2026年10月无演练" in verdicts["DRILL-SCHOOL"]["explanation"]
    assert verdicts["EVAC-PRIMARY"]["evidence"][0]["evacuation_seconds"] == 220
    detail = api(user).get(
        f"/api/v1/drill-compliance/{world.school_a1.pk}/", {"as_of": "2026-11-05"}
    )
    assert detail.status_code == 200 and detail.json()["status"] == "non_compliant"
    assert api(outsider).get(f"/api/v1/drill-compliance/{world.school_a1.pk}/").status_code == 404
    assert (
        api(outsider)
        .get("/api/v1/drill-compliance/", {"school": world.school_a1.pk})
        .json()["count"]
        == 0
    )
    assert api(user).get("/api/v1/drill-compliance/", {"as_of": "soon"}).status_code == 400


@pytest.mark.django_db
def test_api_compliance_pages_the_schools_then_judges_them(world):
    """Each page judges its own schools, in the order of the tree, with their own drills."""
    held_drill(world.school_a1, D(2026, 10, 10), "fire", seconds=150)
    user = f.user_with_role("bureau_staff", world.city)
    pages = [
        api(user)
        .get("/api/v1/drill-compliance/", {"as_of": "2026-11-05", "page_size": 1, "page": n})
        .json()
        for n in (1, 2, 3)
    ]
    assert [p["count"] for p in pages] == [3, 3, 3]
    assert [p["results"][0]["school"] for p in pages] == [
        world.school_a1.pk,
        world.school_a2.pk,
        world.school_b1.pk,
    ]
    first = {v["rule"]: v["status"] for v in pages[0]["results"][0]["verdicts"]}
    second = {v["rule"]: v["status"] for v in pages[1]["results"][0]["verdicts"]}
    assert first["DRILL-SCHOOL"] == "compliant" and first["EVAC-PRIMARY"] == "compliant"
    assert second["DRILL-SCHOOL"] == "not_applicable"  # a kindergarten: DRILL-KG instead
    within = api(user).get(
        "/api/v1/drill-compliance/", {"as_of": "2026-11-05", "within": world.county_b.pk}
    )
    assert [r["school"] for r in within.json()["results"]] == [world.school_b1.pk]


@pytest.mark.django_db
def test_api_outsider_sees_no_drill(world, outsider):
    drill = held_drill(world.school_a1, yesterday())
    client = api(outsider)
    assert client.get(f"/api/v1/drills/{drill.pk}/").status_code == 404
    assert (
        client.patch(
            f"/api/v1/drills/{drill.pk}/", {"version": 1, "summary": "x"}, format="json"
        ).status_code
        == 404
    )
    assert client.get("/api/v1/drills/").json()["count"] == 0
    created = client.post(
        "/api/v1/drills/",
        {"org": world.school_a1.pk, "scenario": "fire", "planned_for": timezone.now().isoformat()},
        format="json",
    )
    assert created.status_code == 400 and "org" in created.json()
