"""Emergency plans: the set a school must hold, its gaps, the workflow of editions, the
document upload, the pages and their scoping, the region's gap list and the home page."""

import datetime
import io
from urllib.parse import unquote

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from safecampus.core.attachments import documents_of
from safecampus.core.errors import ConflictError, NotAllowed
from safecampus.core.models import Attachment, AuditEntry
from safecampus.emergency import plans, required
from safecampus.emergency.choices import PlanStatus, Scenario
from safecampus.emergency.models import Drill, EmergencyPlan, PlanContact
from safecampus.orgs.choices import SchoolKind
from tests import factories as f
from tests.emergency.factories import (
    docx_upload,
    exe_as_pdf,
    make_plan,
    odt_upload,
    pdf_upload,
)
from tests.region_helpers import count, row_urls

TODAY = datetime.date(2026, 5, 20)
BASE = {
    "comprehensive",
    "traffic",
    "fire",
    "food_poisoning",
    "injury",
    "earthquake",
    "stampede",
    "drowning",
    "violence",
    "epidemic",
}


def scenarios(school) -> set:
    return {(r.scenario, r.night) for r in required.required_scenarios(school)}


def plain(names) -> set:
    return {(n, False) for n in names}


def profile(node, **changes):
    school = node.school
    for name, value in changes.items():
        setattr(school, name, value)
    school.save()
    return school


@pytest.fixture
def people(world):
    return {
        "safety": f.user_with_role("safety_officer", world.school_a1),
        "principal": f.user_with_role("principal", world.school_a1),
        "teacher": f.user_with_role("teacher", world.school_a1),
        "bureau": f.user_with_role("bureau_staff", world.county_a),
        "outsider": f.user_with_role("bureau_staff", world.county_b),
        "other_school": f.user_with_role("safety_officer", world.school_a2),
        "commander": f.PersonFactory(org=world.school_a1, name="王校长", phone="13912345678"),
    }


# ------------------------------------------------------------------------- the required set


@pytest.mark.django_db
def test_every_day_school_holds_seed_000s_list_and_the_overall_plan(world):
    assert scenarios(world.school_a1) == plain(BASE)
    assert scenarios(world.school_b1) == plain(BASE)  # a junior middle school
    sources = {r.scenario: r.source for r in required.required_scenarios(world.school_a1)}
    assert sources["fire"] == sources["drowning"] == "000 §四.二"
    assert sources["comprehensive"] == "002 §20"


@pytest.mark.django_db
def test_flood_prone_schools_add_flood_and_mudslide(world):
    assert scenarios(profile(world.school_a1, flood_prone=True)) == plain(BASE | {"flood"})


@pytest.mark.django_db
def test_boarding_schools_add_night_time_plans_and_missing_students(world):
    school = profile(world.school_b1, boarding=True, enrolment=800, boarders=300)
    assert scenarios(school) == plain(BASE | {"missing"}) | {
        ("fire", True),
        ("earthquake", True),
    }
    night = [r for r in required.required_scenarios(school) if r.night]
    assert {r.rule for r in night} == {"PLAN-NIGHT"}


@pytest.mark.django_db
def test_kindergartens_add_missing_children_but_no_night_plans(world):
    assert world.school_a2.school.school_kind == SchoolKind.KINDERGARTEN
    assert scenarios(world.school_a2) == plain(BASE | {"missing"})


@pytest.mark.django_db
def test_training_institutions_hold_the_plans_of_a_crowded_building(world):
    node = f.school(world.town_a, "阳光培训学校", SchoolKind.TRAINING)
    assert scenarios(node) == plain({"comprehensive", "fire", "injury", "stampede", "epidemic"})


@pytest.mark.django_db
def test_regions_have_no_required_set(world):
    assert required.required_scenarios(world.county_a) == []


# --------------------------------------------------------------------------------- gaps


@pytest.mark.django_db
def test_a_school_without_plans_misses_every_required_scenario(world):
    gaps = required.plan_gaps(world.school_a1, TODAY)
    assert {g.scenario for g in gaps} == BASE
    assert {g.kind for g in gaps} == {"missing"}
    fire = next(g for g in gaps if g.scenario == "fire")
    assert fire.rule == "PLAN-BASE"
    assert "000 §四.二" in fire.message and "PLAN-BASE" in fire.message


@pytest.mark.django_db
def test_an_approved_plan_closes_its_gap_until_its_review_is_overdue(world):
    plan = make_plan(world.school_a1, "fire", approved_on=datetime.date(2025, 5, 1))
    assert plan.review_due == datetime.date(2026, 5, 1)
    before = required.plan_gaps(world.school_a1, datetime.date(2026, 4, 30))
    assert "fire" not in {g.scenario for g in before}
    after = required.plan_gaps(world.school_a1, TODAY)
    overdue = [g for g in after if g.kind == "overdue"]
    assert [(g.scenario, g.plan_id, g.due) for g in overdue] == [
        ("fire", plan.pk, datetime.date(2026, 5, 1))
    ]
    assert "2026-05-01" in overdue[0].message and "PLAN-REVIEW" in overdue[0].message
    assert "fire" not in {g.scenario for g in after if g.kind == "missing"}


@pytest.mark.django_db
def test_a_draft_is_a_gap_of_its_own_not_a_held_plan(world):
    draft = make_plan(world.school_a1, "earthquake", title="地震应急预案（征求意见稿）")
    gaps = required.plan_gaps(world.school_a1, TODAY)
    quake = [g for g in gaps if g.scenario == "earthquake"]
    assert [(g.kind, g.plan_id) for g in quake] == [("draft", draft.pk)]
    assert "征求意见稿" in quake[0].message


@pytest.mark.django_db
def test_drafts_outside_the_required_set_are_listed_as_never_approved(world):
    draft = make_plan(world.school_a1, "gas")
    gaps = [g for g in required.plan_gaps(world.school_a1, TODAY) if g.plan_id == draft.pk]
    assert [(g.kind, g.rule) for g in gaps] == [("draft", "PLAN-APPROVE")]


@pytest.mark.django_db
def test_boarding_school_needs_its_fire_plan_to_cover_the_night(world):
    profile(world.school_b1, boarding=True, enrolment=800, boarders=300)
    make_plan(world.school_b1, "fire", approved_on=TODAY)
    missing = {
        (g.scenario, g.rule)
        for g in required.plan_gaps(world.school_b1, TODAY)
        if g.kind == "missing"
    }
    assert ("fire", "PLAN-NIGHT") in missing and ("fire", "PLAN-BASE") not in missing
    make_plan(world.school_b1, "fire", approved_on=TODAY, covers_night=True)
    missing = {
        g.scenario for g in required.plan_gaps(world.school_b1, TODAY) if g.rule == "PLAN-NIGHT"
    }
    assert missing == {"earthquake"}


@pytest.mark.django_db
def test_retired_plans_do_not_count(world):
    plan = make_plan(world.school_a1, "fire", approved_on=TODAY)
    plans.plan_retire(plan=plan, by=None, reason="学校撤并", expected_version=None)
    assert "fire" in {
        g.scenario for g in required.plan_gaps(world.school_a1, TODAY) if g.kind == "missing"
    }


# ----------------------------------------------------------------------------- workflow


@pytest.mark.django_db
def test_approval_records_who_and_when_and_a_review_a_year_later(world, people):
    plan = plans.plan_create(by=people["safety"], org=world.school_a1, scenario="fire")
    assert plan.status == PlanStatus.DRAFT
    assert plan.title == f"{world.school_a1.name}火灾应急预案"
    plans.plan_approve(
        plan=plan,
        by=people["principal"],
        approved_by_name="李明（校长）",
        approved_on=datetime.date(2024, 2, 29),
        expected_version=plan.version,
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    assert (plan.approved_by_name, plan.approved_on) == ("李明（校长）", datetime.date(2024, 2, 29))
    assert plan.review_due == datetime.date(2025, 2, 28)
    entry = AuditEntry.objects.filter(object_id=str(plan.pk), transition="approve").get()
    assert entry.user == people["principal"]


@pytest.mark.django_db
def test_approval_takes_a_review_date_of_its_own_and_refuses_bad_dates(world, people):
    plan = make_plan(world.school_a1, "drowning")
    with pytest.raises(ValidationError) as refused:
        plans.plan_approve(
            plan=plan,
            by=people["principal"],
            approved_by_name="校长",
            approved_on=timezone.localdate() + datetime.timedelta(days=3),
            expected_version=plan.version,
        )
    assert "approved_on" in refused.value.error_dict
    with pytest.raises(ValidationError) as refused:
        plans.plan_approve(
            plan=plan,
            by=people["principal"],
            approved_by_name="校长",
            approved_on=TODAY,
            review_due=TODAY,
            expected_version=plan.version,
        )
    assert "review_due" in refused.value.error_dict
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and plan.approved_on is None
    plans.plan_approve(
        plan=plan,
        by=people["principal"],
        approved_by_name="校长",
        approved_on=TODAY,
        review_due=datetime.date(2026, 9, 1),
        expected_version=plan.version,
    )
    assert plan.review_due == datetime.date(2026, 9, 1)


@pytest.mark.django_db
def test_a_new_edition_supersedes_the_old_which_stays_on_file_retired(world, people):
    old = make_plan(
        world.school_a1,
        "fire",
        approved_on=datetime.date(2025, 3, 1),
        edition="2025年版",
        contacts=[{"duty": "总指挥", "person": people["commander"]}],
    )
    new = plans.plan_new_edition(
        plan=old, by=people["safety"], edition="2026年修订版", expected_version=old.version
    )
    old.refresh_from_db()
    assert old.status == PlanStatus.APPROVED, (
        "the old edition stays in force until the new one is approved"
    )
    assert (new.status, new.supersedes_id, new.scenario) == (PlanStatus.DRAFT, old.pk, "fire")
    assert [(c.duty, c.name, c.phone) for c in new.contacts.all()] == [
        ("总指挥", "王校长", "13912345678")
    ]
    with pytest.raises(ValidationError):
        plans.plan_new_edition(plan=old, by=people["safety"], edition="又一版")
    plans.plan_approve(
        plan=new,
        by=people["principal"],
        approved_by_name="校长办公会",
        expected_version=new.version,
    )
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (PlanStatus.RETIRED, PlanStatus.APPROVED)
    assert AuditEntry.objects.filter(object_id=str(old.pk), transition="supersede").exists()
    chain = plans.editions(old, EmergencyPlan.objects.all())
    assert [p.pk for p in chain] == [old.pk, new.pk]
    held = {
        r.requirement.scenario: r.plan
        for r in required.school_assessment(world.school_a1).checklist
    }
    assert held["fire"].pk == new.pk


@pytest.mark.django_db
def test_an_approved_plan_keeps_its_text_but_its_people_may_change(world, people):
    plan = make_plan(world.school_a1, "fire", approved_on=TODAY, summary="原文")
    with pytest.raises(ValidationError) as refused:
        plans.plan_update(
            plan=plan, by=people["safety"], data={"summary": "改写"}, expected_version=plan.version
        )
    assert "new edition" in " ".join(refused.value.messages) or "新版本" in " ".join(
        refused.value.messages
    )
    with pytest.raises(ValidationError):
        plans.plan_update(
            plan=plan,
            by=people["safety"],
            data={},
            expected_version=plan.version,
            document=pdf_upload(),
        )
    plans.plan_update(
        plan=plan,
        by=people["safety"],
        data={"review_due": datetime.date(2027, 1, 1)},
        expected_version=plan.version,
        contacts=[{"duty": "疏散组", "name": "赵老师", "phone": "13800000000"}],
    )
    plan.refresh_from_db()
    assert plan.summary == "原文" and plan.review_due == datetime.date(2027, 1, 1)
    assert list(plan.contacts.values_list("duty", "name")) == [("疏散组", "赵老师")]
    assert not documents_of(plan).exists()


@pytest.mark.django_db
def test_stale_edits_and_retired_plans_are_refused(world, people):
    plan = make_plan(world.school_a1, "fire")
    seen = plan.version
    plans.plan_update(plan=plan, by=people["safety"], data={"summary": "一"}, expected_version=seen)
    with pytest.raises(ConflictError):
        plans.plan_update(
            plan=EmergencyPlan.objects.get(pk=plan.pk),
            by=people["principal"],
            data={"summary": "二"},
            expected_version=seen,
        )
    with pytest.raises(ValidationError):
        plans.plan_retire(plan=plan, by=people["safety"], reason=" ", expected_version=plan.version)
    plans.plan_retire(
        plan=plan, by=people["safety"], reason="并入综合预案", expected_version=plan.version
    )
    with pytest.raises(ValidationError):
        plans.plan_update(
            plan=plan, by=people["safety"], data={"summary": "三"}, expected_version=plan.version
        )
    plan.refresh_from_db()
    assert (plan.status, plan.summary) == (PlanStatus.RETIRED, "一")


@pytest.mark.django_db
def test_services_check_the_role_table_and_the_people_named(world, people):
    with pytest.raises(NotAllowed):
        plans.plan_create(by=people["teacher"], org=world.school_a1, scenario="fire")
    with pytest.raises(NotAllowed):
        plans.plan_create(by=people["outsider"], org=world.school_a1, scenario="fire")
    stranger = f.PersonFactory(org=world.school_b1, name="外校人员")
    with pytest.raises(ValidationError) as refused:
        plans.plan_create(
            by=people["safety"],
            org=world.school_a1,
            scenario="fire",
            contacts=[{"duty": "总指挥", "person": stranger}, {"duty": "", "name": "某人"}],
        )
    assert len(refused.value.error_dict["contacts"]) == 2
    assert not EmergencyPlan.objects.exists()


# ----------------------------------------------------------------------------- documents


@pytest.mark.django_db
def test_an_exe_renamed_pdf_is_refused_and_nothing_is_saved(world, people):
    with pytest.raises(ValidationError) as refused:
        plans.plan_create(
            by=people["safety"], org=world.school_a1, scenario="fire", document=exe_as_pdf()
        )
    assert "document" in refused.value.error_dict
    assert not EmergencyPlan.objects.exists() and not Attachment.objects.exists()


@pytest.mark.django_db
def test_documents_are_recognised_by_their_bytes(world, people):
    from safecampus.core.attachments import read_document

    assert read_document(pdf_upload())[1] == "pdf"
    assert read_document(docx_upload())[1] == "docx"
    assert read_document(odt_upload())[1] == "odt"
    empty = SimpleUploadedFile("空.pdf", b"")
    for bad in (exe_as_pdf(), docx_upload(macros=True), empty):
        with pytest.raises(ValidationError):
            read_document(bad)


@pytest.mark.django_db
def test_documents_over_the_limit_are_refused(world, people, monkeypatch):
    from safecampus.core import attachments

    monkeypatch.setattr(attachments, "MAX_DOCUMENT_BYTES", 100)
    with pytest.raises(ValidationError) as refused:
        attachments.read_document(pdf_upload(body=b"x" * 200))
    assert refused.value.code == "too_large"


@pytest.mark.django_db
def test_the_document_is_kept_as_uploaded_and_served_with_its_name(client, world, people):
    upload = pdf_upload(name="冯记沟 火灾应急预案.pdf")
    original = upload.read()
    plan = make_plan(world.school_a1, "fire", document=upload)
    doc = documents_of(plan).get()
    assert doc.kind == "document" and doc.size == len(original)
    client.force_login(people["teacher"])
    response = client.get(reverse("attachment", args=[doc.token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "冯记沟_火灾应急预案.pdf" in unquote(response["Content-Disposition"])
    assert b"".join(response.streaming_content) == original

    word = make_plan(world.school_a1, "earthquake", document=docx_upload())
    response = client.get(reverse("attachment", args=[documents_of(word).get().token]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.django_db
def test_documents_are_served_only_to_those_who_read_the_plan(client, world, people):
    plan = make_plan(world.school_a1, "fire", document=pdf_upload())
    url = reverse("attachment", args=[documents_of(plan).get().token])
    for user in (
        people["outsider"],
        people["other_school"],
        # the market department reads attachments of its township, not its plans
        f.user_with_role("department_liaison", world.town_a, department=world.market_a),
    ):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(people["bureau"])
    assert client.get(url).status_code == 200


# --------------------------------------------------------------------------------- pages


@pytest.mark.django_db
def test_the_school_page_is_a_checklist_with_add_links(client, world, people):
    make_plan(world.school_a1, "fire", approved_on=datetime.date(2024, 1, 10))
    make_plan(world.school_a1, "traffic", approved_on=timezone.localdate())
    make_plan(world.school_a1, "earthquake")
    client.force_login(people["safety"])
    response = client.get(reverse("plans:org", args=[world.school_a1.pk]))
    assert response.status_code == 200
    states = {r.requirement.scenario: r.state for r in response.context["assessment"].checklist}
    assert states["fire"] == "overdue" and states["traffic"] == "held"
    assert states["earthquake"] == "draft" and states["drowning"] == "missing"
    html = response.content.decode()
    add = f"{reverse('plans:add')}?org={world.school_a1.pk}&amp;scenario=drowning"
    assert add in html
    assert "评审" in html  # Chinese page

    response = client.get(reverse("plans:add"), {"org": world.school_a1.pk, "scenario": "drowning"})
    form = response.context["form"]
    assert form.initial["scenario"] == "drowning"
    assert form.initial["title"] == f"{world.school_a1.name}溺水应急预案"


@pytest.mark.django_db
def test_creating_a_plan_on_the_page_with_duties_and_document(client, world, people):
    client.force_login(people["safety"])
    url = f"{reverse('plans:add')}?org={world.school_a1.pk}&scenario=fire"
    data = {
        "scenario": "fire",
        "title": "冯记沟中心小学火灾事故应急预案",
        "edition": "2026年版",
        "summary": "发现火情立即报警",
        "c-TOTAL_FORMS": "2",
        "c-INITIAL_FORMS": "0",
        "c-MIN_NUM_FORMS": "0",
        "c-MAX_NUM_FORMS": "60",
        "c-0-duty": "总指挥",
        "c-0-person": people["commander"].pk,
        "c-1-duty": "疏散组",
        "c-1-name": "赵老师",
        "c-1-phone": "13800000000",
        "document": pdf_upload(),
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = EmergencyPlan.objects.get()
    assert response["Location"] == reverse("plans:detail", args=[plan.pk])
    assert list(PlanContact.objects.values_list("duty", "name", "phone")) == [
        ("总指挥", "王校长", "13912345678"),
        ("疏散组", "赵老师", "13800000000"),
    ]
    detail = client.get(response["Location"])
    html = detail.content.decode()
    assert "王校长" in html and "火灾应急预案.pdf" in html
    assert reverse("plans:approve", args=[plan.pk]) in html


@pytest.mark.django_db
def test_a_bad_document_is_refused_in_chinese_and_the_form_keeps_its_input(client, world, people):
    client.force_login(people["safety"])
    url = f"{reverse('plans:add')}?org={world.school_a1.pk}"
    response = client.post(
        url,
        {
            "scenario": "fire",
            "title": "我们的火灾预案",
            "c-TOTAL_FORMS": "1",
            "c-INITIAL_FORMS": "0",
            "c-MIN_NUM_FORMS": "0",
            "c-MAX_NUM_FORMS": "60",
            "c-0-duty": "总指挥",
            "c-0-name": "钱主任",
            "document": exe_as_pdf(),
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "该文件不是 PDF、Word（DOC、DOCX）或 ODT 文档。" in html
    assert 'value="我们的火灾预案"' in html and 'value="钱主任"' in html
    assert not EmergencyPlan.objects.exists() and not Attachment.objects.exists()


@pytest.mark.django_db
def test_approve_new_edition_and_retire_on_the_pages(client, world, people):
    plan = make_plan(world.school_a1, "fire")
    client.force_login(people["principal"])
    response = client.post(
        reverse("plans:approve", args=[plan.pk]),
        {"version": plan.version, "approved_by_name": "", "approved_on": "2026-05-01"},
    )
    assert response.status_code == 200 and "该字段是必填项" in response.content.decode()
    response = client.post(
        reverse("plans:approve", args=[plan.pk]),
        {"version": plan.version, "approved_by_name": "校长办公会", "approved_on": "2026-05-01"},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.review_due == datetime.date(2027, 5, 1)
    response = client.post(
        reverse("plans:new_edition", args=[plan.pk]),
        {"version": plan.version, "edition": "2027年修订版", "title": ""},
    )
    new = EmergencyPlan.objects.get(supersedes=plan)
    assert response["Location"] == reverse("plans:edit", args=[new.pk])
    client.post(
        reverse("plans:approve", args=[new.pk]),
        {"version": new.version, "approved_by_name": "校长办公会", "approved_on": "2026-05-02"},
    )
    old_page = client.get(reverse("plans:detail", args=[plan.pk]))
    assert old_page.status_code == 200
    assert old_page.context["successor"].pk == new.pk
    assert "已停用" in old_page.content.decode() or "retired" in old_page.content.decode()
    # the retired edition offers no edit, and its edit page does not change it
    assert not old_page.context["may_edit"]
    assert client.get(reverse("plans:retire", args=[plan.pk])).status_code == 404
    response = client.post(
        reverse("plans:retire", args=[new.pk]), {"version": new.version + 5, "reason": "撤并"}
    )
    assert response.status_code == 200  # stale: told, nothing changed
    new.refresh_from_db()
    assert new.status == PlanStatus.APPROVED


@pytest.mark.django_db
def test_the_detail_shows_the_drills_that_rehearsed_the_plan(client, world, people):
    plan = make_plan(world.school_a1, "fire", approved_on=TODAY)
    Drill.objects.create(
        org=world.school_a1,
        scenario="fire",
        plan=plan,
        status="held",
        held_at=timezone.now(),
        title="春季消防疏散演练",
    )
    client.force_login(people["teacher"])
    response = client.get(reverse("plans:detail", args=[plan.pk]))
    assert [d.plan_id for d in response.context["drills"]] == [plan.pk]
    assert not response.context["may_edit"]  # teachers read plans


@pytest.mark.django_db
def test_pages_of_another_county_or_school_are_not_found(client, world, people):
    plan = make_plan(world.school_a1, "fire", approved_on=TODAY, document=pdf_upload())
    draft = make_plan(world.school_a1, "traffic")
    urls = [
        reverse("plans:detail", args=[plan.pk]),
        reverse("plans:edit", args=[plan.pk]),
        reverse("plans:approve", args=[draft.pk]),
        reverse("plans:new_edition", args=[plan.pk]),
        reverse("plans:retire", args=[plan.pk]),
        reverse("plans:org", args=[world.school_a1.pk]),
        f"{reverse('plans:add')}?org={world.school_a1.pk}",
    ]
    for user in (people["outsider"], people["other_school"]):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(urls[1], {"version": plan.version}).status_code == 404
        listing = client.get(reverse("plans:list"))
        assert plan.title not in listing.content.decode()
    client.force_login(people["teacher"])
    assert client.get(urls[0]).status_code == 200
    assert client.get(urls[1]).status_code == 403
    assert client.get(urls[-1]).status_code == 403


@pytest.mark.django_db
def test_the_ledger_filters_and_exports(client, world, people):
    make_plan(world.school_a1, "fire", approved_on=datetime.date(2024, 1, 10), title="甲火灾预案")
    make_plan(world.school_a2, "fire", approved_on=timezone.localdate(), title="乙火灾预案")
    make_plan(world.school_b1, "fire", approved_on=timezone.localdate(), title="丙火灾预案")
    client.force_login(people["bureau"])
    response = client.get(reverse("plans:list"), {"review": "overdue"})
    assert [p.title for p in response.context["object_list"]] == ["甲火灾预案"]
    response = client.get(reverse("plans:list"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    titles = {row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert titles == {"甲火灾预案", "乙火灾预案"}


# ------------------------------------------------------------------------------- region


def _county_with_schools(world, n: int):
    town = f.node(world.county_a, "township", f"测试乡{n}")
    for i in range(n):
        node = f.school(town, f"测试{n}小学{i}", SchoolKind.PRIMARY)
        if i % 2:
            make_plan(node, "fire", approved_on=datetime.date(2024, 1, 10))
        else:
            make_plan(node, "fire")
    return town


@pytest.mark.django_db
def test_region_gaps_take_a_handful_of_queries_whatever_the_number_of_schools(world, people):
    small = _county_with_schools(world, 2)
    large = _county_with_schools(world, 12)
    user = people["bureau"]
    counts = []
    for town in (small, large):
        user = f.user_with_role("bureau_staff", world.county_a)  # fresh role cache
        with CaptureQueriesContext(connection) as queries:
            rows = required.region_gaps(user=user, node=town, today=TODAY)
        counts.append(len(queries))
        assert len(rows) == len(list(town.children.all()))
    assert counts[0] == counts[1] <= 4, counts


@pytest.mark.django_db
def test_the_region_page_lists_gaps_filters_and_exports_in_constant_queries(client, world, people):
    small = _county_with_schools(world, 2)
    large = _county_with_schools(world, 12)
    client.force_login(people["bureau"])
    counts = []
    for town in (small, large):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("plans:gaps"), {"node": town.pk})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    response = client.get(reverse("plans:gaps"), {"node": large.pk, "kind": "overdue"})
    rows = response.context["object_list"]
    assert len(rows) == 6 and all(r.overdue == 1 and r.missing == 0 for r in rows)
    response = client.get(
        reverse("plans:gaps"), {"node": large.pk, "kind": "draft", "export": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    lines = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(lines) == 6 and {line[3] for line in lines} == {"草稿未批准"}


@pytest.mark.django_db
def test_the_region_page_shows_nothing_of_another_county(client, world, people):
    make_plan(world.school_a1, "fire")
    client.force_login(people["outsider"])
    response = client.get(reverse("plans:gaps"), {"node": world.county_a.pk})
    names = {r.node.name for r in response.context["object_list"]}
    assert names == {world.school_b1.name}
    assert world.school_a1.name not in response.content.decode()


@pytest.mark.django_db
def test_a_city_sees_a_row_per_county_agreeing_with_the_countys_list(client, world, people):
    make_plan(world.school_a1, "fire", approved_on=datetime.date(2024, 1, 10))  # overdue
    make_plan(world.school_b1, "fire")  # a draft
    client.force_login(f.user_with_role("bureau_staff", world.city))
    url = reverse("plans:gaps")
    html = client.get(url).content.decode()
    assert 'data-testid="gaps-table"' not in html and world.school_a1.name not in html
    rows = row_urls(html)
    assert set(rows) == {str(world.county_a.pk), str(world.county_b.pk)}
    for county in (world.county_a, world.county_b):
        row = client.get(rows[str(county.pk)]).content.decode()
        totals = client.get(url, {"node": county.pk}).context["totals"]
        for col in ("schools", "missing", "drafts", "overdue"):
            assert count(row, col) == totals[col], (county.name, col)
    # A filter is carried into every row; a search by name lists the schools found.
    html = client.get(url, {"kind": "overdue"}).content.decode()
    row = client.get(row_urls(html)[str(world.county_a.pk)]).content.decode()
    assert count(row, "overdue") == 1 and count(row, "missing") == 0
    found = client.get(url, {"q": "豫海"}).context["object_list"]
    assert [r.node.name for r in found] == [world.school_b1.name]
    # The city's own plans page leads to the gaps region by region, not a city-wide sum.
    org = client.get(reverse("plans:org", args=[world.city.pk])).content.decode()
    assert f'{url}?node={world.city.pk}"' in org
    client.force_login(f.user_with_role("bureau_staff", world.county_b))
    assert client.get(rows[str(world.county_a.pk)]).status_code == 404


@pytest.mark.django_db
def test_school_users_see_their_own_school_only(client, world, people):
    client.force_login(people["safety"])
    response = client.get(reverse("plans:gaps"))
    assert {r.node.pk for r in response.context["object_list"]} == {world.school_a1.pk}


# --------------------------------------------------------------------------------- home


@pytest.mark.django_db
def test_the_home_page_tells_the_principal_what_is_missing_and_overdue(client, world, people):
    make_plan(world.school_a1, "fire", approved_on=datetime.date(2024, 1, 10))
    client.force_login(people["principal"])
    response = client.get(reverse("home"))
    todos = {t["key"]: t for t in response.context["todos"] if t["key"].startswith("plans-")}
    missing = todos[f"plans-missing-{world.school_a1.pk}"]
    assert missing["count"] == len(BASE) - 1
    assert missing["url"] == reverse("plans:org", args=[world.school_a1.pk])
    assert todos[f"plans-overdue-{world.school_a1.pk}"]["count"] == 1
    client.force_login(people["teacher"])
    response = client.get(reverse("home"))
    assert not [t for t in response.context["todos"] if t.get("key", "").startswith("plans-")]


@pytest.mark.django_db
def test_scenario_choices_cover_the_required_set():
    values = set(Scenario.values)
    assert BASE | {"flood", "missing"} <= values
