"""Writes of training and appointments: what is refused (and then nothing changes), who may
write where, stale versions, and the audit trail."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from safecampus.core.errors import ConflictError, NotAllowed
from safecampus.core.models import AuditEntry
from safecampus.training import services
from safecampus.training.models import Appointment, TrainingAttendance, TrainingSession
from tests import factories as f
from tests.training.helpers import appoint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The reasons are checked in English here (tests/training/test_pages.py reads Chinese)."""
    with translation.override("en"):
        yield


D = datetime.date


def yesterday():
    return timezone.localdate() - datetime.timedelta(days=1)


@pytest.fixture
def officer(world):
    return f.user_with_role("safety_officer", world.school_a1)


@pytest.fixture
def bureau(world):
    return f.user_with_role("bureau_staff", world.county_a)


def messages_of(exc) -> str:
    return " ".join(exc.value.messages)


def new_session(by, org, **kw):
    data = {
        "audience": "managers",
        "topic": "校园安全管理培训",
        "started_on": yesterday(),
        "hours": "4",
    }
    data.update(kw)
    return services.session_create(by=by, org=org, **data)


# -------------------------------------------------------------------------------- sessions


def test_a_session_is_recorded_with_an_audit_entry(world, officer):
    s = new_session(officer, world.school_a1, hours="3.5", trainer="县消防大队")
    assert s.hours == Decimal("3.5") and s.created_by == officer
    entry = AuditEntry.objects.get(
        object_id=str(s.pk), action="create", content_type__model="trainingsession"
    )
    assert entry.org_id == world.school_a1.pk and entry.changes["topic"][1] == "校园安全管理培训"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"hours": "0"}, "hours", "more than zero"),
        ({"hours": "-2"}, "hours", "more than zero"),
        ({"hours": "abc"}, "hours", "as a number"),
        ({"hours": "13"}, "hours", "More than 12 hours a day"),
        ({"hours": "30", "days": 2}, "hours", "More than 12 hours a day"),
        ({"started_on": D(2099, 1, 1)}, "started_on", "still ahead"),
        ({"topic": ""}, "topic", ""),
        ({"audience": "parents"}, "audience", ""),
    ],
)
def test_a_bad_session_is_refused_and_nothing_is_written(world, officer, fields, field, message):
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        new_session(officer, world.school_a1, **fields)
    assert field in exc.value.error_dict
    assert message in messages_of(exc)
    assert not TrainingSession.objects.exists() and AuditEntry.objects.count() == before


def test_a_session_belongs_to_a_school_township_or_county(world, bureau):
    assert new_session(bureau, world.county_a).org == world.county_a
    assert new_session(bureau, world.town_a).org == world.town_a
    admin = f.user_with_role("sysadmin", world.city)
    with pytest.raises(ValidationError) as exc:
        new_session(admin, world.city)
    assert "run by a county or township" in messages_of(exc)


def test_only_roles_that_write_training_may_record_and_only_in_their_scope(world, officer):
    teacher = f.user_with_role("teacher", world.school_a1)
    with pytest.raises(NotAllowed):
        new_session(teacher, world.school_a1)
    with pytest.raises(NotAllowed):
        new_session(officer, world.school_a2)  # another school of the same township
    police = f.user_with_role("department_liaison", world.town_a, department=world.police_a)
    with pytest.raises(NotAllowed):
        new_session(police, world.school_a1)  # the police read training, never write it


def test_a_stale_edit_is_refused(world, officer):
    s = new_session(officer, world.school_a1)
    services.session_update(session=s, by=officer, data={"topic": "改"}, expected_version=1)
    with pytest.raises(ConflictError):
        services.session_update(
            session=TrainingSession.objects.get(pk=s.pk),
            by=officer,
            data={"topic": "再改"},
            expected_version=1,
        )
    assert TrainingSession.objects.get(pk=s.pk).topic == "改"


def test_hours_cannot_drop_below_what_someone_attended(world, officer):
    s = new_session(officer, world.school_a1, hours="4")
    services.attendance_add(session=s, by=officer, name="张老师")
    with pytest.raises(ValidationError) as exc:
        services.session_update(session=s, by=officer, data={"hours": "2"}, expected_version=1)
    assert "4.0 h" in messages_of(exc)
    with pytest.raises(ValidationError):
        services.session_update(
            session=s, by=officer, data={"org": world.school_a2}, expected_version=1
        )


def test_deleting_a_session_takes_its_attendance_with_it(world, officer):
    s = new_session(officer, world.school_a1)
    services.attendance_add(session=s, by=officer, name="张老师")
    services.session_delete(session=s, by=officer)
    assert not TrainingSession.objects.exists() and not TrainingAttendance.objects.exists()
    assert AuditEntry.objects.filter(action="delete").count() == 2


# ------------------------------------------------------------------------------ attendance


def test_attendees_of_a_schools_session_are_its_own_people(world, officer):
    s = new_session(officer, world.school_a1, hours="4")
    mine = f.PersonFactory(org=world.school_a1, name="王安全")
    other = f.PersonFactory(org=world.school_a2, name="幼儿园李")
    row = services.attendance_add(session=s, by=officer, person=mine, hours="2.5")
    assert (row.org, row.name, row.hours) == (world.school_a1, "王安全", Decimal("2.5"))
    assert services.attendance_add(session=s, by=officer, name="临聘张").hours == Decimal("4")
    with pytest.raises(ValidationError) as exc:
        services.attendance_add(session=s, by=officer, person=other)
    assert "幼儿园李 is not on file at 冯记沟中心小学" in messages_of(exc)
    with pytest.raises(ValidationError) as exc:
        services.attendance_add(session=s, by=officer, person=mine)
    assert "already listed" in messages_of(exc)
    with pytest.raises(ValidationError) as exc:
        services.attendance_add(session=s, by=officer, name="临聘张")
    assert "already listed" in messages_of(exc)
    with pytest.raises(ValidationError) as exc:
        services.attendance_add(session=s, by=officer, name="赵", hours="5")
    assert "4.0 h" in messages_of(exc)
    with pytest.raises(ValidationError):
        services.attendance_add(session=s, by=officer, name="赵", hours="0")
    with pytest.raises(ValidationError):
        services.attendance_add(session=s, by=officer)
    assert s.attendances.count() == 2


def test_a_county_course_lists_people_of_its_schools(world, bureau):
    s = new_session(bureau, world.county_a, hours="8")
    a1 = f.PersonFactory(org=world.school_a1, name="王安全")
    b1 = f.PersonFactory(org=world.school_b1, name="外县人")
    town = f.PersonFactory(org=world.town_a, name="乡干部")
    row = services.attendance_add(session=s, by=bureau, person=a1)
    assert row.org == world.school_a1  # the attendance belongs to the attendee's school
    named = services.attendance_add(session=s, by=bureau, name="代课赵", school=world.school_a2)
    assert named.org == world.school_a2
    for person in (b1, town):
        with pytest.raises(ValidationError) as exc:
            services.attendance_add(session=s, by=bureau, person=person)
        assert "not on file at a school of 盐池县" in messages_of(exc)
    with pytest.raises(ValidationError) as exc:
        services.attendance_add(session=s, by=bureau, name="无名")
    assert "Say which school" in messages_of(exc)
    with pytest.raises(ValidationError):
        services.attendance_add(session=s, by=bureau, name="外县", school=world.school_b1)


def test_recording_several_attendees_is_all_or_nothing(world, officer):
    s = new_session(officer, world.school_a1)
    mine = f.PersonFactory(org=world.school_a1, name="王安全")
    other = f.PersonFactory(org=world.school_a2, name="幼儿园李")
    with pytest.raises(ValidationError) as exc:
        services.attendance_record(
            session=s, by=officer, people=[mine, other], names=["张三", "", "张三"]
        )
    assert "幼儿园李" in messages_of(exc)
    assert not s.attendances.exists()
    rows = services.attendance_record(session=s, by=officer, people=[mine], names=["张三", "张三"])
    assert sorted(r.name for r in rows) == ["张三", "王安全"]
    with pytest.raises(ValidationError) as exc:
        services.attendance_record(session=s, by=officer, people=[], names=[""])
    assert "Tick the people" in messages_of(exc)


# ---------------------------------------------------------------------------- appointments


def test_an_appointment_of_a_police_officer_on_file_at_the_township(world, officer):
    police = f.PersonFactory(org=world.town_a, name="马警官", unit="冯记沟派出所")
    a = services.appointment_create(
        by=officer,
        org=world.school_a1,
        post="legal_vp",
        person=police,
        started_on=D(2025, 9, 1),
        document_number="盐教发〔2025〕12号",
    )
    assert (a.name, a.unit) == ("马警官", "冯记沟派出所")
    other = f.PersonFactory(org=world.town_b, name="外乡警官")
    with pytest.raises(ValidationError) as exc:
        services.appointment_create(
            by=officer, org=world.school_a1, post="legal_vp", person=other, started_on=D(2025, 9, 1)
        )
    assert "not on file at 冯记沟中心小学 or above it" in messages_of(exc)


def test_an_appointment_belongs_to_a_school_and_one_person_holds_a_post_once(world, bureau):
    with pytest.raises(ValidationError) as exc:
        services.appointment_create(
            by=bureau, org=world.town_a, post="legal_vp", name="李", started_on=D(2025, 9, 1)
        )
    assert "belongs to a school" in messages_of(exc)
    services.appointment_create(
        by=bureau, org=world.school_a1, post="psy_part", name="周老师", started_on=D(2025, 9, 1)
    )
    with pytest.raises(ValidationError) as exc:
        services.appointment_create(
            by=bureau, org=world.school_a1, post="psy_part", name="周老师", started_on=D(2026, 1, 1)
        )
    assert "already holds this post from 2025-09-01" in messages_of(exc)
    with pytest.raises(ValidationError):
        services.appointment_create(
            by=bureau, org=world.school_a1, post="psy_part", started_on=D(2026, 1, 1)
        )
    # The same person at another post, or at another school, is fine.
    services.appointment_create(
        by=bureau,
        org=world.school_a1,
        post="safety_manager",
        name="周老师",
        started_on=D(2025, 9, 1),
    )
    assert Appointment.objects.count() == 2


def test_ending_an_appointment(world, officer):
    a = appoint(world.school_a1, "legal_vp", "李警官", started_on=D(2024, 9, 1))
    with pytest.raises(ValidationError) as exc:
        services.appointment_end(appointment=a, by=officer, ended_on=D(2024, 8, 1))
    assert "cannot end before it began (2024-09-01)" in messages_of(exc)
    services.appointment_end(
        appointment=a, by=officer, ended_on=D(2025, 8, 31), reason="任期届满", expected_version=1
    )
    a.refresh_from_db()
    assert (a.ended_on, a.end_reason, a.version) == (D(2025, 8, 31), "任期届满", 2)
    assert not a.in_office(D(2025, 9, 1)) and a.in_office(D(2025, 8, 31))
    with pytest.raises(ValidationError) as exc:
        services.appointment_end(appointment=a, by=officer, ended_on=D(2025, 9, 30))
    assert "already ended on 2025-08-31" in messages_of(exc)
    # A successor may then take the post; the same person again from the day after, too.
    services.appointment_create(
        by=officer, org=world.school_a1, post="legal_vp", name="李警官", started_on=D(2025, 9, 1)
    )
    entry = AuditEntry.objects.get(
        object_id=str(a.pk), action="update", content_type__model="appointment"
    )
    assert entry.changes["ended_on"] == [None, "2025-08-31"]


def test_correcting_an_appointment_is_audited_and_checked(world, officer):
    a = services.appointment_create(
        by=officer, org=world.school_a1, post="psy_part", name="周老师", started_on=D(2025, 9, 1)
    )
    services.appointment_update(
        appointment=a, by=officer, data={"unit": "冯记沟中心小学德育处"}, expected_version=1
    )
    entry = AuditEntry.objects.get(
        object_id=str(a.pk), action="update", content_type__model="appointment"
    )
    assert entry.changes["unit"] == ["", "冯记沟中心小学德育处"]
    with pytest.raises(ValidationError):
        services.appointment_update(
            appointment=a, by=officer, data={"ended_on": D(2026, 1, 1)}, expected_version=2
        )
    outsider = f.user_with_role("safety_officer", world.school_a2)
    with pytest.raises(NotAllowed):
        services.appointment_update(
            appointment=a, by=outsider, data={"unit": "x"}, expected_version=2
        )
