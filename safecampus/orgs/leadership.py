"""Leadership group rosters: read them as people write them, print them as documents show them.

A roster arrives as the annex of a government notice (seed 000):

    组 长:周永胜 乡党委副书记、政府乡长
    副组长:王雅娜 乡党委委员、政府副乡长
    成 员:冯春林 惠安堡市场监督管理所所长
    陈建鹏 冯记沟派出所所长
    马 莉 冯记沟乡卫生院院长

or as an Excel sheet (组内职务, 姓名, 职务, 单位, 手机). `parse_text` and `parse_sheet` turn
either into entries; `plan_import` matches them to people on file; `save_import` writes the
roster through `orgs.services.group_set_members`. `roster_lines` gives the printed lines.

The role labels (组长, 副组长, 成员, 办公室主任) and the roster's wording are the fixed
official format of the document, so they are data here, not interface text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from safecampus.core.services import create_record
from safecampus.orgs.choices import GROUP_ROLE_ORDER, GroupRole
from safecampus.orgs.models import Department, LeadershipGroup, Person

# Group-role labels as written in rosters (spaces removed before lookup).
ROLE_LABELS: dict[str, str] = {
    "组长": GroupRole.LEADER,
    "第一组长": GroupRole.LEADER,
    "副组长": GroupRole.DEPUTY,
    "常务副组长": GroupRole.DEPUTY,
    "执行副组长": GroupRole.DEPUTY,
    "成员": GroupRole.MEMBER,
    "组员": GroupRole.MEMBER,
    "办公室主任": GroupRole.OFFICE_DIRECTOR,
    "领导小组办公室主任": GroupRole.OFFICE_DIRECTOR,
    # The stored values and English labels are accepted too (an export read back).
    **{role.value: role for role in GroupRole},
}
with translation.override("en"):
    ROLE_LABELS.update({str(role.label).lower(): role for role in GroupRole})

# How each role is printed, as in seed 000's annex.
PRINT_LABELS: dict[str, str] = {
    GroupRole.LEADER: "组　长",
    GroupRole.DEPUTY: "副组长",
    GroupRole.MEMBER: "成　员",
    GroupRole.OFFICE_DIRECTOR: "办公室主任",
}
FULL_COLON = "："
FULL_SPACE = "\u3000"

INTRO = "为确保校园安全各项工作扎实有效开展，成立{name}，{purpose}，组成人员如下："
INTRO_NO_PURPOSE = "为确保校园安全各项工作扎实有效开展，成立{name}，组成人员如下："

# The end of a unit's name, and the posts that may follow it: "冯记沟派出所" + "所长".
UNIT_SUFFIXES = (
    "派出所",
    "所",
    "卫生院",
    "院",
    "中心",
    "办公室",
    "办",
    "小学",
    "中学",
    "幼儿园",
    "学校",
    "村",
    "社区",
    "局",
    "大队",
    "中队",
    "站",
    "科",
    "室",
    "处",
    "股",
    "委员会",
    "队",
    "厅",
)
POSTS = {
    p
    for base in (
        "所长",
        "院长",
        "主任",
        "校长",
        "园长",
        "局长",
        "大队长",
        "中队长",
        "队长",
        "站长",
        "书记",
        "党支部书记",
        "总支书记",
        "科长",
        "处长",
        "股长",
        "厅长",
        "干事",
        "教导主任",
        "政教主任",
        "德育主任",
        "教务主任",
        "总务主任",
        "指导员",
        "教导员",
        "民警",
        "社区民警",
        "专干",
        "委员",
        "副书记",
        "负责人",
        "安全员",
        "网格员",
    )
    for p in (base, "副" + base, "常务副" + base)
}

_COLON = re.compile(r"^(?P<label>[^:：]{1,12}?)\s*[:：]\s*(?P<rest>.*)$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_SPACES = re.compile(r"[\s\u3000\xa0]+")
_ANNEX = re.compile(r"^附\s*件\s*\d*\s*[:：]?$")
_NAME = re.compile(r"^[\u3400-\u9fff]{2,5}$|^[\u3400-\u9fff]{1,10}[·・•][\u3400-\u9fff·・•]{1,15}$")


def normalise_space(text: str) -> str:
    return _SPACES.sub(" ", text or "").strip()


def role_of(label: str) -> str | None:
    key = _SPACES.sub("", label or "").strip().rstrip(":：")
    return ROLE_LABELS.get(key) or ROLE_LABELS.get(key.lower())


def clean_phone(text) -> str:
    return re.sub(r"[\s\-－—()（）]", "", str(text or ""))


def split_post(text: str) -> tuple[str, str]:
    """(unit, post): "冯记沟派出所所长" → ("冯记沟派出所", "所长"); what cannot be split, such as
    "乡党委副书记、政府乡长", is all post."""
    text = (text or "").strip()
    first = re.split(r"[、，,；;]", text, maxsplit=1)[0]
    for i in range(2, len(first)):
        unit, rest = first[:i], first[i:]
        if rest in POSTS and unit.endswith(UNIT_SUFFIXES):
            return unit, text[i:]
    return "", text


def printed_post(unit: str, post: str) -> str:
    """The post as the annex prints it: unit and post run together unless the post names it."""
    if not unit or unit in post:
        return post
    return unit + post


@dataclass
class Entry:
    line: int
    role: str
    name: str
    post: str = ""
    unit: str = ""
    phone: str = ""
    # Filled by plan_import.
    person: Person | None = None
    note: str = ""

    @property
    def role_label(self) -> str:
        return GroupRole(self.role).label

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "role": self.role,
            "name": self.name,
            "post": self.post,
            "unit": self.unit,
            "phone": self.phone,
        }


@dataclass
class Parsed:
    entries: list[Entry] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line or row, message)
    title: str = ""
    intro: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.entries) and not self.errors


def _name_and_post(body: str, line: int, errors: list) -> tuple[str, str, str] | None:
    """Split "周永胜 乡党委副书记" / "马 莉 冯记沟乡卫生院院长" into (name, post, phone)."""
    tokens = body.split(" ")
    phone = ""
    if tokens and _MOBILE.match(clean_phone(tokens[-1])):
        phone = clean_phone(tokens.pop())
    if not tokens:
        errors.append((line, _("The line has no name.")))
        return None
    if len(tokens) >= 2 and len(tokens[0]) == 1 and len(tokens[1]) == 1:
        # A two-character name spaced out to line up with three-character ones: "马 莉".
        name, rest = tokens[0] + tokens[1], tokens[2:]
    else:
        name, rest = tokens[0], tokens[1:]
    post = "".join(rest)
    if not _NAME.match(name):
        if len(name) > 5 and re.match(r"^[\u3400-\u9fff]+$", name):
            errors.append(
                (
                    line,
                    _(
                        "Cannot tell the name from the post in “%(text)s”: put a space after the name."
                    )
                    % {"text": name},
                )
            )
        else:
            errors.append((line, _("“%(text)s” does not look like a name.") % {"text": name}))
        return None
    return name, post, phone


def parse_text(text: str) -> Parsed:
    """Read a pasted roster. Lines before the first role label are the title and introduction;
    a line without a label continues the role above it."""
    result = Parsed()
    role: str | None = None
    preamble: list[str] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = normalise_space(raw)
        if not line:
            continue
        match = _COLON.match(line)
        label_role = role_of(match.group("label")) if match else None
        if label_role:
            role = label_role
            body = match.group("rest").strip()
            if not body:
                continue  # the label stands alone; its names follow
        elif role is None:
            if not _ANNEX.match(line):
                preamble.append(line)
            continue
        elif match:
            result.errors.append(
                (number, _("“%(label)s” is not a group role.") % {"label": match.group("label")})
            )
            continue
        else:
            body = line
        parts = _name_and_post(body, number, result.errors)
        if parts:
            name, post, phone = parts
            unit, post = split_post(post)
            result.entries.append(Entry(number, role, name, post, unit, phone))
    if preamble:
        result.title = preamble[0] if len(preamble[0]) <= 40 else ""
        result.intro = "".join(preamble[1:] if result.title else preamble)
    _check_entries(result)
    return result


ROLE_HEADERS = {"组内职务", "组内职责", "小组职务", "组内分工", "职务/组内职务", "组内角色"}
POST_HEADERS = {"职务", "现任职务", "职务(post)", "职务(岗位)", "岗位", "工作职务", "职务职称"}
NAME_HEADERS = {"姓名", "名字"}
UNIT_HEADERS = {"单位", "工作单位", "所在单位"}
PHONE_HEADERS = {"手机", "手机号", "手机号码", "电话", "联系电话"}


def _header(value) -> str:
    text = _SPACES.sub("", str(value or "")).replace("（", "(").replace("）", ")").strip("*")
    return text


def parse_sheet(rows) -> Parsed:
    """Read a roster from spreadsheet rows (tuples of cell values), the header row first."""
    result = Parsed()
    rows = list(rows)
    header_at = next(
        (i for i, row in enumerate(rows) if any(_header(c) in NAME_HEADERS for c in row)), None
    )
    if header_at is None:
        result.errors.append((1, _("No header row with a 姓名 column was found.")))
        return result
    headers = [_header(c) for c in rows[header_at]]
    cols: dict[str, int] = {}
    post_cols = [i for i, h in enumerate(headers) if h in POST_HEADERS]
    for i, h in enumerate(headers):
        if h in ROLE_HEADERS and "role" not in cols:
            cols["role"] = i
        elif h in NAME_HEADERS and "name" not in cols:
            cols["name"] = i
        elif h in UNIT_HEADERS and "unit" not in cols:
            cols["unit"] = i
        elif h in PHONE_HEADERS and "phone" not in cols:
            cols["phone"] = i
    if "role" not in cols and len(post_cols) >= 2:
        cols["role"] = post_cols.pop(0)  # two 职务 columns: the first is the role in the group
    if post_cols:
        cols["post"] = post_cols[0]
    if "role" not in cols:
        result.errors.append((header_at + 1, _("No 组内职务 column was found.")))
        return result

    def cell(row, key):
        i = cols.get(key)
        if i is None or i >= len(row) or row[i] is None:
            return ""
        return normalise_space(str(row[i]))

    role = None
    for offset, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(str(c).strip() for c in row if c is not None):
            continue
        label, name = cell(row, "role"), _SPACES.sub("", cell(row, "name"))
        if label:
            role = role_of(label)
            if role is None:
                result.errors.append(
                    (offset, _("“%(label)s” is not a group role.") % {"label": label})
                )
                continue
        if role is None:
            result.errors.append((offset, _("The first row needs a group role.")))
            continue
        if not _NAME.match(name):
            result.errors.append(
                (offset, _("“%(text)s” does not look like a name.") % {"text": name})
            )
            continue
        phone = clean_phone(cell(row, "phone"))
        if phone and not _MOBILE.match(phone):
            result.errors.append(
                (offset, _("“%(phone)s” is not a mobile number.") % {"phone": phone})
            )
            continue
        post, unit = cell(row, "post").replace(" ", ""), cell(row, "unit").replace(" ", "")
        if not unit:
            unit, post = split_post(post)
        elif post.startswith(unit):
            post = post[len(unit) :]
        result.entries.append(Entry(offset, role, name, post, unit, phone))
    _check_entries(result)
    return result


def parse_workbook(file) -> Parsed:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:
        result = Parsed()
        result.errors.append((0, _("The file is not an Excel workbook (.xlsx).")))
        return result
    try:
        sheet = workbook.worksheets[0]
        return parse_sheet(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()


def _check_entries(result: Parsed) -> None:
    seen: dict[tuple[str, str], int] = {}
    for entry in result.entries:
        key = (entry.name, entry.phone)
        if key in seen:
            result.errors.append(
                (
                    entry.line,
                    _("%(name)s is listed twice (first on line %(line)d).")
                    % {"name": entry.name, "line": seen[key]},
                )
            )
        else:
            seen[key] = entry.line
    if not result.entries and not result.errors:
        result.errors.append((0, _("No members were found.")))


def entries_from_dicts(items: list[dict]) -> list[Entry]:
    return [
        Entry(**{k: item.get(k, "") for k in Entry.__dataclass_fields__ if k in item})
        for item in items
    ]


# --- matching and saving ------------------------------------------------------------------------


def _fits(entry: Entry, person: Person) -> bool:
    """Could `person` be the one the roster means? Their unit must not contradict the roster's."""
    if not entry.unit or not person.unit:
        return True
    return entry.unit in (person.unit, person.org.name) or entry.unit in person.post


def plan_import(group: LeadershipGroup, entries: list[Entry]) -> list[Entry]:
    """Find each entry's person in the group's subtree: by name, and by phone when it is given.
    A namesake whose unit differs from the roster's is someone else. Entries left without a
    person will be created at the group's node."""
    names = {e.name for e in entries}
    people: dict[str, list[Person]] = {}
    for person in (
        Person.objects.within(group.org_path)
        .filter(name__in=names)
        .select_related("org")
        .order_by("org_path", "id")
    ):
        people.setdefault(person.name, []).append(person)
    for entry in entries:
        entry.person, entry.note = None, ""
        candidates = people.get(entry.name, [])
        if entry.phone:
            same_phone = [p for p in candidates if p.phone == entry.phone]
            if same_phone:
                entry.person = same_phone[0]
                continue
            candidates = [p for p in candidates if not p.phone]
        fitting = [p for p in candidates if _fits(entry, p)]
        if fitting:
            best = [p for p in fitting if entry.post and entry.post in p.post] or fitting
            entry.person = best[0]
            if len(fitting) > 1:
                entry.note = _("%(count)d people share this name; chose the one at %(org)s.") % {
                    "count": len(fitting),
                    "org": entry.person.org.name,
                }
        elif candidates:
            entry.note = _(
                "%(name)s at %(org)s works elsewhere (%(unit)s): a new person will be added."
            ) % {"name": entry.name, "org": candidates[0].org.name, "unit": candidates[0].unit}
    return entries


@transaction.atomic
def save_import(group: LeadershipGroup, entries: list[Entry], by) -> list:
    """Create the people not on file (at the group's node), then replace the roster."""
    from safecampus.orgs.services import group_set_members

    group = LeadershipGroup.objects.select_for_update().get(pk=group.pk)
    plan_import(group, entries)
    departments = {
        d.name: d for d in Department.objects.within(group.org_path).only("id", "name", "org_path")
    }
    members = []
    for entry in entries:
        person = entry.person
        if person is None:
            person = create_record(
                instance=Person(
                    org=group.org,
                    name=entry.name,
                    phone=entry.phone,
                    post=entry.post,
                    unit=entry.unit,
                    department=departments.get(entry.unit),
                ),
                by=by,
                comment=_("From the roster of %(group)s") % {"group": group.name},
            )
            entry.person = person
        members.append(
            {"person": person, "group_role": entry.role, "post": entry.post, "unit": entry.unit}
        )
    return group_set_members(group=group, by=by, members=members)


# --- printing -----------------------------------------------------------------------------------


def padded_name(name: str) -> str:
    """Two-character names are spaced out to the width of three, as typeset in the annex."""
    return name[0] + FULL_SPACE + name[1] if len(name) == 2 else name


def roster_lines(group: LeadershipGroup) -> list[dict]:
    """The printed lines, grouped by role in the order 组长, 副组长, 成员, 办公室主任: the first
    line of a role carries the label, the rest are indented to line up under the names."""
    members = sorted(
        group.members.select_related("person"),
        key=lambda m: (GROUP_ROLE_ORDER.get(m.group_role, 9), m.position, m.id),
    )
    lines = []
    previous = None
    for member in members:
        label = PRINT_LABELS.get(member.group_role, member.get_group_role_display())
        head = label + FULL_COLON
        first = member.group_role != previous
        previous = member.group_role
        prefix = head if first else FULL_SPACE * len(head)
        post = printed_post(member.unit, member.post)
        text = prefix + padded_name(member.person.name) + (FULL_SPACE + post if post else "")
        lines.append({"text": text, "first": first, "role": member.group_role, "member": member})
    return lines


def intro_of(group: LeadershipGroup) -> str:
    purpose = (group.purpose or "").strip().rstrip("。，,.")
    if purpose.startswith("为") and purpose.endswith(("如下", "如下：", "如下:")):
        return purpose.rstrip(":：") + FULL_COLON
    if purpose:
        return INTRO.format(name=group.name, purpose=purpose)
    return INTRO_NO_PURPOSE.format(name=group.name)
