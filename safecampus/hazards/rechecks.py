"""`Hazard.rechecked_at`: when a closed hazard was last re-checked, kept in step with the raw
rows so that "re-checks due" is an indexed filter instead of a correlated EXISTS over every
closed hazard's inspections (11 s at a province).

The rule (the one `followup.rechecks_due_qs` used to evaluate when read): for a closed hazard
with a `closed_at`, the latest of
- the latest `inspected_at` of the inspections covering its spot, at or after `closed_at`;
- the latest "recheck" audit entry of the hazard (`followup.recheck_record`, effective), at
  or after `closed_at`;
and None when there is neither, or the hazard is not closed.

Kept in step, in the writer's transaction:
- a workflow move sets it from the rule for the moved hazard (`value_for`): accepting
  computes it afresh, reopening clears it;
- recording an inspection raises it on the closed hazards of the inspection's spots
  (`inspected`), an effective re-check on its hazard (`audited`): the rule is a maximum, so a
  newer moment replaces an older one and an older one changes nothing;
- deleting a spot recomputes the hazards that lose it;
- bulk loads that bypass these (the demo, the province seed's COPY) call `refresh()`.
`check()` recomputes the rule for every hazard in SQL and returns the ids that differ.
Inspections and audit entries are never edited or deleted by the application.
"""

from __future__ import annotations

from django.db import connections, router, transaction
from django.db.models import Max, Q
from django.db.models.signals import post_delete, pre_delete

from safecampus.hazards.choices import Status

RECHECK = "recheck"  # the audit trail's transition of an effective re-check


def value_for(hazard):
    """The rule for one hazard (two indexed queries when it is closed, none otherwise)."""
    from django.contrib.contenttypes.models import ContentType

    from safecampus.core.models import AuditEntry
    from safecampus.hazards.models import Hazard, Inspection

    if hazard.status != Status.CLOSED or hazard.closed_at is None:
        return None
    found = []
    if hazard.spot_id is not None:
        found.append(
            Inspection.objects.filter(
                spots=hazard.spot_id, inspected_at__gte=hazard.closed_at
            ).aggregate(m=Max("inspected_at"))["m"]
        )
    found.append(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Hazard),
            object_id=str(hazard.pk),
            transition=RECHECK,
            at__gte=hazard.closed_at,
        ).aggregate(m=Max("at"))["m"]
    )
    found = [m for m in found if m is not None]
    return max(found) if found else None


def _raise_to(hazards, moment) -> int:
    """Raise the closed ones among `hazards`, closed at or before `moment`, to `moment`."""
    return (
        hazards.filter(status=Status.CLOSED, closed_at__lte=moment)
        .filter(Q(rechecked_at__isnull=True) | Q(rechecked_at__lt=moment))
        .update(rechecked_at=moment)
    )


def inspected(spot_ids, moment) -> int:
    """An inspection at `moment` covered these spots: their closed hazards are re-checked."""
    from safecampus.hazards.models import Hazard

    spot_ids = [pk for pk in spot_ids if pk is not None]
    if not spot_ids:
        return 0
    return _raise_to(Hazard.objects.filter(spot_id__in=spot_ids), moment)


def audited(hazard, moment) -> None:
    """An effective re-check of `hazard` was recorded at `moment`."""
    from safecampus.hazards.models import Hazard

    if _raise_to(Hazard.objects.filter(pk=hazard.pk), moment):
        hazard.rechecked_at = moment


def recompute(pks) -> None:
    """Set these hazards' `rechecked_at` from the rule, one by one (a few rows written
    outside the services, e.g. by a demo)."""
    from safecampus.hazards.models import Hazard

    for hazard in Hazard.objects.filter(pk__in=list(pks)):
        value = value_for(hazard)
        if value != hazard.rechecked_at:
            Hazard.objects.filter(pk=hazard.pk).update(rechecked_at=value)


# --------------------------------------------------------------------------- set-based


def _expected_sql(models, ops) -> str:
    """SELECT id, stored, expected for every hazard: the rule, in one statement. The latest
    inspection of a spot at or after a moment is the spot's latest inspection when that is
    at or after the moment, so one aggregate per spot (and one per hazard's audit trail)
    serves every hazard."""
    hazard, inspection, audit, content_type = models
    q = ops.quote_name
    links = inspection._meta.get_field("spots").remote_field.through._meta.db_table
    return f"""
        SELECT h.{q("id")} AS hid, h.{q("rechecked_at")} AS stored,
          CASE WHEN h.{q("status")} = %s AND h.{q("closed_at")} IS NOT NULL THEN
            CASE
              WHEN s.last >= h.{q("closed_at")}
                AND (a.last IS NULL OR a.last < h.{q("closed_at")} OR s.last >= a.last)
                THEN s.last
              WHEN a.last >= h.{q("closed_at")} THEN a.last
            END
          END AS expected
        FROM {q(hazard._meta.db_table)} h
        LEFT JOIN (
          SELECT c.{q("spot_id")} AS spot_id, MAX(i.{q("inspected_at")}) AS last
          FROM {q(links)} c JOIN {q(inspection._meta.db_table)} i
            ON i.{q("id")} = c.{q("inspection_id")}
          GROUP BY c.{q("spot_id")}
        ) s ON s.spot_id = h.{q("spot_id")}
        LEFT JOIN (
          SELECT e.{q("object_id")} AS object_id, MAX(e.{q("at")}) AS last
          FROM {q(audit._meta.db_table)} e
          WHERE e.{q("transition")} = %s AND e.{q("content_type_id")} IN (
            SELECT t.{q("id")} FROM {q(content_type._meta.db_table)} t
            WHERE t.{q("app_label")} = 'hazards' AND t.{q("model")} = 'hazard'
          )
          GROUP BY e.{q("object_id")}
        ) a ON a.object_id = CAST(h.{q("id")} AS VARCHAR(64))
    """  # noqa: S608 (table and column names only; values are parameters)


DIFFERS = (
    "CASE WHEN x.stored IS NULL AND x.expected IS NULL THEN 0 "
    "WHEN x.stored = x.expected THEN 0 ELSE 1 END = 1"
)


def _models(models):
    if models is not None:
        return models
    from django.contrib.contenttypes.models import ContentType

    from safecampus.core.models import AuditEntry
    from safecampus.hazards.models import Hazard, Inspection

    return (Hazard, Inspection, AuditEntry, ContentType)


def refresh(*, using: str | None = None, models=None) -> int:
    """Set every hazard's `rechecked_at` from the rule, set-based (one UPDATE): after a bulk
    load that bypassed the writers, and in the migration that added the field (which passes
    its historical models). The re-checks rollup counts what this changes: it is rebuilt
    with it (but in that migration, older than the rollup). Returns the number of rows
    changed."""
    historical = models is not None
    models = _models(models)
    using = using or router.db_for_write(models[0])
    connection = connections[using]
    q = connection.ops.quote_name
    table = q(models[0]._meta.db_table)
    sql = (
        f"UPDATE {table} SET {q('rechecked_at')} = x.expected "  # noqa: S608
        f"FROM ({_expected_sql(models, connection.ops)}) x "
        f"WHERE x.hid = {table}.{q('id')} AND {DIFFERS}"
    )
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute(sql, [Status.CLOSED.value, RECHECK])
            changed = cursor.rowcount
        if changed and not historical:
            from safecampus.hazards import rollups

            rollups.rebuild(using=using, names=["HazardRecheckRollup"])
    return changed


def check(*, using: str | None = None) -> list[int]:
    """The ids of the hazards whose stored `rechecked_at` differs from the rule recomputed
    from the inspections and the audit trail (empty when they all match)."""
    models = _models(None)
    using = using or router.db_for_read(models[0])
    connection = connections[using]
    sql = (
        f"SELECT x.hid FROM ({_expected_sql(models, connection.ops)}) x "  # noqa: S608
        f"WHERE {DIFFERS} ORDER BY x.hid"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [Status.CLOSED.value, RECHECK])
        return [row[0] for row in cursor.fetchall()]


# ------------------------------------------------------------------------ spot deletion


def _spot_deleting(sender, instance, using, **kwargs):
    from safecampus.hazards.models import Hazard

    instance._closed_hazards = list(
        Hazard.objects.using(using)
        .filter(spot_id=instance.pk, status=Status.CLOSED)
        .values_list("pk", flat=True)
    )


def _spot_deleted(sender, instance, using, **kwargs):
    """Its hazards lost their spot (SET_NULL): only their re-check entries count now."""
    recompute(getattr(instance, "_closed_hazards", ()))


pre_delete.connect(_spot_deleting, sender="hazards.Spot", dispatch_uid="spot_rechecks_before")
post_delete.connect(_spot_deleted, sender="hazards.Spot", dispatch_uid="spot_rechecks_after")
