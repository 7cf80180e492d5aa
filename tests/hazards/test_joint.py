"""Joint inspections (联合检查): one check with several departments yields each department's
record of its own items, as a page, a PDF, a workbook and over the API; departments that may
not join are refused, and nothing of it reaches a user of another county."""

import io
import re

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from safecampus.core.models import AuditEntry
from safecampus.hazards import joint, services
from safecampus.hazards.choices import Category, Grade, Rhythm
from safecampus.hazards.models import (
    ChecklistItem,
    ChecklistTemplate,
    ChecklistVersion,
    Hazard,
    Inspection,
)
from tests import factories as f
from tests.api_helpers import api, api_setup  # noqa: F401
from tests.hazards.helpers import photo

ITEMS = [
    # text, department kinds, answer, note
    ("校门口护校岗设置到位，高峰时段有民警或辅警值守", ["police"], "abnormal", "放学时段无人值守"),
    ("监控设备运行正常，录像保存不少于30天", ["police"], "normal", ""),
    ("食品留样不少于48小时，留样量不少于125克", ["market"], "abnormal", "周二午餐未留样"),
    ("食堂从业人员持有效健康证明上岗", ["market", "health"], "na", ""),
    ("消防通道畅通，无杂物堆放", [], "abnormal", "楼梯口堆放桌椅"),
]


def joint_checklist() -> ChecklistVersion:
    template = ChecklistTemplate.objects.create(name="开学联合检查表", rhythm=Rhythm.TERM_START)
    version = ChecklistVersion.objects.create(template=template, number=1)
    for position, (text, kinds, _answer, _note) in enumerate(ITEMS):
        ChecklistItem.objects.create(
            version=version,
            position=position,
            text=text,
            category=Category.SECURITY,
            default_grade=Grade.GENERAL,
            department_kinds=kinds,
        )
    template.current = version
    template.save()
    return version


def answers_for(version, *, photos=False) -> list[dict]:
    by_text = {text: (answer, note) for text, _kinds, answer, note in ITEMS}
    out = []
    for item in version.items.order_by("position"):
        answer, note = by_text[item.text]
        row = {"item": item, "answer": answer, "note": note}
        if photos and answer == "abnormal":
            row["photos"] = [photo()]
        out.append(row)
    return out


@pytest.fixture
def setup(world):
    version = joint_checklist()
    officer = f.user_with_role("township_officer", world.town_a, first_name="志强", last_name="马")
    return {
        "version": version,
        "officer": officer,
        "bureau": f.user_with_role("bureau_staff", world.county_a),
        "outsider": f.user_with_role("bureau_staff", world.county_b),
        "city": f.user_with_role("bureau_staff", world.city),
        "other_market": f.DepartmentFactory(
            org=world.county_b, name="同心县市场监督管理局", kind="market"
        ),
    }


@pytest.fixture
def inspection(world, setup):
    return services.inspection_submit(
        school=world.school_a1,
        by=setup["officer"],
        checklist=setup["version"],
        answers=answers_for(setup["version"], photos=True),
        signed_name="马志强",
        departments=[world.police_a, world.market_a],
        note="开学前乡派出所、市场监管所联合检查",
    )


def texts(report) -> list[str]:
    return [row.item.text for row in report.rows]


# ---------------------------------------------------------------------------- the service


@pytest.mark.django_db
def test_each_department_gets_only_its_items_and_the_hazards_they_raised(world, inspection):
    assert set(inspection.departments.all()) == {world.police_a, world.market_a}
    assert inspection.hazards.count() == 3
    assert joint.department_kinds_of(inspection) == ["police", "market", "health"]

    police = joint.department_report(inspection, "police")
    assert texts(police) == [ITEMS[0][0], ITEMS[1][0]]
    assert police.department_name == "冯记沟派出所"
    assert police.school == world.school_a1
    assert police.counts == {
        "items": 2,
        "normal": 1,
        "abnormal": 1,
        "na": 0,
        "hazards": 1,
        "open_hazards": 1,
    }
    raised = Hazard.objects.get(inspection=inspection, answer=police.rows[0].answer)
    assert police.hazards == [raised] and police.rows[1].hazards == []
    assert len(police.rows[0].photos) == 1  # the photo taken when it was found

    market = joint.department_report(inspection, world.market_a)
    assert texts(market) == [ITEMS[2][0], ITEMS[3][0]]
    assert market.department_name == "惠安堡市场监督管理所"
    assert [h.number for h in market.hazards] == [
        Hazard.objects.get(inspection=inspection, answer=market.rows[0].answer).number
    ]
    assert market.counts["na"] == 1 and market.counts["abnormal"] == 1
    # The fire-lane item maps to no department: its hazard is in neither record.
    fire_lane = Hazard.objects.get(inspection=inspection, description__startswith="消防通道")
    assert fire_lane not in police.hazards + market.hazards

    # A department kind mapped by an item, with no such department taking part: named by
    # its sector.
    with translation.override("zh-hans"):
        health = joint.department_report(inspection, "health")
        assert texts(health) == [ITEMS[3][0]] and health.department_name == "卫生健康部门"
        assert police.title == "冯记沟中心小学 联合检查 — 公安部门检查记录"


@pytest.mark.django_db
def test_a_department_of_another_county_is_refused_and_nothing_is_saved(world, setup):
    before = (Inspection.objects.count(), Hazard.objects.count(), AuditEntry.objects.count())
    # The city's staff see both counties: the department exists for them but sits elsewhere.
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        services.inspection_submit(
            school=world.school_a1,
            by=setup["city"],
            checklist=setup["version"],
            answers=answers_for(setup["version"]),
            signed_name="马志强",
            departments=[world.police_a, setup["other_market"]],
        )
    messages = refused.value.message_dict["departments"]
    assert messages == [
        "“同心县市场监督管理局”不能参加冯记沟中心小学的检查：只有本校或上级的部门可以参加。"
    ]
    # County A's own staff do not see it at all.
    with pytest.raises(ValidationError) as refused:
        services.inspection_submit(
            school=world.school_a1,
            by=setup["bureau"],
            checklist=setup["version"],
            answers=answers_for(setup["version"]),
            signed_name="马志强",
            departments=[setup["other_market"]],
        )
    assert "departments" in refused.value.message_dict
    # A department of a sibling school is not above this one either.
    sibling = f.DepartmentFactory(org=world.school_a2, name="幼儿园保健室", kind="health")
    with pytest.raises(ValidationError) as refused:
        services.inspection_submit(
            school=world.school_a1,
            by=setup["bureau"],
            checklist=setup["version"],
            answers=answers_for(setup["version"]),
            signed_name="马志强",
            departments=[sibling],
        )
    assert "幼儿园保健室" in " ".join(refused.value.message_dict["departments"])
    assert (Inspection.objects.count(), Hazard.objects.count(), AuditEntry.objects.count()) == (
        before
    )


@pytest.mark.django_db
def test_a_county_department_may_join_a_check_of_its_schools(world, setup):
    county_police = f.DepartmentFactory(org=world.county_a, name="盐池县公安局", kind="police")
    inspection = services.inspection_submit(
        school=world.school_a1,
        by=setup["bureau"],
        checklist=setup["version"],
        answers=answers_for(setup["version"]),
        signed_name="李",
        departments=[county_police],
    )
    assert list(inspection.departments.all()) == [county_police]
    assert joint.department_report(inspection, "police").department_name == "盐池县公安局"


@pytest.mark.django_db
def test_a_school_officer_records_the_joint_check_of_the_township_police(world, setup):
    """The school's safety officer does not read the township's department list, yet names
    the police station that took part in the school's own check."""
    officer = f.user_with_role("safety_officer", world.school_a1)
    offered = list(joint.joinable_departments(officer, world.school_a1))
    assert world.police_a in offered
    assert setup["other_market"] not in offered
    assert not joint.joinable_departments(officer, world.school_a2).exists()
    inspection = services.inspection_submit(
        school=world.school_a1,
        by=officer,
        checklist=setup["version"],
        answers=answers_for(setup["version"]),
        signed_name="王",
        departments=[world.police_a],
    )
    assert list(inspection.departments.all()) == [world.police_a]


# ---------------------------------------------------------------------------- pages


@pytest.mark.django_db
def test_report_page_pdf_and_workbook(client, world, setup, inspection):
    client.force_login(setup["officer"])
    page = client.get(reverse("hazard_joint:report", args=[inspection.pk]) + "?kind=police")
    assert page.status_code == 200
    html = page.content.decode()
    assert "冯记沟中心小学 联合检查 — 公安部门检查记录" in html
    assert ITEMS[0][0] in html and ITEMS[2][0] not in html
    police_hazard = joint.department_report(inspection, "police").hazards[0]
    assert police_hazard.number in html
    # Without a kind: the first record the inspection yields; a kind it does not yield: 404.
    first = client.get(reverse("hazard_joint:report", args=[inspection.pk]))
    assert "公安部门检查记录" in first.content.decode()
    assert (
        client.get(reverse("hazard_joint:report", args=[inspection.pk]) + "?kind=water").status_code
        == 404
    )
    assert (
        client.get(reverse("hazard_joint:report", args=[inspection.pk]) + "?kind=nope").status_code
        == 404
    )
    by_department = client.get(
        reverse("hazard_joint:report", args=[inspection.pk]) + f"?department={world.market_a.pk}"
    )
    assert "惠安堡市场监督管理所" in by_department.content.decode()
    assert ITEMS[2][0] in by_department.content.decode()

    pdf = client.get(reverse("hazard_joint:pdf", args=[inspection.pk]) + "?kind=police")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "冯记沟中心小学" in text and "冯记沟派出所" in text
    assert "公安部门检查记录" in text and police_hazard.number in text
    assert sum(len(p.images) for p in reader.pages) == 1  # the photo of the police item

    workbook = client.get(reverse("hazard_joint:xlsx", args=[inspection.pk]) + "?kind=market")
    assert workbook.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "检查项", "类别", "结果")
    assert [r[1] for r in rows[1:]] == [ITEMS[2][0], ITEMS[3][0]]
    market_hazard = joint.department_report(inspection, "market").hazards[0]
    assert rows[1][3] == "异常" and rows[1][6] == market_hazard.number
    assert rows[2][3] == "不适用" and rows[2][6] in ("", None)


@pytest.mark.django_db
def test_inspection_page_links_each_department_report(client, world, setup, inspection):
    client.force_login(setup["bureau"])
    html = client.get(reverse("hazards:inspection", args=[inspection.pk])).content.decode()
    assert 'data-testid="department-reports"' in html
    base = reverse("hazard_joint:report", args=[inspection.pk])
    for kind in ("police", "market", "health"):
        assert f"{base}?kind={kind}" in html
    assert reverse("hazard_joint:pdf", args=[inspection.pk]) + "?kind=police" in html


@pytest.mark.django_db
def test_outsiders_get_404_everywhere(client, world, setup, inspection):
    outsider = setup["outsider"]
    client.force_login(outsider)
    for name in ("report", "pdf", "xlsx"):
        url = reverse(f"hazard_joint:{name}", args=[inspection.pk])
        for query in ("", "?kind=police", f"?department={world.police_a.pk}"):
            assert client.get(url + query).status_code == 404, url + query
    answer = api(outsider).get(
        f"/api/v1/inspections/{inspection.pk}/department-report/", {"kind": "police"}
    )
    assert answer.status_code == 404
    # A user of the sibling school does not see it either.
    client.force_login(f.user_with_role("safety_officer", world.school_a2))
    assert client.get(reverse("hazard_joint:report", args=[inspection.pk])).status_code == 404


# ---------------------------------------------------------------------------- phone form


@pytest.mark.django_db
def test_phone_form_offers_departments_and_keeps_them_on_error(client, world, setup):
    client.force_login(setup["officer"])
    version = setup["version"]
    url = reverse("hazards:inspect") + f"?template={version.template.pk}"
    page = client.get(url).content.decode()
    assert 'data-testid="joint-departments"' in page
    assert "冯记沟派出所" in page and "惠安堡市场监督管理所" in page

    data = {"template": version.template.pk, "school": world.school_a1.pk, "signed_name": ""}
    for row in answers_for(version):
        data[f"a-{row['item'].pk}"] = row["answer"]
        data[f"n-{row['item'].pk}"] = row["note"]
    data["departments"] = [world.police_a.pk, world.market_a.pk]
    response = client.post(url, data)
    assert response.status_code == 200 and Inspection.objects.count() == 0
    html = response.content.decode()
    for department in (world.police_a, world.market_a):
        assert re.search(rf'name="departments" value="{department.pk}"[^>]*checked', html)

    data["signed_name"] = "马志强"
    response = client.post(url, data)
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    assert set(inspection.departments.all()) == {world.police_a, world.market_a}


@pytest.mark.django_db
def test_phone_form_without_departments_stays_short(client, world, setup):
    """Where no department sits at or above the school, the form shows no department field."""
    from safecampus.orgs.models import Department, ancestor_paths

    Department.objects.filter(org_path__in=ancestor_paths(world.school_a1.path)).delete()
    client.force_login(f.user_with_role("safety_officer", world.school_a1))
    url = reverse("hazards:inspect") + f"?template={setup['version'].template.pk}"
    page = client.get(url).content.decode()
    assert 'data-testid="joint-departments"' not in page


@pytest.mark.django_db
def test_choosing_the_school_narrows_the_departments(client, world, setup):
    nursery = f.DepartmentFactory(org=world.school_a2, name="幼儿园保健室", kind="health")
    client.force_login(setup["bureau"])
    url = reverse("hazard_joint:departments")
    for_a1 = client.get(url, {"school": world.school_a1.pk}).content.decode()
    assert "冯记沟派出所" in for_a1 and "幼儿园保健室" not in for_a1
    for_a2 = client.get(url, {"school": world.school_a2.pk}).content.decode()
    assert "冯记沟派出所" in for_a2 and nursery.name in for_a2
    assert "同心县市场监督管理局" not in client.get(url).content.decode()


# ---------------------------------------------------------------------------- the API


@pytest.mark.django_db
def test_api_create_with_departments_and_department_report(world, setup):
    version = setup["version"]
    client = api(setup["officer"])
    body = {
        "school": world.school_a1.pk,
        "checklist": version.pk,
        "signed_name": "马志强",
        "departments": [world.police_a.pk, world.market_a.pk],
        "answers": [
            {"item": row["item"].pk, "answer": row["answer"], "note": row["note"]}
            for row in answers_for(version)
        ],
    }
    created = client.post("/api/v1/inspections/", body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert sorted(data["departments"]) == sorted([world.police_a.pk, world.market_a.pk])
    detail = client.get(f"/api/v1/inspections/{data['id']}/").json()
    assert sorted(detail["departments"]) == sorted(data["departments"])
    listed = client.get("/api/v1/inspections/").json()["results"]
    assert sorted(listed[0]["departments"]) == sorted(data["departments"])

    report = client.get(f"/api/v1/inspections/{data['id']}/department-report/", {"kind": "police"})
    assert report.status_code == 200, report.content
    report = report.json()
    assert report["kind"] == "police" and report["department_name"] == "冯记沟派出所"
    assert report["school_name"] == "冯记沟中心小学"
    assert [r["item_text"] for r in report["rows"]] == [ITEMS[0][0], ITEMS[1][0]]
    assert report["counts"]["hazards"] == 1
    assert report["rows"][0]["hazards"][0]["status"] == "reported"
    by_department = client.get(
        f"/api/v1/inspections/{data['id']}/department-report/",
        {"department": world.market_a.pk},
    ).json()
    assert [r["item_text"] for r in by_department["rows"]] == [ITEMS[2][0], ITEMS[3][0]]
    for params in ({}, {"kind": "water"}, {"department": setup["other_market"].pk}):
        answer = client.get(f"/api/v1/inspections/{data['id']}/department-report/", params)
        assert answer.status_code == 400, params

    # A department outside the caller's scope is "does not exist", and nothing is written.
    before = Inspection.objects.count()
    refused = client.post(
        "/api/v1/inspections/",
        {**body, "departments": [setup["other_market"].pk]},
        format="json",
    )
    assert refused.status_code == 400 and "departments" in refused.json()
    assert Inspection.objects.count() == before
    # The city's staff see that department: the service refuses it with its reason.
    refused = api(setup["city"], language="zh-hans").post(
        "/api/v1/inspections/",
        {**body, "departments": [setup["other_market"].pk]},
        format="json",
    )
    assert refused.status_code == 400
    assert "同心县市场监督管理局" in refused.json()["departments"][0]
    assert Inspection.objects.count() == before


@pytest.mark.django_db
def test_api_create_with_departments_over_multipart(world, setup):
    import json

    version = setup["version"]
    answers = [
        {"item": row["item"].pk, "answer": row["answer"], "note": row["note"]}
        for row in answers_for(version)
    ]
    created = api(setup["officer"]).post(
        "/api/v1/inspections/",
        {
            "school": world.school_a1.pk,
            "checklist": version.pk,
            "signed_name": "马志强",
            "departments": json.dumps([world.police_a.pk]),
            "answers": json.dumps(answers),
            "photo_0": photo(),
        },
        format="multipart",
    )
    assert created.status_code == 201, created.content
    assert created.json()["departments"] == [world.police_a.pk]
