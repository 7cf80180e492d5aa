"""Spot-checks of closed hazards: the draw (size, filters, only closed hazards in the drawer's
scope, reproducible from its seed), round-robin assignment, recording on site (photo always
required, a note when the fix does not hold), a failed check reopening its hazard and telling
the school, the derived states and the held share, schools and outsiders seeing nothing, the
pages, the API and the demo."""

import datetime
import hashlib
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from safecampus.accounts.roles import Role
from safecampus.core.attachments import photos_of
from safecampus.core.errors import ConflictError, NotAllowed
from safecampus.core.models import AuditEntry
from safecampus.hazards import services as hazard_services
from safecampus.hazards import spotchecks
from safecampus.hazards.choices import Status
from safecampus.hazards.models import Hazard, HazardTransition, SpotCheck, SpotCheckSample
from safecampus.notify.models import Notification
from tests import factories as f
from tests.api_helpers import api, api_setup  # noqa: F401
from tests.hazards.helpers import photo

ONE_DAY = datetime.timedelta(days=1)


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def closed_hazard(school, closed_on=None, *, grade="general", category="fire", text="灭火器过期"):
    """A hazard of `school` closed on `closed_on` (20 days ago by default)."""
    hazard = hazard_services.hazard_report(
        school=school, by=None, description=text, category=category, grade=grade
    )
    closed_on = closed_on or days_ago(20)
    closed_at = timezone.make_aware(datetime.datetime.combine(closed_on, datetime.time(10)))
    Hazard.objects.filter(pk=hazard.pk).update(status=Status.CLOSED, closed_at=closed_at)
    hazard.refresh_from_db()
    return hazard


def draw(by, region, **kw):
    kw.setdefault("closed_from", days_ago(60))
    kw.setdefault("closed_to", days_ago(1))
    kw.setdefault("due_on", timezone.localdate() + datetime.timedelta(days=14))
    if "size_percent" not in kw:
        kw.setdefault("size_count", 5)
    return spotchecks.sample_draw(by=by, region=region, **kw)


def drawn_numbers(sample) -> list[str]:
    return list(sample.checks.order_by("position").values_list("hazard__number", flat=True))


@pytest.fixture
def bureau(world):
    return f.user_with_role(Role.BUREAU_STAFF, world.county_a, first_name="安全科")


@pytest.fixture
def outsider(world):
    return f.user_with_role(Role.BUREAU_STAFF, world.county_b)


def record(check, by=None, **kw):
    check = SpotCheck.objects.select_related("sample", "org", "assignee").get(pk=check.pk)
    kw.setdefault("outcome", "held")
    kw.setdefault("photo", photo())
    return spotchecks.check_record(check=check, by=by or check.assignee, **kw)


# -------------------------------------------------------------------------------- the draw


def test_the_draw_takes_the_size_asked_as_a_count_or_a_share(world, bureau):
    for _i in range(10):
        closed_hazard(world.school_a1)
    assert draw(bureau, world.county_a, size_count=4).checks.count() == 4
    # Four hazards now wait for a check: six candidates left, 25 % of them rounds up to two.
    by_share = draw(bureau, world.county_a, size_percent=25)
    assert by_share.population_size == 6
    assert by_share.checks.count() == 2
    # Asking for more than there are takes them all.
    assert draw(bureau, world.county_a, size_count=50).checks.count() == 4


def test_only_hazards_closed_in_the_window_inside_the_region_and_scope_are_candidates(
    world, bureau
):
    inside = [closed_hazard(world.school_a1), closed_hazard(world.school_a2, days_ago(59))]
    closed_hazard(world.school_a1, days_ago(90))  # closed before the window
    closed_hazard(world.school_b1)  # another county
    hazard_services.hazard_report(  # still open
        school=world.school_a1, by=None, description="电线裸露", category="electricity"
    )
    pending = closed_hazard(world.school_a1)
    Hazard.objects.filter(pk=pending.pk).update(status=Status.RECTIFYING)  # reopened since
    sample = draw(bureau, world.county_a, size_count=50)
    assert sorted(sample.population) == sorted(h.number for h in inside)
    assert set(drawn_numbers(sample)) == {h.number for h in inside}
    # The county bureau cannot draw over the other county, even as a superuser would.
    with pytest.raises(NotAllowed):
        draw(bureau, world.county_b)


def test_filters_narrow_the_candidates(world, bureau):
    fire_major = closed_hazard(world.school_a1, grade="major", category="fire")
    closed_hazard(world.school_a1, grade="general", category="fire")
    food_kg = closed_hazard(world.school_a2, grade="general", category="food")
    assert draw(bureau, world.county_a, grade="major").population == [fire_major.number]
    assert draw(bureau, world.county_a, category="food").population == [food_kg.number]
    SpotCheckSample.objects.all().delete()
    assert draw(bureau, world.town_a, school_kind="kindergarten").population == [food_kg.number]


def test_the_draw_is_the_lowest_sha256_of_seed_and_number_and_reproduces(world, bureau):
    hazards = [closed_hazard(world.school_a1) for _i in range(12)]
    sample = draw(bureau, world.county_a, size_count=5, seed="abc123")
    assert sample.seed == "abc123"
    # Done by hand, the way anyone holding the seed and the candidates would.
    ranked = sorted(
        (hashlib.sha256(f"abc123|{h.number}".encode()).hexdigest(), h.number) for h in hazards
    )
    assert drawn_numbers(sample) == [number for _rank, number in ranked[:5]]
    verification = spotchecks.sample_verify(sample)
    assert verification.reproduced and verification.population == 12
    # Another seed gives another sample of the same candidates.
    assert spotchecks.draw_order("other", sample.population)[:5] != drawn_numbers(sample)
    # A record changed after the draw no longer reproduces.
    SpotCheckSample.objects.filter(pk=sample.pk).update(seed="abc124")
    sample.refresh_from_db()
    assert not spotchecks.sample_verify(sample).reproduced


def test_the_server_makes_the_seed(world, bureau):
    for _i in range(4):
        closed_hazard(world.school_a1)
    first = draw(bureau, world.county_a, size_count=1)
    second = draw(bureau, world.county_a, size_count=1)
    assert len(first.seed) == 32 and int(first.seed, 16) >= 0
    assert first.seed != second.seed


def test_a_hazard_waiting_for_a_check_is_not_drawn_again_until_its_sample_is_cancelled(
    world, bureau
):
    closed_hazard(world.school_a1)
    first = draw(bureau, world.county_a)
    with pytest.raises(ValidationError) as refused:
        draw(bureau, world.county_a)
    assert "无可抽取" in str(refused.value)
    spotchecks.sample_cancel(sample=first, by=bureau, reason="抽样范围有误")
    assert draw(bureau, world.county_a).checks.count() == 1


def test_bad_draws_are_refused_and_change_nothing(world, bureau):
    closed_hazard(world.school_a1)
    cases = [
        ({"closed_to": timezone.localdate() + ONE_DAY}, "closed_to"),
        ({"closed_from": days_ago(1), "closed_to": days_ago(5)}, "closed_to"),
        ({"due_on": days_ago(1)}, "due_on"),
        ({"size_count": 0}, "size_count"),
        ({"size_count": 3, "size_percent": 10}, "size_count"),
        ({"size_percent": 101}, "size_percent"),
    ]
    for kw, field in cases:
        with pytest.raises(ValidationError) as refused:
            draw(bureau, world.county_a, **kw)
        assert field in refused.value.message_dict, kw
    with pytest.raises(ValidationError):
        draw(bureau, world.school_a1)  # a school is not a region to draw over
    assert not SpotCheckSample.objects.exists()
    assert not SpotCheck.objects.exists()


@pytest.mark.parametrize(
    ("role", "where"),
    [
        ("bureau_leader", "county_a"),
        ("inspector", "county_a"),
        ("township_officer", "town_a"),
        ("principal", "school_a1"),
        ("observer", "county_a"),
    ],
)
def test_only_the_bureau_draws(world, role, where):
    closed_hazard(world.school_a1)
    user = f.user_with_role(role, getattr(world, where))
    with pytest.raises(NotAllowed):
        draw(user, world.town_a)


# ------------------------------------------------------------------------------ assignment


def test_checks_go_round_robin_to_those_who_may_check_at_the_school(world, bureau):
    colleague = f.user_with_role(Role.BUREAU_STAFF, world.county_a, first_name="乙")
    inspector = f.user_with_role(Role.INSPECTOR, world.school_a1, first_name="督学")
    for _i in range(6):
        closed_hazard(world.school_a1)
        closed_hazard(world.school_a2)
    sample = draw(bureau, world.county_a, size_count=12)
    checks = list(sample.checks.select_related("org").order_by("position"))
    people = {bureau.pk: None, colleague.pk: None, inspector.pk: world.school_a1.pk}
    load = dict.fromkeys(people, 0)
    for check in checks:
        eligible = [pk for pk, only in people.items() if only in (None, check.org_id)]
        assert check.assignee_id in eligible
        # Each check goes to the least loaded of those who may check at its school.
        assert load[check.assignee_id] == min(load[pk] for pk in eligible)
        load[check.assignee_id] += 1
    assert all(load.values())  # everyone takes a turn
    assert sum(load.values()) == 12


def test_chosen_people_take_all_the_checks_or_the_draw_says_who_is_missing(world, bureau):
    inspector = f.user_with_role(Role.INSPECTOR, world.school_a1)
    f.user_with_role(Role.BUREAU_STAFF, world.county_a)
    closed_hazard(world.school_a1)
    closed_hazard(world.school_a2)
    with pytest.raises(ValidationError) as refused:
        draw(bureau, world.county_a, assignees=[inspector])
    assert "冯记沟幼儿园" in str(refused.value)
    principal = f.user_with_role(Role.PRINCIPAL, world.school_a1)
    with pytest.raises(ValidationError):
        draw(bureau, world.county_a, assignees=[principal])
    assert not SpotCheckSample.objects.exists()
    sample = draw(bureau, world.county_a, assignees=[bureau])
    assert set(sample.checks.values_list("assignee", flat=True)) == {bureau.pk}


def test_the_bureau_reassigns_an_open_check_within_its_people(world, bureau):
    inspector_a1 = f.user_with_role(Role.INSPECTOR, world.school_a1)
    inspector_a2 = f.user_with_role(Role.INSPECTOR, world.school_a2)
    hazard = closed_hazard(world.school_a1)
    check = draw(bureau, world.county_a, assignees=[bureau]).checks.get(hazard=hazard)
    later = timezone.localdate() + datetime.timedelta(days=30)
    spotchecks.check_reassign(
        check=check, by=bureau, assignee=inspector_a1, due_on=later, expected_version=1
    )
    check.refresh_from_db()
    assert (check.assignee_id, check.due_on, check.version) == (inspector_a1.pk, later, 2)
    with pytest.raises(ValidationError):  # cannot check at school A1
        spotchecks.check_reassign(check=check, by=bureau, assignee=inspector_a2)
    with pytest.raises(NotAllowed):  # an inspector records, the bureau assigns
        spotchecks.check_reassign(check=check, by=inspector_a1, due_on=later)
    with pytest.raises(ConflictError):
        spotchecks.check_reassign(check=check, by=bureau, due_on=later, expected_version=1)


# ------------------------------------------------------------------------------- recording


@pytest.fixture
def one_check(world, bureau):
    hazard = closed_hazard(world.school_a1)
    return draw(bureau, world.county_a, assignees=[bureau]).checks.get(hazard=hazard)


def test_a_held_fix_is_recorded_with_its_photo_place_and_time(one_check, bureau):
    before = timezone.now()
    check = record(one_check, latitude="37.7830123", longitude="107.405", accuracy=12.4)
    check.refresh_from_db()
    assert check.outcome == "held" and check.checked_by == bureau
    assert check.checked_at >= before
    assert (str(check.latitude), str(check.longitude), check.accuracy) == (
        "37.783012",
        "107.405000",
        12,
    )
    assert photos_of(check, "spotcheck").count() == 1
    assert Hazard.objects.get(pk=check.hazard_id).status == Status.CLOSED
    assert AuditEntry.objects.filter(transition="spotcheck:record", object_id=str(check.pk))


@pytest.mark.parametrize("outcome", ["held", "not_held"])
def test_a_photo_is_required_whatever_the_outcome(one_check, outcome):
    with pytest.raises(ValidationError) as refused:
        record(one_check, outcome=outcome, photo=None, note="仍有问题")
    assert "photo" in refused.value.message_dict
    assert SpotCheck.objects.get(pk=one_check.pk).outcome == ""


def test_a_fix_that_does_not_hold_needs_a_note_and_a_real_photo(one_check):
    with pytest.raises(ValidationError) as refused:
        record(one_check, outcome="not_held")
    assert "note" in refused.value.message_dict
    not_a_photo = SimpleUploadedFile("x.jpg", b"MZ not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError):
        record(one_check, outcome="not_held", note="又堵了", photo=not_a_photo)
    with pytest.raises(ValidationError):
        record(one_check, latitude="37.78")  # half a location
    check = SpotCheck.objects.get(pk=one_check.pk)
    assert check.outcome == "" and check.version == 1
    assert not photos_of(check).exists()
    assert Hazard.objects.get(pk=check.hazard_id).status == Status.CLOSED


def test_a_failed_check_reopens_the_hazard_and_tells_the_school(world, one_check, bureau):
    officer = f.user_with_role(Role.SAFETY_OFFICER, world.school_a1)
    check = record(one_check, outcome="not_held", note="消防通道再次堆放杂物")
    assert check.reopened
    hazard = Hazard.objects.get(pk=check.hazard_id)
    assert hazard.status == Status.RECTIFYING
    assert hazard.closed_at is None and hazard.deadline > timezone.localdate()
    move = HazardTransition.objects.get(hazard=hazard, action="reopen")
    assert move.by == bureau and "消防通道再次堆放杂物" in move.comment
    assert photos_of(hazard, "reopen").count() == 1  # the school sees what the inspector saw
    notice = Notification.objects.get(recipient=officer, event="hazard.reopen")
    assert hazard.number in notice.title


def test_a_failed_check_of_a_hazard_already_open_again_leaves_it(one_check):
    Hazard.objects.filter(pk=one_check.hazard_id).update(status=Status.RECTIFYING)
    check = record(one_check, outcome="not_held", note="仍未整改")
    assert check.outcome == "not_held" and not check.reopened
    assert not HazardTransition.objects.filter(hazard_id=check.hazard_id, action="reopen")


def test_only_the_assignee_records_once_and_not_after_cancelling(world, one_check, bureau):
    colleague = f.user_with_role(Role.BUREAU_STAFF, world.county_a)
    with pytest.raises(NotAllowed):
        record(one_check, by=colleague)
    record(one_check)
    with pytest.raises(ValidationError):
        record(one_check)
    other = closed_hazard(world.school_a1)
    sample = draw(bureau, world.county_a, assignees=[bureau])
    spotchecks.sample_cancel(sample=sample, by=bureau, reason="重复抽取")
    with pytest.raises(ValidationError):
        record(sample.checks.get(hazard=other))


def test_states_progress_and_the_held_share(world, bureau):
    for _i in range(5):
        closed_hazard(world.school_a1)
    sample = draw(bureau, world.county_a, assignees=[bureau])
    first, second, third, fourth, _fifth = sample.checks.order_by("position")
    record(first)
    record(second)
    record(third, outcome="not_held", note="又坏了")
    SpotCheck.objects.filter(pk=fourth.pk).update(due_on=days_ago(1))
    figures = spotchecks.progress(sample.checks.all())
    assert (figures["held"], figures["not_held"], figures["overdue"], figures["due"]) == (
        2,
        1,
        1,
        1,
    )
    share = spotchecks.held_share(bureau, world.county_a, days_ago(7))
    assert (share.checked, share.held, share.failed) == (3, 2, 1)
    assert share.share == pytest.approx(2 / 3)
    assert spotchecks.held_share(bureau, world.county_a, timezone.now() + ONE_DAY).share is None
    outsider = f.user_with_role(Role.BUREAU_STAFF, world.county_b)
    assert spotchecks.held_share(outsider, world.county_a, days_ago(7)).checked == 0
    spotchecks.sample_cancel(sample=sample, by=bureau, reason="范围调整")
    figures = spotchecks.progress(sample.checks.all())
    assert (figures["cancelled"], figures["due"], figures["overdue"]) == (2, 0, 0)


# -------------------------------------------------------------------------------- scoping


def test_schools_learn_nothing_of_a_sample_before_the_visit(world, bureau, one_check):
    principal = f.user_with_role(Role.PRINCIPAL, world.school_a1)
    assert not SpotCheck.objects.for_user(principal).exists()
    assert not SpotCheckSample.objects.for_user(principal).exists()
    trail = AuditEntry.objects.for_user(principal)
    assert trail.filter(object_id=str(one_check.hazard_id)).exists()  # the hazard's own trail
    spot_types = ContentType.objects.get_for_models(SpotCheck, SpotCheckSample).values()
    assert not trail.filter(content_type__in=spot_types).exists()
    assert not trail.filter(comment__contains=one_check.hazard.number).exists()
    township = f.user_with_role(Role.TOWNSHIP_OFFICER, world.town_a)
    assert SpotCheck.objects.for_user(township).filter(pk=one_check.pk).exists()


def test_pages_refuse_schools_and_hide_county_a_from_outsiders(client, world, one_check, outsider):
    principal = f.user_with_role(Role.PRINCIPAL, world.school_a1)
    client.force_login(principal)
    for name in ("spotchecks:list", "spotchecks:checks", "spotchecks:mine", "spotchecks:new"):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("spotchecks:check", args=[one_check.pk])).status_code == 404
    client.force_login(outsider)
    sample = one_check.sample
    for url in (
        reverse("spotchecks:sample", args=[sample.pk]),
        reverse("spotchecks:population", args=[sample.pk]),
        reverse("spotchecks:check", args=[one_check.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("spotchecks:cancel", args=[sample.pk]), {}).status_code == 404
    body = client.get(reverse("spotchecks:list")).content.decode()
    assert sample.title not in body


# ---------------------------------------------------------------------------------- pages


def test_drawing_on_the_page(client, world, bureau):
    for _i in range(3):
        closed_hazard(world.school_a1)
    client.force_login(bureau)
    form = client.get(reverse("spotchecks:new"))
    assert form.status_code == 200 and "冯记沟" in form.content.decode()
    answer = client.post(
        reverse("spotchecks:new"),
        {
            "region": world.county_a.pk,
            "closed_from": days_ago(60).isoformat(),
            "closed_to": days_ago(1).isoformat(),
            "size": 2,
            "size_unit": "count",
            "due_on": (timezone.localdate() + ONE_DAY).isoformat(),
            "assignees": [bureau.pk],
        },
    )
    sample = SpotCheckSample.objects.get()
    assert answer.status_code == 302 and answer.url == reverse(
        "spotchecks:sample", args=[sample.pk]
    )
    assert sample.checks.count() == 2 and sample.drawn_by == bureau
    page = client.get(answer.url).content.decode()
    assert 'data-reproduced="yes"' in page and sample.seed in page
    assert page.count("data-check=") == 2
    # Nothing drawn: the form says so.
    again = client.post(
        reverse("spotchecks:new"),
        {
            "region": world.county_a.pk,
            "closed_from": days_ago(60).isoformat(),
            "closed_to": days_ago(1).isoformat(),
            "grade": "major",
            "size": 1,
            "size_unit": "percent",
            "due_on": (timezone.localdate() + ONE_DAY).isoformat(),
            "assignees": [bureau.pk],
        },
    )
    assert again.status_code == 200 and SpotCheckSample.objects.count() == 1
    assert "无可抽取" in again.content.decode()


def test_the_sample_page_shows_progress_and_photos_side_by_side(client, world, bureau):
    hazard = closed_hazard(world.school_a1)
    from safecampus.core.attachments import attach_photo

    attach_photo(upload=photo(), to=hazard, kind="before")
    attach_photo(upload=photo(colour=(0, 200, 0)), to=hazard, kind="after")
    sample = draw(bureau, world.county_a, assignees=[bureau])
    record(sample.checks.get())
    client.force_login(bureau)
    page = client.get(reverse("spotchecks:sample", args=[sample.pk])).content.decode()
    row = page[page.index('data-check="') :]
    row = row[: row.index("</tr>")]
    assert row.count("<img") == 3  # before, after, at the spot-check
    assert 'data-state="held"' in row
    held = page[page.index('data-figure="held"') :]
    assert '<span class="num">1</span>' in held[:80]
    workbook = client.get(reverse("spotchecks:population", args=[sample.pk]))
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1] == hazard.number and rows[1][2] == f"{sample.seed}|{hazard.number}"
    assert rows[1][3] == hashlib.sha256(rows[1][2].encode()).hexdigest() and rows[1][4] == 1


def test_recording_on_the_phone_page_and_my_list(client, world, bureau, one_check):
    f.user_with_role(Role.SAFETY_OFFICER, world.school_a1)
    client.force_login(bureau)
    mine = client.get(reverse("spotchecks:mine")).content.decode()
    assert f'data-check="{one_check.pk}"' in mine
    url = reverse("spotchecks:check", args=[one_check.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="record-form"' in page and 'capture="environment"' in page
    missing = client.post(url, {"outcome": "not_held", "note": "", "version": 1})
    assert missing.status_code == 200
    assert SpotCheck.objects.get(pk=one_check.pk).outcome == ""
    done = client.post(
        url,
        {
            "outcome": "not_held",
            "note": "安全出口再次被堵",
            "version": 1,
            "latitude": "37.783",
            "longitude": "107.405",
            "accuracy": "15",
            "photo": photo(),
        },
    )
    assert done.status_code == 302
    check = SpotCheck.objects.get(pk=one_check.pk)
    assert check.outcome == "not_held" and check.reopened and check.accuracy == 15
    page = client.get(url).content.decode()
    assert 'data-testid="record-form"' not in page and "37.783" in page
    assert f'data-check="{check.pk}"' not in client.get(reverse("spotchecks:mine")).content.decode()


def test_someone_else_cannot_record_on_the_page(client, world, one_check):
    colleague = f.user_with_role(Role.BUREAU_STAFF, world.county_a)
    client.force_login(colleague)
    url = reverse("spotchecks:check", args=[one_check.pk])
    assert 'data-testid="record-form"' not in client.get(url).content.decode()
    answer = client.post(url, {"outcome": "held", "version": 1, "photo": photo()})
    assert answer.status_code == 403
    assert SpotCheck.objects.get(pk=one_check.pk).outcome == ""


def test_home_todo_and_menu(client, world, bureau, one_check):
    SpotCheck.objects.filter(pk=one_check.pk).update(due_on=days_ago(2))
    items = spotchecks.todo_items(bureau)
    assert [(i["key"], i["count"]) for i in items] == [("spotchecks-overdue", 1)]
    client.force_login(bureau)
    home = client.get(reverse("home")).content.decode()
    assert reverse("spotchecks:mine") in home
    assert spotchecks.menu_items(bureau)[0]["url"] == reverse("spotchecks:list")
    township = f.user_with_role(Role.TOWNSHIP_OFFICER, world.town_a)
    assert spotchecks.menu_items(township)[0]["url"] == reverse("spotchecks:checks")
    assert spotchecks.menu_items(f.user_with_role(Role.TEACHER, world.school_a1)) == []
    assert spotchecks.todo_items(township) == []


def test_cancelling_and_reassigning_on_the_page(client, world, bureau, one_check):
    inspector = f.user_with_role(Role.INSPECTOR, world.school_a1)
    client.force_login(bureau)
    answer = client.post(
        reverse("spotchecks:reassign", args=[one_check.pk]),
        {"assignee": inspector.pk, "due_on": one_check.due_on.isoformat(), "version": 1},
    )
    assert answer.status_code == 302
    assert SpotCheck.objects.get(pk=one_check.pk).assignee == inspector
    sample = one_check.sample
    client.post(
        reverse("spotchecks:cancel", args=[sample.pk]),
        {"cancel_reason": "样本范围有误", "version": sample.version},
    )
    sample.refresh_from_db()
    assert sample.cancelled_at is not None and sample.cancel_reason == "样本范围有误"
    client.force_login(inspector)
    assert client.post(
        reverse("spotchecks:cancel", args=[sample.pk]), {"cancel_reason": "x", "version": 2}
    ).status_code in (403, 404)


def test_check_list_filters_and_export(client, world, bureau):
    for _i in range(3):
        closed_hazard(world.school_a1)
    sample = draw(bureau, world.county_a, assignees=[bureau])
    first = sample.checks.order_by("position").first()
    record(first)
    client.force_login(bureau)
    url = reverse("spotchecks:checks")
    assert client.get(url, {"state": "held"}).content.decode().count("data-check=") == 1
    assert client.get(url, {"state": "open"}).content.decode().count("data-check=") == 2
    export = client.get(url, {"export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 4 and first.hazard.number in [r[0] for r in rows]


# ------------------------------------------------------------------------------------ API


def test_api_draws_verifies_records_and_reassigns(world, bureau):
    for _i in range(4):
        closed_hazard(world.school_a1)
    client = api(bureau)
    answer = client.post(
        "/api/v1/spot-check-samples/",
        {
            "region": world.county_a.pk,
            "closed_from": days_ago(60).isoformat(),
            "closed_to": days_ago(1).isoformat(),
            "size_count": 3,
            "due_on": (timezone.localdate() + ONE_DAY).isoformat(),
            "assignees": [bureau.pk],
            "seed": "chosen-by-me",
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["progress"] == {
        "total": 3,
        "held": 0,
        "not_held": 0,
        "due": 3,
        "overdue": 0,
        "cancelled": 0,
    }
    assert body["seed"] != "chosen-by-me" and len(body["population"]) == 4
    sample_id = body["id"]
    assert client.get(f"/api/v1/spot-check-samples/{sample_id}/verify/").json()["reproduced"]
    checks = client.get("/api/v1/spot-checks/", {"sample": sample_id, "mine": "true"}).json()
    assert checks["count"] == 3
    check = checks["results"][0]
    assert check["check_state"] == "due"
    refused = client.post(
        f"/api/v1/spot-checks/{check['id']}/record/",
        {"fix_held": True, "version": check["version"]},
        format="multipart",
    )
    assert refused.status_code == 400 and "photo" in refused.json()
    recorded = client.post(
        f"/api/v1/spot-checks/{check['id']}/record/",
        {"fix_held": True, "version": check["version"], "photo": photo()},
        format="multipart",
    )
    assert recorded.status_code == 200, recorded.content
    assert recorded.json()["check_state"] == "held" and recorded.json()["fix_held"] is True
    assert len(recorded.json()["photos"]) == 1
    again = client.post(
        f"/api/v1/spot-checks/{check['id']}/record/",
        {"fix_held": True, "version": recorded.json()["version"], "photo": photo()},
        format="multipart",
    )
    assert again.status_code == 400
    other = checks["results"][1]
    later = (timezone.localdate() + datetime.timedelta(days=9)).isoformat()
    moved = client.patch(
        f"/api/v1/spot-checks/{other['id']}/", {"due_on": later, "version": 1}, format="json"
    )
    assert moved.status_code == 200 and moved.json()["due_on"] == later
    stale = client.patch(
        f"/api/v1/spot-checks/{other['id']}/", {"due_on": later, "version": 1}, format="json"
    )
    assert stale.status_code == 409
    assert client.post("/api/v1/spot-checks/", {}, format="json").status_code == 405
    assert client.delete(f"/api/v1/spot-check-samples/{sample_id}/").status_code == 405


def test_api_refuses_those_who_may_not_and_hides_county_a(world, bureau, one_check, outsider):
    inspector = f.user_with_role(Role.INSPECTOR, world.school_a1)
    answer = api(inspector).post(
        f"/api/v1/spot-checks/{one_check.pk}/record/",
        {"fix_held": True, "version": 1, "photo": photo()},
        format="multipart",
    )
    assert answer.status_code == 403
    sample_id = one_check.sample_id
    client = api(outsider)
    assert client.get(f"/api/v1/spot-check-samples/{sample_id}/").status_code == 404
    assert client.get(f"/api/v1/spot-checks/{one_check.pk}/").status_code == 404
    assert client.get("/api/v1/spot-checks/").json()["count"] == 0
    drawn = client.post(
        "/api/v1/spot-check-samples/",
        {
            "region": world.county_a.pk,
            "closed_from": days_ago(60).isoformat(),
            "closed_to": days_ago(1).isoformat(),
            "size_count": 1,
            "due_on": (timezone.localdate() + ONE_DAY).isoformat(),
        },
        format="json",
    )
    assert drawn.status_code == 400 and "region" in drawn.json()


# ----------------------------------------------------------------------------------- demo


def test_the_demo_loads_two_samples_once(world):
    f.user_with_role(Role.BUREAU_STAFF, world.county_a, username="bureau")
    f.user_with_role(Role.INSPECTOR, world.school_a1, username="inspector")
    for n in range(40):
        school = world.school_a1 if n % 2 else world.school_a2
        closed_hazard(school, days_ago(20 + n * 3), text=f"演示隐患{n}")
    counts = spotchecks.load_spotchecks(seed=2023)
    assert counts["samples"] == 2 and counts["recorded"] > counts["due"] > 0
    assert counts["failed"] >= 2
    older, newer = SpotCheckSample.objects.order_by("drawn_at")
    assert all(spotchecks.sample_verify(s).reproduced for s in (older, newer))
    today = timezone.localdate()
    assert (today - older.drawn_at.date()).days <= 92 and newer.due_on > today
    figures = spotchecks.progress(newer.checks.all())
    assert figures["due"] >= 2 and figures["not_held"] == 1
    reopened = Hazard.objects.get(spot_checks__sample=newer, spot_checks__outcome="not_held")
    assert reopened.status == Status.RECTIFYING and reopened.deadline > today
    settled = Hazard.objects.filter(spot_checks__sample=older, spot_checks__outcome="not_held")
    assert {h.status for h in settled} == {Status.CLOSED}
    recorded = SpotCheck.objects.exclude(outcome="")
    assert all(photos_of(c, "spotcheck").exists() for c in recorded)
    assert not AuditEntry.objects.filter(transition__startswith="spotcheck")
    assert spotchecks.load_spotchecks(seed=2023) == {}
