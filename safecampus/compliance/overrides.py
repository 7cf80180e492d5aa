"""A city's or county's own numbers for a rule: checked against the rule's parameters, entered
as a new version from an effective date, never edited once in force.

The catalogue's defaults hold wherever no override is in force; an override at a city holds
for its counties unless a county has its own (compliance/params.py reads them). A change is a
new version from a day on, so that every period is judged by the numbers in force when it
ended; withdrawing a region's numbers is a version without numbers, from which the numbers of
the region above (or the defaults) hold again. Only a version that is not yet in force may be
cancelled outright.

The parameters of a rule are typed by its defaults: whole numbers, shares, yes/no, a list of
yearly target shares, a list of minutes. A value of another type, a share outside 0-100 %, a
name the rule does not have, are refused with a message that says what is expected.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safecampus.accounts.access import can
from safecampus.compliance import catalog
from safecampus.compliance.models import RuleOverride
from safecampus.compliance.params import ParamBook
from safecampus.core import services
from safecampus.core.errors import NotAllowed
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import OrgNode, ancestor_paths

# Who may hold a rule's numbers: the regions that issue them (a city or a county).
KINDS = (NodeKind.CITY, NodeKind.COUNTY)
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_WHOLE = 100_000

PARAM_LABELS = {
    "anti_climb": gettext_lazy("Anti-climb required"),
    "change": gettext_lazy("Change year over year"),
    "coverage": gettext_lazy("Coverage"),
    "daily_minutes": gettext_lazy("Daily reminder (minutes)"),
    "days": gettext_lazy("Training days a year"),
    "days_before": gettext_lazy("Days before the holiday"),
    "first_week_days": gettext_lazy("School days counted as the first week"),
    "from_month": gettext_lazy("From month"),
    "holiday_minutes": gettext_lazy("Before a holiday (minutes)"),
    "hours": gettext_lazy("Hours"),
    "large": gettext_lazy("Guards from the large size on"),
    "large_from": gettext_lazy("Large from (pupils)"),
    "max_seconds": gettext_lazy("Longest evacuation (seconds)"),
    "max_storeys": gettext_lazy("Up to storeys"),
    "middle": gettext_lazy("Guards at the middle size"),
    "min_height_m": gettext_lazy("Lowest wall height (m)"),
    "min_rate": gettext_lazy("Lowest completion rate"),
    "minutes": gettext_lazy("Minutes for each mark"),
    "missed_days_allowed": gettext_lazy("Days that may be missed"),
    "missed_weeks_allowed": gettext_lazy("Weeks that may be missed"),
    "per_day": gettext_lazy("Per day"),
    "per_month": gettext_lazy("Per month"),
    "per_quarter": gettext_lazy("Per quarter"),
    "per_school": gettext_lazy("Per school"),
    "per_term": gettext_lazy("Per term"),
    "per_week": gettext_lazy("Per week"),
    "per_year": gettext_lazy("Per year"),
    "radius_m": gettext_lazy("Radius (m)"),
    "rate": gettext_lazy("Rate"),
    "small": gettext_lazy("Guards below the small size"),
    "small_below": gettext_lazy("Small below (pupils)"),
    "step": gettext_lazy("One more guard for each (pupils)"),
    "students_per_staff": gettext_lazy("Students per health worker"),
    "students_per_teacher_higher": gettext_lazy("Students per psychological teacher"),
    "targets": gettext_lazy("Targets by year"),
    "to_month": gettext_lazy("To month"),
    "weekly_minutes": gettext_lazy("Weekly reminder (minutes)"),
    "within_days": gettext_lazy("Within days"),
}
MONTH_NAMES = {"from_month", "to_month"}

# Kinds of parameter, told apart by the default's type.
WHOLE, NUMBER, SHARE, CHANGE, YES_NO, TARGETS, WHOLE_LIST = (
    "whole", "number", "share", "change", "yes_no", "targets", "whole_list",
)  # fmt: skip


def label(name: str) -> str:
    return str(PARAM_LABELS.get(name, name))


def kind_of(default) -> str:
    if isinstance(default, bool):
        return YES_NO
    if isinstance(default, int):
        return WHOLE
    if isinstance(default, float):
        if -1 <= default < 0:
            return CHANGE
        return SHARE if 0 <= default <= 1 else NUMBER
    if isinstance(default, list) and default and isinstance(default[0], list):
        return TARGETS
    if isinstance(default, list):
        return WHOLE_LIST
    return NUMBER


def _share_kind(default) -> str:
    """The kind of the shares of a target list: negative targets are falls."""
    return CHANGE if default and default[0][1] < 0 else SHARE


# ------------------------------------------------------------------------------ formatting


def format_share(value: float) -> str:
    text = f"{value * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def format_value(name: str, value, default=None) -> str:
    """A parameter's value as people write it: 60%, 2023: 60%; 2024: 100%, 1, 3, 5, yes."""
    kind = kind_of(default if default is not None else value)
    if kind == YES_NO:
        return _("Yes") if value else _("No")
    if kind in (SHARE, CHANGE):
        return format_share(float(value))
    if kind == TARGETS:
        return "; ".join(f"{int(y)}: {format_share(float(s))}" for y, s in value)
    if kind == WHOLE_LIST:
        return ", ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def describe(rule, params: dict) -> list[dict]:
    """Each parameter of the rule with its label, value in force and default, as text."""
    return [
        {
            "name": name,
            "label": label(name),
            "value": format_value(name, params.get(name, default), default),
            "default": format_value(name, default, default),
            "changed": params.get(name, default) != default,
        }
        for name, default in rule.params.items()
    ]


# ------------------------------------------------------------------------------ checking


def _bad(name: str, message: str) -> ValidationError:
    return ValidationError({"params": f"{label(name)}: {message}"})


def _check_whole(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise _bad(name, _("enter a whole number."))
    low, high = (1, 12) if name in MONTH_NAMES else (0, MAX_WHOLE)
    if not low <= value <= high:
        raise _bad(name, _("enter a number from %(low)d to %(high)d.") % {"low": low, "high": high})
    return value


def _check_number(name: str, value, kind: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad(name, _("enter a number."))
    value = float(value)
    if kind == SHARE and not 0 <= value <= 1:
        raise _bad(name, _("enter a share from 0 to 100 %."))
    if kind == CHANGE and not -1 <= value <= 0:
        raise _bad(name, _("enter a fall from 0 to −100 %."))
    if kind == NUMBER and not 0 <= value <= MAX_WHOLE:
        raise _bad(name, _("enter a number from 0 to %(high)d.") % {"high": MAX_WHOLE})
    return value


def _check_targets(name: str, value, default) -> list:
    if not isinstance(value, list) or not value:
        raise _bad(name, _("give at least one year and its target."))
    share = _share_kind(default)
    out = {}
    for pair in value:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise _bad(name, _("give each target as a year and a share, e.g. 2024: 100%."))
        year, target = pair
        if isinstance(year, bool) or not isinstance(year, int):
            raise _bad(name, _("a year is a whole number, e.g. 2024."))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise _bad(
                name,
                _("enter a year from %(first)d to %(last)d.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR},
            )
        if year in out:
            raise _bad(name, _("%(year)d is given twice.") % {"year": year})
        out[year] = _check_number(name, target, share)
    return [[y, out[y]] for y in sorted(out)]


def _check_list(name: str, value, default) -> list:
    if not isinstance(value, list) or len(value) != len(default):
        raise _bad(
            name,
            _("give %(count)d whole numbers, e.g. %(example)s.")
            % {"count": len(default), "example": ", ".join(str(v) for v in default)},
        )
    found = [_check_whole(name, v) for v in value]
    if any(v < 1 for v in found):
        raise _bad(name, _("each number is at least 1."))
    return found


def check_params(rule, params) -> dict:
    """The parameters typed and checked against the rule's, or a ValidationError saying what
    is expected. A parameter not given takes its default (not the numbers of a region above):
    the pages fill in every number in force, so that only what is changed changes."""
    if not isinstance(params, dict):
        raise ValidationError({"params": _("Give the numbers as names and values.")})
    if not rule.params:
        raise ValidationError(
            {"params": _("%(code)s has no numbers a region can change.") % {"code": rule.code}}
        )
    unknown = sorted(set(params) - set(rule.params))
    if unknown:
        raise ValidationError(
            {
                "params": _("%(code)s has no parameter %(names)s; its parameters are %(known)s.")
                % {
                    "code": rule.code,
                    "names": ", ".join(unknown),
                    "known": ", ".join(rule.params),
                }
            }
        )
    out = {}
    for name, value in params.items():
        default = rule.params[name]
        kind = kind_of(default)
        if kind == YES_NO:
            if not isinstance(value, bool):
                raise _bad(name, _("answer yes (true) or no (false)."))
            out[name] = value
        elif kind == WHOLE:
            out[name] = _check_whole(name, value)
        elif kind in (SHARE, CHANGE, NUMBER):
            out[name] = _check_number(name, value, kind)
        elif kind == TARGETS:
            out[name] = _check_targets(name, value, default)
        else:
            out[name] = _check_list(name, value, default)
    return out


# ------------------------------------------------------------------------------ typed text

_WIDE = str.maketrans("０１２３４５６７８９：．，；％－", "0123456789:.,;%-")
_PAIR = re.compile(r"^(\d{4})\s*[:：年\s]\s*(-?[\d.]+)\s*(%?)$")


def parse_share(text: str) -> float:
    """60% → 0.6, 0.6 → 0.6, −10% → −0.1 (ValueError otherwise)."""
    text = text.translate(_WIDE).replace("−", "-").strip()
    if text.endswith("%"):
        return float(text[:-1].strip()) / 100
    value = float(text)
    return value / 100 if abs(value) > 1 else value


def parse_text(name: str, default, text: str):
    """A parameter typed in a form, in the type of its default (ValidationError otherwise)."""
    kind = kind_of(default)
    raw = (text or "").translate(_WIDE).replace("−", "-").strip()
    try:
        if kind in (SHARE, CHANGE):
            return parse_share(raw)
        if kind == TARGETS:
            pairs = []
            for part in re.split(r"[;\n,]+", raw):
                part = part.strip()
                if not part:
                    continue
                m = _PAIR.match(part)
                if m is None:
                    raise ValueError(part)
                pairs.append([int(m.group(1)), parse_share(m.group(2) + m.group(3))])
            return pairs
        if kind == WHOLE_LIST:
            return [int(p) for p in re.split(r"[\s,、;]+", raw) if p]
        if kind == WHOLE:
            return int(raw)
        return float(raw)
    except ValueError:
        raise _bad(name, _("this is not in the form %(example)s.")
                   % {"example": format_value(name, default, default)}) from None  # fmt: skip


# ------------------------------------------------------------------------------ in force


def source(book: ParamBook, rule, path: str, day: datetime.date) -> dict:
    """Where the numbers in force for `rule` at `path` on `day` come from: the defaults, or an
    override (its region, effective date and document, and the record)."""
    found = book.source(rule.code, path, day)
    if found is None:
        return {"default": True, "params": dict(rule.params), "override": None}
    _params, org_path, effective_from = found
    override = (
        RuleOverride.objects.select_related("org", "created_by")
        .filter(code=rule.code, org_path=org_path, effective_from=effective_from)
        .first()
    )
    return {
        "default": False,
        "params": book.params(rule.code, path, day),
        "override": override,
    }


def versions(node, code: str):
    """The versions of a rule's numbers that apply at `node`: those of the node and of the
    regions above it, oldest first (read from the tree above by design, as the engine does)."""
    return (
        RuleOverride.objects.filter(code=code, org_path__in=ancestor_paths(node.path))
        .select_related("org", "created_by")
        .order_by("org_path", "effective_from", "id")
    )


def may_set(user, node) -> bool:
    return node.kind in KINDS and can(user, "add", RuleOverride, node)


# ------------------------------------------------------------------------------ writes


def _check_node(node) -> None:
    if node is None or node.kind not in KINDS:
        raise ValidationError(
            {"org": _("A rule's numbers are set by a city or a county, for the schools under it.")}
        )


def _require(by, action: str, node) -> None:
    if by is not None and not can(by, action, RuleOverride, node):
        raise NotAllowed(_("Your role does not allow this here."))


@transaction.atomic
def override_set(
    *,
    node: OrgNode,
    code: str,
    params: dict,
    effective_from: datetime.date,
    by,
    note: str = "",
    document_number: str = "",
    today: datetime.date | None = None,
) -> RuleOverride:
    """A new version of a region's numbers for one rule, in force from `effective_from`.

    A version already in force is never changed: periods judged under it keep it. The day
    cannot lie in the past for the same reason; and one version per region, rule and day."""
    rule = catalog.RULES_BY_CODE.get(code)
    if rule is None:
        raise ValidationError({"code": _("There is no rule %(code)s.") % {"code": code}})
    _check_node(node)
    _require(by, "add", node)
    today = today or timezone.localdate()
    if effective_from is None:
        raise ValidationError({"effective_from": _("Enter the day the numbers take effect.")})
    if effective_from < today:
        raise ValidationError(
            {
                "effective_from": _(
                    "Numbers cannot take effect in the past: periods already judged keep the "
                    "numbers in force then. Choose today or a later day."
                )
            }
        )
    checked = check_params(rule, params) if params else {}
    if RuleOverride.objects.filter(org=node, code=code, effective_from=effective_from).exists():
        raise ValidationError(
            {
                "effective_from": _(
                    "%(node)s already has a version of %(code)s from %(date)s. Choose another "
                    "day, or cancel that version first if it is not in force yet."
                )
                % {"node": node.name, "code": code, "date": effective_from.isoformat()}
            }
        )
    override = RuleOverride(
        org=node,
        code=code,
        params=checked,
        effective_from=effective_from,
        note=(note or "").strip()[:300],
        document_number=(document_number or "").strip()[:50],
        created_by=by if getattr(by, "pk", None) else None,
    )
    return services.create_record(instance=override, by=by, comment=override.note)


def override_withdraw(
    *, node, code: str, effective_from: datetime.date, by, note: str = "", today=None
) -> RuleOverride:
    """From `effective_from` on, the region has no numbers of its own for the rule: those of
    the region above, or the defaults, hold again."""
    return override_set(
        node=node,
        code=code,
        params={},
        effective_from=effective_from,
        by=by,
        note=note,
        today=today,
    )


def override_cancel(*, override: RuleOverride, by, today: datetime.date | None = None) -> None:
    """Drop a version that has not taken effect yet (typed by mistake); one in force stays."""
    _require(by, "delete", override.org)
    today = today or timezone.localdate()
    if override.effective_from <= today:
        raise ValidationError(
            {
                "effective_from": _(
                    "This version has been in force since %(date)s and stays on file; enter a "
                    "new version instead."
                )
                % {"date": override.effective_from.isoformat()}
            }
        )
    services.delete_record(instance=override, by=by)
