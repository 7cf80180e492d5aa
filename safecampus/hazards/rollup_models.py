"""The hazard rollups: the dashboards' counts kept per node in the same transaction as the
hazards they count (the rules are in hazards/rollups.py).

Each row belongs to a `level`: 0 is a hazard's own node (`org_path` is the hazard's), and
2 or 3 is its path cut to that many segments (the city's or the county's path, or the whole
path when it is shorter), so that a province reads its cities' rows and a city its counties'.
`org_path` is scoped like a hazard's (record type "hazard"), so `for_user` applies to the
rows as it does to the hazards: the one mechanism.

Imported by hazards/models.py, which also takes `HazardQuerySet` from here.
"""

import datetime

from django.db import models, transaction
from django.db.models.signals import pre_delete
from django.utils.translation import gettext_lazy as _

from safecampus.core.scoping import ScopedQuerySet
from safecampus.hazards.choices import Grade

# An open hazard without a deadline is kept under this date: never "overdue", and a key
# column that is never NULL (a NULL would escape the unique constraint the upserts rely on).
NO_DEADLINE = datetime.date(9999, 12, 31)

# The hazard fields whose values the rollups depend on.
TRACKED = (
    "org_path",
    "status",
    "grade",
    "deadline",
    "found_at",
    "closed_at",
    "recheck_on",
    "rechecked_at",
)


class HazardQuerySet(ScopedQuerySet):
    """Hazards' bulk writes keep the rollups in step as `save()` does: `update()` of a tracked
    field (and so `bulk_update()`, which Django runs as updates) and `bulk_create()` apply the
    rows' changes to the rollups in their transaction."""

    def update(self, **kwargs):
        if not set(kwargs) & set(TRACKED):
            return super().update(**kwargs)
        from safecampus.hazards import rollups

        with transaction.atomic(using=self.db, savepoint=False):
            before = rollups.locked_states(self)
            # Exactly the rows locked and read (a row that came to match since is not
            # touched: as if this update had run a moment earlier).
            count = rollups.update_rows(self.model, self.db, list(before), kwargs)
            rollups.record_many(rollups.changed_states(self.model, self.db, before), using=self.db)
        return count

    def bulk_create(self, objs, *args, **kwargs):
        if kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts"):
            raise ValueError(
                "Hazards are bulk-created without conflict handling: the rollups must know "
                "which rows were written."
            )
        from safecampus.hazards import rollups

        objs = list(objs)
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            rollups.record_many([(None, rollups.state_of(h)) for h in created], using=self.db)
        return created

    # bulk_update() needs nothing of its own: Django's runs it as update() per batch.


def _hazard_deleted(sender, instance, using, **kwargs):
    """A deleted hazard leaves the rollups (queryset deletes send this per row too)."""
    from safecampus.hazards import rollups

    rollups.record_delete(instance, using=using)


pre_delete.connect(_hazard_deleted, sender="hazards.Hazard", dispatch_uid="hazard_rollups")


class ScheduleQuerySet(ScopedQuerySet):
    """Schedules' bulk writes keep the completion rollups in step as `save()` does
    (hazards/done_rollups.py): the schedules running and their periods done."""

    def update(self, **kwargs):
        from safecampus.hazards import done_rollups

        return done_rollups.update_schedules(self, super().update, kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        if kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts"):
            raise ValueError("Schedules are bulk-created without conflict handling.")
        from safecampus.hazards import done_rollups

        create = super().bulk_create
        return done_rollups.schedules_created(objs, lambda rows: create(rows, *args, **kwargs))


class InspectionQuerySet(ScopedQuerySet):
    """Inspections' bulk writes keep the periods-done rollup in step as `save()` does."""

    def update(self, **kwargs):
        from safecampus.hazards import done_rollups

        return done_rollups.update_inspections(self, super().update, kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        if kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts"):
            raise ValueError("Inspections are bulk-created without conflict handling.")
        from safecampus.hazards import done_rollups

        create = super().bulk_create
        return done_rollups.bulk_created(objs, lambda rows: create(rows, *args, **kwargs))


def _schedule_deleted(sender, instance, using, **kwargs):
    from safecampus.hazards import done_rollups

    done_rollups.schedule_deleted(instance, using)


def _inspection_deleted(sender, instance, using, **kwargs):
    """A signed check is a record: it stays (and so do the periods it made done)."""
    raise PermissionError("Inspections are records and are not deleted.")


pre_delete.connect(_schedule_deleted, sender="hazards.Schedule", dispatch_uid="done_rollups")
pre_delete.connect(
    _inspection_deleted, sender="hazards.Inspection", dispatch_uid="inspections_kept"
)


class Level(models.IntegerChoices):
    LEAF = 0, _("Own node")
    CITY = 2, _("City")
    COUNTY = 3, _("County")


class Rollup(models.Model):
    """A row of counts of the hazards at `org_path` (level 0) or below it (a cut level)."""

    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    org_path = models.CharField(_("organisation path"), max_length=255)

    objects = ScopedQuerySet.as_manager()
    record_type = "hazard"

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.org_path} ({self.get_level_display()})"


def _unique(fields: list[str], opclasses: list[str], name: str) -> models.UniqueConstraint:
    # The subtree read is `level = L AND org_path LIKE 'P.%'`: pattern ops on PostgreSQL
    # (ignored on SQLite, whose range form of `within` uses the plain index).
    return models.UniqueConstraint(
        fields=["level", "org_path", *fields],
        opclasses=["int2_ops", "varchar_pattern_ops", *opclasses],
        name=name,
    )


class HazardOpenRollup(Rollup):
    """Open hazards counted by grade and deadline: open by grade, overdue (a deadline before
    today) and the age of the overdue, for any day, from one row per deadline."""

    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)
    deadline = models.DateField(
        _("deadline"), help_text=_("9999-12-31 stands for an open hazard without a deadline.")
    )
    n = models.IntegerField(_("hazards"), default=0)

    class Meta:
        verbose_name = _("open hazards rollup")
        verbose_name_plural = _("open hazards rollups")
        constraints = [
            _unique(["grade", "deadline"], ["text_ops", "date_ops"], "hazard_open_rollup_key")
        ]


class HazardFoundRollup(Rollup):
    """Hazards found per month (the month of `found_at` in the server's time zone)."""

    month = models.DateField(_("month"))
    n = models.IntegerField(_("hazards"), default=0)

    class Meta:
        verbose_name = _("hazards found rollup")
        verbose_name_plural = _("hazards found rollups")
        constraints = [_unique(["month"], ["date_ops"], "hazard_found_rollup_key")]


class HazardClosedRollup(Rollup):
    """Closed hazards per month of closing and whole days to close (rounded up): closed,
    closed with a deadline, closed on time and the seconds they took; the days give the
    90th percentile exactly."""

    month = models.DateField(_("month"))
    days = models.PositiveIntegerField(_("days to close"))
    closed = models.IntegerField(_("closed"), default=0)
    with_deadline = models.IntegerField(_("closed with a deadline"), default=0)
    on_time = models.IntegerField(_("closed on time"), default=0)
    seconds = models.BigIntegerField(_("seconds to close"), default=0)

    class Meta:
        verbose_name = _("closed hazards rollup")
        verbose_name_plural = _("closed hazards rollups")
        constraints = [
            _unique(["month", "days"], ["date_ops", "int4_ops"], "hazard_closed_rollup_key")
        ]


class HazardRecheckRollup(Rollup):
    """Closed hazards whose re-check is pending, by the day it falls due: the re-checks due
    on any day (a due date on or before it) from one row per date, instead of counting a
    province's closed hazards (hazards/followup.py)."""

    recheck_on = models.DateField(_("re-check on"))
    n = models.IntegerField(_("hazards"), default=0)

    class Meta:
        verbose_name = _("re-checks pending rollup")
        verbose_name_plural = _("re-checks pending rollups")
        constraints = [_unique(["recheck_on"], ["date_ops"], "hazard_recheck_rollup_key")]


class ScheduleRollup(Rollup):
    """Active schedules counted by rhythm and dates: what a region's schedules ask for is a
    constant per calendar, rhythm and dates, so a region reads these rows instead of its
    schedules (hazards/done_rollups.py)."""

    rhythm = models.CharField(_("rhythm"), max_length=20)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(
        _("ends on"), help_text=_("9999-12-31 stands for a schedule without an end.")
    )
    n = models.IntegerField(_("schedules"), default=0)

    record_type = "schedule"

    class Meta:
        verbose_name = _("schedules rollup")
        verbose_name_plural = _("schedules rollups")
        constraints = [
            _unique(
                ["rhythm", "starts_on", "ends_on"],
                ["text_ops", "date_ops", "date_ops"],
                "schedule_rollup_key",
            )
        ]


class InspectionDoneRollup(Rollup):
    """Periods of schedules done, per rhythm and first day of the period: how many (schedule,
    period) pairs of the active, periodic schedules at or below `org_path` have at least one
    check at the schedule's own school (the rules are in hazards/done_rollups.py)."""

    rhythm = models.CharField(_("rhythm"), max_length=20)
    period_start = models.DateField(_("period"))
    n = models.IntegerField(_("periods done"), default=0)

    record_type = "inspection"

    class Meta:
        verbose_name = _("periods done rollup")
        verbose_name_plural = _("periods done rollups")
        constraints = [
            _unique(
                ["rhythm", "period_start"], ["text_ops", "date_ops"], "inspection_done_rollup_key"
            )
        ]
