"""Leadership group rosters: the seed 000 annex parsed, imported with a preview, printed."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from safecampus.core.models import AuditEntry
from safecampus.orgs import leadership
from safecampus.orgs.choices import GroupRole
from safecampus.orgs.models import LeadershipGroup, LeadershipGroupMember, Person
from tests import factories as f

# The annex of seed 000, exactly as published (half-width colons, spaced two-character names).
ANNEX = """附件
冯记沟乡校园安全管理领导小组
为确保校园安全各项工作扎实有效开展,成立冯记沟乡校园安全领导小组,负责对全乡校园安全工作进行督促和检查,组成人员如下:
组 长:周永胜 乡党委副书记、政府乡长
副组长:王雅娜 乡党委委员、政府副乡长
成 员:冯春林 惠安堡市场监督管理所所长
陈建鹏 冯记沟派出所所长
杨美玲 乡党建办公室主任
妥兰明 冯记沟司法所副所长
王珍珍 乡综合办公室主任
张宏建 乡民生服务中心主任
张晓平 乡社会事务管理办公室主任
杨志国 冯记沟中心小学校长
贺奋强 冯记沟幼儿园园长
马 莉 冯记沟乡卫生院院长
杨 芳 冯记沟村党支部书记、村委会主任
刘 军 丁记掌村党支部书记、村委会主任
杨 明 暴记春村党支部书记、村委会主任
马建荣 回六庄村党支部书记、村委会主任
杨 云 雨强村党支部书记
关尚锋 马儿庄村党支部书记、村委会主任
陶 旭 平台村党支部书记
李军堂 汪水塘村党支部书记、村委会主任
马建勇 兴隆社区党支部书记
"""


def test_the_seed_000_annex_parses_into_21_members():
    parsed = leadership.parse_text(ANNEX)
    assert parsed.errors == []
    assert len(parsed.entries) == 21
    assert parsed.title == "冯记沟乡校园安全管理领导小组"
    assert parsed.intro.startswith("为确保校园安全")
    roles = [e.role for e in parsed.entries]
    assert roles == [GroupRole.LEADER, GroupRole.DEPUTY] + [GroupRole.MEMBER] * 19
    by_name = {e.name: e for e in parsed.entries}
    assert by_name["周永胜"].post == "乡党委副书记、政府乡长" and by_name["周永胜"].unit == ""
    assert by_name["王雅娜"].post == "乡党委委员、政府副乡长"
    assert (by_name["陈建鹏"].unit, by_name["陈建鹏"].post) == ("冯记沟派出所", "所长")
    assert (by_name["冯春林"].unit, by_name["冯春林"].post) == ("惠安堡市场监督管理所", "所长")
    assert (by_name["妥兰明"].unit, by_name["妥兰明"].post) == ("冯记沟司法所", "副所长")
    assert (by_name["杨芳"].unit, by_name["杨芳"].post) == ("冯记沟村", "党支部书记、村委会主任")
    assert (by_name["杨志国"].unit, by_name["杨志国"].post) == ("冯记沟中心小学", "校长")
    for two in ("马莉", "杨芳", "刘军", "杨明", "杨云", "陶旭"):
        assert two in by_name  # "马 莉": a spaced two-character name, not a name and a post
    assert by_name["马莉"].line == 15


def test_full_width_colons_and_spaces_and_phones():
    text = "组　长：周永胜　乡党委副书记、政府乡长　13912345678\n副组长：\n王雅娜 乡党委委员、政府副乡长\n办公室主任：马　莉　冯记沟乡卫生院院长"
    parsed = leadership.parse_text(text)
    assert parsed.errors == []
    assert [(e.role, e.name) for e in parsed.entries] == [
        (GroupRole.LEADER, "周永胜"),
        (GroupRole.DEPUTY, "王雅娜"),
        (GroupRole.OFFICE_DIRECTOR, "马莉"),
    ]
    assert parsed.entries[0].phone == "13912345678"


def test_bad_lines_are_reported_with_their_numbers():
    text = "组 长:周永胜 乡党委副书记\n顾问:张三 乡长\n冯春林惠安堡市场监督管理所所长\n周永胜 乡长"
    parsed = leadership.parse_text(text)
    assert not parsed.ok
    lines = [line for line, _message in parsed.errors]
    assert lines == [2, 3, 4]


def test_an_excel_roster_parses_with_role_continuation():
    rows = [
        ("序号", "组内职务", "姓名", "职务", "单位", "手机"),
        (1, "组长", "周永胜", "乡党委副书记、政府乡长", "", "139 1234 5678"),
        (2, "副组长", "王雅娜", "乡党委委员、政府副乡长", None, None),
        (3, "成员", "陈建鹏", "所长", "冯记沟派出所", None),
        (4, None, "马 莉", "冯记沟乡卫生院院长", None, None),
    ]
    parsed = leadership.parse_sheet(rows)
    assert parsed.errors == []
    assert [(e.line, e.role, e.name, e.unit, e.post) for e in parsed.entries] == [
        (2, GroupRole.LEADER, "周永胜", "", "乡党委副书记、政府乡长"),
        (3, GroupRole.DEPUTY, "王雅娜", "", "乡党委委员、政府副乡长"),
        (4, GroupRole.MEMBER, "陈建鹏", "冯记沟派出所", "所长"),
        (5, GroupRole.MEMBER, "马莉", "冯记沟乡卫生院", "院长"),
    ]
    assert parsed.entries[0].phone == "13912345678"
    # Two columns both headed 职务: the first is the role in the group.
    parsed = leadership.parse_sheet([("职务", "姓名", "职务"), ("组长", "周永胜", "乡长")])
    assert parsed.errors == [] and parsed.entries[0].role == GroupRole.LEADER
    assert parsed.entries[0].post == "乡长"


@pytest.fixture
def group(world):
    return LeadershipGroup.objects.create(
        org=world.town_a,
        name="冯记沟乡校园安全管理领导小组",
        purpose="负责对全乡校园安全工作进行督促和检查",
    )


def _preview(client, group, **data):
    return client.post(reverse("orgs:group_import", args=[group.pk]), {"action": "preview", **data})


def _confirm(client, group, response):
    token = response.context["token"]
    return client.post(
        reverse("orgs:group_import", args=[group.pk]), {"action": "confirm", "token": token}
    )


@pytest.mark.django_db
def test_import_previews_then_saves_matching_people_on_file(client, world, group):
    officer = f.user_with_role("township_officer", world.town_a)
    on_file = Person.objects.create(
        org=world.town_a, name="陈建鹏", post="所长", unit="冯记沟派出所", department=world.police_a
    )
    principal = Person.objects.create(org=world.school_a1, name="杨志国", post="校长")
    elsewhere = Person.objects.create(org=world.town_b, name="周永胜", post="镇长")
    people = Person.objects.count()
    client.force_login(officer)

    response = _preview(client, group, text=ANNEX)
    assert response.status_code == 200
    preview = response.context["preview"]
    assert len(preview) == 21
    assert {e.name: e.person for e in preview}["陈建鹏"] == on_file
    assert {e.name: e.person for e in preview}["杨志国"] == principal
    assert {e.name: e.person for e in preview}["周永胜"] is None  # not in the group's subtree
    assert response.context["new_people"] == 19
    assert not group.members.exists() and Person.objects.count() == people  # nothing saved yet

    response = _confirm(client, group, response)
    assert response.status_code == 302
    members = list(group.members.select_related("person").order_by("position"))
    assert len(members) == 21
    assert [m.group_role for m in members[:3]] == [
        GroupRole.LEADER,
        GroupRole.DEPUTY,
        GroupRole.MEMBER,
    ]
    assert Person.objects.count() == people + 19
    assert Person.objects.get(pk=elsewhere.pk).org == world.town_b
    new = Person.objects.get(name="马莉")
    assert new.org == world.town_a and new.unit == "冯记沟乡卫生院" and new.post == "院长"
    created = AuditEntry.objects.filter(object_id=str(new.pk), action="create").get()
    assert created.user == officer
    assert AuditEntry.objects.filter(
        object_id=str(group.pk), action="update", user=officer
    ).exists()


@pytest.mark.django_db
def test_import_from_an_excel_upload(client, world, group):
    client.force_login(f.user_with_role("township_officer", world.town_a))
    book = Workbook()
    sheet = book.active
    sheet.append(["组内职务", "姓名", "职务", "单位", "手机"])
    sheet.append(["组长", "周永胜", "乡党委副书记、政府乡长", None, "13912345678"])
    sheet.append(["成员", "陈建鹏", "冯记沟派出所所长", None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "roster.xlsx"
    response = _preview(client, group, file=upload)
    assert len(response.context["preview"]) == 2
    _confirm(client, group, response)
    assert [m.person.name for m in group.members.order_by("position")] == ["周永胜", "陈建鹏"]
    assert Person.objects.get(name="周永胜", org=world.town_a).phone == "13912345678"


@pytest.mark.django_db
def test_bad_lines_save_nothing_and_show_line_numbers(client, world, group):
    client.force_login(f.user_with_role("township_officer", world.town_a))
    people = Person.objects.count()
    response = _preview(client, group, text="组 长:周永胜 乡长\n顾问:张三 乡长")
    assert response.status_code == 200
    assert response.context["preview"] is None
    assert [line for line, _m in response.context["parsed"].errors] == [2]
    assert 'data-testid="parse-errors"' in response.content.decode()
    assert not group.members.exists() and Person.objects.count() == people
    # A confirm without a preview saves nothing either.
    response = client.post(
        reverse("orgs:group_import", args=[group.pk]), {"action": "confirm", "token": "x"}
    )
    assert response.status_code == 302 and not group.members.exists()


@pytest.mark.django_db
def test_a_stale_preview_is_refused(client, world, group):
    client.force_login(f.user_with_role("township_officer", world.town_a))
    response = _preview(client, group, text=ANNEX)
    LeadershipGroup.objects.filter(pk=group.pk).update(version=group.version + 1)
    _confirm(client, group, response)
    assert not group.members.exists()


@pytest.mark.django_db
def test_print_page_is_the_annex_layout(client, world, group):
    client.force_login(f.user_with_role("township_officer", world.town_a))
    _confirm(client, group, _preview(client, group, text=ANNEX))
    response = client.get(reverse("orgs:group_print", args=[group.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "组　长：周永胜　乡党委副书记、政府乡长" in html
    assert "副组长：王雅娜　乡党委委员、政府副乡长" in html
    assert "成　员：冯春林　惠安堡市场监督管理所所长" in html
    assert "　　　　陈建鹏　冯记沟派出所所长" in html
    assert "　　　　马　莉　冯记沟乡卫生院院长" in html
    assert html.index("组　长：") < html.index("副组长：") < html.index("成　员：")
    assert (
        "成立冯记沟乡校园安全管理领导小组，负责对全乡校园安全工作进行督促和检查，组成人员如下："
        in html
    )
    assert "size: A4" in html and "Noto Serif CJK SC" in html
    assert "http://" not in html and "https://" not in html and "<link" not in html
    assert "<script src" not in html


@pytest.mark.django_db
def test_office_director_prints_last(world, group):
    lines = leadership.parse_text("办公室主任:马 莉 乡卫生院院长\n组 长:周永胜 乡长")
    entries = leadership.plan_import(group, lines.entries)
    leadership.save_import(group, entries, by=None)
    printed = [line["text"] for line in leadership.roster_lines(group)]
    assert printed == ["组　长：周永胜　乡长", "办公室主任：马　莉　乡卫生院院长"]


@pytest.mark.django_db
def test_only_roles_that_change_groups_may_import(client, world, group):
    leader = f.user_with_role("bureau_leader", world.county_a)  # may view groups, not change them
    client.force_login(leader)
    assert client.get(reverse("orgs:group_print", args=[group.pk])).status_code == 200
    assert client.get(reverse("orgs:group_import", args=[group.pk])).status_code == 403
    assert _preview(client, group, text=ANNEX).status_code == 403
    assert not group.members.exists()


@pytest.mark.django_db
def test_outsiders_get_404(client, world, group):
    client.force_login(f.user_with_role("township_officer", world.town_b))
    assert client.get(reverse("orgs:group_import", args=[group.pk])).status_code == 404
    assert client.get(reverse("orgs:group_print", args=[group.pk])).status_code == 404
    assert _preview(client, group, text=ANNEX).status_code == 404
    client.force_login(f.user_with_role("teacher", world.school_a1))  # no group rights at all
    assert client.get(reverse("orgs:group_print", args=[group.pk])).status_code == 404
    assert not LeadershipGroupMember.objects.exists()


@pytest.mark.django_db
def test_a_namesake_in_another_unit_is_someone_else(world, group):
    namesake = Person.objects.create(
        org=world.school_a1, name="马莉", post="校医", unit="冯记沟中心小学"
    )
    entries = leadership.plan_import(
        group, leadership.parse_text("成 员:马 莉 冯记沟乡卫生院院长").entries
    )
    assert entries[0].person is None and entries[0].note
    entries = leadership.plan_import(
        group, leadership.parse_text("成 员:马 莉 冯记沟中心小学校医").entries
    )
    assert entries[0].person == namesake


@pytest.mark.django_db
def test_a_printed_demo_roster_reads_back_onto_the_same_people(settings, tmp_path, client):
    from django.core.management import call_command

    settings.VAR_DIR = tmp_path
    call_command("seed_demo", schools=20, stdout=io.StringIO())
    group = LeadershipGroup.objects.get(name="冯记沟乡校园安全管理领导小组")
    before = [
        (m.person_id, m.group_role, m.post, m.unit) for m in group.members.order_by("position")
    ]
    printed = "\n".join(
        [group.name, leadership.intro_of(group)]
        + [line["text"] for line in leadership.roster_lines(group)]
    )
    parsed = leadership.parse_text(printed)
    assert parsed.ok
    entries = leadership.plan_import(group, parsed.entries)
    assert all(e.person is not None for e in entries)
    people = Person.objects.count()
    leadership.save_import(group, entries, by=None)
    assert Person.objects.count() == people
    assert [
        (m.person_id, m.group_role, m.post, m.unit) for m in group.members.order_by("position")
    ] == before
