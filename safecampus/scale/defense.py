"""The three-defense inventory of the province: each school's declarations over the year and
the checks of its county's responsible inspectors and its township's police, with the
corrections they made.

The story of every school is the demo's (defense/demo.py: `_final_state`, `_ensure_county_gaps`
and `_timeline` are called as they are): a first declaration ten to twelve months ago, up to
three updates since (a guard hired, the alarm networked), one to three visits that confirm
what they look at or, about one visit in eight, correct a figure with a verified snapshot.
About one school in thirty never entered an inventory (its rules have no data); the figures
have the demo's realistic gaps (short of guards, an alarm not networked, a low wall, a
canteen without 6T) and every county shows each of them at least once, so the defense rules
find a minority of schools failing. Inspectors act as the world's inspector logins of their
county; the police officers are named but have no login. The inventory is a state, not a
flow, so its history covers the year before today whatever --days says.
"""

from __future__ import annotations

import hashlib
import json
import random

from django.db.models import Count

from safecampus.compliance.catalog import RULES_BY_CODE
from safecampus.defense.demo import (
    NEVER_ENTERED,
    Official,
    SchoolPlan,
    _ensure_county_gaps,
    _final_state,
    _timeline,
)
from safecampus.defense.figures import CANTEEN_FIGURES, NAMES
from safecampus.defense.models import InventorySnapshot, Verification
from safecampus.defense.rules import required_guards
from safecampus.orgs.models import School
from safecampus.scale.bulk import Loader, Table, db_value
from safecampus.scale.world import Names, World

SNAPSHOT_COLUMNS = [
    "id", "org_id", "org_path", "recorded_at", "source", "recorded_by_id", "recorded_by_name",
    "note", "created_at", "updated_at", *NAMES,
]  # fmt: skip
VERIFICATION_COLUMNS = [
    "id", "org_id", "org_path", "snapshot_id", "correction_id", "figure", "recorded_value",
    "found_value", "outcome", "verified_at", "verified_by_id", "verified_by_name",
    "verifier_role", "verifier_unit", "created_at", "updated_at",
]  # fmt: skip


def load(loader: Loader, world: World, *, seed: int, today, days: int, progress=None) -> dict:
    rng = random.Random(seed * 7013 + 43)
    names = Names(random.Random(seed * 7013 + 44))
    schools = _plans(world, names)
    ratio = RULES_BY_CODE["GUARD-RATIO"].params
    for s in schools:
        if rng.random() < NEVER_ENTERED:
            continue
        s.state = _final_state(rng, s)
        s.state["_need"] = required_guards(max(s.enrolment - s.boarders, 0), ratio)
    _ensure_county_gaps(rng, schools)
    kid = loader.next_id(InventorySnapshot)
    vid = loader.next_id(Verification)
    snapshots, verifications = [], []
    for s in schools:
        if not s.state:
            continue
        final = {k: v for k, v in s.state.items() if not k.startswith("_")}
        if not final["has_canteen"]:
            final.update(dict.fromkeys(CANTEEN_FIGURES, False))
        made, checks = [], []
        _timeline(rng, s, final, today, made, checks)
        for spec in made:
            spec["pk"] = kid
            by = spec.get("by")
            at = db_value(spec["at"])
            values = spec["values"]
            snapshots.append(
                (kid, s.id, s.path, at, spec["source"], by.user if by else None,
                 by.name if by else f"{s.name}安全办", spec["note"], at, at,
                 *(values[n] for n in NAMES))
            )  # fmt: skip
            kid += 1
        for c in checks:
            by, at = c["by"], db_value(c["at"])
            verifications.append(
                (vid, s.id, s.path, c["snapshot"]["pk"],
                 c["correction"]["pk"] if c["correction"] else None, c["figure"],
                 json.dumps(c["recorded"]), json.dumps(c["found"]), c["outcome"], at, by.user,
                 by.name, by.role, by.unit, at, at)
            )  # fmt: skip
            vid += 1
    counts = {}
    for model, columns, rows in (
        (InventorySnapshot, SNAPSHOT_COLUMNS, snapshots),
        (Verification, VERIFICATION_COLUMNS, verifications),
    ):
        counts[model._meta.db_table] = loader.write(Table(model, columns), rows)
    loader.used_ids(InventorySnapshot, kid - 1)
    loader.used_ids(Verification, vid - 1)
    if progress is not None:
        declared = sum(1 for s in schools if s.state)
        corrected = sum(1 for row in snapshots if row[4] == "verified")
        progress(
            f"three-defense inventory: {len(snapshots):,} snapshots of {declared:,} schools "
            f"({corrected:,} corrected on a visit), {len(verifications):,} figures checked"
        )
    return counts


load.app_label = "defense"


def _plans(world: World, names: Names) -> list[SchoolPlan]:
    """The demo's school plans, with the province's officials: the county's inspector logins
    and one community officer of each township's police station."""
    boarders = dict(
        School.objects.filter(node_id__in=[s.id for s in world.schools]).values_list(
            "node_id", "boarders"
        )
    )
    inspectors = {
        ki: [Official(names.person(), "inspector", "责任督学", uid) for uid in uids]
        for ki, uids in sorted(world.inspectors.items())
    }
    police = {
        ti: [Official(names.person(), "department_liaison", f"{town.short}派出所")]
        for ti, town in enumerate(world.townships)
    }
    return [
        SchoolPlan(
            id=s.id,
            path=s.path,
            name=s.name,
            kind=s.kind,
            boarding=s.boarding,
            enrolment=s.enrolment,
            boarders=boarders.get(s.id, 0),
            county_id=world.counties[s.county].id,
            inspectors=inspectors.get(s.county, []),
            police=police[s.township] if s.township is not None else [],
        )
        for s in world.schools
    ]


# ------------------------------------------------------------------------------- figures


def figures(path: str) -> dict:
    """Counts of the province's inventories and checks and a digest of their rows, by
    natural keys, not ids."""
    inside = {"org_path__startswith": path + "."}
    digest = hashlib.sha256()
    queries = (
        InventorySnapshot.objects.filter(**inside)
        .order_by("org_path", "recorded_at", "source")
        .values_list("org_path", "recorded_at", "source", "recorded_by_name", "note", *NAMES),
        Verification.objects.filter(**inside)
        .order_by("org_path", "verified_at", "figure")
        .values_list(
            "org_path",
            "verified_at",
            "figure",
            "recorded_value",
            "found_value",
            "outcome",
            "verified_by_name",
            "verifier_role",
            "snapshot__recorded_at",
        ),
    )
    for rows in queries:
        for row in rows.iterator(chunk_size=20_000):
            digest.update(repr(row).encode())
    return {
        "inventories": dict(
            InventorySnapshot.objects.filter(**inside)
            .values_list("source")
            .annotate(n=Count("pk"))
            .order_by("source")
        ),
        "verifications": dict(
            Verification.objects.filter(**inside)
            .values_list("outcome")
            .annotate(n=Count("pk"))
            .order_by("outcome")
        ),
        "defense_digest": digest.hexdigest(),
    }


load.figures = figures
