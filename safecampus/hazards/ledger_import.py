"""Import an existing hazard ledger (风险隐患台账) from Excel, in the conventional columns.

Columns (first sheet; headers in Chinese, as bureaus keep them): 序号, 隐患编号, 学校*,
发现时间*, 隐患描述*, 等级, 整改措施, 责任人, 整改时限, 整改情况, 验收人, 销号时间, and an
optional 类别. The ledger's own XLSX export reads back in.

Every row is validated first; a file with any bad row imports nothing. Then all rows are
written in one transaction: each hazard gets a new number of its county's sequence (the old
one is kept in the audit comment), the status the row says, and an audit entry "imported".
Imported hazards raise no notifications. Only schools where the importer may add hazards are
accepted.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safecampus.accounts.access import can
from safecampus.core.services import create_record
from safecampus.hazards import services
from safecampus.hazards.choices import OPEN_STATUSES, Category, Grade, Source, Status
from safecampus.hazards.models import Hazard
from safecampus.orgs.imports import (
    Column,
    Resolver,
    Result,
    _field_errors,
    _key,
    _norm,
    _read_sheet,
    build_template,
    error_workbook,
)
from safecampus.orgs.models import Person, ancestor_paths

SHEET = "隐患台账"
COLUMNS = [
    Column("序号", "index", False, ("编号序号",), 6),
    Column("隐患编号", "number", False, ("编号",), 20),
    Column("学校", "school", True, ("学校名称", "单位", "所属学校"), 24),
    Column("发现时间", "found_at", True, ("排查时间", "发现日期", "检查时间"), 17),
    Column("隐患描述", "description", True, ("隐患内容", "存在问题", "隐患情况"), 40),
    Column("等级", "grade", False, ("隐患等级", "风险等级"), 8),
    Column("类别", "category", False, ("隐患类别", "类型"), 12),
    Column("整改措施", "measures", False, ("整改意见",), 30),
    Column("责任人", "responsible", False, ("整改责任人",), 10),
    Column("整改时限", "deadline", False, ("整改期限", "完成时限"), 12),
    Column("整改情况", "status", False, ("整改状态", "状态", "整改结果"), 20),
    Column("验收人", "accepted", False, ("验收人员",), 10),
    Column("销号时间", "closed_at", False, ("销号日期", "验收时间"), 17),
]
# The ledger export's headers (English msgids) read back too, in either language.
_EXPORT_KEYS = {
    "No.": "index",
    "Hazard number": "number",
    "School": "school",
    "Found at": "found_at",
    "Hazard description": "description",
    "Grade": "grade",
    "Rectification measures": "measures",
    "Responsible person": "responsible",
    "Rectification deadline": "deadline",
    "Rectification status": "status",
    "Accepted by": "accepted",
    "Closed at": "closed_at",
}

GRADE_WORDS = {
    Grade.MAJOR: ("重大", "重大隐患", "红", "红色"),
    Grade.HIGH: ("较大", "较大隐患", "橙", "橙色"),
    Grade.GENERAL: ("一般", "一般隐患", "黄", "黄色"),
    Grade.LOW: ("低", "低风险", "较小", "蓝", "蓝色"),
}
STATUS_WORDS = {
    Status.CLOSED: ("已销号", "已整改", "已完成", "完成", "已验收", "销号"),
    Status.SUBMITTED: ("待验收", "已提交"),
    Status.RECTIFYING: ("整改中", "正在整改", "限期整改"),
    Status.REPORTED: ("未整改", "待整改", "未处理"),
    Status.DISMISSED: ("不属实", "已驳回"),
}
IMPORTABLE = (
    Status.REPORTED,
    Status.RECTIFYING,
    Status.SUBMITTED,
    Status.CLOSED,
    Status.DISMISSED,
)
_DATE_PARTS = re.compile(r"\d+")


def _table(words: dict, choices) -> dict[str, str]:
    table: dict[str, str] = {}
    for value, labels in words.items():
        for word in labels:
            table[_key(word)] = value
    for choice in choices:
        table[_key(choice.value)] = choice.value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                table.setdefault(_key(str(choice.label)), choice.value)
    return table


def _columns_with_export_aliases() -> list[Column]:
    """The columns, each also known by the ledger export's header in both languages."""
    aliases: dict[str, list[str]] = {}
    for msgid, key in _EXPORT_KEYS.items():
        for language in ("en", "zh-hans"):
            with translation.override(language):
                if key in ("grade", "deadline", "status"):
                    text = translation.pgettext("hazard ledger column", msgid)
                else:
                    text = translation.gettext(msgid)
                aliases.setdefault(key, []).extend([text, msgid])
    return [
        Column(c.header, c.key, c.required, (*c.aliases, *aliases.get(c.key, ())), c.width)
        for c in COLUMNS
    ]


def _datetime(value, *, date_only=False):
    """(value, error): a date or an aware datetime from a cell (Excel date or text)."""
    if value is None or _norm(value) == "":
        return None, None
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time(8, 0))
    else:
        parts = [int(p) for p in _DATE_PARTS.findall(_norm(value))]
        try:
            if len(parts) < 3:
                raise ValueError
            moment = datetime.datetime(*parts[:3], *(parts[3:5] if len(parts) >= 5 else ()))
            if len(parts) < 5:
                moment = moment.replace(hour=8)
        except (ValueError, TypeError):
            return None, _("“%(value)s” is not a date (write e.g. 2026-03-01).") % {
                "value": _norm(value)
            }
    if date_only:
        return moment.date(), None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment, None


def _status(text: str, table: dict):
    """(status, rectification text) from 整改情况, e.g. 已整改：更换灭火器 or the export's
    “Closed：what was done” (an “, overdue n days” part is ignored)."""
    text = _norm(text)
    if not text:
        return None, ""
    colon = re.search(r"[：:]", text)
    head, rest = (text[: colon.start()], text[colon.end() :]) if colon else (text, "")
    head = head.strip()
    status = table.get(_key(head))
    if status is None:
        first = re.split(r"[，,;；]", head, maxsplit=1)[0]
        status = table.get(_key(first))
    if status is None:
        for word, value in table.items():
            if word and len(word) >= 2 and _key(head).startswith(word):
                status = value
                break
    return status, rest.strip()


@dataclass
class Row:
    row: int
    data: dict = field(default_factory=dict)
    original_number: str = ""


class LedgerImporter:
    def __init__(self, user):
        self.user = user
        self.result = Result(created={SHEET: 0}, skipped={SHEET: 0})
        self.resolver = Resolver(user)
        self.grades = _table(GRADE_WORDS, Grade)
        self.statuses = _table(STATUS_WORDS, Status)
        self.categories = _table({}, Category)
        self.rows: list[Row] = []
        self.sheet = SHEET
        self.people_cache: dict = {}

    def error(self, row, column, message):
        self.result.error(self.sheet, row, column, message)

    def _person(self, school, name):
        key = (school.pk, name)
        if key not in self.people_cache:
            paths = ancestor_paths(school.path)[::-1]  # the school's own people first
            candidates = {
                p.org_path: p
                for p in Person.objects.for_user(self.user).filter(name=name, org_path__in=paths)
            }
            self.people_cache[key] = next((candidates[p] for p in paths if p in candidates), None)
        return self.people_cache[key]

    def read(self, rows) -> None:
        headers = {c.key: c.header for c in COLUMNS}
        now = timezone.now()
        for number, values in rows:
            self.result.rows += 1
            before = len(self.result.errors)
            school, message = self.resolver.resolve(_norm(values.get("school")))
            if message:
                self.error(number, headers["school"], message)
            elif not school.is_school:
                self.error(
                    number,
                    headers["school"],
                    _("“%(name)s” is not a school.") % {"name": school.name},
                )
                school = None
            elif not can(self.user, "add", Hazard, school):
                self.error(
                    number,
                    headers["school"],
                    _("You may not add hazards at %(name)s.") % {"name": school.name},
                )
                school = None
            found_at, message = _datetime(values.get("found_at"))
            if message:
                self.error(number, headers["found_at"], message)
            elif found_at is None:
                self.error(number, headers["found_at"], _("This column is required."))
            elif found_at > now + datetime.timedelta(days=1):
                self.error(number, headers["found_at"], _("The date is in the future."))
            description = _norm(values.get("description"))
            if not description:
                self.error(number, headers["description"], _("This column is required."))
            grade = Grade.GENERAL
            if _norm(values.get("grade")):
                grade = self.grades.get(_key(values.get("grade")))
                if grade is None:
                    self.error(
                        number,
                        headers["grade"],
                        _("Write 重大, 较大, 一般 or 低, not “%(value)s”.")
                        % {"value": _norm(values.get("grade"))},
                    )
            category = Category.OTHER
            if _norm(values.get("category")):
                category = self.categories.get(_key(values.get("category")))
                if category is None:
                    self.error(
                        number,
                        headers["category"],
                        _("Unknown hazard category “%(value)s”.")
                        % {"value": _norm(values.get("category"))},
                    )
            deadline, message = _datetime(values.get("deadline"), date_only=True)
            if message:
                self.error(number, headers["deadline"], message)
            closed_at, message = _datetime(values.get("closed_at"))
            if message:
                self.error(number, headers["closed_at"], message)
            status, rectification = _status(values.get("status"), self.statuses)
            if status is None and _norm(values.get("status")):
                self.error(
                    number,
                    headers["status"],
                    _("Write 已销号, 已整改, 整改中 or 未整改, not “%(value)s”.")
                    % {"value": _norm(values.get("status"))},
                )
            elif status is not None and status not in IMPORTABLE:
                self.error(
                    number,
                    headers["status"],
                    _("A hazard cannot be imported as “%(status)s”.")
                    % {"status": Status(status).label},
                )
            if status is None:
                status = Status.CLOSED if closed_at else Status.REPORTED
            if closed_at and found_at and closed_at < found_at:
                self.error(number, headers["closed_at"], _("It is before the hazard was found."))
            if len(self.result.errors) > before:
                continue
            measures = _norm(values.get("measures"))
            responsible = _norm(values.get("responsible"))
            person = self._person(school, responsible) if responsible else None
            if responsible and person is None:
                measures = (measures + "\n" if measures else "") + _("Responsible: %(name)s") % {
                    "name": responsible
                }
                self.result.notes.append(
                    _note(
                        self.sheet,
                        number,
                        _("No person named “%(name)s” is on file: kept in the measures.")
                        % {"name": responsible},
                    )
                )
            accepted = _norm(values.get("accepted"))
            if accepted:
                rectification = (rectification + "\n" if rectification else "") + _(
                    "Accepted by: %(name)s"
                ) % {"name": accepted}
            if status in OPEN_STATUSES and deadline is None:
                deadline = services.default_deadline(
                    school, grade, timezone.localtime(found_at).date()
                )
            if status == Status.CLOSED and closed_at is None:
                closed_at = found_at
            self.rows.append(
                Row(
                    number,
                    {
                        "org": school,
                        "found_at": found_at,
                        "description": description,
                        "grade": grade,
                        "category": category,
                        "measures": measures,
                        "responsible_person": person,
                        "deadline": deadline,
                        "status": status,
                        "rectification": rectification,
                        "closed_at": closed_at if status == Status.CLOSED else None,
                    },
                    _norm(values.get("number")),
                )
            )

    @transaction.atomic
    def write(self) -> None:
        current = None
        try:
            with transaction.atomic():
                for current in self.rows:
                    data = current.data
                    hazard = Hazard(source=Source.OTHER, number="pending", **data)
                    hazard.full_clean(exclude=["number"])
                    hazard.number = services.next_number(
                        data["org"], timezone.localtime(data["found_at"]).year
                    )
                    comment = _("imported")
                    if current.original_number:
                        comment = _("imported (number in the file: %(number)s)") % {
                            "number": current.original_number
                        }
                    create_record(instance=hazard, by=self.user, comment=comment)
                    self.result.created[SHEET] += 1
        except ValidationError as exc:
            self.result.created[SHEET] = 0
            headers = {
                "org": "学校",
                "found_at": "发现时间",
                "description": "隐患描述",
                "grade": "等级",
                "measures": "整改措施",
                "deadline": "整改时限",
                "status": "整改情况",
                "closed_at": "销号时间",
            }
            for field_name, message in _field_errors(exc):
                self.error(current.row, headers.get(field_name, ""), message)
            return
        self.result.written = True


def _note(sheet, row, message):
    from safecampus.orgs.imports import Note

    return Note(sheet, row, message)


def import_ledger(file, *, user, dry_run: bool = False) -> Result:
    """Validate every row of the ledger's first sheet; if all are good (and not `dry_run`),
    write them all, or none."""
    from openpyxl import load_workbook

    importer = LedgerImporter(user)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:
        importer.error(0, "", _("The file is not an Excel workbook (.xlsx)."))
        return importer.result
    try:
        names = [n for n in workbook.sheetnames if n != "说明"]
        if not names:
            importer.error(0, "", _("The workbook has no sheet."))
            return importer.result
        sheet = workbook[SHEET] if SHEET in names else workbook[names[0]]
        importer.sheet = sheet.title
        importer.read(
            _read_sheet(sheet, _columns_with_export_aliases(), importer.result, sheet.title)
        )
    finally:
        workbook.close()
    if importer.result.ok and not importer.rows and importer.result.rows == 0:
        importer.error(0, "", _("The sheet has no rows to import."))
    if importer.result.ok and not dry_run and importer.rows:
        importer.write()
    return importer.result


def template_workbook() -> bytes:
    lists = {
        (SHEET, "grade"): ["重大", "较大", "一般", "低"],
        (SHEET, "status"): ["未整改", "整改中", "待验收", "已整改", "已销号"],
    }
    return build_template({SHEET: COLUMNS}, lists, instructions())


def instructions() -> list[str]:
    return [
        _("How to fill in this workbook"),
        _("Columns with a yellow header are required: 学校, 发现时间, 隐患描述."),
        _(
            "学校: the name of a school where you may add hazards, or its path such as "
            "盐池县/冯记沟乡/冯记沟中心小学 when the name is not unique."
        ),
        _("等级: 重大, 较大, 一般 or 低 (一般 when empty)."),
        _(
            "整改情况: 未整改, 整改中, 待验收, 已整改 or 已销号; text after a colon is kept as "
            "what was done. Empty: closed when 销号时间 is filled in, reported otherwise."
        ),
        _("Dates as 2026-03-01 or 2026-03-01 10:30."),
        _(
            "Each hazard gets a new number; the number in the file is kept in its history. "
            "A 责任人 not on file is kept in the measures."
        ),
        _(
            "Every row is checked before anything is saved: if any row has a problem, nothing "
            "is imported and the problems are listed by row and column."
        ),
    ]


__all__ = ["COLUMNS", "SHEET", "error_workbook", "import_ledger", "template_workbook"]
