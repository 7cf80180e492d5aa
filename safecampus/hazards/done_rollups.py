"""The periods-done rollup: which periods of the schedules have a check, counted per node,
kept exactly in step with the inspections and the schedules.

Why: a region's completion (`schedules.completion`) asks how many (schedule, period) pairs
were done this month. Counted from the inspections, a province reads 370,000 checks for it
(0.5 s on PostgreSQL at 20,000 schools); from this rollup it reads a few hundred rows.

What counts: a pair (schedule, first day of a period) of an active, periodic (not ad-hoc)
schedule is done when at least one inspection names the schedule and that first day and was
made at the schedule's own school. It adds 1 to (the schedule's path, its rhythm, the first
day), at each level of `rollups.LEVELS` as the hazard rollups do (hazards/rollup_models.py).

How it stays in step: a write that can change what counts (an inspection written, a
schedule's school, rhythm or activity changed, a schedule deleted) locks the schedules it
touches, reads their pairs before and after, and applies the difference in the same
transaction (`recount`), through the hazard rollups' upserts (`rollups.apply`). Locking
the schedule serialises two checks of the same period, so the second sees the first and
the pair is counted once. Inspections are not deleted (a signed check is a record): a
delete is refused. `rollups.check()` recomputes the rows from the inspections in SQL, and
`rollups.rebuild()` replaces them after a load that bypassed the ORM.

Reading (`done_periods`) answers what `schedules._tally` counts from the inspections, for
the users whose view covers the whole node: the rows' pairs in the periods asked, less the
pairs of the schedules whose dates cut those periods or fall outside the range (their
pairs are counted one by one, as before).

The schedules rollup (`ScheduleRollup`) does the same for the periods asked: a schedule asks
for a number of periods fixed by its calendar, rhythm and dates, so the active schedules are
counted per node, rhythm, first and last day (no end kept as `rollups.NO_END`), and
`asked_periods` multiplies instead of reading a province's 100,000 schedules. A schedule's
save, bulk update, bulk create and delete move its count in the same transaction.
"""

from __future__ import annotations

from collections import Counter

from django.db import router, transaction
from django.db.models import F

from safecampus.hazards.choices import Rhythm

# The fields of a schedule its pairs depend on, and of an inspection.
SCHEDULE_FIELDS = ("org", "org_id", "org_path", "rhythm", "is_active")
# …and those the schedules rollup counts them by.
RUNNING = ("org_path", "rhythm", "starts_on", "ends_on", "is_active")
INSPECTION_FIELDS = ("org", "org_id", "schedule", "schedule_id", "period_start")


def _models():
    from safecampus.hazards.models import Inspection, Schedule
    from safecampus.hazards.rollup_models import InspectionDoneRollup

    return Inspection, Schedule, InspectionDoneRollup


def counted_pairs(inspections):
    """The inspections that make their pair done (the rule above, as a filter)."""
    return inspections.filter(
        schedule__isnull=False,
        period_start__isnull=False,
        schedule__is_active=True,
        org_id=F("schedule__org_id"),
    ).exclude(schedule__rhythm=Rhythm.AD_HOC)


def _contributions(schedule_ids, using: str, period_starts=None) -> Counter:
    """{(level, path, rhythm, first day): pairs} of the schedules, as stored now."""
    from safecampus.hazards import rollups

    inspection, _schedule, _model = _models()
    rows = counted_pairs(inspection._base_manager.using(using)).filter(schedule_id__in=schedule_ids)
    if period_starts is not None:
        rows = rows.filter(period_start__in=period_starts)
    out: Counter = Counter()
    pairs = rows.order_by().values_list(
        "schedule_id", "schedule__org_path", "schedule__rhythm", "period_start"
    )
    for _sid, path, rhythm, start in set(pairs):
        for level in rollups.LEVELS:
            out[(level, rollups.cut(path, level), rhythm, start)] += 1
    return out


def recount(schedule_ids, write, *, using: str, period_starts=None):
    """Run `write()` and move the pairs of `schedule_ids` (those of `period_starts`, or all)
    in the rollup from what they were to what they are: under a lock on the schedules."""
    from safecampus.hazards import rollups

    ids = sorted({pk for pk in schedule_ids if pk is not None})
    if not ids:
        return write()
    _inspection, schedule, model = _models()
    with transaction.atomic(using=using, savepoint=False):
        list(
            schedule._base_manager.using(using)
            .select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        starts = None if period_starts is None else sorted(set(period_starts) - {None})
        before = _contributions(ids, using, starts)
        result = write()
        after = _contributions(ids, using, starts)
        diff = {k: (after[k] - before[k],) for k in before.keys() | after.keys()}
        diff = {k: v for k, v in diff.items() if v[0]}
        if diff:
            rollups.apply({model: diff}, using=using)
    return result


def _touches(update_fields, fields) -> bool:
    return update_fields is None or bool(set(update_fields) & set(fields))


def save_inspection(inspection, save, *args, **kwargs) -> None:
    """`Inspection.save()`: the pairs of the schedule(s) it names before and after."""
    if not _touches(kwargs.get("update_fields"), INSPECTION_FIELDS):
        save(*args, **kwargs)
        return
    using = kwargs.get("using") or router.db_for_write(type(inspection), instance=inspection)
    if inspection._state.adding and not kwargs.get("force_update"):
        _add_inspection(inspection, lambda: save(*args, **kwargs), using)
        return
    schedules, starts = {inspection.schedule_id}, {inspection.period_start}
    if inspection.pk is not None:
        stored = (
            type(inspection)
            ._base_manager.using(using)
            .filter(pk=inspection.pk)
            .values_list("schedule_id", "period_start")
            .first()
        )
        if stored:
            schedules.add(stored[0])
            starts.add(stored[1])
    if schedules == {None} or starts == {None}:
        save(*args, **kwargs)
        return
    recount(schedules, lambda: save(*args, **kwargs), using=using, period_starts=starts)


def _add_inspection(inspection, write, using: str) -> None:
    """A new check, the commonest write (every submission): `recount` for one pair in three
    statements, the schedule read under its lock, one look for an earlier check of the
    period, and the upsert when the pair is newly done."""
    from safecampus.hazards import rollups

    sid, first_day = inspection.schedule_id, inspection.period_start
    if sid is None or first_day is None:
        write()
        return
    _inspection, schedule, model = _models()
    with transaction.atomic(using=using, savepoint=False):
        row = (
            schedule._base_manager.using(using)
            .select_for_update()
            .filter(pk=sid)
            .values_list("org_id", "org_path", "rhythm", "is_active")
            .first()
        )
        counts = (
            row is not None and row[3] and row[2] != Rhythm.AD_HOC and inspection.org_id == row[0]
        )
        done = (
            counts
            and type(inspection)
            ._base_manager.using(using)
            .filter(schedule_id=sid, period_start=first_day, org_id=row[0])
            .exists()
        )
        write()
        if counts and not done:
            path, rhythm = row[1], row[2]
            rollups.apply(
                {
                    model: {
                        (level, rollups.cut(path, level), rhythm, first_day): (1,)
                        for level in rollups.LEVELS
                    }
                },
                using=using,
            )


def _running(schedule_model, using: str, ids) -> Counter:
    """{(level, path, rhythm, first day, last day): schedules} of the active ones of `ids`,
    as stored now: what they add to the schedules rollup."""
    from safecampus.hazards import rollups

    out: Counter = Counter()
    for start in range(0, len(ids), 2000):
        rows = (
            schedule_model._base_manager.using(using)
            .filter(pk__in=ids[start : start + 2000], is_active=True)
            .values_list(*RUNNING[:-1])
        )
        for path, rhythm, starts_on, ends_on in rows:
            for level in rollups.LEVELS:
                key = (level, rollups.cut(path, level), rhythm, starts_on)
                out[(*key, ends_on or rollups.NO_END)] += 1
    return out


def _move_running(before: Counter, after: Counter, using: str) -> None:
    from safecampus.hazards import rollups
    from safecampus.hazards.rollup_models import ScheduleRollup

    diff = {k: (after[k] - before[k],) for k in before.keys() | after.keys()}
    diff = {k: v for k, v in diff.items() if v[0]}
    if diff:
        rollups.apply({ScheduleRollup: diff}, using=using)


def _rewrite_schedules(ids, write, using: str):
    """Run `write()` on existing schedules `ids` and move both rollups: their periods done
    (`recount`, which locks them) and their counts by rhythm and dates."""
    _inspection, schedule, _model = _models()
    ids = sorted(set(ids))
    with transaction.atomic(using=using, savepoint=False):
        holder = {}

        def write_between():
            holder["before"] = _running(schedule, using, ids)
            return write()

        result = recount(ids, write_between, using=using)
        _move_running(holder.get("before", Counter()), _running(schedule, using, ids), using)
    return result


def save_schedule(schedule, save, *args, **kwargs) -> None:
    """`Schedule.save()`: a new schedule counts by its rhythm and dates; a change of school,
    rhythm, dates or activity moves its counts and all its periods done."""
    using = kwargs.get("using") or router.db_for_write(type(schedule), instance=schedule)
    if schedule._state.adding:
        with transaction.atomic(using=using, savepoint=False):
            save(*args, **kwargs)
            _move_running(Counter(), _running(type(schedule), using, [schedule.pk]), using)
        return
    if not _touches(kwargs.get("update_fields"), (*SCHEDULE_FIELDS, *RUNNING)):
        save(*args, **kwargs)
        return
    _rewrite_schedules([schedule.pk], lambda: save(*args, **kwargs), using)


def update_schedules(queryset, update, kwargs: dict) -> int:
    """`Schedule.objects.….update()` of a field the rollups depend on."""
    if not set(kwargs) & {*SCHEDULE_FIELDS, *RUNNING}:
        return update(**kwargs)
    using = queryset.db
    with transaction.atomic(using=using, savepoint=False):
        ids = list(queryset.order_by().values_list("pk", flat=True))
        return _rewrite_schedules(ids, lambda: update(**kwargs), using)


def schedules_created(objs, create):
    """`Schedule.objects.bulk_create()`: the new schedules' counts (they have no checks)."""
    objs = list(objs)
    if not objs:
        return create(objs)
    using = router.db_for_write(type(objs[0]))
    with transaction.atomic(using=using, savepoint=False):
        created = create(objs)
        ids = [o.pk for o in created if o.pk is not None]
        if len(ids) != len(created):
            raise ValueError("Bulk-created schedules must come back with their keys.")
        _move_running(Counter(), _running(type(objs[0]), using, ids), using)
    return created


def update_inspections(queryset, update, kwargs: dict) -> int:
    """`Inspection.objects.….update()` of a field the pairs depend on: the schedules named
    before and the one named after (a value, not an expression: it must be known here)."""
    if not set(kwargs) & set(INSPECTION_FIELDS):
        return update(**kwargs)
    new = kwargs.get("schedule", kwargs.get("schedule_id"))
    if hasattr(new, "resolve_expression"):
        raise ValueError("An inspection's schedule is updated to a value, not an expression.")
    using = queryset.db
    with transaction.atomic(using=using, savepoint=False):
        ids = set(queryset.order_by().values_list("schedule_id", flat=True))
        ids.add(getattr(new, "pk", new))
        return recount(ids, lambda: update(**kwargs), using=using)


def bulk_created(objs, create):
    """`Inspection.objects.bulk_create()`: the pairs of the schedules the new rows name."""
    objs = list(objs)
    if not objs:
        return create(objs)
    using = router.db_for_write(type(objs[0]))
    return recount(
        {o.schedule_id for o in objs},
        lambda: create(objs),
        using=using,
        period_starts={o.period_start for o in objs},
    )


def schedule_deleted(schedule, using: str) -> None:
    """A schedule about to be deleted takes its pairs out (its inspections keep no schedule)."""
    from safecampus.hazards import rollups

    _inspection, schedule_model, model = _models()
    list(schedule_model._base_manager.using(using).select_for_update().filter(pk=schedule.pk))
    gone = _contributions([schedule.pk], using)
    if gone:
        rollups.apply({model: {k: (-n,) for k, n in gone.items()}}, using=using)
    _move_running(_running(schedule_model, using, [schedule.pk]), Counter(), using)


# -------------------------------------------------------------------------------- reads


def covers(user, node) -> bool:
    """The rollup answers for `node` only when the user sees every schedule and every
    inspection below it (its rows cannot be cut finer than a scope that covers the node)."""
    from safecampus.accounts.access import scope_prefixes
    from safecampus.core.scoping import ALL

    inspection, schedule, _model = _models()
    for model in (inspection, schedule):
        prefixes = scope_prefixes(user, model)
        if prefixes is ALL:
            continue
        if not any(node.path == p or node.path.startswith(p + ".") for p in prefixes):
            return False
    return True


def read_level(node, calendar_paths, depth: int) -> int:
    """The coarsest level whose rows tell apart paths of `depth` segments and each follow
    one calendar: no calendar is set on a node below the level's cut."""
    from safecampus.hazards import rollups

    inside = [p for p in calendar_paths if p.startswith(node.path + ".")]
    return rollups.coarsest_cut(depth, inside)


def calendar_of(path: str, calendar_paths) -> int:
    """The key `schedules._Calendars` gives a school at `path` (deepest calendar above it)."""
    for i, p in enumerate(calendar_paths):  # deepest first
        if path == p or path.startswith(p + "."):
            return i
    return -1


def _rows(model, node, level: int):
    """The rollup rows of `node`'s subtree at `level`. Also written as one range of the path,
    which SQLite's planner takes after `level` in the key (the two-range form of `within`
    made it read every school's rows: 0.5 s for a county)."""
    return (
        model.objects.within(node.path)
        .filter(org_path__gte=node.path, org_path__lt=node.path + "/", level=level)
        .order_by()
    )


def asked_periods(*, node, cals, wanted: dict, start, last, depth: int) -> list:
    """[(path, ended, current, cut)] from the schedules rollup: for the active periodic
    schedules below `node` running between `start` and `last` (`schedules.completion`'s),
    the periods asked of those whose dates cut none of `wanted`'s, ended and current, and
    how many do cut some (listed one by one by the caller). A row for every path with such
    a schedule, even when its calendar and rhythm ask for nothing."""
    from safecampus.hazards.rollup_models import ScheduleRollup

    shapes = {}
    for key, periods in wanted.items():
        if periods:
            n_current = sum(1 for p in periods if p[2])
            first_end = min(p[1] for p in periods)
            last_start = max(p[0] for p in periods)
            shapes[key] = (first_end, last_start, len(periods) - n_current, n_current)
    rows = (
        _rows(ScheduleRollup, node, read_level(node, cals.paths, depth))
        .filter(starts_on__lte=last, ends_on__gte=start)
        .exclude(rhythm=Rhythm.AD_HOC)
        .values_list("org_path", "rhythm", "starts_on", "ends_on", "n")
    )
    out = []
    for path, rhythm, starts_on, ends_on, n in rows:
        shape = shapes.get((calendar_of(path, cals.paths), rhythm))
        if shape is None:
            out.append((path, 0, 0, 0))
        elif starts_on <= shape[0] and ends_on >= shape[1]:
            out.append((path, n * shape[2], n * shape[3], 0))
        else:
            out.append((path, 0, 0, n))
    return out


def done_periods(*, node, cals, wanted: dict, odd, start, last, depth: int) -> list:
    """[(path, ended done, current done)] of the pairs the rollup holds below `node` in the
    periods `wanted` asks for (`schedules._tally`'s), less those of the schedules `odd` (a
    queryset: the ones counted one by one, or not at all). The paths are the rows' (cut to
    a level) and the schedules': read at a level that tells paths of `depth` segments
    apart."""

    inspection, _schedule, model = _models()
    starts = {key: {p[0]: p[2] for p in periods} for key, periods in wanted.items() if periods}
    level = read_level(node, cals.paths, depth)
    out: Counter = Counter()

    def add(path, rhythm, first_day, n):
        asked = starts.get((calendar_of(path, cals.paths), rhythm))
        if asked is None or first_day not in asked:
            return
        out[(path, asked[first_day])] += n

    rows = (
        _rows(model, node, level)
        .filter(period_start__gte=start, period_start__lte=last)
        .values_list("org_path", "rhythm", "period_start", "n")
    )
    for path, rhythm, first_day, n in rows:
        add(path, rhythm, first_day, n)
    # The odd schedules first, then their checks by the (schedule, period) index: asked in
    # one statement, PostgreSQL scanned the month's 370,000 checks to find none.
    ids = list(odd.order_by().values_list("pk", flat=True))
    for chunk in range(0, len(ids), 2000):
        pairs = (
            counted_pairs(inspection._base_manager.all())
            .filter(
                schedule_id__in=ids[chunk : chunk + 2000],
                period_start__gte=start,
                period_start__lte=last,
            )
            .order_by()
            .values_list("schedule_id", "schedule__org_path", "schedule__rhythm", "period_start")
            .distinct()
        )
        for _sid, path, rhythm, first_day in pairs:
            add(path, rhythm, first_day, -1)
    keys = {k for k, _current in out}
    return [(k, out[(k, False)], out[(k, True)]) for k in keys]
