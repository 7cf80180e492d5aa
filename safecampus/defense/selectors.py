"""Reads of the inventory: the snapshot in force on a day, each figure's standing (declared or
verified, since when, last checked by whom), and the freshness of the verifications.

The querysets given are already scoped by the caller (`for_user`); the functions here only
narrow them, so "in force" and "current" cost one query whatever the number of schools.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from safecampus.core.dates import ONE_DAY, day_start
from safecampus.defense.figures import BY_NAME, FIGURES, NAMES, values_of
from safecampus.defense.models import InventorySnapshot, Verification

# A verification older than this is stale: the overview's "unverified" filter and to-dos.
STALE_DAYS = 183


def in_force(qs, day: datetime.date | None = None):
    """The newest snapshot per school recorded by the end of `day` (today when None)."""
    if day is None:
        newest = InventorySnapshot.objects.filter(org=OuterRef("org"))
    else:
        cutoff = day_start(day + ONE_DAY)
        qs = qs.filter(recorded_at__lt=cutoff)
        newest = InventorySnapshot.objects.filter(org=OuterRef("org"), recorded_at__lt=cutoff)
    newest = newest.order_by("-recorded_at", "-id").values("pk")[:1]
    return qs.filter(pk=Subquery(newest))


def state_on(user, school, day: datetime.date | None = None) -> InventorySnapshot | None:
    """The school's snapshot in force on `day`, as `user` may see it."""
    qs = InventorySnapshot.objects.for_user(user).filter(org=school)
    if day is not None:
        qs = qs.filter(recorded_at__lt=day_start(day + ONE_DAY))
    return qs.order_by("-recorded_at", "-id").first()


def last_verified(qs_verifications) -> dict[int, dict]:
    """{school id: {"at": newest verification, "by": who}} for the scoped verifications given
    (two queries)."""
    newest = dict(
        qs_verifications.values("org_id")
        .annotate(at=Max("verified_at"))
        .values_list("org_id", "at")
    )
    out = {org: {"at": at, "by": ""} for org, at in newest.items()}
    if newest:
        rows = qs_verifications.filter(verified_at__in=set(newest.values())).select_related(
            "verified_by"
        )
        for v in rows:
            entry = out.get(v.org_id)
            if entry is not None and v.verified_at == entry["at"]:
                entry["by"] = v.by_display
                entry["role"] = v.role_label
    return out


def age_days(when: datetime.datetime | None, today: datetime.date | None = None) -> int | None:
    if when is None:
        return None
    today = today or timezone.localdate()
    return (today - timezone.localtime(when).date()).days


@dataclass
class FigureState:
    """One figure of the current inventory, as the bureau reads it."""

    figure: object  # figures.Figure
    value: object
    since: datetime.datetime | None = None  # when the current value was first recorded
    verified: bool = False  # the current value was confirmed or set by a verification
    last: Verification | None = None  # the newest verification of this figure
    changes: list = field(default_factory=list)

    @property
    def display(self) -> str:
        return self.figure.display(self.value)

    @property
    def age(self) -> int | None:
        return age_days(self.last.verified_at) if self.last else None


def figure_states(snapshots: list, verifications: list) -> list[FigureState]:
    """Each figure's standing from a school's snapshots and verifications (oldest first).

    A figure is verified when an official's check found the value it holds now and no
    declaration has changed it since; a school's later change makes it "declared" again, with
    the last verification still shown.
    """
    states = {f.name: FigureState(figure=f, value=None) for f in FIGURES}
    events = [(s.recorded_at, 0, s.pk, s) for s in snapshots]
    events += [(v.verified_at, 1, v.pk, v) for v in verifications]
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    for _at, kind, _pk, obj in events:
        if kind == 0:
            values = values_of(obj)
            for name, value in values.items():
                st = states[name]
                if value != st.value:
                    if st.since is not None:
                        st.changes.append((obj, st.value, value))
                    st.value, st.since = value, obj.recorded_at
                    st.verified = False
        else:
            st = states[obj.figure]
            st.last = obj
            st.verified = BY_NAME[obj.figure].plain(obj.found_value) == st.value
    return [states[n] for n in NAMES]


def history_rows(snapshots: list) -> list[dict]:
    """The changes between consecutive snapshots, newest first: who, when, which figures."""
    rows = []
    before = None
    for s in snapshots:
        values = values_of(s)
        changed = []
        if before is not None:
            for f in FIGURES:
                if values[f.name] != before[f.name]:
                    changed.append(
                        {
                            "label": f.label,
                            "before": f.display(before[f.name]),
                            "after": f.display(values[f.name]),
                        }
                    )
        rows.append({"snapshot": s, "changes": changed, "first": before is None})
        before = values
    rows.reverse()
    return rows
