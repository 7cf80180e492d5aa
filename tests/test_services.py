"""Writes: tree paths, validation, stale edits refused, every change audited."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from safecampus.core.errors import ConflictError
from safecampus.core.models import AuditEntry
from safecampus.core.services import create_record, delete_record, update_record
from safecampus.orgs import services
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import OrgNode, Person
from tests import factories as f


@pytest.mark.django_db
def test_paths_are_fixed_width_and_follow_the_tree(world):
    assert world.county_a.path.startswith(world.city.path + ".")
    assert world.school_a1.path.startswith(world.town_a.path + ".")
    assert all(len(seg) == 4 for seg in world.school_a1.path.split("."))
    assert world.school_a1.depth == world.town_a.depth + 1
    assert [n.name for n in world.school_a1.ancestors()] == [
        "宁夏回族自治区",
        "吴忠市",
        "盐池县",
        "冯记沟乡",
    ]


@pytest.mark.django_db
def test_a_school_cannot_hold_children_and_a_county_not_a_province(world):
    with pytest.raises(ValidationError):
        services.node_create(parent=world.school_a1, kind=NodeKind.TOWNSHIP, name="x", by=None)
    with pytest.raises(ValidationError):
        services.node_create(parent=world.county_a, kind=NodeKind.PROVINCE, name="y", by=None)


@pytest.mark.django_db
def test_duplicate_name_under_one_parent_is_refused_and_writes_nothing(world):
    before = (OrgNode.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as err:
        services.node_create(
            parent=world.county_a, kind=NodeKind.TOWNSHIP, name="冯记沟乡", by=None
        )
    assert "name" in err.value.message_dict
    assert (OrgNode.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.django_db
def test_create_update_delete_are_audited_with_before_and_after(world):
    user = f.user_with_role("bureau_staff", world.county_a)
    person = create_record(
        instance=Person(org=world.school_a1, name="王雅娜", post="副校长"), by=user
    )
    update_record(instance=person, by=user, data={"post": "校长"}, expected_version=1)
    pk = person.pk
    delete_record(instance=person, by=user)
    entries = list(
        AuditEntry.objects.filter(content_type__model="person", object_id=str(pk)).order_by("id")
    )
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert entries[1].changes == {"post": ["副校长", "校长"]}
    assert entries[0].user == user and entries[0].org_path == world.school_a1.path


@pytest.mark.django_db
def test_stale_version_is_refused_and_nothing_changes(world):
    person = create_record(
        instance=Person(org=world.school_a1, name="杨志国", post="校长"), by=None
    )
    update_record(
        instance=Person.objects.get(pk=person.pk),
        by=None,
        data={"post": "书记"},
        expected_version=1,
    )
    with pytest.raises(ConflictError):
        update_record(
            instance=Person.objects.get(pk=person.pk),
            by=None,
            data={"post": "主任"},
            expected_version=1,
        )
    person.refresh_from_db()
    assert person.post == "书记" and person.version == 2


@pytest.mark.django_db
def test_invalid_data_writes_nothing(world):
    person = create_record(instance=Person(org=world.school_a1, name="马莉"), by=None)
    count = AuditEntry.objects.count()
    with pytest.raises(ValidationError):
        update_record(instance=person, by=None, data={"name": ""}, expected_version=1)
    person = Person.objects.get(pk=person.pk)
    assert person.name == "马莉" and person.version == 1
    assert AuditEntry.objects.count() == count


@pytest.mark.django_db
def test_audit_trail_cannot_be_edited_or_deleted(world):
    entry = AuditEntry.objects.first()
    entry.comment = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(comment="x")


@pytest.mark.django_db
def test_database_refuses_to_rewrite_the_audit_trail(world):
    from django.db import DatabaseError, connection, transaction

    entry = AuditEntry.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET comment = 'x' WHERE id = %s", [entry.pk])


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fail_or_collide(world):
    """Several users adding schools at once: no "database is locked", no duplicate paths."""
    errors = []

    def add(i):
        try:
            for j in range(5):
                f.school(world.town_a, f"并发学校{i}-{j}")
        except Exception as exc:  # pragma: no cover - the assertion reports it
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    paths = list(OrgNode.objects.within(world.town_a.path).values_list("path", flat=True))
    assert len(paths) == len(set(paths)) == 1 + 2 + 20


@pytest.mark.django_db
def test_a_loaded_school_is_not_fetched_again_but_its_unique_rules_still_hold(world):
    """create_record skips re-reading a relation the caller holds, never the constraints that
    involve it: a second spot of the same name at the school is a clear error, not a crash."""
    from django.test.utils import CaptureQueriesContext

    from safecampus.hazards.models import Spot

    create_record(instance=Spot(org=world.school_a1, name="东门"), by=None)
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationError) as caught:
        create_record(instance=Spot(org=world.school_a1, name="东门"), by=None)
    assert "__all__" in caught.value.message_dict
    school_reads = [q["sql"] for q in queries.captured_queries if 'FROM "orgs_orgnode"' in q["sql"]]
    assert school_reads == []
    assert Spot.objects.filter(org=world.school_a1, name="东门").count() == 1
