"""Importing the organisation tree from Excel: validate every row, then all or nothing, audited,
and only under nodes the importer may add to."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from safecampus.core.models import AuditEntry
from safecampus.orgs import imports
from safecampus.orgs.models import Department, OrgNode, Person, School
from tests import factories as f

URL = "orgs:import_tree"


def workbook(sheets: dict[str, list[list]], *, base: bytes | None = None) -> io.BytesIO:
    """A workbook with the template's headers and the given rows (or rows added to `base`)."""
    if base is None:
        book = Workbook()
        book.remove(book.active)
        for name, columns in imports.SHEETS.items():
            book.create_sheet(name).append([c.header for c in columns])
    else:
        book = load_workbook(io.BytesIO(base))
    for name, rows in sheets.items():
        for row in rows:
            book[name].append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "tree.xlsx"
    return buffer


def upload(client, file, **extra):
    return client.post(reverse(URL), {"file": file, **extra})


def counts():
    return (
        OrgNode.objects.count(),
        School.objects.count(),
        Department.objects.count(),
        Person.objects.count(),
        AuditEntry.objects.count(),
    )


GOOD = {
    "区域": [
        ["盐池县", "花马池镇", "镇", "花马池", "640323100"],
        ["吴忠市/盐池县/花马池镇", "城北社区", "社区", "", ""],
    ],
    "学校": [
        ["花马池镇", "花马池镇第二幼儿园", "幼儿园", "民办", "否", 180, 22, 2, "盐池县花马池镇文化路8号", 107.405, 37.783, "王芳", "0953-6012345"],
        ["城北社区", "城北小学", "小学", "公办", "是", "420", "31", "3", "", "", "", "", ""],
        ["冯记沟乡", "冯记沟中心小学", "小学", "公办", "否", 600, 40, 3, "", "", "", "", ""],
    ],
    "部门": [["冯记沟乡", "冯记沟司法所", "司法所", "0953-6023456", "冯记沟乡"]],
    "人员": [
        ["冯记沟乡", "妥兰明", "139 1234 5678", "副所长", "冯记沟司法所", "冯记沟司法所"],
        ["花马池镇第二幼儿园", "王芳", "13812345678", "园长", "花马池镇第二幼儿园", ""],
    ],
}  # fmt: skip


@pytest.fixture
def staff(world, client):
    user = f.user_with_role("bureau_staff", world.county_a)
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_template_downloads_and_reimports_cleanly(client, world, staff):
    response = client.get(reverse("orgs:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    data = b"".join(response.streaming_content) if response.streaming else response.content
    book = load_workbook(io.BytesIO(data))
    for name, columns in imports.SHEETS.items():
        assert [c.value for c in book[name][1]] == [c.header for c in columns]
    assert book["学校"]["A1"].value == "上级" and book["人员"]["A1"].value == "所属单位节点"

    before = counts()
    response = upload(client, workbook({}, base=data))
    assert response.status_code == 200
    assert response.context["result"].errors == []
    assert counts() == before

    response = upload(client, workbook(GOOD, base=data))
    result = response.context["result"]
    assert result.errors == [] and result.written
    assert result.created == {"区域": 2, "学校": 2, "部门": 1, "人员": 2}
    assert result.skipped["学校"] == 1  # 冯记沟中心小学 is on file
    assert any("冯记沟中心小学" in n.message for n in result.notes)


@pytest.mark.django_db
def test_a_good_file_imports_everything_through_the_services(client, world, staff):
    response = upload(client, workbook(GOOD))
    assert response.context["result"].ok
    town = OrgNode.objects.get(name="花马池镇")
    assert town.parent == world.county_a and town.kind == "township" and town.short_name == "花马池"
    community = OrgNode.objects.get(name="城北社区")
    assert community.parent == town and community.kind == "village"
    assert community.path.startswith(town.path + ".")
    kg = School.objects.select_related("node").get(node__name="花马池镇第二幼儿园")
    assert kg.node.parent == town
    assert (
        kg.school_kind,
        kg.ownership,
        kg.boarding,
        kg.enrolment,
        kg.staff_count,
        kg.storeys,
    ) == (
        "kindergarten",
        "private",
        False,
        180,
        22,
        2,
    )
    assert kg.longitude == Decimal("107.405000") and kg.latitude == Decimal("37.783000")
    primary = School.objects.get(node__name="城北小学")
    assert (
        primary.boarding is True and primary.enrolment == 420 and primary.node.parent == community
    )
    office = Department.objects.get(name="冯记沟司法所")
    assert office.kind == "judicial" and office.org == world.town_a
    person = Person.objects.get(name="妥兰明")
    assert person.phone == "13912345678" and person.department == office
    assert Person.objects.get(name="王芳").org == kg.node
    # Every new record is in the audit trail, by the importer.
    for record in (town, community, kg.node, office, person):
        assert AuditEntry.objects.filter(
            object_id=str(record.pk), action="create", user=staff
        ).exists()


@pytest.mark.django_db
def test_a_bad_row_imports_nothing_and_the_report_names_sheet_row_column(client, world, staff):
    bad = {
        **GOOD,
        "学校": [
            *GOOD["学校"],
            [
                "冯记沟乡",
                "冯记沟第二小学",
                "大学堂",
                "公办",
                "否",
                "很多",
                10,
                99,
                "",
                "",
                "",
                "",
                "",
            ],
        ],
        "人员": [*GOOD["人员"], ["冯记沟乡", "马莉", "12345", "院长", "", "没有这个部门"]],
    }
    before = counts()
    response = upload(client, workbook(bad))
    result = response.context["result"]
    assert counts() == before
    assert not result.written
    found = {(e.sheet, e.row, e.column) for e in result.errors}
    assert ("学校", 5, "学段/类型") in found
    assert ("学校", 5, "在校生数") in found
    assert ("人员", 4, "手机") in found
    html = response.content.decode()
    assert 'data-testid="import-errors"' in html and "学段/类型" in html

    report = client.get(reverse(URL), {"download": "errors"})
    assert report.status_code == 200
    rows = list(load_workbook(io.BytesIO(report.content)).active.iter_rows(values_only=True))
    assert ("学校", 5, "学段/类型") in {r[:3] for r in rows[1:]}
    assert len(rows) == len(result.errors) + 1


@pytest.mark.django_db
def test_storeys_out_of_range_is_a_field_error(client, world, staff):
    row = ["冯记沟乡", "高楼小学", "小学", "公办", "否", 100, 10, 99, "", "", "", "", ""]
    result = upload(client, workbook({"学校": [row]})).context["result"]
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [("学校", 2, "最高教学楼层数")]


@pytest.mark.django_db
def test_duplicates_in_the_file_and_ambiguous_names_are_errors(client, world, staff):
    f.node(world.town_a, "village", "新华村")
    f.node(world.county_a, "township", "惠安堡镇")
    f.node(OrgNode.objects.get(name="惠安堡镇"), "village", "新华村")
    rows = [
        ["新华村", "新华小学", "小学", "", "", "", "", "", "", "", "", "", ""],
        ["冯记沟乡/新华村", "新华幼儿园", "幼儿园", "", "", "", "", "", "", "", "", "", ""],
        ["冯记沟乡", "重名小学", "小学", "", "", "", "", "", "", "", "", "", ""],
        ["冯记沟乡", "重名小学", "小学", "", "", "", "", "", "", "", "", "", ""],
    ]
    before = counts()
    result = upload(client, workbook({"学校": rows})).context["result"]
    assert [(e.row, e.column) for e in result.errors] == [(2, "上级"), (5, "名称")]
    assert counts() == before


@pytest.mark.django_db
def test_cannot_import_under_a_node_of_another_county(client, world, staff):
    before = counts()
    for parent in ("豫海镇", "吴忠市/同心县/豫海镇", "同心县"):
        row = [parent, "越界小学", "小学", "公办", "否", 100, 10, 2, "", "", "", "", ""]
        result = upload(client, workbook({"学校": [row]})).context["result"]
        assert [(e.sheet, e.row, e.column) for e in result.errors] == [("学校", 2, "上级")]
    result = upload(client, workbook({"区域": [["吴忠市", "新县", "县", "", ""]]})).context[
        "result"
    ]
    assert [(e.row, e.column) for e in result.errors] == [(2, "上级")]  # above the importer's node
    result = upload(
        client, workbook({"部门": [["豫海镇", "豫海派出所", "派出所", "", ""]]})
    ).context["result"]
    assert [(e.row, e.column) for e in result.errors] == [(2, "所属节点")]
    assert counts() == before


@pytest.mark.django_db
def test_a_township_officer_may_not_add_organisations(client, world):
    client.force_login(f.user_with_role("township_officer", world.town_a))  # org: read only
    assert client.get(reverse(URL)).status_code == 403
    assert client.get(reverse("orgs:import_template")).status_code == 403
    client.force_login(f.user_with_role("teacher", world.school_a1))
    assert upload(client, workbook(GOOD)).status_code == 403
    assert not OrgNode.objects.filter(name="花马池镇").exists()


@pytest.mark.django_db
def test_check_only_writes_nothing(client, world, staff):
    before = counts()
    response = upload(client, workbook(GOOD), dry_run="on")
    result = response.context["result"]
    assert result.ok and not result.written
    assert counts() == before


@pytest.mark.django_db
def test_not_a_workbook(client, world, staff):
    junk = io.BytesIO(b"not a zip")
    junk.name = "tree.xlsx"
    result = upload(client, junk).context["result"]
    assert result.errors and counts()[0] == OrgNode.objects.count()


@pytest.mark.django_db
def test_english_labels_and_values_are_accepted(world, staff):
    file = workbook(
        {
            "学校": [
                [
                    "冯记沟乡",
                    "English Primary",
                    "primary",
                    "Private",
                    "yes",
                    50,
                    5,
                    1,
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            ]
        }
    )
    result = imports.import_workbook(file, user=staff)
    assert result.ok, result.errors
    school = School.objects.get(node__name="English Primary")
    assert (school.school_kind, school.ownership, school.boarding) == ("primary", "private", True)
