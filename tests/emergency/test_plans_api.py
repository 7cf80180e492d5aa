"""The plan API: listing with filters, creating with duties and a document, the workflow
actions, stale versions, the gaps of schools, scoping and query counts."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safecampus.core.models import Attachment
from safecampus.emergency.choices import PlanStatus
from safecampus.emergency.models import EmergencyPlan
from tests import factories as f
from tests.api_helpers import api, api_setup, ids  # noqa: F401
from tests.emergency.factories import exe_as_pdf, make_plan, pdf_upload

URL = "/api/v1/plans/"
GAPS = "/api/v1/plan-gaps/"
PAST = datetime.date(2024, 3, 1)


@pytest.fixture
def users(world):
    return {
        "safety": f.user_with_role("safety_officer", world.school_a1),
        "teacher": f.user_with_role("teacher", world.school_a1),
        "bureau": f.user_with_role("bureau_staff", world.county_a),
        "outsider": f.user_with_role("bureau_staff", world.county_b),
    }


@pytest.mark.django_db
def test_list_filters_by_scenario_status_region_and_overdue_review(world, users):
    overdue = make_plan(world.school_a1, "fire", approved_on=PAST)
    draft = make_plan(world.school_a1, "traffic")
    fresh = make_plan(world.school_a2, "fire", approved_on=timezone.localdate())
    make_plan(world.school_b1, "fire", approved_on=PAST)
    client = api(users["bureau"])
    assert ids(client.get(URL)) == {overdue.pk, draft.pk, fresh.pk}
    assert ids(client.get(URL, {"scenario": "fire"})) == {overdue.pk, fresh.pk}
    assert ids(client.get(URL, {"status": "draft"})) == {draft.pk}
    assert ids(client.get(URL, {"within": world.school_a2.pk})) == {fresh.pk}
    assert ids(client.get(URL, {"review_overdue": "true"})) == {overdue.pk}
    assert ids(client.get(URL, {"within": world.county_b.pk})) == set()
    row = client.get(f"{URL}{overdue.pk}/").json()
    assert row["review_overdue"] is True and row["review_due"] == "2025-03-01"


@pytest.mark.django_db
def test_create_with_duties_as_json(world, users):
    person = f.PersonFactory(org=world.school_a1, name="王校长", phone="13912345678")
    response = api(users["safety"]).post(
        URL,
        {
            "org": world.school_a1.pk,
            "scenario": "earthquake",
            "edition": "2026年版",
            "contacts": [
                {"duty": "总指挥", "person": person.pk},
                {"duty": "疏散组", "name": "赵老师", "phone": "13800000000"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["document"] is None
    assert [(c["duty"], c["name"], c["phone"]) for c in body["contacts"]] == [
        ("总指挥", "王校长", "13912345678"),
        ("疏散组", "赵老师", "13800000000"),
    ]


@pytest.mark.django_db
def test_create_with_a_document_in_a_multipart_upload(world, users):
    response = api(users["safety"]).post(
        URL,
        {
            "org": world.school_a1.pk,
            "scenario": "fire",
            "contacts": json.dumps([{"duty": "总指挥", "name": "钱主任"}]),
            "document": pdf_upload(name="消防预案.pdf"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    document = response.json()["document"]
    assert document["filename"] == "消防预案.pdf"
    assert document["content_type"] == "application/pdf"
    assert response.json()["contacts"][0]["name"] == "钱主任"


@pytest.mark.django_db
def test_an_exe_renamed_pdf_is_refused_in_chinese_and_nothing_saved(world, users):
    response = api(users["safety"], language="zh-hans").post(
        URL,
        {"org": world.school_a1.pk, "scenario": "fire", "document": exe_as_pdf()},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["document"] == ["该文件不是 PDF、Word（DOC、DOCX）或 ODT 文档。"]
    assert not EmergencyPlan.objects.exists() and not Attachment.objects.exists()


@pytest.mark.django_db
def test_the_workflow_over_the_api(world, users):
    client = api(users["safety"])
    plan = make_plan(world.school_a1, "fire")
    response = client.post(
        f"{URL}{plan.pk}/approve/",
        {"version": plan.version, "approved_by_name": "校长办公会", "approved_on": "2025-06-01"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["review_due"]) == ("approved", "2026-06-01")
    stale = client.post(f"{URL}{plan.pk}/new-edition/", {"version": 1, "edition": "2026年版"})
    assert stale.status_code == 409
    response = client.post(
        f"{URL}{plan.pk}/new-edition/", {"version": body["version"], "edition": "2026年版"}
    )
    assert response.status_code == 201, response.content
    new = response.json()
    assert (new["status"], new["supersedes"]) == ("draft", plan.pk)
    client.post(
        f"{URL}{new['id']}/approve/",
        {"version": new["version"], "approved_by_name": "校长办公会"},
    )
    old = client.get(f"{URL}{plan.pk}/").json()
    assert old["status"] == "retired"
    refused = client.patch(f"{URL}{plan.pk}/", {"version": old["version"], "summary": "改"})
    assert refused.status_code == 400
    current = client.get(f"{URL}{new['id']}/").json()
    refused = client.patch(f"{URL}{new['id']}/", {"version": current["version"], "title": "新标题"})
    assert refused.status_code == 400  # approved: text fixed
    response = client.post(
        f"{URL}{new['id']}/retire/", {"version": current["version"], "reason": "学校撤并"}
    )
    assert response.json()["status"] == PlanStatus.RETIRED


@pytest.mark.django_db
def test_stale_patch_is_a_conflict_and_changes_nothing(world, users):
    plan = make_plan(world.school_a1, "fire", summary="原")
    client = api(users["safety"])
    assert (
        client.patch(f"{URL}{plan.pk}/", {"version": plan.version, "summary": "一"}).status_code
        == 200
    )
    response = client.patch(f"{URL}{plan.pk}/", {"version": plan.version, "summary": "二"})
    assert response.status_code == 409
    plan.refresh_from_db()
    assert plan.summary == "一"


@pytest.mark.django_db
def test_outsiders_get_404_everywhere_and_readers_403_on_writes(world, users):
    plan = make_plan(world.school_a1, "fire", document=pdf_upload())
    outsider = api(users["outsider"])
    assert outsider.get(f"{URL}{plan.pk}/").status_code == 404
    for action in ("approve", "new-edition", "retire"):
        assert outsider.post(f"{URL}{plan.pk}/{action}/", {"version": 1}).status_code == 404
    assert outsider.patch(f"{URL}{plan.pk}/", {"version": 1, "summary": "x"}).status_code == 404
    created = outsider.post(URL, {"org": world.school_a1.pk, "scenario": "fire"}, format="json")
    assert created.status_code == 400  # a node outside the scope does not exist
    teacher = api(users["teacher"])
    assert teacher.get(f"{URL}{plan.pk}/").status_code == 200
    response = teacher.post(
        f"{URL}{plan.pk}/approve/", {"version": plan.version, "approved_by_name": "某"}
    )
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


@pytest.mark.django_db
def test_plan_gaps_of_one_school_and_of_a_region(world, users):
    make_plan(world.school_a1, "fire", approved_on=PAST)
    client = api(users["bureau"])
    rows = client.get(GAPS, {"school": world.school_a1.pk}).json()["results"]
    assert [r["school"] for r in rows] == [world.school_a1.pk]
    kinds = {(g["kind"], g["scenario"]) for g in rows[0]["gaps"]}
    assert ("overdue", "fire") in kinds and ("missing", "drowning") in kinds
    assert ("missing", "fire") not in kinds
    overdue = client.get(GAPS, {"within": world.county_a.pk, "kind": "overdue"}).json()
    assert [r["school"] for r in overdue["results"]] == [world.school_a1.pk]
    detail = client.get(f"{GAPS}{world.school_a1.pk}/").json()
    states = {(r["scenario"], r["night"]): r["state"] for r in detail["requirements"]}
    assert states[("fire", False)] == "overdue" and states[("traffic", False)] == "missing"
    assert client.get(GAPS, {"kind": "nonsense"}).status_code == 400
    outsider = api(users["outsider"])
    assert outsider.get(f"{GAPS}{world.school_a1.pk}/").status_code == 404
    assert outsider.get(GAPS, {"school": world.school_a1.pk}).json()["count"] == 0


@pytest.mark.django_db
def test_plan_list_takes_the_same_queries_for_few_or_many_plans(world, users):
    client = api(users["bureau"])
    counts = []
    for n in (2, 12):
        for i in range(n):
            make_plan(
                world.school_a1,
                "fire",
                contacts=[{"duty": "总指挥", "name": f"人{i}"}],
                document=pdf_upload(),
            )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"page_size": 100})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
