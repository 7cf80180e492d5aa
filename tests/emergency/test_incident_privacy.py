"""Minors' privacy: a sensitive incident's details reach only designated roles and its
reporter; names are masked for everyone else, on the pages, in the API, the export and the
search; each view of a sensitive incident's detail is logged; another county sees nothing."""

import io

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from safecampus.core.models import AuditEntry
from safecampus.emergency import incidents, privacy
from safecampus.emergency.choices import Step
from safecampus.emergency.models import Incident
from safecampus.notify.models import Notification
from tests.api_helpers import api, api_setup  # noqa: F401
from tests.emergency.incident_helpers import minutes_ago, people, report

pytestmark = pytest.mark.django_db

DESCRIPTION = "课间在厕所被三名同学推搡辱骂"
PLACE = "教学楼二楼男厕所"
NAMES = "张小明、李大伟"
ENTRY_TEXT = "已约谈欺凌学生家长"


@pytest.fixture
def p(world):
    return people(world)


@pytest.fixture
def sensitive(world, p):
    incident = report(
        world.school_a1,
        p["officer"],
        incident_type="bullying",
        description=DESCRIPTION,
        place=PLACE,
        names=NAMES,
        occurred_at=minutes_ago(30),
        reported_at=minutes_ago(29),
    )
    incidents.entry_append(incident=incident, by=p["principal"], step=Step.PARENTS, text=ENTRY_TEXT)
    return incident


@pytest.fixture
def plain(world, p):
    return report(world.school_a1, p["officer"], incident_type="injury", names="王小明")


def workbook_text(response) -> str:
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return " ".join(
        str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row
    )


def trail(incident):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Incident), object_id=str(incident.pk)
    )


def views_logged(incident) -> int:
    return trail(incident).filter(action="view").count()


def test_masking_rules():
    assert privacy.mask_name("张三") == "张*"
    assert privacy.mask_name("欧阳娜娜") == "欧***"
    assert privacy.mask_name("李") == "李*"
    assert privacy.mask_names("张小明、李大伟, 王五") == "张**、李**, 王*"
    assert privacy.mask_names("") == ""


def test_the_decision(world, p, sensitive, plain):
    def decided(user, incident):
        acc = privacy.access(user, incident)
        return acc.details, acc.names

    assert decided(p["principal"], sensitive) == (True, True)  # designated
    assert decided(p["bureau"], sensitive) == (True, True)
    assert decided(p["officer"], sensitive) == (True, True)  # the reporter
    assert decided(p["teacher"], sensitive) == (False, False)
    assert decided(p["observer"], sensitive) == (False, False)
    assert decided(p["teacher"], plain) == (True, False)  # details, names masked
    assert privacy.shown(p["teacher"], plain)["names"] == "王**"
    assert privacy.shown(p["principal"], plain)["names"] == "王小明"


@pytest.mark.parametrize("who", ["teacher", "observer"])
def test_teacher_and_bureau_observer_see_masked_fields(client, world, p, sensitive, plain, who):
    user = p[who]
    client.force_login(user)
    # Page: type, severity, status, counts; no details, no names, the notice instead.
    page = client.get(reverse("incidents:detail", args=[sensitive.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    for secret in (DESCRIPTION, PLACE, "张小明", "张**", ENTRY_TEXT):
        assert secret not in body, secret
    assert sensitive.number in body and 'data-testid="restricted"' in body
    assert page.context["response"] is not None  # the 1-3-5 marks are not details
    # List: the sensitive row restricted, the plain one with its names masked.
    listing = client.get(reverse("incidents:list")).content.decode()
    assert PLACE not in listing and "张小明" not in listing and "王小明" not in listing
    assert "王**" in listing
    # Export: the same rule in every cell.
    export = client.get(reverse("incidents:list"), {"export": "xlsx"})
    cells = workbook_text(export)
    for secret in (DESCRIPTION, PLACE, "张小明", "王小明"):
        assert secret not in cells, secret
    assert "王**" in cells and sensitive.number in cells
    # API: detail, list and timeline.
    client_api = api(user)
    detail = client_api.get(f"/api/v1/incidents/{sensitive.pk}/").json()
    assert detail["restricted"] is True
    assert (detail["description"], detail["place"], detail["names"]) == (None, None, None)
    assert detail["notice"]
    rows = {r["id"]: r for r in client_api.get("/api/v1/incidents/").json()["results"]}
    assert rows[plain.pk]["names"] == "王**" and rows[sensitive.pk]["place"] is None
    timeline = client_api.get(f"/api/v1/incidents/{sensitive.pk}/entries/").json()
    assert {r["step"] for r in timeline} == {"reported", "parents"}
    assert all(r["text"] is None for r in timeline)
    # A teacher who may only report, and an observer who may only read, cannot edit.
    assert client.get(reverse("incidents:edit", args=[sensitive.pk])).status_code == 403


def test_principal_sees_details_and_each_view_is_logged(client, world, p, sensitive):
    client.force_login(p["principal"])
    before = views_logged(sensitive)
    body = client.get(reverse("incidents:detail", args=[sensitive.pk])).content.decode()
    for secret in (DESCRIPTION, PLACE, NAMES, ENTRY_TEXT):
        assert secret in body, secret
    assert views_logged(sensitive) == before + 1
    detail = api(p["principal"]).get(f"/api/v1/incidents/{sensitive.pk}/").json()
    assert (detail["description"], detail["names"]) == (DESCRIPTION, NAMES)
    assert views_logged(sensitive) == before + 2
    entry = trail(sensitive).filter(action="view").first()
    assert entry.user == p["principal"] and entry.org == world.school_a1
    # Masked views are logged too (who looked, even if they saw little).
    client.force_login(p["teacher"])
    client.get(reverse("incidents:detail", args=[sensitive.pk]))
    assert trail(sensitive).filter(action="view", user=p["teacher"]).exists()
    # An export with the details is a view of each sensitive incident in it.
    client.force_login(p["principal"])
    count = views_logged(sensitive)
    cells = workbook_text(client.get(reverse("incidents:list"), {"export": "xlsx"}))
    assert DESCRIPTION in cells and NAMES in cells
    assert views_logged(sensitive) == count + 1


def test_plain_incident_views_are_not_logged(client, world, p, plain):
    client.force_login(p["principal"])
    client.get(reverse("incidents:detail", args=[plain.pk]))
    assert views_logged(plain) == 0


def test_search_never_matches_what_the_user_cannot_read(client, world, p, sensitive, plain):
    def page_hits(user, q):
        client.force_login(user)
        rows = client.get(reverse("incidents:list"), {"q": q}).context["rows"]
        return {r["incident"].pk for r in rows}

    def api_hits(user, q):
        results = api(user).get("/api/v1/incidents/", {"search": q}).json()["results"]
        return {r["id"] for r in results}

    for hits in (page_hits, api_hits):
        assert hits(p["teacher"], "厕所") == set()  # a sensitive place
        assert hits(p["teacher"], "张小明") == set()
        assert hits(p["teacher"], "王小明") == set()  # names are masked for teachers
        assert hits(p["teacher"], sensitive.number) == {sensitive.pk}
        assert hits(p["teacher"], "摔倒") == {plain.pk}  # a plain incident's text
        assert hits(p["principal"], "厕所") == {sensitive.pk}
        assert hits(p["principal"], "王小明") == {plain.pk}


def test_flags_and_details_are_edited_only_by_designated_roles(client, world, p, sensitive):
    # The safety officer handles incidents but is not designated: no flags.
    officer = api(p["officer"])
    answer = officer.patch(
        f"/api/v1/incidents/{sensitive.pk}/", {"is_sensitive": False, "version": sensitive.version}
    )
    assert answer.status_code == 403
    principal = api(p["principal"])
    answer = principal.patch(
        f"/api/v1/incidents/{sensitive.pk}/", {"is_sensitive": False, "version": sensitive.version}
    )
    assert answer.status_code == 200 and answer.json()["is_sensitive"] is False
    # A handler without the details cannot rewrite them.
    handler = incidents.incident_report(
        school=world.school_a1,
        by=p["principal"],
        incident_type="sexual_assault",
        place=PLACE,
        description=DESCRIPTION,
    )
    answer = officer.patch(
        f"/api/v1/incidents/{handler.pk}/", {"description": "改写", "version": handler.version}
    )
    assert answer.status_code == 403
    client.force_login(p["officer"])
    assert client.get(reverse("incidents:edit", args=[handler.pk])).status_code == 403


def test_the_audit_trail_and_notifications_hold_no_details(world, p, sensitive):
    created = trail(sensitive).get(action="create")
    text = str(created.changes)
    for secret in (DESCRIPTION, PLACE, "张小明"):
        assert secret not in text
    assert created.changes["names"] == [None, privacy.HIDDEN]
    for notification in Notification.objects.filter(event="incident.reported"):
        for secret in (DESCRIPTION, PLACE, "张小明"):
            assert secret not in notification.title + notification.body


def test_other_county_gets_404_everywhere(client, world, p, sensitive):
    entry = sensitive.entries.first()
    client.force_login(p["other_bureau"])
    for url in (
        reverse("incidents:detail", args=[sensitive.pk]),
        reverse("incidents:edit", args=[sensitive.pk]),
        reverse("incidents:policy", args=[world.county_a.pk]),
    ):
        assert client.get(url).status_code == 404, url
    answer = client.post(
        reverse("incidents:add_entry", args=[sensitive.pk]), {"kind": "entry", "entry-step": "note"}
    )
    assert answer.status_code == 404
    assert sensitive.number not in client.get(reverse("incidents:list")).content.decode()
    cells = workbook_text(client.get(reverse("incidents:list"), {"export": "xlsx"}))
    assert sensitive.number not in cells
    other = api(p["other_bureau"])
    assert other.get(f"/api/v1/incidents/{sensitive.pk}/").status_code == 404
    assert other.get(f"/api/v1/incidents/{sensitive.pk}/entries/{entry.pk}/").status_code == 404
    assert other.get("/api/v1/incidents/", {"search": sensitive.number}).json()["count"] == 0
    assert views_logged(sensitive) == 0
