"""平安校园 creation (TARGET-PINGAN): the awards the bureau records, the rule that reads them,
and a region's progress against the year's target.

A school has completed the creation while an award is in force: awarded on or before the day
judged and not revoked by then. A school without one is not compliant (the award is the record
of completion; its absence is no gap in the data). The target (60 % in 2023, 100 % from 2024,
or a county's own numbers) applies to the share of a region's schools, as `Summary` reads it.

Who records awards: the bureau staff who set the region's compliance numbers (the "rule"
record type). Compliance records are read-only for every role in the role table, since
verdicts are derived; an award is the one compliance fact a person enters, and it is entered
by the same people who keep the rules' numbers.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from safecampus.accounts.access import can, can_anywhere
from safecampus.compliance.models import PingAnAward, RuleOverride
from safecampus.compliance.verdicts import Evidence, Status, gap, percent
from safecampus.core import services
from safecampus.core.audit import audit, diff, snapshot
from safecampus.core.errors import NotAllowed
from safecampus.core.services import claim_version
from safecampus.orgs.models import SEGMENT_WIDTH

CODE = "TARGET-PINGAN"
LEVEL_RANK = {PingAnAward.Level.COUNTY: 1, PingAnAward.Level.CITY: 2, PingAnAward.Level.PROVINCE: 3}
MAX_PAST_YEARS = 30  # an award dated earlier is a typing error


# ------------------------------------------------------------------------------ who


def may(user, action: str, node) -> bool:
    """May `user` record (add), revoke (change) or delete awards at `node`?"""
    return can(user, action, RuleOverride, node)


def may_anywhere(user, action: str = "add") -> bool:
    return can_anywhere(user, action, RuleOverride)


def _require(by, action: str, node) -> None:
    if by is not None and not may(by, action, node):
        raise NotAllowed(_("Your role does not allow this here."))


# ------------------------------------------------------------------------------ state


def in_force(award, day: datetime.date) -> bool:
    return award.awarded_on <= day and (award.revoked_on is None or award.revoked_on > day)


def state_label(award, day: datetime.date) -> str:
    if award.awarded_on > day:
        return _("Not yet in force")
    if award.revoked_on is not None and award.revoked_on <= day:
        return _("Revoked")
    return pgettext("award", "In force")


def award_label(award) -> str:
    text = _("%(level)s-level award of %(date)s") % {
        "level": award.get_level_display(),
        "date": award.awarded_on.isoformat(),
    }
    if award.document_number:
        text += f" ({award.document_number})" if not _zh() else f"（{award.document_number}）"
    return text


def _zh() -> bool:
    from django.utils import translation

    return (translation.get_language() or "").startswith("zh")


# ------------------------------------------------------------------------------ the rule


def _awards(run) -> dict[int, list]:
    """The awards of the run's schools, by school, in one query on the region's subtree."""
    found = run.cache.get("pingan_awards")
    if found is None:
        ids = {s.node_id for s in run.schools}
        found = {}
        rows = PingAnAward.objects.within(run.region.path).order_by("awarded_on", "id")
        for award in rows:
            if award.org_id in ids:
                found.setdefault(award.org_id, []).append(award)
        run.cache["pingan_awards"] = found
    return found


def _evidence(run, award) -> Evidence:
    return Evidence(
        kind="pingan",
        id=award.pk,
        label=award_label(award),
        date=award.awarded_on,
        url=run.url("compliance:award", award.pk),
        figures={"level": award.level, "revoked_on": award.revoked_on.isoformat()}
        if award.revoked_on
        else {"level": award.level},
    )


def target_pingan(run, rule):
    """Each school: an award in force on the day judged → compliant, with its level, date and
    document; none → not compliant, naming a revoked award if there was one."""
    period = run.state()
    day = run.day
    awards = _awards(run)
    out = {}
    for subject in run.schools:
        rows = awards.get(subject.node_id, [])
        held = [a for a in rows if in_force(a, day)]
        if held:
            best = max(held, key=lambda a: (LEVEL_RANK.get(a.level, 0), a.awarded_on, a.pk))
            text = _("平安校园 completed: %(award)s, in force on %(day)s.") % {
                "award": award_label(best),
                "day": day.isoformat(),
            }
            out[subject.key] = run.verdict(
                rule, subject, Status.COMPLIANT, period, text, [_evidence(run, best)], value=1.0
            )
            continue
        text = _("No 平安校园 award in force on %(day)s.") % {"day": day.isoformat()}
        revoked = [a for a in rows if a.revoked_on is not None and a.revoked_on <= day]
        evidence = []
        if revoked:
            last = max(revoked, key=lambda a: (a.revoked_on, a.pk))
            text += gap() + _("The %(award)s was revoked on %(date)s.") % {
                "award": award_label(last),
                "date": last.revoked_on.isoformat(),
            }
            evidence.append(_evidence(run, last))
        out[subject.key] = run.verdict(
            rule, subject, Status.NOT_COMPLIANT, period, text, evidence, value=0.0
        )
    return out


# ------------------------------------------------------------------------------ progress


def progress(result) -> dict:
    """TARGET-PINGAN of a region from an evaluation that included the rule: the share of its
    schools with an award in force against the year's target, by level, per child region, and
    the schools still without one."""
    summary = result.summary(CODE)
    verdicts = result.verdicts.get(CODE, {})
    run = result.run
    levels = dict.fromkeys(LEVEL_RANK, 0)
    missing = []
    for subject in run.schools:
        v = verdicts.get(subject.key)
        if v is None:
            continue
        if v.status == Status.COMPLIANT:
            level = v.evidence[0].figures.get("level") if v.evidence else None
            if level in levels:
                levels[level] += 1
        else:
            missing.append(subject)
    length = len(run.region.path) + 1 + SEGMENT_WIDTH
    branches: dict[str, dict] = {}
    if run.region.kind != "school":
        for subject in run.schools:
            v = verdicts.get(subject.key)
            if v is None:
                continue
            row = branches.setdefault(subject.path[:length], {"awarded": 0, "schools": 0})
            row["schools"] += 1
            row["awarded"] += int(v.status == Status.COMPLIANT)
    for row in branches.values():
        row["share"] = row["awarded"] / row["schools"] if row["schools"] else None
        row["share_text"] = percent(row["share"])
    return {
        "summary": summary,
        "share": summary.share,
        "share_text": percent(summary.share),
        "target": summary.target,
        "target_text": percent(summary.target),
        "on_target": summary.on_target,
        "awarded": summary.counts.get(Status.COMPLIANT, 0),
        "schools": summary.judged,
        "levels": [
            {"level": level, "label": PingAnAward.Level(level).label, "count": n}
            for level, n in sorted(levels.items(), key=lambda kv: -LEVEL_RANK[kv[0]])
        ],
        "missing": missing,
        "branches": branches,
        "year": run.day.year,
    }


# ------------------------------------------------------------------------------ writes


def _check_school(node) -> None:
    if node is None or not node.is_school:
        raise ValidationError({"org": _("A 平安校园 award is given to a school.")})


def _check_day(field: str, day, today: datetime.date) -> None:
    if day is None:
        raise ValidationError({field: _("Enter a date.")})
    if day > today:
        raise ValidationError({field: _("This date is still ahead: record it once it happens.")})
    if day.year < today.year - MAX_PAST_YEARS:
        raise ValidationError({field: _("This date is too far back: check it.")})


def award_record(
    *,
    school,
    level: str,
    awarded_on: datetime.date,
    by,
    document_number: str = "",
    note: str = "",
    today: datetime.date | None = None,
) -> PingAnAward:
    """Record that a school completed 平安校园 creation, as the awarding document says."""
    _check_school(school)
    _require(by, "add", school)
    today = today or timezone.localdate()
    _check_day("awarded_on", awarded_on, today)
    if level not in PingAnAward.Level.values:
        raise ValidationError({"level": _("Choose the level of the award.")})
    award = PingAnAward(
        org=school,
        level=level,
        awarded_on=awarded_on,
        document_number=(document_number or "").strip(),
        note=(note or "").strip(),
    )
    return services.create_record(instance=award, by=by)


@transaction.atomic
def award_revoke(
    *,
    award: PingAnAward,
    revoked_on: datetime.date,
    by,
    expected_version: int | None = None,
    note: str = "",
    today: datetime.date | None = None,
) -> PingAnAward:
    """Revoke an award from a day on (after a major incident, 一票否决): the school stops
    counting from that day; the periods before keep it."""
    _require(by, "change", award.org)
    today = today or timezone.localdate()
    if award.revoked_on is not None:
        raise ValidationError(
            {"revoked_on": _("This award was already revoked on %(date)s.")
             % {"date": award.revoked_on.isoformat()}}
        )  # fmt: skip
    _check_day("revoked_on", revoked_on, today)
    if revoked_on < award.awarded_on:
        raise ValidationError(
            {"revoked_on": _("An award cannot be revoked before it was given (%(date)s).")
             % {"date": award.awarded_on.isoformat()}}
        )  # fmt: skip
    before = snapshot(award)
    award.revoked_on = revoked_on
    note = (note or "").strip()
    if note:
        award.note = note[:300]
    award.full_clean()
    claim_version(award, expected_version)
    award.save()
    audit(
        instance=award,
        action="transition",
        transition="pingan:revoke",
        by=by,
        changes=diff(before, snapshot(award)),
        comment=note,
    )
    return award


def award_update(*, award: PingAnAward, by, data: dict, expected_version: int | None = None):
    """Correct an award's level, date, document or note (a revocation is `award_revoke`)."""
    _require(by, "change", award.org)
    data = {
        k: v for k, v in data.items() if k in ("level", "awarded_on", "document_number", "note")
    }
    if "awarded_on" in data:
        _check_day("awarded_on", data["awarded_on"], timezone.localdate())
        if award.revoked_on is not None and data["awarded_on"] > award.revoked_on:
            raise ValidationError(
                {"awarded_on": _("An award cannot be given after it was revoked.")}
            )
    return services.update_record(
        instance=award, by=by, data=data, expected_version=expected_version
    )
