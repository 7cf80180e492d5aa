"""Checklist template pages: the list, a template and its versions, creating, editing (a new
version; past inspections keep theirs), copying, deactivating — in scope, out of scope (404),
not allowed (403), bad input and two people editing at once."""

import pytest
from django.urls import reverse

from safecampus.hazards import checklists, services
from safecampus.hazards.models import ChecklistTemplate, ChecklistVersion
from tests import factories as f
from tests.hazards.helpers import checklist

ITEMS = [
    {
        "text": "消防通道畅通",
        "category": "fire",
        "default_grade": "high",
        "photo_required": True,
        "guidance": "查看是否堆放杂物。",
        "department_kinds": ["fire"],
    },
    {"text": "门卫值守到位", "category": "gate", "default_grade": "low"},
]


@pytest.fixture
def people(world):
    return {
        "bureau": f.user_with_role("bureau_staff", world.county_a, first_name="李"),
        "bureau2": f.user_with_role("bureau_staff", world.county_a, first_name="王"),
        "outsider": f.user_with_role("bureau_staff", world.county_b),
        "safety": f.user_with_role("safety_officer", world.school_a1),
        "principal": f.user_with_role("principal", world.school_a1),
    }


def login(client, user):
    client.force_login(user)
    return client


def form_data(items, *, template=None, org=None, initial=0, name="周重点部位检查", **extra):
    """The POST of the add or edit page: the template's fields and the items formset."""
    data = {
        "name": name,
        "description": "",
        "rhythm": "weekly",
        "spot_kind": "",
        "source": "",
        "note": "",
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": str(initial),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    if template is not None:
        data["version"] = str(template.version)
    if org is not None:
        data["org"] = str(org.pk)
    for n, item in enumerate(items):
        row = {
            "text": item.get("text", ""),
            "category": item.get("category", "other"),
            "default_grade": item.get("default_grade", "general"),
            "guidance": item.get("guidance", ""),
            "ORDER": str(item.get("order", n + 1)),
        }
        if item.get("photo_required"):
            row["photo_required"] = "on"
        if item.get("delete"):
            row["DELETE"] = "on"
        if item.get("department_kinds"):
            row["department_kinds"] = item["department_kinds"]
        data.update({f"items-{n}-{k}": v for k, v in row.items()})
    data.update(extra)
    return data


def county_template(world, people, client):
    response = login(client, people["bureau"]).post(
        reverse("hazard_checklists:add"),
        form_data(ITEMS, org=world.county_a, note="初版"),
        follow=True,
    )
    template = ChecklistTemplate.objects.get(name="周重点部位检查")
    assert response.redirect_chain == [
        (reverse("hazard_checklists:detail", args=[template.pk]), 302)
    ]
    return template


def listed(client, **params) -> set[str]:
    response = client.get(reverse("hazard_checklists:list"), params)
    assert response.status_code == 200
    return {t.name for t in response.context["object_list"]}


def current_items(template):
    template.refresh_from_db()
    return list(template.current.items.order_by("position"))


# ------------------------------------------------------------------- create, edit, versions


@pytest.mark.django_db
def test_editing_publishes_a_new_version_and_past_inspections_keep_theirs(client, world, people):
    template = county_template(world, people, client)
    assert template.org == world.county_a
    first = template.current
    assert first.number == 1 and first.note == "初版" and first.created_by == people["bureau"]
    items = current_items(template)
    assert [i.text for i in items] == ["消防通道畅通", "门卫值守到位"]
    assert items[0].photo_required and items[0].department_kinds == ["fire"]
    assert items[0].default_grade == "high" and items[0].guidance == "查看是否堆放杂物。"

    inspection = services.inspection_submit(
        school=world.school_a1,
        by=people["safety"],
        checklist=first,
        signed_name="陈",
        answers=[{"item": i, "answer": "normal"} for i in first.items.all()],
    )

    # Rename the first item, drop the second, add one and put it first.
    edit = form_data(
        [
            {**ITEMS[0], "text": "消防通道畅通、无堆放", "order": 2},
            {**ITEMS[1], "delete": True},
            {"text": "监控运行正常", "category": "security", "order": 1},
        ],
        template=template,
        initial=2,
        note="加监控，门卫另查",
    )
    url = reverse("hazard_checklists:edit", args=[template.pk])
    response = client.post(url, edit)
    assert response.status_code == 302
    assert response["Location"] == reverse("hazard_checklists:detail", args=[template.pk])
    template.refresh_from_db()
    assert template.current.number == 2 and template.current.note == "加监控，门卫另查"
    assert [i.text for i in current_items(template)] == ["监控运行正常", "消防通道畅通、无堆放"]
    # The version the inspection answered is untouched, and its page shows its items.
    inspection.refresh_from_db()
    assert inspection.checklist_id == first.pk
    assert [i.text for i in first.items.order_by("position")] == ["消防通道畅通", "门卫值守到位"]
    page = login(client, people["safety"]).get(reverse("hazards:inspection", args=[inspection.pk]))
    assert "门卫值守到位" in page.content.decode()

    detail = client.get(reverse("hazard_checklists:detail", args=[template.pk])).content.decode()
    assert "监控运行正常" in detail and "门卫值守到位" not in detail
    assert 'data-testid="versions"' in detail and "加监控，门卫另查" in detail
    assert "v1" in detail and "v2" in detail
    old = client.get(reverse("hazard_checklists:version", args=[template.pk, 1]))
    assert old.status_code == 200 and "门卫值守到位" in old.content.decode()
    assert 'data-testid="uses-v1">1<' in detail and 'data-testid="uses-v2">0<' in detail
    new = client.get(reverse("hazard_checklists:version", args=[template.pk, 2])).content.decode()
    assert "监控运行正常" in new and "门卫值守到位" in new  # added, and removed (struck out)
    assert (
        client.get(reverse("hazard_checklists:version", args=[template.pk, 9])).status_code == 404
    )


@pytest.mark.django_db
def test_saving_without_changing_items_publishes_nothing_and_a_change_needs_a_note(
    client, world, people
):
    template = county_template(world, people, client)
    url = reverse("hazard_checklists:edit", args=[template.pk])
    same = form_data(ITEMS, template=template, initial=2, name="周重点部位检查（修订）")
    response = client.post(url, same, follow=True)
    assert "检查项没有变化，未生成新版本" in response.content.decode()
    template.refresh_from_db()
    assert template.name == "周重点部位检查（修订）" and template.current.number == 1

    changed = form_data(
        [*ITEMS, {"text": "监控运行正常", "category": "security"}],
        template=template,
        initial=2,
    )
    response = client.post(url, changed)
    assert response.status_code == 200
    body = response.content.decode()
    assert "监控运行正常" in body  # what was typed is kept
    assert "说明" in body  # asked to say what changed
    assert template.versions.count() == 1


@pytest.mark.django_db
def test_bad_items_show_errors_in_chinese_keep_input_and_publish_nothing(client, world, people):
    template = county_template(world, people, client)
    url = reverse("hazard_checklists:edit", args=[template.pk])
    # An item with guidance but no text.
    no_text = form_data(
        [*ITEMS, {"text": "", "guidance": "查看灭火器压力表指针", "category": "fire"}],
        template=template,
        initial=2,
        note="加灭火器",
    )
    response = client.post(url, no_text)
    assert response.status_code == 200
    body = response.content.decode()
    assert "该字段是必填项" in body
    assert "查看灭火器压力表指针" in body and "加灭火器" in body
    # Every item removed.
    none_left = form_data(
        [{**i, "delete": True} for i in ITEMS], template=template, initial=2, note="清空"
    )
    response = client.post(url, none_left)
    assert response.status_code == 200
    assert "检查表至少需要一个检查项" in response.content.decode()
    assert template.versions.count() == 1
    template.refresh_from_db()
    assert template.version == 1  # nothing claimed: the same page can still be saved

    # A new template without items is not created either.
    empty = form_data([], org=world.county_a, name="空表")
    response = client.post(reverse("hazard_checklists:add"), empty)
    assert response.status_code == 200
    assert "检查表至少需要一个检查项" in response.content.decode()
    assert not ChecklistTemplate.objects.filter(name="空表").exists()


@pytest.mark.django_db
def test_two_people_editing_at_once_the_second_is_told_and_keeps_their_input(client, world, people):
    template = county_template(world, people, client)
    url = reverse("hazard_checklists:edit", args=[template.pk])
    seen = ChecklistTemplate.objects.get(pk=template.pk)  # both open the page at version 1
    first = form_data(
        [*ITEMS, {"text": "监控运行正常", "category": "security"}],
        template=seen,
        initial=2,
        note="加监控",
    )
    second = form_data(
        [*ITEMS, {"text": "宿舍无违规电器", "category": "dormitory"}],
        template=seen,
        initial=2,
        note="加宿舍",
    )
    assert login(client, people["bureau"]).post(url, first).status_code == 302
    response = login(client, people["bureau2"]).post(url, second)
    assert response.status_code == 200
    body = response.content.decode()
    assert "已有他人修改了它" in body
    assert "宿舍无违规电器" in body and "加宿舍" in body
    template.refresh_from_db()
    assert template.current.number == 2
    assert [i.text for i in current_items(template)][-1] == "监控运行正常"
    assert not ChecklistVersion.objects.filter(note="加宿舍").exists()


# ------------------------------------------------------------------------ who may do what


@pytest.mark.django_db
def test_a_school_reads_county_templates_and_built_ins_but_cannot_edit_them(client, world, people):
    template = county_template(world, people, client)
    library = checklist(items=("校门值守到位",))
    builtin = library.template
    builtin.is_builtin = True
    builtin.save()
    login(client, people["safety"])
    listing = client.get(reverse("hazard_checklists:list")).content.decode()
    assert {"周重点部位检查", builtin.name} <= listed(client)
    assert reverse("hazard_checklists:add") not in listing
    for t in (template, builtin):
        page = client.get(reverse("hazard_checklists:detail", args=[t.pk]))
        assert page.status_code == 200
        body = page.content.decode()
        assert 'data-testid="read-only"' in body
        assert reverse("hazard_checklists:edit", args=[t.pk]) not in body
        assert client.get(reverse("hazard_checklists:edit", args=[t.pk])).status_code == 403
        refused = client.post(
            reverse("hazard_checklists:edit", args=[t.pk]),
            form_data(ITEMS, template=t, initial=1, note="改"),
        )
        assert refused.status_code == 403
        active = client.post(
            reverse("hazard_checklists:active", args=[t.pk]), {"active": "0", "version": 1}
        )
        assert active.status_code == 403
        assert client.get(reverse("hazard_checklists:copy", args=[t.pk])).status_code == 403
    assert client.get(reverse("hazard_checklists:add")).status_code == 403
    template.refresh_from_db()
    assert template.current.number == 1 and template.is_active

    # The bureau may not edit the built-in library either, but may copy it.
    login(client, people["bureau"])
    body = client.get(reverse("hazard_checklists:detail", args=[builtin.pk])).content.decode()
    assert 'data-testid="read-only"' in body and 'data-testid="copy"' in body
    assert client.get(reverse("hazard_checklists:edit", args=[builtin.pk])).status_code == 403


@pytest.mark.django_db
def test_another_countys_bureau_gets_404(client, world, people):
    template = county_template(world, people, client)
    login(client, people["outsider"])
    assert "周重点部位检查" not in listed(client)
    for name, args in (
        ("detail", [template.pk]),
        ("edit", [template.pk]),
        ("copy", [template.pk]),
        ("version", [template.pk, 1]),
    ):
        assert client.get(reverse(f"hazard_checklists:{name}", args=args)).status_code == 404
    assert (
        client.post(
            reverse("hazard_checklists:active", args=[template.pk]), {"active": "0", "version": 1}
        ).status_code
        == 404
    )
    template.refresh_from_db()
    assert template.is_active


@pytest.mark.django_db
def test_copying_a_built_in_gives_the_county_its_own_starting_point(client, world, people):
    library = checklist(items=("校门值守到位", "食堂操作间生熟分开"))
    builtin = library.template
    builtin.is_builtin = True
    builtin.save()
    login(client, people["bureau"])
    url = reverse("hazard_checklists:copy", args=[builtin.pk])
    page = client.get(url).content.decode()
    assert builtin.name in page  # the name is offered as the copy's
    response = client.post(url, {"org": world.county_a.pk, "name": "盐池县日检查"})
    assert response.status_code == 302
    copy = ChecklistTemplate.objects.get(name="盐池县日检查")
    assert response["Location"] == reverse("hazard_checklists:edit", args=[copy.pk])
    assert copy.org == world.county_a and not copy.is_builtin and copy.code == ""
    assert [i.text for i in current_items(copy)] == ["校门值守到位", "食堂操作间生熟分开"]
    assert copy.current.number == 1 and builtin.name in copy.current.note
    assert builtin.versions.count() == 1 and library.items.count() == 2

    # The county's schools use the copy; the other county does not see it.
    assert copy in checklists.templates_for(people["safety"])
    assert copy not in checklists.templates_for(people["outsider"])
    # A copy may not be placed outside the bureau's own subtree.
    response = client.post(url, {"org": world.county_b.pk, "name": "越界"})
    assert response.status_code == 200
    assert not ChecklistTemplate.objects.filter(name="越界").exists()


@pytest.mark.django_db
def test_deactivate_and_reactivate(client, world, people):
    template = county_template(world, people, client)
    url = reverse("hazard_checklists:active", args=[template.pk])
    client.post(url, {"active": "0", "version": template.version})
    template.refresh_from_db()
    assert not template.is_active
    assert template not in ChecklistTemplate.objects.available_to(people["safety"])
    assert "周重点部位检查" not in listed(client)
    assert "周重点部位检查" in listed(client, active="inactive")
    stale = client.post(url, {"active": "1", "version": 1}, follow=True)
    assert "已有他人修改了它" in stale.content.decode()
    client.post(url, {"active": "1", "version": template.version})
    template.refresh_from_db()
    assert template.is_active


@pytest.mark.django_db
def test_list_filters_and_query_count(client, world, people, django_assert_max_num_queries):
    county_template(world, people, client)
    checklist(items=("校门值守到位",))  # a library template: daily
    login(client, people["safety"])
    url = reverse("hazard_checklists:list")
    weekly = listed(client, rhythm="weekly")  # the built-in library has weekly ones too
    assert "周重点部位检查" in weekly and "日常敏感部位检查" not in weekly
    assert listed(client, q="周重点") == {"周重点部位检查"}
    builtin = listed(client, origin="builtin")
    assert "日常敏感部位检查" in builtin and "周重点部位检查" not in builtin
    assert listed(client, origin="local") == {"周重点部位检查"}
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
