"""The training pages: the ledger and its export, a new session, attendance ticked on a
phone, a school's appointments (add, end, history), the county overview and its workbook, the
menu and the home page's to-dos, and outsiders who get nothing."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from safecampus.core.navigation import menu_for
from safecampus.training import overview
from safecampus.training.models import Appointment, TrainingAttendance, TrainingSession
from tests import factories as f
from tests.region_helpers import row_urls, schools
from tests.training.helpers import appoint, attend, session

pytestmark = pytest.mark.django_db

D = datetime.date


def today():
    return timezone.localdate()


def yesterday():
    return today() - datetime.timedelta(days=1)


@pytest.fixture
def officer(world):
    return f.user_with_role("safety_officer", world.school_a1)


@pytest.fixture
def bureau(world):
    return f.user_with_role("bureau_staff", world.county_a)


def login(client, user):
    client.force_login(user)
    return client


def workbook(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(io.BytesIO(content))


# ---------------------------------------------------------------------------------- ledger


def test_the_ledger_shows_the_schools_sessions_and_exports_them(client, world, officer):
    session(world.school_a1, yesterday(), hours=3, topic="消防安全培训")
    session(world.school_a2, yesterday(), hours=3, topic="幼儿园的培训")
    session(world.county_a, yesterday(), hours=8, topic="县里的培训班")
    page = login(client, officer).get(reverse("training:list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "消防安全培训" in text
    assert "幼儿园的培训" not in text and "县里的培训班" not in text
    book = workbook(client.get(reverse("training:list"), {"export": "xlsx"}))
    cells = [c for row in book.active.iter_rows(values_only=True) for c in row]
    assert "消防安全培训" in cells and "幼儿园的培训" not in cells


def test_a_teacher_has_no_training_pages(client, world):
    teacher = f.user_with_role("teacher", world.school_a1)
    login(client, teacher)
    assert client.get(reverse("training:list")).status_code == 403
    assert client.get(reverse("training:new")).status_code == 403
    assert client.get(reverse("training:overview")).status_code == 403
    assert client.get(reverse("training:appointments")).status_code == 403
    assert not [i for i in menu_for(teacher) if i["key"].startswith("training")]


# ------------------------------------------------------------------------ new and attendance


def test_a_new_session_then_its_attendance_ticked_on_a_phone(client, world, officer):
    login(client, officer)
    form = client.get(reverse("training:new"))
    assert form.status_code == 200
    assert f'value="{world.school_a1.pk}" selected' in form.content.decode()  # the only choice
    data = {
        "org": world.school_a1.pk,
        "audience": "all_staff",
        "topic": "秋季开学全员安全培训",
        "started_on": yesterday().isoformat(),
        "days": 1,
        "hours": "2",
        "attendee_count": "",
    }
    refused = client.post(reverse("training:new"), {**data, "hours": "0"})
    assert refused.status_code == 200 and "须大于零" in refused.content.decode()
    assert not TrainingSession.objects.exists()
    saved = client.post(reverse("training:new"), data)
    s = TrainingSession.objects.get()
    assert saved.url == reverse("training:detail", args=[s.pk])

    wang = f.PersonFactory(org=world.school_a1, name="王安全", post="分管安全副校长")
    f.PersonFactory(org=world.school_a2, name="隔壁园长")
    page = client.get(saved.url)
    text = page.content.decode()
    assert 'data-testid="attendance-form"' in text
    assert "王安全" in text and "隔壁园长" not in text
    answer = client.post(saved.url, {"people": [wang.pk], "names": "临聘张\n临聘李\n", "hours": ""})
    assert answer.status_code == 302
    assert sorted(s.attendances.values_list("name", flat=True)) == ["临聘张", "临聘李", "王安全"]
    again = client.post(saved.url, {"names": "临聘张"})
    assert again.status_code == 200 and "临聘张已在参训名单中" in again.content.decode()
    page = client.get(saved.url).content.decode()
    assert "已登记参训3人，共6学时。" in page
    row = s.attendances.get(name="临聘李")
    client.post(reverse("training:attendance_remove", args=[s.pk, row.pk]))
    assert not TrainingAttendance.objects.filter(pk=row.pk).exists()


def test_a_county_course_lists_the_people_of_the_school_chosen(client, world, bureau):
    course = session(world.county_a, yesterday(), hours=8, topic="县安全管理人员培训班")
    wang = f.PersonFactory(org=world.school_a1, name="王安全")
    f.PersonFactory(org=world.school_a2, name="园长马")
    login(client, bureau)
    url = reverse("training:detail", args=[course.pk])
    page = client.get(url).content.decode()
    assert "冯记沟中心小学" in page and "王安全" not in page  # choose a school first
    page = client.get(url, {"school": world.school_a1.pk}).content.decode()
    assert "王安全" in page and "园长马" not in page
    answer = client.post(f"{url}?school={world.school_a1.pk}", {"people": [wang.pk]})
    assert answer.status_code == 302
    row = course.attendances.get()
    assert row.org == world.school_a1 and row.hours == 8
    # The school sees its people's hours at the county's course through the attendance API.
    principal = f.user_with_role("principal", world.school_a1)
    login(client, principal)
    assert client.get(url).status_code == 404  # the course itself is the county's record


def test_editing_and_deleting_a_session(client, world, officer):
    s = session(world.school_a1, yesterday(), hours=3, topic="旧题目")
    login(client, officer)
    edit = reverse("training:edit", args=[s.pk])
    page = client.get(edit)
    assert page.status_code == 200
    data = {
        "version": 1,
        "audience": "managers",
        "topic": "新题目",
        "started_on": yesterday().isoformat(),
        "days": 1,
        "hours": "3",
    }
    assert client.post(edit, data).status_code == 302
    assert TrainingSession.objects.get().topic == "新题目"
    stale = client.post(edit, {**data, "topic": "过期"})
    assert stale.status_code == 200 and "已有他人修改了它" in stale.content.decode()
    assert client.post(reverse("training:delete", args=[s.pk])).status_code == 302
    assert not TrainingSession.objects.exists()


# --------------------------------------------------------------------------- appointments


def test_a_schools_appointments_page(client, world, officer):
    appoint(world.school_a1, "safety_manager", "王安全")
    appoint(
        world.school_a1,
        "legal_vp",
        "李警官",
        started_on=D(2022, 9, 1),
        ended_on=D(2025, 8, 31),
        unit="冯记沟派出所",
    )
    attend(session(world.school_a1, D(today().year, 1, 15), hours=4), "王安全")
    login(client, officer)
    page = client.get(reverse("training:appointments"))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="who-counts"' in text
    assert "无在任法治副校长。" in text
    assert "无在任心理健康教师。" in text
    assert "李警官" in text and "2025-08-31" in text  # the history
    assert "4 / 15" in text  # this year's hours of the manager

    add = f"{reverse('training:appointment_add')}?node={world.school_a1.pk}"
    # The township's police officer is not the school's to see: the school types the name.
    police = f.PersonFactory(org=world.town_a, name="马警官", unit="冯记沟派出所")
    form = client.get(add).content.decode()
    assert f'value="{police.pk}"' not in form
    answer = client.post(
        add,
        {
            "post": "legal_vp",
            "person": "",
            "name": "马警官",
            "unit": "冯记沟派出所",
            "started_on": "2025-09-01",
            "document_number": "盐教发〔2025〕12号",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[-3000:]
    a = Appointment.objects.get(name="马警官")
    assert a.unit == "冯记沟派出所" and a.org == world.school_a1
    text = client.get(reverse("training:appointments")).content.decode()
    assert "无在任法治副校长。" not in text

    end = reverse("training:appointment_end", args=[a.pk])
    refused = client.post(end, {"version": 1, "ended_on": "2025-01-01"})
    assert "聘任终止日期不能早于起始日期" in refused.content.decode()
    assert client.post(end, {"version": 1, "ended_on": yesterday().isoformat(), "reason": "调离"})
    a.refresh_from_db()
    assert a.ended_on == yesterday() and a.end_reason == "调离"
    assert client.get(end).status_code == 404  # an ended appointment cannot end again


def test_appointments_of_another_school_are_not_found(client, world, officer):
    login(client, officer)
    url = reverse("training:appointments")
    assert client.get(url, {"node": world.school_a2.pk}).status_code == 404
    assert client.get(url, {"node": world.school_b1.pk}).status_code == 404
    a = appoint(world.school_a2, "psy_part", "园里周老师")
    assert client.get(reverse("training:appointment_end", args=[a.pk])).status_code == 404
    assert client.get(reverse("training:appointment_edit", args=[a.pk])).status_code == 404


def test_a_regional_user_picks_the_school_from_the_overview(client, world, bureau):
    login(client, bureau)
    answer = client.get(reverse("training:appointments"))
    assert answer.status_code == 302 and answer.url == reverse("training:overview")
    page = client.get(reverse("training:appointments"), {"node": world.school_a1.pk})
    assert page.status_code == 200
    # The bureau sees the township's police officer and may appoint them.
    police = f.PersonFactory(org=world.town_a, name="马警官", unit="冯记沟派出所")
    add = f"{reverse('training:appointment_add')}?node={world.school_a1.pk}&post=legal_vp"
    assert f'value="{police.pk}"' in client.get(add).content.decode()
    data = {"post": "legal_vp", "person": police.pk, "name": "", "started_on": "2025-09-01"}
    assert client.post(add, data).status_code == 302
    a = Appointment.objects.get()
    assert (a.person, a.unit) == (police, "冯记沟派出所")
    # The school corrects the document number without losing the link to the officer.
    officer = f.user_with_role("safety_officer", world.school_a1)
    login(client, officer)
    edit = reverse("training:appointment_edit", args=[a.pk])
    data = {"version": 1, "post": "legal_vp", "person": "", "name": "马警官"}
    data |= {"unit": "冯记沟派出所", "started_on": "2025-09-01", "document_number": "盐教发1号"}
    assert client.post(edit, data).status_code == 302
    a.refresh_from_db()
    assert a.person == police and a.document_number == "盐教发1号"


def test_outsiders_get_404_on_every_training_page(client, world):
    s = session(world.school_a1, yesterday(), hours=3)
    row = attend(s, "张老师")
    a = appoint(world.school_a1, "legal_vp", "马警官")
    login(client, f.user_with_role("bureau_staff", world.county_b))
    for name, args in (
        ("detail", [s.pk]),
        ("edit", [s.pk]),
        ("delete", [s.pk]),
        ("appointment_edit", [a.pk]),
        ("appointment_end", [a.pk]),
    ):
        assert client.get(reverse(f"training:{name}", args=args)).status_code == 404, name
    remove = reverse("training:attendance_remove", args=[s.pk, row.pk])
    assert client.post(remove).status_code == 404
    assert TrainingAttendance.objects.filter(pk=row.pk).exists()


# ------------------------------------------------------------------------------- overview


def test_the_county_overview_and_its_workbook(client, world, bureau):
    year = today().year
    appoint(world.school_a1, "safety_manager", "王安全")
    appoint(world.school_a1, "legal_vp", "马警官", unit="冯记沟派出所")
    attend(session(world.school_a1, D(year, 1, 15), hours=9), "王安全")
    appoint(world.school_a2, "psy_part", "周老师")
    session(world.county_a, D(year, 1, 10), hours=30, audience="guards", days=5)
    session(world.county_b, D(year, 1, 10), hours=30, audience="guards", days=5, topic="外县")
    login(client, bureau)
    page = client.get(reverse("training:overview"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "冯记沟中心小学" in text and "冯记沟幼儿园" in text and "豫海中学" not in text
    assert "最少9 / 15学时" in text
    assert "马警官" in text and "周老师" in text
    assert "5 / 15" in text  # the county's guard-training days so far
    book = workbook(client.get(reverse("training:overview"), {"export": "xlsx"}))
    schools, guards = book.worksheets
    rows = {r[0]: r for r in schools.iter_rows(min_row=2, values_only=True)}
    assert rows["冯记沟中心小学"][3:7] == (1, 1, 9, 15)
    assert rows["冯记沟中心小学"][11] == "马警官"
    assert rows["冯记沟幼儿园"][12] == "周老师"
    assert [r[:3] for r in guards.iter_rows(min_row=2, values_only=True)] == [("盐池县", 5, 15)]


def figure(html: str, col: str) -> str:
    return re.search(rf'data-col="{col}"[^>]*>(.*?)</td>', html, re.S).group(1)


def test_a_city_overview_has_a_row_per_county_with_its_schools_figures(client, world):
    year = today().year
    appoint(world.school_a1, "legal_vp", "马警官")
    session(world.county_a, D(year, 1, 10), hours=30, audience="guards", days=5)
    login(client, f.user_with_role("bureau_staff", world.city))
    html = client.get(reverse("training:overview")).content.decode()
    assert "冯记沟中心小学" not in html and "马警官" not in html
    rows = row_urls(html)
    assert set(rows) == {str(world.county_a.pk), str(world.county_b.pk)}
    row_a = client.get(rows[str(world.county_a.pk)]).content.decode()
    county_a = client.get(reverse("training:overview"), {"node": world.county_a.pk})
    totals = county_a.context["totals"]
    assert schools(row_a) == totals["schools"] == 2
    assert ">1<" in figure(row_a, "no_legal") and totals["no_legal"] == 1  # the kindergarten
    assert figure(row_a, "guards") == "1 / 1"  # 5 of 15 days: short
    row_b = client.get(rows[str(world.county_b.pk)]).content.decode()
    assert schools(row_b) == 1 and ">1<" in figure(row_b, "no_legal")
    # A county's staff asking for the other county's row get nothing.
    login(client, f.user_with_role("bureau_staff", world.county_b))
    assert client.get(rows[str(world.county_a.pk)]).status_code == 404


def test_an_outsider_cannot_turn_the_overview_to_another_county(client, world):
    appoint(world.school_a1, "legal_vp", "马警官")
    outsider = f.user_with_role("bureau_staff", world.county_b)
    login(client, outsider)
    page = client.get(reverse("training:overview"), {"node": world.county_a.pk})
    text = page.content.decode()
    assert "马警官" not in text and "冯记沟中心小学" not in text


# ------------------------------------------------------------------------ menu and to-dos


def test_menu_entries_in_the_education_group(world, officer, bureau):
    police = f.user_with_role("department_liaison", world.town_a, department=world.police_a)
    keys = {u: {i["key"]: i for i in menu_for(u)} for u in (officer, bureau, police)}
    assert keys[officer]["appointments"]["group"] == "education"
    assert "training_overview" not in keys[officer]
    assert keys[bureau]["training_overview"]["url"] == reverse("training:overview")
    assert keys[police]["training"]["group"] == "education"  # the police read training


def test_home_to_dos_of_a_school(client, world, officer):
    login(client, officer)
    home = client.get(reverse("home")).content.decode()
    assert f"{reverse('training:appointments')}?node={world.school_a1.pk}" in home
    assert "无在任法治副校长" in home and "无在任心理健康教师" in home
    with translation.override("en"):
        labels = [i["label"] for i in overview.todo_items(officer, today=D(2026, 11, 20))]
    assert labels == ["No legal vice-principal in office", "No psychological teacher in office"]
    appoint(world.school_a1, "legal_vp", "马警官")
    appoint(world.school_a1, "psy_part", "周老师")
    appoint(world.school_a1, "safety_manager", "王安全")
    appoint(world.school_a1, "safety_manager", "李四")
    attend(session(world.school_a1, D(2026, 3, 5), hours=16), "王安全")
    attend(session(world.school_a1, D(2026, 3, 6), hours=10), "李四")
    with translation.override("en"):
        items = overview.todo_items(officer, today=D(2026, 11, 20))
    assert [(i["label"], i["count"]) for i in items] == [
        ("Safety managers short of this year's training hours", 1)
    ]
    assert overview.todo_items(officer, today=D(2026, 12, 20))[0]["severity"] == "overdue"
    assert overview.todo_items(officer, today=D(2026, 6, 20)) == []  # not yet late in the year
    assert overview.todo_items(f.user_with_role("bureau_staff", world.county_a)) == []
