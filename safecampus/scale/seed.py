"""`seed-province`: a deterministic province-year, loaded in bulk in one transaction.

The same seed, size and day give the same province, row for row: the figures and the digest
that `figures()` computes from the loaded tables (not from ids, which follow whatever the
database already held) are the same every time. The organisation comes from `world`, the
inspections and hazards from `activity`, emergency work and visits from `emergency`.

Capabilities whose models are written later add their records through `HOOKS`: a function
`(loader, world, *, seed, today, days, progress) -> {table: rows}` listed there is called
after the built-in parts, inside the same transaction (see docs/performance.md); its
`app_label` names the app it fills and its optional `figures(path)` adds to `figures()`.
Safety education, training and the three-defense inventory load this way (scale/education.py,
training.py, defense.py). `run()` names the installed apps with models the seed does not
fill, so nobody mistakes their emptiness for a measured figure.
"""

from __future__ import annotations

import datetime
import hashlib
import resource
import time

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Count, Sum

from safecampus.scale import defense as defense_seed
from safecampus.scale import education as education_seed
from safecampus.scale import training as training_seed
from safecampus.scale.bulk import Loader
from safecampus.scale.world import PROVINCE

# (loader, world, *, seed, today, days, progress) -> {table name: rows written}
HOOKS: list = [education_seed.load, training_seed.load, defense_seed.load]
# Apps the seed fills (the rest of the project's apps with models are reported as not filled).
FILLED_APPS = {"orgs", "accounts", "hazards", "emergency"}
# Project apps whose models hold configuration or per-user state, not a province's activity.
NOT_ACTIVITY = {"core", "notify", "compliance", "scale"}


class AlreadyLoaded(Exception):
    pass


def _big_tables():
    from safecampus.hazards.models import (
        Hazard,
        HazardEscalation,
        HazardTransition,
        Inspection,
        InspectionAnswer,
    )

    return [
        Inspection,
        InspectionAnswer,
        Inspection.spots.through,
        Hazard,
        HazardTransition,
        HazardEscalation,
    ]


def unfilled_apps() -> list[str]:
    """Project apps with models that neither the seed nor a hook fills."""
    hooked = {getattr(h, "app_label", "") for h in HOOKS}
    out = []
    for config in apps.get_app_configs():
        if not config.name.startswith("safecampus."):
            continue
        if config.label in FILLED_APPS | NOT_ACTIVITY | hooked:
            continue
        if list(config.get_models()):
            out.append(config.label)
    return out


def run(*, schools: int, days: int, seed: int, today: datetime.date, progress) -> dict:
    from safecampus.hazards.library import load_library
    from safecampus.orgs.models import OrgNode
    from safecampus.scale.activity import Activity
    from safecampus.scale.emergency import Emergency
    from safecampus.scale.world import build

    if OrgNode.objects.filter(parent__isnull=True, name=PROVINCE).exists():
        raise AlreadyLoaded()
    started = time.monotonic()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime

    def say(message: str) -> None:
        progress(f"[{time.monotonic() - started:7.1f} s] {message}")

    load_library()
    loader = Loader()
    loader.begin()
    try:
        with transaction.atomic():
            world = build(loader, seed=seed, schools=schools, progress=say)
            with loader.indexes_deferred(_big_tables()):
                activity = Activity(loader, world, seed=seed, today=today, days=days, progress=say)
                activity.run()
                say("activity written; building the indexes of the big tables")
            say("indexes built")
            Emergency(
                loader, world, seed=seed, today=today, days=days, calendar=activity.calendar
            ).run()
            say("plans, drills, incidents and visits written")
            for hook in HOOKS:
                hook(loader, world, seed=seed, today=today, days=days, progress=say)
            loader.reset_sequences(apps.get_models(include_auto_created=True))
            # The hazards, schedules and inspections came in around save(): their rollups
            # (dashboards, completion, re-checks due) from them.
            from safecampus.hazards import rollups

            rollups.rebuild()
            say("rollups built (hazards, re-checks, schedules, periods done)")
    finally:
        loader.end()
    say("analysing the tables for the query planner")
    loader.analyze()
    say("done")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "seconds": round(time.monotonic() - started, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime - cpu_before, 1),
        "rows": sum(loader.written.values()),
        "tables": dict(sorted(loader.written.items())),
        "unfilled": unfilled_apps(),
    }


def figures() -> dict:
    """Counts and a digest of the loaded province, independent of the ids the rows got."""
    from safecampus.emergency.models import Drill, EmergencyPlan, Incident
    from safecampus.hazards.models import (
        Hazard,
        HazardTransition,
        Inspection,
        InspectionAnswer,
        Schedule,
        Spot,
        Visit,
    )
    from safecampus.orgs.models import OrgNode

    province = OrgNode.objects.filter(parent__isnull=True, name=PROVINCE).first()
    if province is None:
        return {}
    path = province.path
    out: dict = {
        "nodes": dict(
            OrgNode.objects.within(path)
            .values_list("kind")
            .annotate(n=Count("pk"))
            .order_by("kind")
        ),
        "spots": Spot.objects.within(path).count(),
        "schedules": Schedule.objects.within(path).count(),
        "inspections": Inspection.objects.within(path).aggregate(
            n=Count("pk"), abnormal=Sum("abnormal_count")
        ),
        "answers": dict(
            InspectionAnswer.objects.within(path)
            .values_list("answer")
            .annotate(n=Count("pk"))
            .order_by("answer")
        ),
        "hazards_by_status": dict(
            Hazard.objects.within(path)
            .values_list("status")
            .annotate(n=Count("pk"))
            .order_by("status")
        ),
        "hazards_by_grade": dict(
            Hazard.objects.within(path)
            .values_list("grade")
            .annotate(n=Count("pk"))
            .order_by("grade")
        ),
        "transitions": HazardTransition.objects.within(path).count(),
        "plans": EmergencyPlan.objects.within(path).count(),
        "drills": Drill.objects.within(path).count(),
        "incidents": Incident.objects.within(path).count(),
        "visits": Visit.objects.within(path).count(),
    }
    digest = hashlib.sha256()
    rows = (
        Hazard.objects.within(path)
        .order_by("number")
        .values_list("number", "status", "grade", "found_at", "deadline", "closed_at", "org__path")
    )
    for row in rows.iterator(chunk_size=20_000):
        digest.update(repr(row).encode())
    out["hazards"] = sum(out["hazards_by_status"].values())
    out["digest"] = digest.hexdigest()
    for hook in HOOKS:
        more = getattr(hook, "figures", None)
        if more is not None:
            out.update(more(path))
    return out


def vendor() -> str:
    return connection.vendor
