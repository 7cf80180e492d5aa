"""Completions imported from the education platform's Excel export: the columns guessed and
confirmed, every row checked and shown, a valid file applied in full (and audited), a file
with one bad row changing nothing and naming the row."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from safecampus.core.models import AuditEntry
from safecampus.education import imports
from safecampus.education.models import CampaignResult
from safecampus.orgs.models import OrgNode
from tests import factories as f
from tests.education import factories as ef

pytestmark = pytest.mark.django_db


def workbook(rows, headers=("序号", "单位名称", "学生总数", "完成人数", "完成率"), title=None):
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(
        "平台导出.xlsx",
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@pytest.fixture
def setting(world):
    OrgNode.objects.filter(pk=world.school_a2.pk).update(code="2164230002")
    campaign = ef.campaign(world.county_a)
    bureau = f.user_with_role("bureau_staff", world.county_a)
    return campaign, bureau


def test_the_platforms_columns_are_guessed():
    headers = ["序号", "单位名称", "学生总数", "完成人数", "完成率"]
    assert imports.guess_mapping(headers) == {"school": 1, "target": 2, "completed": 3}
    headers = ["School", "Target participants", "People completed", "Completion rate (%)"]
    assert imports.guess_mapping(headers) == {"school": 0, "target": 1, "completed": 2}
    assert imports.guess_mapping(["A", "B"]) == {"school": None, "target": None, "completed": None}


def test_a_valid_file_is_applied_in_full_through_the_services(client, world, setting):
    campaign, bureau = setting
    ef.result(campaign, world.school_a1, 600, 500)  # replaced by the file
    client.force_login(bureau)
    url = reverse("education:campaign-import", args=[campaign.pk])
    upload = workbook(
        [
            (1, "冯记沟中心小学", 620, 610, "98.39%"),
            (2, "2164230002", 180, 171, "95%"),  # by its code
            (None, "合计", 800, 781, None),
        ],
        title="2026年秋季安全第一课完成情况统计表",
    )
    page = client.post(url, {"action": "upload", "file": upload})
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="apply"' in html
    assert "冯记沟幼儿园" in html  # the code found the school
    before = AuditEntry.objects.count()
    answer = client.post(url, {"action": "apply", "school": 1, "target": 2, "completed": 3})
    assert answer.status_code == 302
    results = {r.org_id: r for r in CampaignResult.objects.all()}
    assert (results[world.school_a1.pk].target, results[world.school_a1.pk].completed) == (620, 610)
    assert results[world.school_a2.pk].completed == 171
    assert {r.source for r in results.values()} == {"import"}
    assert results[world.school_a1.pk].updated_by == bureau
    assert AuditEntry.objects.count() == before + 2
    # the file is forgotten once applied
    assert 'data-testid="upload-form"' in client.get(url).content.decode()


def test_a_file_with_a_bad_row_changes_nothing_and_names_the_row(client, world, setting):
    campaign, bureau = setting
    client.force_login(bureau)
    url = reverse("education:campaign-import", args=[campaign.pk])
    upload = workbook(
        [
            (1, "冯记沟中心小学", 620, 610, None),
            (2, "冯记沟幼儿园", 180, "一百", None),
            (3, "豫海中学", 700, 690, None),  # the other county's school
            (4, "冯记沟中心小学", 620, 610, None),
        ]
    )
    with translation.override("en"):
        client.post(url, {"action": "upload", "file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    page = client.post(
        url,
        {"action": "apply", "school": 1, "target": 2, "completed": 3},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert not CampaignResult.objects.exists()
    assert 'data-row="3"' in html and "“一百” is not a whole number." in html
    assert "No school named or numbered “豫海中学” in 盐池县." in html
    assert "冯记沟中心小学 is already in row 2." in html
    assert 'data-testid="apply"' not in html


def test_the_check_names_rows_in_chinese_too(world, setting):
    campaign, bureau = setting
    data = imports.read_workbook(workbook([(1, "冯记沟幼儿园", 180, 200, None)]))
    with translation.override("zh-hans"):
        preview = imports.check(bureau, campaign, data, {"school": 1, "target": 2, "completed": 3})
    row = preview.rows[0]
    assert row.number == 2 and not preview.ok
    assert row.errors == ["已完成人数（200）不能超过应完成人数（180）。"]


def test_a_principal_imports_only_for_their_school(world, setting):
    campaign, _bureau = setting
    principal = f.user_with_role("principal", world.school_a1)
    data = imports.read_workbook(
        workbook([(1, "冯记沟中心小学", 620, 610, None), (2, "冯记沟幼儿园", 180, 171, None)])
    )
    with translation.override("en"):
        preview, counts = imports.apply(
            principal, campaign, data, {"school": 1, "target": 2, "completed": 3}
        )
    assert not preview.ok and counts["created"] == 0
    # the principal of school A1 does not see the kindergarten: it is not found in the region
    assert "No school named" in preview.rows[1].errors[0]
    assert not CampaignResult.objects.exists()


def test_the_campaigns_export_reads_back_in(client, world, setting):
    campaign, bureau = setting
    ef.result(campaign, world.school_a1, 600, 590)
    client.force_login(bureau)
    export = client.get(reverse("education:campaign", args=[campaign.pk]), {"export": "xlsx"})
    book = load_workbook(io.BytesIO(export.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:6] == ("学校", "学校代码", "地区", "应完成人数", "已完成人数", "完成率（%）")
    data = imports.read_workbook(SimpleUploadedFile("x.xlsx", export.content))
    assert imports.guess_mapping(data["headers"]) == {"school": 0, "target": 3, "completed": 4}


def test_an_unreadable_file_is_refused_with_a_reason(client, setting):
    campaign, bureau = setting
    client.force_login(bureau)
    url = reverse("education:campaign-import", args=[campaign.pk])
    junk = SimpleUploadedFile("x.xlsx", b"not a workbook")
    page = client.post(url, {"action": "upload", "file": junk}, HTTP_ACCEPT_LANGUAGE="en")
    assert "could not be read as an Excel workbook" in page.content.decode()


def test_outsiders_and_teachers_cannot_import(client, world, setting):
    campaign, _bureau = setting
    url = reverse("education:campaign-import", args=[campaign.pk])
    client.force_login(f.user_with_role("bureau_staff", world.county_b))
    assert client.get(url).status_code == 404
    client.force_login(f.user_with_role("teacher", world.school_a1))
    assert client.get(url).status_code == 403
