"""Incidents: numbering, deadlines, the append-only timeline, corrections and the 1-3-5 marks,
status following the entries, and the pages and API that carry them."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from safecampus.core.errors import NotAllowed
from safecampus.core.home import home_context
from safecampus.core.models import AuditEntry
from safecampus.emergency import incidents, response
from safecampus.emergency.choices import Step
from safecampus.emergency.models import EmergencyPlan, Incident, IncidentEntry, IncidentPolicy
from tests.api_helpers import api, api_setup  # noqa: F401
from tests.emergency.incident_helpers import minutes_ago, people, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def p(world):
    return people(world)


def add(incident, by, step, minutes_after_report=None, **kw):
    at = kw.pop("at", None)
    if minutes_after_report is not None:
        at = incident.reported_at + datetime.timedelta(minutes=minutes_after_report)
    return incidents.entry_append(incident=incident, by=by, step=step, at=at, **kw)


# ---------------------------------------------------------------------------- numbering


def test_numbers_are_unique_per_county_and_year(world, p):
    year = timezone.localdate().year
    first = report(world.school_a1, p["officer"])
    second = report(world.school_a2, p["bureau"])
    other_county = report(world.school_b1, p["other_bureau"])
    last_year = report(
        world.school_a1,
        p["officer"],
        occurred_at=timezone.now().replace(year=year - 1),
        reported_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    assert first.number == f"盐池-{year}-S0001"
    assert second.number == f"盐池-{year}-S0002"
    assert other_county.number == f"同心-{year}-S0001"
    assert last_year.number == f"盐池-{year - 1}-S0001"


def test_flags_follow_the_type(world, p):
    def flags(**kw):
        incident = report(world.school_a1, p["officer"], **kw)
        return incident.is_sensitive, incident.is_criminal

    assert flags(incident_type="bullying") == (True, True)
    assert flags(incident_type="sexual_assault") == (True, True)
    assert flags(incident_type="violence") == (True, True)  # minors involved by default
    assert flags(incident_type="violence", minors_involved=False) == (False, True)
    assert flags(incident_type="drowning") == (False, False)
    assert flags(incident_type="injury", is_sensitive=True) == (True, False)


def test_report_writes_the_reported_entry_and_refuses_bad_input(world, p):
    incident = report(world.school_a1, p["teacher"])
    entry = incident.entries.get()
    assert (entry.step, entry.at, entry.by) == (Step.REPORTED, incident.reported_at, p["teacher"])
    assert incident.status == "open"
    before = Incident.objects.count()
    with pytest.raises(ValidationError) as exc:
        report(
            world.school_a1, p["teacher"], occurred_at=timezone.now() + datetime.timedelta(hours=2)
        )
    assert "occurred_at" in exc.value.message_dict
    with pytest.raises(ValidationError):
        report(world.town_a, p["bureau"])  # a township is not a school
    with pytest.raises(NotAllowed):
        report(world.school_a1, p["other_bureau"])
    assert Incident.objects.count() == before


# ---------------------------------------------------------------------------- deadlines


def test_deadline_defaults_and_county_policy(world, p):
    occurred = minutes_ago(10)
    default = report(world.school_a1, p["officer"], occurred_at=occurred)
    assert default.report_due_at == occurred + datetime.timedelta(minutes=60)
    assert default.written_due_at == occurred + datetime.timedelta(hours=24)

    incidents.incident_policy_save(
        node=world.city,
        by=None,
        data={"first_report_minutes": 90, "written_report_hours": 12, "warn_before_minutes": 10},
    )
    incidents.incident_policy_save(
        node=world.county_a,
        by=p["bureau"],
        data={"first_report_minutes": 30, "written_report_hours": 8, "warn_before_minutes": 10},
    )
    in_a = report(world.school_a1, p["officer"], occurred_at=occurred)
    in_b = report(world.school_b1, None, occurred_at=occurred)
    assert in_a.report_due_at == occurred + datetime.timedelta(minutes=30)
    assert in_a.written_due_at == occurred + datetime.timedelta(hours=8)
    assert in_b.report_due_at == occurred + datetime.timedelta(minutes=90)  # the city's


def test_policy_rules_and_rights(world, p):
    with pytest.raises(ValidationError) as exc:
        incidents.incident_policy_save(
            node=world.county_a,
            by=p["bureau"],
            data={"first_report_minutes": 30, "written_report_hours": 8, "warn_before_minutes": 45},
        )
    assert "warn_before_minutes" in exc.value.message_dict
    with pytest.raises(ValidationError):
        incidents.incident_policy_save(
            node=world.school_a1,
            by=p["bureau"],
            data={"first_report_minutes": 30, "written_report_hours": 8, "warn_before_minutes": 5},
        )
    with pytest.raises(NotAllowed):
        incidents.incident_policy_save(
            node=world.county_a,
            by=p["principal"],
            data={"first_report_minutes": 30, "written_report_hours": 8, "warn_before_minutes": 5},
        )
    assert not IncidentPolicy.objects.exists()


def test_policy_page(client, world, p):
    client.force_login(p["bureau"])
    url = reverse("incidents:policy", args=[world.county_a.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "policy-form" in page.content.decode()
    answer = client.post(
        url, {"first_report_minutes": 120, "written_report_hours": 48, "warn_before_minutes": 20}
    )
    assert answer.status_code == 302
    policy = IncidentPolicy.objects.get(org=world.county_a)
    assert (policy.first_report_minutes, policy.written_report_hours) == (120, 48)
    # A school's staff read the rule in force but cannot set one.
    client.force_login(p["principal"])
    own = reverse("incidents:policy", args=[world.school_a1.pk])
    page = client.get(own)
    assert page.status_code == 200 and page.context["policy"] == policy
    assert "policy-form" not in page.content.decode()
    assert client.post(own, {"first_report_minutes": 5}).status_code == 403
    client.force_login(p["other_bureau"])
    assert client.get(url).status_code == 404


# ---------------------------------------------------------------------------- append-only


def test_timeline_is_append_only_in_model_queryset_and_database(world, p):
    incident = report(world.school_a1, p["officer"])
    entry = add(incident, p["officer"], Step.RESPONDED, 0.5, text="值班老师赶到")
    entry.text = "改写"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        IncidentEntry.objects.filter(pk=entry.pk).update(text="改写")
    with pytest.raises(PermissionError):
        IncidentEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE emergency_incidententry SET text = %s WHERE id = %s", ["改写", entry.pk]
        )
    assert IncidentEntry.objects.get(pk=entry.pk).text == "值班老师赶到"


def test_marks_are_recorded_once_and_closing_needs_a_summary(world, p):
    incident = report(world.school_a1, p["officer"])
    add(incident, p["officer"], Step.RESPONDED, 1)
    with pytest.raises(ValidationError) as exc:
        add(incident, p["officer"], Step.RESPONDED, 2)
    assert "step" in exc.value.message_dict
    with pytest.raises(ValidationError):
        add(incident, p["officer"], Step.REPORTED)  # written by the report itself
    with pytest.raises(ValidationError) as exc:
        add(incident, p["officer"], Step.CLOSED)
    assert "text" in exc.value.message_dict
    with pytest.raises(NotAllowed):
        add(incident, p["teacher"], Step.NOTE, text="老师补充")  # reporting is not handling
    with pytest.raises(ValidationError):
        add(
            incident, p["officer"], Step.NOTE, at=incident.occurred_at - datetime.timedelta(hours=1)
        )
    assert incident.entries.count() == 2


def test_status_follows_the_entries(world, p):
    incident = report(
        world.school_a1, p["officer"], occurred_at=minutes_ago(30), reported_at=minutes_ago(29)
    )
    add(incident, p["officer"], Step.ON_SCENE, 2)
    assert Incident.objects.get(pk=incident.pk).status == "open"
    add(incident, p["officer"], Step.CONTROLLED, 4)
    assert Incident.objects.get(pk=incident.pk).status == "controlled"
    for step in (Step.BUREAU_REPORTED, Step.AFTERCARE, Step.PARENTS, Step.INSURANCE):
        add(incident, p["officer"], step, text="已办理")
    closing = add(incident, p["principal"], Step.CLOSED, text="伤情轻微，已结案")
    incident.refresh_from_db()
    assert (incident.status, incident.closed_at, incident.closing_summary) == (
        "closed",
        closing.at,
        "伤情轻微，已结案",
    )
    with pytest.raises(ValidationError):
        add(incident, p["officer"], Step.CLOSED, text="再次结案")
    # Aftercare goes on after closing.
    add(incident, p["officer"], Step.INSURANCE, text="保险理赔到账")


# ---------------------------------------------------------------------------- 1-3-5


def test_response_marks_and_a_correction_that_changes_them(world, p):
    incident = report(
        world.school_a1, p["officer"], occurred_at=minutes_ago(60), reported_at=minutes_ago(50)
    )
    add(incident, p["officer"], Step.RESPONDED, 0.5)
    on_scene = add(incident, p["officer"], Step.ON_SCENE, 4)
    marks = response.response_for(incident)
    assert [(m.step, m.minutes, m.state) for m in marks.marks] == [
        ("responded", 0.5, "within"),
        ("on_scene", 4.0, "over"),
        ("controlled", None, "none"),
    ]

    with pytest.raises(ValidationError) as exc:
        add(incident, p["officer"], Step.CORRECTION, corrects=on_scene, at=on_scene.at)
    assert "reason" in exc.value.message_dict
    fix = add(
        incident,
        p["officer"],
        Step.CORRECTION,
        2.5,
        corrects=on_scene,
        reason="到场时间误录，按监控记录更正",
    )
    marks = response.response_for(incident)
    assert marks.mark(Step.ON_SCENE).minutes == 2.5
    assert marks.mark(Step.ON_SCENE).state == "within"
    assert marks.mark(Step.ON_SCENE).corrected
    # The corrected entry stays as written; a correction of a correction is refused.
    assert IncidentEntry.objects.get(pk=on_scene.pk).at == on_scene.at
    with pytest.raises(ValidationError):
        add(incident, p["officer"], Step.CORRECTION, 3, corrects=fix, reason="再改")
    # Correcting the report's own time moves every mark.
    reported = incident.entries.get(step=Step.REPORTED)
    add(
        incident,
        p["officer"],
        Step.CORRECTION,
        at=reported.at - datetime.timedelta(minutes=10),
        corrects=reported,
        reason="接警时间以电话记录为准",
    )
    marks = response.response_for(incident)
    assert marks.mark(Step.RESPONDED).minutes == 10.5
    assert marks.mark(Step.RESPONDED).state == "over"


def test_responses_over_a_queryset_are_set_based(world, p, django_assert_num_queries):
    fast = report(
        world.school_a1, p["officer"], occurred_at=minutes_ago(60), reported_at=minutes_ago(59)
    )
    slow = report(
        world.school_a2, p["bureau"], occurred_at=minutes_ago(60), reported_at=minutes_ago(59)
    )
    report(world.school_a1, p["officer"])  # no marks yet
    for incident, minutes in ((fast, (0.5, 2, 4)), (slow, (3, 9, 40))):
        for step, m in zip((Step.RESPONDED, Step.ON_SCENE, Step.CONTROLLED), minutes, strict=True):
            add(incident, p["bureau"], step, m)
    qs = Incident.objects.filter(org__in=[world.school_a1, world.school_a2])
    with django_assert_num_queries(2):
        found = response.responses(qs)
    assert found[fast.pk].all_within and not found[slow.pk].all_within
    figures = response.distribution(qs)
    assert figures["total"] == 3
    assert {k: figures["responded"][k] for k in ("within", "over", "none")} == {
        "within": 1,
        "over": 1,
        "none": 1,
    }
    assert figures["controlled"]["median"] == 22.0
    assert sum(figures["on_scene"]["buckets"]) == 2


# ---------------------------------------------------------------------------- plans


def test_plan_started_links_the_schools_plan_for_the_scenario(world, p):
    mine = EmergencyPlan.objects.create(
        org=world.school_a1, scenario="drowning", title="防溺水应急预案", status="approved"
    )
    EmergencyPlan.objects.create(
        org=world.school_a1, scenario="fire", title="消防应急预案", status="approved"
    )
    theirs = EmergencyPlan.objects.create(
        org=world.school_a2, scenario="drowning", title="防溺水应急预案", status="approved"
    )
    incident = report(world.school_a1, p["officer"], incident_type="drowning")
    assert incidents.best_plan(incident, p["officer"]) == mine
    entry = add(incident, p["officer"], Step.PLAN_STARTED, plan=mine)
    assert entry.plan == mine
    with pytest.raises(ValidationError) as exc:
        add(incident, p["officer"], Step.PLAN_STARTED, plan=theirs)
    assert "plan" in exc.value.message_dict


# ---------------------------------------------------------------------------- pages


def test_report_from_a_phone_page(client, world, p):
    client.force_login(p["teacher"])
    page = client.get(reverse("incidents:report"))
    assert page.status_code == 200
    answer = client.post(
        reverse("incidents:report"),
        {
            "school": world.school_a1.pk,
            "incident_type": "injury",
            "severity": "general",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "place": "操场",
            "description": "学生摔倒",
            "injured": "1",
            "deaths": "",
            "missing": "",
            "first_measures": "校医处理",
            "minors_involved": "on",
        },
    )
    incident = Incident.objects.get()
    assert answer.status_code == 302 and answer.url == reverse(
        "incidents:detail", args=[incident.pk]
    )
    assert (incident.injured, incident.deaths, incident.reported_by) == (1, 0, p["teacher"])
    # Bad input: the form comes back with what was typed, nothing saved.
    answer = client.post(
        reverse("incidents:report"),
        {
            "school": world.school_a1.pk,
            "incident_type": "injury",
            "severity": "general",
            "occurred_at": "",
            "place": "食堂",
            "description": "",
        },
    )
    assert answer.status_code == 200 and "食堂" in answer.content.decode()
    assert Incident.objects.count() == 1


def test_timeline_page_shows_marks_and_a_struck_through_correction(client, world, p):
    incident = report(
        world.school_a1, p["officer"], occurred_at=minutes_ago(30), reported_at=minutes_ago(29)
    )
    client.force_login(p["officer"])
    url = reverse("incidents:add_entry", args=[incident.pk])
    at = timezone.localtime(incident.reported_at + datetime.timedelta(minutes=6))
    answer = client.post(
        url,
        {
            "kind": "entry",
            "entry-step": "on_scene",
            "entry-at": at.strftime("%Y-%m-%dT%H:%M"),
            "entry-text": "安全员到场",
        },
    )
    assert answer.status_code == 302, answer.context["entry_form"].errors
    entry = incident.entries.get(step="on_scene")
    page = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert page.context["response"].mark("on_scene").state == "over"
    assert 'data-testid="verdict-on_scene"' in page.content.decode()
    fixed = timezone.localtime(incident.reported_at + datetime.timedelta(minutes=2))
    answer = client.post(
        url,
        {
            "kind": "correction",
            "fix-corrects": entry.pk,
            "fix-at": fixed.strftime("%Y-%m-%dT%H:%M"),
            "fix-reason": "按监控更正",
        },
    )
    assert answer.status_code == 302
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert 'data-testid="struck"' in page and "按监控更正" in page
    assert response.response_for(incident).mark("on_scene").state == "within"
    # A correction without a reason comes back with the message; nothing appended.
    count = incident.entries.count()
    answer = client.post(url, {"kind": "correction", "fix-corrects": entry.pk, "fix-reason": ""})
    assert answer.status_code == 200 and incident.entries.count() == count


def test_list_filters_and_export(client, world, p):
    drowning = report(world.school_a1, p["officer"], incident_type="drowning", severity="major")
    injury = report(world.school_a2, p["bureau"], occurred_at=minutes_ago(60 * 24 * 40))
    report(world.school_b1, p["other_bureau"], incident_type="drowning")
    client.force_login(p["bureau"])
    url = reverse("incidents:list")

    def numbers(**params):
        page = client.get(url, params)
        assert page.status_code == 200
        return {r["incident"].number for r in page.context["rows"]}

    assert numbers() == {drowning.number, injury.number}
    assert numbers(incident_type="drowning") == {drowning.number}
    assert numbers(severity="major") == {drowning.number}
    assert numbers(status="active") == {drowning.number, injury.number}
    assert numbers(status="closed") == set()
    assert numbers(node=world.school_a2.pk) == {injury.number}
    assert numbers(date_from=timezone.localdate().isoformat()) == {drowning.number}
    assert numbers(report="overdue") == {injury.number}
    export = client.get(url, {"export": "xlsx"})
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_home_shows_open_incidents_and_deadlines(world, p):
    report(world.school_a1, p["officer"], occurred_at=minutes_ago(90))  # overdue
    report(world.school_a1, p["officer"], occurred_at=minutes_ago(10))  # due soon
    todos = {t["key"]: t["count"] for t in home_context(p["bureau"])["todos"]}
    assert todos["incidents-open"] == 2
    assert todos["incidents-report-overdue"] == 1
    assert todos["incidents-report-due"] == 1
    assert "incidents-open" not in {t["key"] for t in home_context(p["other_bureau"])["todos"]}
    actions = {a["url"] for a in home_context(p["teacher"])["actions"]}
    assert reverse("incidents:report") in actions


# ---------------------------------------------------------------------------- API


def test_api_report_timeline_and_corrections(world, p):
    client = api(p["officer"])
    created = client.post(
        "/api/v1/incidents/",
        {
            "school": world.school_a1.pk,
            "incident_type": "fire",
            "place": "实验室",
            "description": "实验室起火",
            "severity": "serious",
        },
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    entries_url = f"/api/v1/incidents/{pk}/entries/"
    reported = client.get(entries_url).json()[0]
    assert reported["step"] == "reported"
    at = (timezone.now() + datetime.timedelta(seconds=30)).isoformat()
    answer = client.post(entries_url, {"step": "responded", "at": at, "text": "启动灭火"})
    assert answer.status_code == 201, answer.content
    responded = answer.json()
    # Changing or deleting an entry is refused with the way to fix it; nothing changes.
    for method in ("put", "patch", "delete"):
        answer = getattr(client, method)(f"{entries_url}{responded['id']}/", {"text": "改写"})
        assert answer.status_code == 400, (method, answer.content)
        assert "correction" in answer.content.decode()
    assert IncidentEntry.objects.get(pk=responded["id"]).text == "启动灭火"
    answer = client.post(
        entries_url, {"step": "correction", "corrects": responded["id"], "text": "启动灭火预案"}
    )
    assert answer.status_code == 400 and "reason" in answer.json()
    answer = client.post(
        entries_url,
        {
            "step": "correction",
            "corrects": responded["id"],
            "text": "启动灭火预案",
            "reason": "笔误",
        },
    )
    assert answer.status_code == 201
    rows = {r["id"]: r for r in client.get(entries_url).json()}
    assert rows[responded["id"]]["corrected"] is True
    detail = client.get(f"/api/v1/incidents/{pk}/").json()
    assert detail["response"][0]["state"] == "within"
    # Filters.
    assert client.get("/api/v1/incidents/", {"incident_type": "fire"}).json()["count"] == 1
    assert client.get("/api/v1/incidents/", {"incident_type": "drowning"}).json()["count"] == 0
    assert client.get("/api/v1/incidents/", {"within": world.school_a2.pk}).json()["count"] == 0
    # The incident itself is completed, never deleted.
    assert client.delete(f"/api/v1/incidents/{pk}/").status_code == 405
    answer = client.patch(f"/api/v1/incidents/{pk}/", {"injured": 2, "version": detail["version"]})
    assert answer.status_code == 200 and answer.json()["injured"] == 2
    stale = client.patch(f"/api/v1/incidents/{pk}/", {"injured": 3, "version": detail["version"]})
    assert stale.status_code == 409


def test_api_outsiders_get_404(world, p):
    incident = report(world.school_a1, p["officer"])
    entry = incident.entries.get()
    client = api(p["other_bureau"])
    assert client.get(f"/api/v1/incidents/{incident.pk}/").status_code == 404
    assert client.get(f"/api/v1/incidents/{incident.pk}/entries/").status_code == 404
    assert (
        client.post(
            f"/api/v1/incidents/{incident.pk}/entries/", {"step": "note", "text": "x"}
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/incidents/{incident.pk}/entries/{entry.pk}/").status_code == 404
    assert client.get("/api/v1/incidents/").json()["count"] == 0
    # A reader in scope may not write the timeline.
    observer = api(p["observer"])
    assert (
        observer.post(
            f"/api/v1/incidents/{incident.pk}/entries/", {"step": "note", "text": "x"}
        ).status_code
        == 403
    )


def test_list_page_and_api_cost_a_fixed_number_of_queries(client, world, p):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def grow(n):
        for i in range(n):
            incident = report(
                world.school_a1,
                p["officer"],
                occurred_at=minutes_ago(60),
                reported_at=minutes_ago(59),
            )
            add(incident, p["officer"], Step.RESPONDED, 0.5 + i)

    def cost():
        counts = []
        client.force_login(p["bureau"])
        for get in (
            lambda: client.get(reverse("incidents:list")),
            lambda: api(p["bureau"]).get("/api/v1/incidents/", {"page_size": 100}),
        ):
            with CaptureQueriesContext(connection) as captured:
                assert get().status_code == 200
            counts.append(len(captured))
        return counts

    grow(2)
    cost()  # first requests warm caches (content types, the token)
    few = cost()
    grow(5)
    assert cost() == few


def test_complete_the_report_later_on_its_page(client, world, p):
    incident = report(world.school_a1, p["officer"], occurred_at=minutes_ago(30))
    client.force_login(p["principal"])
    url = reverse("incidents:edit", args=[incident.pk])
    form = client.get(url).context["form"]
    assert "is_sensitive" in form.fields and "names" in form.fields
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data["occurred_at"] = form.initial["occurred_at"].strftime("%Y-%m-%dT%H:%M")
    data.update(injured=2, names="王小明", version=incident.version, minors_involved="on")
    data.pop("is_sensitive", None)
    data.pop("is_criminal", None)
    answer = client.post(url, data)
    assert answer.status_code == 302, answer.context["form"].errors
    incident.refresh_from_db()
    assert (incident.injured, incident.names) == (2, "王小明")
    change = AuditEntry.objects.filter(action="update", object_id=str(incident.pk)).latest("id")
    assert set(change.changes) == {"injured", "names"}  # the untouched time did not move
    assert "王小明" not in str(change.changes)
    # The safety officer completes it too, but may not set the flags (not designated).
    client.force_login(p["officer"])
    assert "is_sensitive" not in client.get(url).context["form"].fields
