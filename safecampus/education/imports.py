"""Completions of a campaign imported from the education platform's Excel export.

Platforms name their columns differently (学校名称 / 单位, 应完成人数 / 学生总数, 已完成人数 /
完成人数 ...), so the import reads the first sheet, guesses which column holds the school (its
name or its code), the target and the completed count, and lets the user correct the guess.
Every row is then checked and shown — school found, figures, rate, or what is wrong with it in
the user's language — and the file is applied only when no row has an error: all rows in one
transaction through `services.result_save` (each audited), or nothing at all. A total row
(合计) is skipped. The campaign page's own Excel export reads back in.
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from safecampus.accounts.access import can
from safecampus.education.campaigns import schools_for
from safecampus.education.choices import ResultSource
from safecampus.education.models import CampaignResult

MAX_ROWS = 5000
MAX_COLUMNS = 40
HEADER_SEARCH_ROWS = 10
FIELDS = ("school", "target", "completed")
_SPACES = re.compile(r"[\s\u3000\xa0]+")
_TOTALS = ("合计", "总计", "小计", "total", "sum")

ALIASES = {
    "school": (
        "学校", "学校名称", "单位", "单位名称", "学校(单位)", "机构名称", "学校全称",
        "学校代码", "学校标识码", "学校识别码", "单位代码",
    ),
    "target": (
        "应完成人数", "应参与人数", "应参加人数", "应完成", "目标人数", "学生总数", "学生人数",
        "总人数", "在校生数", "应学人数",
    ),
    "completed": (
        "已完成人数", "完成人数", "实际完成人数", "已完成", "完成数", "参与人数", "已参与人数",
        "实际参与人数", "已学人数",
    ),
}  # fmt: skip
# The headers of the campaign page's export (English msgids), read back in either language.
EXPORT_HEADERS = {
    "school": ("School", "School code"),
    "target": ("Target participants",),
    "completed": ("People completed",),
}


def _norm(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SPACES.sub("", str(value)).strip()


def _key(value) -> str:
    return _norm(value).replace("（", "(").replace("）", ")").strip("*").lower()


def _aliases() -> dict[str, list[str]]:
    out = {name: [_key(a) for a in words] for name, words in ALIASES.items()}
    for name, msgids in EXPORT_HEADERS.items():
        for msgid in msgids:
            for language in ("en", "zh-hans"):
                with translation.override(language):
                    out[name].append(_key(translation.gettext(msgid)))
    return out


# ------------------------------------------------------------------------------- reading


def _cell(value):
    """A JSON-ready cell: numbers stay numbers, dates become text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def read_workbook(upload) -> dict:
    """{"name", "headers", "rows": [[row number, [cells]]]} of the first sheet; the header row
    is the first (of the top ten) with at least two labels. ValidationError if unreadable."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(upload.read()), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        table = []
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in row[:MAX_COLUMNS]]
            if any(c is not None for c in cells):
                table.append((number, cells))
            if len(table) > MAX_ROWS + HEADER_SEARCH_ROWS:
                raise ValidationError(_("The file has more than %(max)d rows.") % {"max": MAX_ROWS})
        book.close()
    except ValidationError:
        raise
    except Exception:  # any unreadable upload gets the same answer
        raise ValidationError(
            _("The file could not be read as an Excel workbook (.xlsx).")
        ) from None
    header_at = next(
        (
            i
            for i, (_n, cells) in enumerate(table[:HEADER_SEARCH_ROWS])
            if sum(1 for c in cells if isinstance(c, str)) >= 2
        ),
        None,
    )
    if header_at is None:
        raise ValidationError(
            _("No row of column headers was found at the top of the first sheet.")
        )
    width = max(len(cells) for _n, cells in table[header_at:])
    headers = [_norm(c) for c in table[header_at][1]] + [""] * width
    rows = [[n, cells + [None] * (width - len(cells))] for n, cells in table[header_at + 1 :]]
    return {
        "name": getattr(upload, "name", ""),
        "headers": headers[:width],
        "rows": rows,
    }


def guess_mapping(headers: list[str]) -> dict[str, int | None]:
    """The column of each field: an exact header first, else one that contains an alias."""
    aliases = _aliases()
    keys = [_key(h) for h in headers]
    mapping: dict[str, int | None] = {}
    for name in FIELDS:
        found = next((i for i, k in enumerate(keys) if k and k in aliases[name]), None)
        if found is None:
            found = next(
                (
                    i
                    for i, k in enumerate(keys)
                    if k and any(a and a in k for a in aliases[name]) and "率" not in k
                ),
                None,
            )
        mapping[name] = found
    return mapping


def column_label(headers: list[str], index: int) -> str:
    letter = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letter = chr(65 + rem) + letter
    header = headers[index] if index < len(headers) else ""
    return f"{letter} · {header}" if header else letter


# ---------------------------------------------------------------------------- checking


@dataclass
class Row:
    number: int
    school_text: str
    school: object = None  # OrgNode
    target: int | None = None
    completed: int | None = None
    current: CampaignResult | None = None
    errors: list[str] = field(default_factory=list)
    skipped: str = ""

    @property
    def rate(self) -> float | None:
        if self.target and self.completed is not None:
            return self.completed / self.target
        return None

    @property
    def rate_text(self) -> str:
        from safecampus.compliance.verdicts import percent

        return percent(self.rate)

    @property
    def changes(self) -> bool:
        return self.current is None or (self.current.target, self.current.completed) != (
            self.target,
            self.completed,
        )


@dataclass
class Preview:
    rows: list[Row]
    missing: list[str] = field(default_factory=list)  # fields without a column

    @property
    def errors(self) -> int:
        return sum(1 for r in self.rows if r.errors) + len(self.missing)

    @property
    def ready(self) -> list[Row]:
        return [r for r in self.rows if not r.errors and not r.skipped]

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.ready)

    @property
    def target(self) -> int:
        return sum(r.target or 0 for r in self.ready)

    @property
    def completed(self) -> int:
        return sum(r.completed or 0 for r in self.ready)


def _whole(value) -> tuple[int | None, str]:
    if value is None or _norm(value) == "":
        return None, _("This column is required.")
    if isinstance(value, int):
        number = Decimal(value)
    else:
        try:
            number = Decimal(_norm(value).replace(",", "").replace("，", ""))
        except InvalidOperation:
            return None, _("“%(value)s” is not a whole number.") % {"value": _norm(value)}
    if number != number.to_integral_value() or number < 0:
        return None, _("“%(value)s” is not a whole number.") % {"value": _norm(value)}
    return int(number), ""


class _Schools:
    """The region's schools the user sees, by name and by code."""

    def __init__(self, user, campaign):
        self.by_name: dict[str, list] = {}
        self.by_code: dict[str, list] = {}
        for node in schools_for(user, campaign):
            self.by_name.setdefault(_key(node.name), []).append(node)
            if node.code:
                self.by_code.setdefault(_key(node.code), []).append(node)

    def find(self, text: str, region: str):
        key = _key(text)
        found = self.by_code.get(key) or self.by_name.get(key) or []
        if not found:
            return None, _("No school named or numbered “%(name)s” in %(region)s.") % {
                "name": text,
                "region": region,
            }
        if len(found) > 1:
            return None, _(
                "“%(name)s” names %(count)d schools in %(region)s: use the school code."
            ) % {"name": text, "count": len(found), "region": region}
        return found[0], ""


def check(user, campaign, data: dict, mapping: dict) -> Preview:
    """Every row of the uploaded sheet checked against the campaign's schools."""
    headers = data["headers"]
    missing = [
        name
        for name in FIELDS
        if mapping.get(name) is None or not 0 <= int(mapping[name]) < len(headers)
    ]
    if missing:
        return Preview([], missing=missing)
    cols = {name: int(mapping[name]) for name in FIELDS}
    schools = _Schools(user, campaign)
    current = {
        r.org_id: r
        for r in CampaignResult.objects.filter(campaign=campaign).only(
            "id", "org_id", "target", "completed", "version"
        )
    }
    seen: dict[int, int] = {}
    rows = []
    for number, cells in data["rows"]:
        text = _norm(cells[cols["school"]])
        row = Row(number, text)
        rows.append(row)
        if not text or _key(text).startswith(_TOTALS):
            row.skipped = _("A total or empty row: skipped.")
            continue
        row.school, problem = schools.find(text, campaign.org.name)
        if problem:
            row.errors.append(problem)
        elif row.school.pk in seen:
            row.errors.append(
                _("%(school)s is already in row %(row)d.")
                % {"school": row.school.name, "row": seen[row.school.pk]}
            )
        else:
            seen[row.school.pk] = number
            row.current = current.get(row.school.pk)
            if not can(user, "change", CampaignResult, row.school):
                row.errors.append(
                    _("You may not record completions for %(school)s.")
                    % {"school": row.school.name}
                )
        row.target, problem = _whole(cells[cols["target"]])
        if problem:
            row.errors.append(_("Target: %(problem)s") % {"problem": problem})
        row.completed, problem = _whole(cells[cols["completed"]])
        if problem:
            row.errors.append(_("Completed: %(problem)s") % {"problem": problem})
        if row.target is not None and row.completed is not None and row.completed > row.target:
            row.errors.append(
                _("Completed (%(completed)s) cannot exceed the target (%(target)s).")
                % {"completed": row.completed, "target": row.target}
            )
    return Preview(rows)


def apply(user, campaign, data: dict, mapping: dict) -> tuple[Preview, dict]:
    """Check the file again and, when every row is right, write every row (one transaction);
    otherwise write nothing. Returns the preview and the counts written."""
    from safecampus.education.services import result_save

    preview = check(user, campaign, data, mapping)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    if not preview.ok:
        return preview, counts
    with transaction.atomic():
        for row in preview.ready:
            if not row.changes and row.current.source == ResultSource.IMPORT:
                counts["unchanged"] += 1
                continue
            try:
                _result, created = result_save(
                    campaign=campaign,
                    school=row.school,
                    by=user,
                    target=row.target,
                    completed=row.completed,
                    source=ResultSource.IMPORT,
                )
            except ValidationError as exc:
                row.errors.extend(exc.messages)
                transaction.set_rollback(True)
                return preview, {"created": 0, "updated": 0, "unchanged": 0}
            counts["created" if created else "updated"] += 1
    return preview, counts
