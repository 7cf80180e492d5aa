"""The built-in checklist library: loaded by the migration, idempotent, versioned on change."""

from django.utils import timezone

from safecampus.hazards import library
from safecampus.hazards.choices import Category, Grade
from safecampus.hazards.models import ChecklistItem, ChecklistTemplate, Inspection
from safecampus.orgs.choices import DepartmentKind

CODES = {
    "INSPECT-DAILY",
    "INSPECT-WEEKLY",
    "INSPECT-MONTHLY",
    "INSPECT-HOLIDAY",
    "INSPECT-TERM-START",
    "POLICE-MONTHLY",
    "CANTEEN-FOOD",
    "DORMITORY",
    "LAB-CHEMICALS",
    "FIRE-ELECTRICITY",
    "GATE-THREE-DEFENSE",
    "SCHOOL-BUS",
    "WATERS-DROWNING",
}


def test_the_library_is_loaded_with_items_and_a_source(db):
    library.load_library()  # a flushed database (transactional tests) may have lost it
    templates = {t.code: t for t in ChecklistTemplate.objects.filter(is_builtin=True)}
    assert set(templates) >= CODES
    for code in CODES:
        t = templates[code]
        assert t.org_id is None and t.org_path == "" and t.source and t.name
        assert t.current is not None and t.current.number == 1 and t.version == 1
        items = list(t.current.items.all())
        assert 6 <= len(items) <= 15, code
        assert [i.position for i in items] == list(range(1, len(items) + 1))
        for item in items:
            assert item.text and item.category in Category.values
            assert item.default_grade in Grade.values
            assert set(item.department_kinds) <= set(DepartmentKind.values)
    assert "001" in templates["INSPECT-TERM-START"].source
    assert "003" in templates["POLICE-MONTHLY"].source
    police = templates["POLICE-MONTHLY"].current.items.all()
    assert all(DepartmentKind.POLICE in i.department_kinds for i in police)
    food = ChecklistItem.objects.filter(version=templates["CANTEEN-FOOD"].current, category="food")
    assert any(DepartmentKind.MARKET in i.department_kinds for i in food)


def test_loading_again_changes_nothing(db):
    library.load_library()
    counts = (ChecklistTemplate.objects.count(), ChecklistItem.objects.count())
    result = library.load_library()
    assert result["unchanged"] == len(library.LIBRARY)
    assert result["created"] == result["published"] == result["rewritten"] == 0
    assert (ChecklistTemplate.objects.count(), ChecklistItem.objects.count()) == counts


def _inspect(version, school):
    return Inspection.objects.create(
        org=school,
        checklist=version,
        inspected_at=timezone.now(),
        signed_name="马建军",
    )


def test_a_changed_library_item_publishes_a_new_version_once_used(world):
    library.load_library()
    template = ChecklistTemplate.objects.get(code="INSPECT-DAILY")
    old = template.current
    inspection = _inspect(old, world.school_a1)
    # An older library text in the database, as if the library had since been edited.
    first = old.items.order_by("position").first()
    first.text = "校门值守到位"
    first.save()
    result = library.load_library()
    assert result["published"] == 1
    template.refresh_from_db()
    assert template.current.number == 2 and template.version == 2
    assert template.current.items.order_by("position").first().text == library.DAILY.items[0].text
    inspection.refresh_from_db()
    assert inspection.checklist_id == old.pk
    assert old.items.order_by("position").first().text == "校门值守到位"


def test_an_unused_version_is_rewritten_in_place(db):
    library.load_library()
    template = ChecklistTemplate.objects.get(code="SCHOOL-BUS")
    version = template.current
    version.items.order_by("position").last().delete()
    assert library.load_library()["rewritten"] == 1
    template.refresh_from_db()
    assert template.current_id == version.pk
    assert version.items.count() == len(library.SCHOOL_BUS.items)


def test_editing_publishes_a_new_version_and_past_inspections_keep_theirs(world):
    library.load_library()
    template = ChecklistTemplate.objects.get(code="INSPECT-WEEKLY")
    old = template.current
    old_texts = list(old.items.values_list("text", flat=True))
    inspection = _inspect(old, world.school_a1)
    items = [
        {"text": "灭火器在有效期内", "category": Category.FIRE, "default_grade": Grade.GENERAL},
        {"text": "楼梯间无杂物", "category": Category.BUILDING, "photo_required": True},
    ]
    new = library.publish_version(template=template, items=items, by=None, note="精简")
    template.refresh_from_db()
    assert template.current == new and new.number == 2 and template.version == 2
    assert list(new.items.values_list("text", flat=True)) == ["灭火器在有效期内", "楼梯间无杂物"]
    inspection.refresh_from_db()
    assert inspection.checklist == old
    assert list(old.items.values_list("text", flat=True)) == old_texts
    # The library owns the built-in templates: loading it again restores its items, in the
    # unused version 2, and the inspection still keeps version 1.
    assert library.load_library()["rewritten"] == 1
    inspection.refresh_from_db()
    assert inspection.checklist == old
