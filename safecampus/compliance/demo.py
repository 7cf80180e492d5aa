"""The demo's compliance facts (`seed-demo`): 平安校园 awards and a county's own numbers.

`load_compliance(seed=, now=)` does nothing if any award or rule override exists, so running
it again changes nothing; the same seed and the same day give the same rows. What a demo user
finds:

- 平安校园 awards: about two schools in three hold one, mostly from their county, some from the
  city, a few from the province, awarded over the last three years with the awarding
  document's number; a few were revoked this year after a major incident (一票否决). The
  showcase school (冯记沟中心小学) holds a city-level award. Every county has schools without
  one, so TARGET-PINGAN (100 % from 2024) is below target, as it is in most places.
- A county's own numbers: 同心县 asks two evacuation drills a month from 1 September 2026
  (DRILL-SCHOOL), with its document number, entered by the administrator; its schools' months
  before are judged by one a month. The bureau's county keeps the defaults, so that its drill
  pages tell the story the drills demo wrote.

Like the rest of the demo it writes no audit entries (it is the database's initial state).
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from safecampus.compliance.models import PingAnAward, RuleOverride
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import OrgNode

SHOWCASE_SCHOOL = "冯记沟中心小学"
OVERRIDE_COUNTY = "同心县"
OVERRIDE_FROM = datetime.date(2026, 9, 1)
AWARDED_SHARE = 0.66
REVOKED_SHARE = 0.04
LEVELS = (
    (PingAnAward.Level.COUNTY, 0.70),
    (PingAnAward.Level.CITY, 0.93),
    (PingAnAward.Level.PROVINCE, 1.0),
)
REVOKE_NOTE = "发生重大安全责任事故，实行一票否决，撤销平安校园称号"


def compliance_loaded() -> bool:
    return PingAnAward.objects.exists() or RuleOverride.objects.exists()


def _day_between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    if last <= first:
        return first
    return first + datetime.timedelta(days=rng.randrange((last - first).days + 1))


def _issuers() -> dict:
    """The short name of each county and city (for document numbers), by path."""
    rows = OrgNode.objects.filter(kind__in=[NodeKind.CITY, NodeKind.COUNTY])
    return {n.path: (n.kind, n.short_name or n.name[:2]) for n in rows}


def _issuer(path: str, kind: str, issuers: dict) -> str:
    parts = path.split(".")
    for i in range(len(parts) - 1, 0, -1):
        found = issuers.get(".".join(parts[:i]))
        if found is not None and found[0] == kind:
            return found[1]
    return {"county": "县", "city": "市", "province": "宁"}[kind]


def _awards(rng: random.Random, today: datetime.date, schools) -> list[PingAnAward]:
    issuers = _issuers()
    first = today - datetime.timedelta(days=3 * 365)
    last = today - datetime.timedelta(days=60)
    numbers: dict[tuple, int] = {}
    out = []
    for school in schools:
        showcase = school.name == SHOWCASE_SCHOOL
        if not showcase and rng.random() >= AWARDED_SHARE:
            continue
        if showcase:
            level = PingAnAward.Level.CITY
        else:
            draw = rng.random()
            level = next(lvl for lvl, upto in LEVELS if draw < upto)
        awarded_on = _day_between(rng, first, last)
        issuer = (
            "宁" if level == PingAnAward.Level.PROVINCE else _issuer(school.path, level, issuers)
        )
        key = (issuer, awarded_on.year)
        numbers[key] = numbers.get(key, 0) + rng.randint(1, 4)
        out.append(
            PingAnAward(
                org_id=school.pk,
                org_path=school.path,
                level=level,
                awarded_on=awarded_on,
                document_number=f"{issuer}教安〔{awarded_on.year}〕{numbers[key]}号",
            )
        )
    showcase = {s.path for s in schools if s.name == SHOWCASE_SCHOOL}
    candidates = [a for a in out if a.org_path not in showcase]
    revoked = [a for a in candidates if rng.random() < REVOKED_SHARE]
    if not revoked and candidates:
        revoked = [rng.choice(candidates)]
    yesterday = today - datetime.timedelta(days=1)
    for award in revoked:  # this year, a month or more after the award
        start = max(award.awarded_on + datetime.timedelta(days=30), today.replace(month=1, day=1))
        award.revoked_on = min(_day_between(rng, start, yesterday), yesterday)
        award.note = REVOKE_NOTE
    return out


def _overrides() -> list[RuleOverride]:
    from safecampus.accounts.models import User

    county = OrgNode.objects.filter(kind=NodeKind.COUNTY, name=OVERRIDE_COUNTY).first()
    if county is None:
        return []
    admin = User.objects.filter(username="admin").first()
    short = county.short_name or county.name[:2]
    return [
        RuleOverride(
            org=county,
            org_path=county.path,
            code="DRILL-SCHOOL",
            params={"per_month": 2},
            effective_from=OVERRIDE_FROM,
            note="全县中小学自2026年秋季学期起每月开展两次应急疏散演练",
            document_number=f"{short}教安〔2026〕21号",
            created_by=admin,
        )
    ]


def seed(rng: random.Random, today: datetime.date) -> dict:
    """Write the demo's awards and overrides as of `today`; returns the counts."""
    schools = list(
        OrgNode.objects.filter(kind=NodeKind.SCHOOL, is_active=True)
        .only("pk", "path", "name")
        .order_by("path")
    )
    awards = _awards(rng, today, schools)
    overrides = _overrides()
    with transaction.atomic():
        PingAnAward.objects.bulk_create(awards, batch_size=1000)
        RuleOverride.objects.bulk_create(overrides)
    return {
        "awards": len(awards),
        "revoked": sum(1 for a in awards if a.revoked_on is not None),
        "overrides": len(overrides),
    }


def load_compliance(*, seed: int, now: datetime.datetime | None = None) -> dict:
    """Load the compliance facts once; a second call changes nothing and returns {}."""
    if compliance_loaded():
        return {}
    now = timezone.localtime(now or timezone.now())
    return write(random.Random(seed * 7919 + 41), now.date())


write = seed  # `load_compliance`'s parameter `seed` hides the function of that name
