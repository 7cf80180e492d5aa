"""Import the organisation tree from one Excel workbook: regions, schools, departments, people.

The workbook has four sheets with fixed Chinese column headers (the format bureaus already
use, see `SHEETS`): 区域, 学校, 部门, 人员. Parents are named by name (unique among the nodes
the importer sees, or among the rows above in the same file) or by a path such as
吴忠市/盐池县/冯记沟乡. Values may be written as the Chinese labels people use (幼儿园, 公办,
是/否 ...).

Every row is validated first; a file with any bad row imports nothing. Then all rows are
written in one transaction through `orgs.services` and `core.services.create_record`, so each
new record is audited. Rows already on file (same parent and name) are skipped with a note.
Only nodes inside the importer's "add" scope may be parents.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from safecampus.accounts.access import can
from safecampus.core.services import create_record
from safecampus.orgs import services
from safecampus.orgs.choices import (
    ALLOWED_CHILDREN,
    DepartmentKind,
    NodeKind,
    Ownership,
    SchoolKind,
)
from safecampus.orgs.models import Department, OrgNode, Person, School

MAX_ROWS = 20000
PATH_SEPARATORS = re.compile(r"\s*[/／\\>＞→]\s*")
_SPACES = re.compile(r"[\s\u3000\xa0]+")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")

REGIONS, SCHOOLS, DEPARTMENTS, PEOPLE = "区域", "学校", "部门", "人员"


@dataclass(frozen=True)
class Column:
    header: str  # the header as printed in the template
    key: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    width: int = 14


# The official column layout. The headers are Chinese by design: it is the format of the
# bureaus' ledgers, the same in every interface language.
SHEETS: dict[str, list[Column]] = {
    REGIONS: [
        Column("上级", "parent", True, ("上级单位", "上级节点", "上级区域"), 28),
        Column("名称", "name", True, ("区域名称",), 20),
        Column("类型", "kind", True, ("区域类型", "级别", "层级"), 12),
        Column("简称", "short_name", False, (), 10),
        Column("代码", "code", False, ("区划代码", "行政区划代码"), 14),
    ],
    SCHOOLS: [
        Column("上级", "parent", True, ("上级单位", "上级节点", "所属乡镇", "所属区域"), 28),
        Column("名称", "name", True, ("学校名称",), 24),
        Column("学段/类型", "school_kind", True, ("学段", "类型", "学校类型", "办学类型"), 14),
        Column("办学性质", "ownership", False, ("性质",), 10),
        Column("寄宿", "boarding", False, ("是否寄宿", "寄宿制"), 8),
        Column("在校生数", "enrolment", False, ("学生数", "在校学生数"), 10),
        Column("教职工数", "staff_count", False, ("教职工", "教职工人数"), 10),
        Column("最高教学楼层数", "storeys", False, ("楼层数", "教学楼层数"), 14),
        Column("地址", "address", False, ("学校地址",), 30),
        Column("经度", "longitude", False, (), 12),
        Column("纬度", "latitude", False, (), 12),
        Column("校长", "principal_name", False, ("校长姓名", "园长", "负责人"), 10),
        Column("电话", "phone", False, ("联系电话", "学校电话"), 16),
    ],
    DEPARTMENTS: [
        Column("所属节点", "node", True, ("所属单位", "所属区域", "上级"), 28),
        Column("名称", "name", True, ("部门名称",), 24),
        Column("类型", "kind", True, ("部门类型",), 14),
        Column("电话", "phone", False, ("联系电话",), 16),
        Column("地址", "address", False, (), 30),
    ],
    PEOPLE: [
        Column("所属单位节点", "node", True, ("所属节点", "所属单位", "所属区域"), 28),
        Column("姓名", "name", True, (), 10),
        Column("手机", "phone", False, ("手机号", "手机号码", "联系电话"), 14),
        Column("职务", "post", False, ("岗位",), 18),
        Column("工作单位", "unit", False, ("单位",), 22),
        Column("部门", "department", False, ("所属部门",), 22),
    ],
}

NODE_KIND_LABELS = {
    NodeKind.PROVINCE: ("省", "自治区", "直辖市", "省级", "省/自治区"),
    NodeKind.CITY: ("市", "州", "地区", "盟", "地级市", "市/州", "市州", "自治州"),
    NodeKind.COUNTY: ("县", "区", "县级市", "旗", "县区", "县/区", "市辖区", "自治县"),
    NodeKind.TOWNSHIP: ("乡", "镇", "乡镇", "街道", "乡/镇", "乡镇/街道", "苏木"),
    NodeKind.VILLAGE: ("村", "社区", "村/社区", "村（社区）", "村(社区)", "嘎查", "居委会"),
}
SCHOOL_KIND_LABELS = {
    SchoolKind.KINDERGARTEN: ("幼儿园", "学前", "学前教育", "幼儿", "托幼"),
    SchoolKind.PRIMARY: ("小学", "完小", "完全小学", "中心小学", "教学点", "村小"),
    SchoolKind.JUNIOR: ("初中", "初级中学", "初中学校"),
    SchoolKind.SENIOR: ("高中", "普通高中", "高级中学", "完全中学"),
    SchoolKind.NINE_YEAR: ("九年一贯制", "九年一贯制学校", "九年制"),
    SchoolKind.TWELVE_YEAR: ("十二年一贯制", "十二年一贯制学校", "十二年制"),
    SchoolKind.VOCATIONAL: ("中职", "职业学校", "职业中学", "中等职业学校", "职高", "技工学校"),
    SchoolKind.SPECIAL: ("特殊教育", "特殊教育学校", "特教", "特教学校"),
    SchoolKind.HIGHER: ("高校", "高等学校", "高等院校", "大学", "学院", "高职", "高等教育"),
    SchoolKind.TRAINING: ("校外培训机构", "培训机构", "校外培训", "培训学校"),
}
OWNERSHIP_LABELS = {
    Ownership.PUBLIC: ("公办", "公立", "国办"),
    Ownership.PRIVATE: ("民办", "私立", "民营"),
}
DEPARTMENT_KIND_LABELS = {
    DepartmentKind.EDUCATION: ("教育", "教育局", "教育体育局", "教体局", "教育厅"),
    DepartmentKind.POLICE: ("公安", "派出所", "公安局", "公安派出所"),
    DepartmentKind.MARKET: (
        "市场监管",
        "市场监督管理",
        "市场监督管理所",
        "市场监管所",
        "市场监管局",
    ),
    DepartmentKind.JUDICIAL: ("司法", "司法所", "司法局"),
    DepartmentKind.HEALTH: ("卫生", "卫健", "卫生健康", "卫生院", "卫健局", "医院"),
    DepartmentKind.FIRE: ("消防", "消防救援", "消防救援大队", "消防大队"),
    DepartmentKind.TRAFFIC: ("交警", "交通警察", "交警大队", "交警中队"),
    DepartmentKind.EMERGENCY: ("应急", "应急管理", "应急管理局"),
    DepartmentKind.WATER: ("水务", "水利", "水务局", "水利局"),
    DepartmentKind.NATURAL_RESOURCES: ("自然资源", "自然资源局", "国土"),
    DepartmentKind.HOUSING: ("住建", "住房和城乡建设", "住建局"),
    DepartmentKind.TRANSPORT: ("交通", "交通运输", "交通运输局"),
    DepartmentKind.CIVIL_AFFAIRS: ("民政", "民政局"),
    DepartmentKind.COMMUNIST_YOUTH: ("团委", "共青团", "团县委"),
    DepartmentKind.WOMEN: ("妇联",),
    DepartmentKind.GOVERNMENT: ("政府", "政府办", "人民政府", "党政办"),
    DepartmentKind.OTHER: ("其他", "其它"),
}
YES = {"是", "有", "寄宿", "寄宿制", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "无", "不", "非寄宿", "走读", "n", "no", "false", "0", "×", "✗"}


def _lookup(labels: dict, choices) -> dict[str, str]:
    """Chinese labels, stored values and (English) display labels, all to the value."""
    from django.utils import translation

    table: dict[str, str] = {}
    for value, words in labels.items():
        for word in words:
            table[word] = value
    for choice in choices:
        table[choice.value] = choice.value
        with translation.override("en"):
            table[str(choice.label).lower()] = choice.value
        table[str(choice.label).lower()] = choice.value
    return table


def _norm(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SPACES.sub(" ", str(value)).strip()


def _key(value) -> str:
    return _SPACES.sub("", _norm(value)).replace("（", "(").replace("）", ")").strip("*").lower()


# --- results ------------------------------------------------------------------------------------


@dataclass
class RowError:
    sheet: str
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class Note:
    sheet: str
    row: int
    message: str


@dataclass
class Result:
    errors: list[RowError] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SHEETS, 0))
    skipped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SHEETS, 0))
    rows: int = 0
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, sheet, row, column, message):
        self.errors.append(RowError(sheet, row, column, str(message)))


# --- node references ----------------------------------------------------------------------------


@dataclass(eq=False)
class PendingNode:
    """A node the file creates: later rows may hang under it before it exists."""

    name: str
    kind: str
    parent: object  # OrgNode or PendingNode
    sheet: str
    row: int
    instance: OrgNode | None = None

    @property
    def chain(self) -> list[str]:
        return [*_chain_of(self.parent), self.name]


def _chain_of(node) -> list[str]:
    if isinstance(node, PendingNode):
        return node.chain
    return node._chain


class Resolver:
    """Finds the node a cell names, among the nodes the importer sees and those the file adds."""

    def __init__(self, user):
        self.user = user
        visible = list(
            OrgNode.objects.for_user(user).only("id", "name", "path", "kind", "parent_id")
        )
        names_by_path = {n.path: n.name for n in visible}
        missing = {
            ".".join(n.path.split(".")[:i])
            for n in visible
            for i in range(1, n.path.count(".") + 1)
        } - names_by_path.keys()
        if missing:
            names_by_path.update(
                OrgNode.objects.filter(path__in=missing).values_list("path", "name")
            )
        self.by_name: dict[str, list] = defaultdict(list)
        for node in visible:
            parts = node.path.split(".")
            node._chain = [names_by_path[".".join(parts[: i + 1])] for i in range(len(parts))]
            self.by_name[node.name].append(node)
        self.pending_children: dict[tuple[int, str], PendingNode] = {}

    def add_pending(self, pending: PendingNode) -> None:
        self.by_name[pending.name].append(pending)
        self.pending_children[(id(pending.parent), pending.name)] = pending

    def resolve(self, text: str):
        """(node, None) or (None, message)."""
        text = _norm(text)
        parts = [p for p in PATH_SEPARATORS.split(text) if p]
        if not parts:
            return None, _("This column is required.")
        candidates = [
            n for n in self.by_name.get(parts[-1], []) if _chain_of(n)[-len(parts) :] == parts
        ]
        if not candidates:
            return None, _("No organisation named “%(name)s” was found in your area.") % {
                "name": text
            }
        if len(candidates) > 1:
            examples = "; ".join("/".join(_chain_of(c)[-3:]) for c in candidates[:3])
            return None, _(
                "“%(name)s” names %(count)d organisations: write its path, e.g. %(examples)s."
            ) % {"name": text, "count": len(candidates), "examples": examples}
        return candidates[0], None

    def may_add(self, model, node) -> bool:
        """Inside the importer's add scope? A pending node is inside it if its parent is."""
        while isinstance(node, PendingNode):
            node = node.parent
        return can(self.user, "add", model, node)


# --- reading the workbook -----------------------------------------------------------------------


def _read_sheet(sheet, columns: list[Column], result: Result, name: str):
    """Yield (row number, {key: value}) for the data rows of one sheet."""
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return
    wanted = {}
    for column in columns:
        for alias in (column.header, *column.aliases):
            wanted.setdefault(_key(alias), column)
    positions: dict[str, int] = {}
    for i, cell in enumerate(header):
        column = wanted.get(_key(cell))
        if column and column.key not in positions:
            positions[column.key] = i
    missing = [c.header for c in columns if c.required and c.key not in positions]
    if missing:
        for header_text in missing:
            result.error(name, 1, header_text, _("The column is missing."))
        return
    count = 0
    for number, row in enumerate(rows, start=2):
        if not row or all(_norm(c) == "" for c in row):
            continue
        count += 1
        if count > MAX_ROWS:
            result.error(
                name, number, "", _("Too many rows: at most %(max)d a sheet.") % {"max": MAX_ROWS}
            )
            return
        yield number, {key: (row[i] if i < len(row) else None) for key, i in positions.items()}


def _text(values, key):
    return _norm(values.get(key))


def _choice(table: dict, value) -> str | None:
    key = _key(value)
    return table.get(key) or table.get(_norm(value))


def _int(value, *, default: int):
    if value is None or _norm(value) == "":
        return default, None
    try:
        number = Decimal(_norm(value).replace(",", ""))
    except InvalidOperation:
        return None, _("“%(value)s” is not a whole number.") % {"value": _norm(value)}
    if number != number.to_integral_value() or number < 0:
        return None, _("“%(value)s” is not a whole number.") % {"value": _norm(value)}
    return int(number), None


def _decimal(value):
    if value is None or _norm(value) == "":
        return None, None
    try:
        number = Decimal(_norm(value))
    except InvalidOperation:
        return None, _("“%(value)s” is not a number.") % {"value": _norm(value)}
    return number.quantize(Decimal("0.000001")), None


def _bool(value):
    key = _key(value)
    if key == "":
        return False, None
    if key in YES:
        return True, None
    if key in NO:
        return False, None
    return None, _("Write 是 or 否, not “%(value)s”.") % {"value": _norm(value)}


def _field_errors(exc: ValidationError) -> list[tuple[str, str]]:
    if hasattr(exc, "error_dict"):
        return [(name, str(m)) for name, errors in exc.message_dict.items() for m in errors]
    return [("", str(m)) for m in exc.messages]


# --- the import ---------------------------------------------------------------------------------


@dataclass
class Op:
    sheet: str
    row: int
    kind: str  # region, school, department, person
    target: object = None  # the parent / node (OrgNode or PendingNode)
    data: dict = field(default_factory=dict)
    instance: object = None


class Importer:
    def __init__(self, user):
        self.user = user
        self.result = Result()
        self.resolver = Resolver(user)
        self.ops: list[Op] = []
        self.node_kinds = _lookup(NODE_KIND_LABELS, NodeKind)
        self.school_kinds = _lookup(SCHOOL_KIND_LABELS, SchoolKind)
        self.ownerships = _lookup(OWNERSHIP_LABELS, Ownership)
        self.department_kinds = _lookup(DEPARTMENT_KIND_LABELS, DepartmentKind)
        self.pending_departments: dict[tuple[int, str], Op] = {}
        self.pending_people: dict[tuple[int, str, str], int] = {}

    def error(self, sheet, row, column, message):
        self.result.error(sheet, row, column, message)

    # Parents and nodes ------------------------------------------------------------------------
    def _parent(self, sheet, row, column, text, kind):
        parent, message = self.resolver.resolve(text)
        if message:
            self.error(sheet, row, column, message)
            return None
        if not self.resolver.may_add(OrgNode, parent):
            self.error(
                sheet,
                row,
                column,
                _("You may not add organisations under “%(name)s”.") % {"name": parent.name},
            )
            return None
        if kind not in ALLOWED_CHILDREN[parent.kind]:
            self.error(
                sheet,
                row,
                column,
                _("A %(kind)s cannot be placed under a %(parent)s.")
                % {"kind": NodeKind(kind).label, "parent": NodeKind(parent.kind).label},
            )
            return None
        return parent

    def _existing_child(self, parent, name):
        if isinstance(parent, PendingNode):
            return None
        return OrgNode.objects.filter(parent=parent, name=name).first()

    def _new_node(self, sheet, row, parent, name, kind) -> PendingNode | None:
        """Register a node the file adds, or note that it exists already (None)."""
        duplicate = self.resolver.pending_children.get((id(parent), name))
        if duplicate:
            self.error(
                sheet,
                row,
                "名称",
                _("The same name under the same parent is on %(sheet)s row %(row)d.")
                % {"sheet": duplicate.sheet, "row": duplicate.row},
            )
            return None
        existing = self._existing_child(parent, name)
        if existing:
            self.result.skipped[sheet] += 1
            self.result.notes.append(
                Note(sheet, row, _("“%(name)s” already exists: skipped.") % {"name": name})
            )
            return None
        pending = PendingNode(name, kind, parent, sheet, row)
        self.resolver.add_pending(pending)
        return pending

    # Sheets ------------------------------------------------------------------------------------
    def regions(self, rows):
        for row, values in rows:
            self.result.rows += 1
            name = _text(values, "name")
            kind = _choice(self.node_kinds, values.get("kind"))
            bad = False
            if not name:
                self.error(REGIONS, row, "名称", _("This column is required."))
                bad = True
            if kind is None or kind == NodeKind.SCHOOL:
                self.error(
                    REGIONS,
                    row,
                    "类型",
                    _("“%(value)s” is not a kind of region (省, 市, 县, 乡镇, 村/社区).")
                    % {"value": _norm(values.get("kind"))},
                )
                bad = True
            short_name, code = _text(values, "short_name"), _text(values, "code")
            if len(name) > 100 or len(short_name) > 20 or len(code) > 20:
                self.error(REGIONS, row, "名称", _("The text is too long."))
                bad = True
            if bad:
                continue
            parent = self._parent(REGIONS, row, "上级", values.get("parent"), kind)
            if parent is None:
                continue
            pending = self._new_node(REGIONS, row, parent, name, kind)
            if pending:
                self.ops.append(
                    Op(REGIONS, row, "region", parent, {"name": name, "kind": kind, "short_name": short_name, "code": code}, pending)
                )  # fmt: skip

    def schools(self, rows):
        for row, values in rows:
            self.result.rows += 1
            before = len(self.result.errors)
            name = _text(values, "name")
            if not name:
                self.error(SCHOOLS, row, "名称", _("This column is required."))
            school_kind = _choice(self.school_kinds, values.get("school_kind"))
            if school_kind is None:
                self.error(
                    SCHOOLS,
                    row,
                    "学段/类型",
                    _("“%(value)s” is not a kind of school (幼儿园, 小学, 初中, 高中 ...).")
                    % {"value": _norm(values.get("school_kind"))},
                )
            ownership = Ownership.PUBLIC
            if _norm(values.get("ownership")):
                ownership = _choice(self.ownerships, values.get("ownership"))
                if ownership is None:
                    self.error(
                        SCHOOLS,
                        row,
                        "办学性质",
                        _("Write 公办 or 民办, not “%(value)s”.")
                        % {"value": _norm(values.get("ownership"))},
                    )
            profile = {"school_kind": school_kind, "ownership": ownership}
            for key, header, parse in (
                ("boarding", "寄宿", _bool),
                ("enrolment", "在校生数", lambda v: _int(v, default=0)),
                ("staff_count", "教职工数", lambda v: _int(v, default=0)),
                ("storeys", "最高教学楼层数", lambda v: _int(v, default=1)),
                ("longitude", "经度", _decimal),
                ("latitude", "纬度", _decimal),
            ):
                value, message = parse(values.get(key))
                if message:
                    self.error(SCHOOLS, row, header, message)
                profile[key] = value
            for key in ("address", "principal_name", "phone"):
                profile[key] = _text(values, key)
            if len(self.result.errors) == before:
                school = School(**profile)
                try:
                    school.full_clean(exclude=["node"])
                except ValidationError as exc:
                    headers = {c.key: c.header for c in SHEETS[SCHOOLS]}
                    for field_name, message in _field_errors(exc):
                        self.error(SCHOOLS, row, headers.get(field_name, ""), message)
            if len(name) > 100:
                self.error(SCHOOLS, row, "名称", _("The text is too long."))
            if len(self.result.errors) != before:
                continue
            parent = self._parent(SCHOOLS, row, "上级", values.get("parent"), NodeKind.SCHOOL)
            if parent is None:
                continue
            pending = self._new_node(SCHOOLS, row, parent, name, NodeKind.SCHOOL)
            if pending:
                self.ops.append(
                    Op(SCHOOLS, row, "school", parent, {"name": name, **profile}, pending)
                )

    def _node_for_record(self, sheet, row, column, text, model):
        node, message = self.resolver.resolve(text)
        if message:
            self.error(sheet, row, column, message)
            return None
        if not self.resolver.may_add(model, node):
            self.error(
                sheet,
                row,
                column,
                _("You may not add records at “%(name)s”.") % {"name": node.name},
            )
            return None
        return node

    def departments(self, rows):
        for row, values in rows:
            self.result.rows += 1
            before = len(self.result.errors)
            name = _text(values, "name")
            kind = _choice(self.department_kinds, values.get("kind"))
            if not name:
                self.error(DEPARTMENTS, row, "名称", _("This column is required."))
            if kind is None:
                self.error(
                    DEPARTMENTS,
                    row,
                    "类型",
                    _("“%(value)s” is not a kind of department (派出所, 市场监管, 司法, 卫生 ...).")
                    % {"value": _norm(values.get("kind"))},
                )
            data = {
                "name": name,
                "kind": kind,
                "phone": _text(values, "phone"),
                "address": _text(values, "address"),
            }
            if len(self.result.errors) == before:
                try:
                    Department(**data).full_clean(
                        exclude=["org", "org_path"], validate_unique=False
                    )
                except ValidationError as exc:
                    headers = {c.key: c.header for c in SHEETS[DEPARTMENTS]}
                    for field_name, message in _field_errors(exc):
                        self.error(DEPARTMENTS, row, headers.get(field_name, ""), message)
            node = self._node_for_record(
                DEPARTMENTS, row, "所属节点", values.get("node"), Department
            )
            if node is None or len(self.result.errors) != before:
                continue
            key = (id(node), name)
            if key in self.pending_departments:
                self.error(
                    DEPARTMENTS,
                    row,
                    "名称",
                    _("The same department is on row %(row)d.")
                    % {"row": self.pending_departments[key].row},
                )
                continue
            if (
                isinstance(node, OrgNode)
                and Department.objects.filter(org=node, name=name).exists()
            ):
                self.result.skipped[DEPARTMENTS] += 1
                self.result.notes.append(
                    Note(
                        DEPARTMENTS, row, _("“%(name)s” already exists: skipped.") % {"name": name}
                    )
                )
                continue
            op = Op(DEPARTMENTS, row, "department", node, data)
            self.pending_departments[key] = op
            self.ops.append(op)

    def people(self, rows):
        for row, values in rows:
            self.result.rows += 1
            before = len(self.result.errors)
            name = _SPACES.sub("", _norm(values.get("name")))
            phone = re.sub(r"[\s\-－()（）]", "", _norm(values.get("phone")))
            if not name:
                self.error(PEOPLE, row, "姓名", _("This column is required."))
            if phone and not _MOBILE.match(phone):
                self.error(
                    PEOPLE, row, "手机", _("“%(phone)s” is not a mobile number.") % {"phone": phone}
                )
            data = {
                "name": name,
                "phone": phone,
                "post": _text(values, "post"),
                "unit": _text(values, "unit"),
            }
            if len(self.result.errors) == before:
                try:
                    Person(**data).full_clean(exclude=["org", "org_path", "department", "user"])
                except ValidationError as exc:
                    headers = {c.key: c.header for c in SHEETS[PEOPLE]}
                    for field_name, message in _field_errors(exc):
                        self.error(PEOPLE, row, headers.get(field_name, ""), message)
            node = self._node_for_record(PEOPLE, row, "所属单位节点", values.get("node"), Person)
            if node is None or len(self.result.errors) != before:
                continue
            department_name = _text(values, "department")
            department = None
            if department_name:
                department = self.pending_departments.get((id(node), department_name))
                if department is None and isinstance(node, OrgNode):
                    department = Department.objects.filter(org=node, name=department_name).first()
                if department is None:
                    self.error(
                        PEOPLE,
                        row,
                        "部门",
                        _("No department “%(name)s” at “%(node)s”.")
                        % {"name": department_name, "node": node.name},
                    )
                    continue
            key = (id(node), name, phone)
            if key in self.pending_people:
                self.error(
                    PEOPLE,
                    row,
                    "姓名",
                    _("The same person is on row %(row)d.") % {"row": self.pending_people[key]},
                )
                continue
            if isinstance(node, OrgNode):
                same = Person.objects.filter(org=node, name=name)
                if phone:
                    same = same.filter(phone=phone)
                if same.exists():
                    self.result.skipped[PEOPLE] += 1
                    self.result.notes.append(
                        Note(PEOPLE, row, _("“%(name)s” already exists: skipped.") % {"name": name})
                    )
                    continue
            self.pending_people[key] = row
            self.ops.append(Op(PEOPLE, row, "person", node, {**data, "department": department}))

    # Writing -----------------------------------------------------------------------------------
    def write(self) -> None:
        """All or nothing: a failure on any row rolls back every row."""

        def real(node):
            return node.instance if isinstance(node, PendingNode) else node

        current = None
        try:
            with transaction.atomic():
                for op in self.ops:
                    current = op
                    if op.kind == "region":
                        op.instance.instance = services.node_create(
                            parent=real(op.target), by=self.user, **op.data
                        )
                    elif op.kind == "school":
                        data = dict(op.data)
                        school = services.school_create(
                            parent=real(op.target), name=data.pop("name"), by=self.user, **data
                        )
                        op.instance.instance = school.node
                    elif op.kind == "department":
                        op.instance = create_record(
                            instance=Department(org=real(op.target), **op.data), by=self.user
                        )
                    elif op.kind == "person":
                        data = dict(op.data)
                        department = data.pop("department")
                        if isinstance(department, Op):
                            department = department.instance
                        op.instance = create_record(
                            instance=Person(org=real(op.target), department=department, **data),
                            by=self.user,
                        )
                    self.result.created[op.sheet] += 1
        except ValidationError as exc:
            self.result.created = dict.fromkeys(SHEETS, 0)
            headers = {c.key: c.header for c in SHEETS[current.sheet]}
            for field_name, message in _field_errors(exc):
                self.error(current.sheet, current.row, headers.get(field_name, ""), message)
            return
        self.result.written = True


def import_workbook(file, *, user, dry_run: bool = False) -> Result:
    """Validate every row of the workbook; if all are good (and not `dry_run`), write them."""
    from openpyxl import load_workbook

    importer = Importer(user)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:
        importer.error("", 0, "", _("The file is not an Excel workbook (.xlsx)."))
        return importer.result
    try:
        names = {_key(name): name for name in workbook.sheetnames}
        known = [name for name in SHEETS if _key(name) in names]
        if not known:
            importer.error(
                "",
                0,
                "",
                _("The workbook has none of the sheets %(sheets)s.")
                % {"sheets": "、".join(SHEETS)},
            )
            return importer.result
        readers = {
            REGIONS: importer.regions,
            SCHOOLS: importer.schools,
            DEPARTMENTS: importer.departments,
            PEOPLE: importer.people,
        }
        for name in SHEETS:
            if name in known:
                sheet = workbook[names[_key(name)]]
                readers[name](_read_sheet(sheet, SHEETS[name], importer.result, name))
    finally:
        workbook.close()
    if importer.result.ok and not dry_run and importer.ops:
        importer.write()
    return importer.result


# --- workbooks to download ----------------------------------------------------------------------


def _style_header(sheet, headers, widths=None):
    from openpyxl.styles import Font

    bold = Font(bold=True)
    for i, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=i, value=header)
        cell.font = bold
        if widths:
            sheet.column_dimensions[cell.column_letter].width = widths[i - 1]
    sheet.freeze_panes = "A2"


def template_workbook() -> bytes:
    """The empty import workbook: the four sheets with their headers, value lists as
    drop-downs, and a sheet of instructions (which the importer ignores)."""
    lists = {
        (REGIONS, "kind"): ["省", "市", "县", "乡", "镇", "街道", "村", "社区"],
        (SCHOOLS, "school_kind"): [words[0] for words in SCHOOL_KIND_LABELS.values()],
        (SCHOOLS, "ownership"): ["公办", "民办"],
        (SCHOOLS, "boarding"): ["是", "否"],
        (DEPARTMENTS, "kind"): [words[0] for words in DEPARTMENT_KIND_LABELS.values()],
    }
    return build_template(SHEETS, lists, instructions())


def build_template(sheets: dict, lists: dict, notes: list[str]) -> bytes:
    """An import template: each sheet's headers (required ones shaded), drop-down lists for
    the columns in `lists` (keyed by (sheet, column key)), and a 说明 sheet of `notes`."""
    from openpyxl import Workbook
    from openpyxl.styles import PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    workbook.remove(workbook.active)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for name, columns in sheets.items():
        sheet = workbook.create_sheet(name)
        _style_header(sheet, [c.header for c in columns], [c.width for c in columns])
        for i, column in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=i)
            if column.required:
                cell.fill = required_fill
            values = lists.get((name, column.key))
            if values:
                validation = DataValidation(
                    type="list", formula1='"' + ",".join(values) + '"', allow_blank=True
                )
                validation.add(f"{cell.column_letter}2:{cell.column_letter}5000")
                sheet.add_data_validation(validation)
    sheet = workbook.create_sheet("说明")
    sheet.column_dimensions["A"].width = 110
    for i, line in enumerate(notes, start=1):
        sheet.cell(row=i, column=1, value=line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def instructions() -> list[str]:
    return [
        _("How to fill in this workbook"),
        _(
            "Fill in the sheets you need (区域, 学校, 部门, 人员) and leave the others empty. "
            "Columns with a yellow header are required. Do not rename the sheets or the headers."
        ),
        _(
            "上级 / 所属节点: the name of an organisation you can see, or its path such as "
            "吴忠市/盐池县/冯记沟乡 when the name is not unique. A row may name a region or a "
            "department added by a row above it in the same file."
        ),
        _("类型 (区域): 省, 市, 县, 乡, 镇, 街道, 村 or 社区."),
        _(
            "学段/类型 (学校): 幼儿园, 小学, 初中, 高中, 九年一贯制, 十二年一贯制, 中职, "
            "特殊教育, 高校 or 校外培训机构. 办学性质: 公办 or 民办. 寄宿: 是 or 否."
        ),
        _("经度 and 纬度 in decimal degrees, e.g. 107.405 and 37.783."),
        _(
            "Every row is checked before anything is saved: if any row has a problem, nothing "
            "is imported and the problems are listed by sheet, row and column."
        ),
        _("Rows already on file (the same name under the same parent) are skipped."),
    ]


def error_workbook(errors: list[dict]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Problems")[:31]
    _style_header(sheet, [_("Sheet"), _("Row"), _("Column"), _("Problem")], [12, 8, 18, 90])
    for i, error in enumerate(errors, start=2):
        sheet.cell(row=i, column=1, value=error["sheet"])
        sheet.cell(row=i, column=2, value=error["row"] or None)
        sheet.cell(row=i, column=3, value=error["column"])
        sheet.cell(row=i, column=4, value=error["message"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
