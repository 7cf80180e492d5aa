"""The demo world: a county-scale slice of 宁夏回族自治区 吴忠市, built deterministically.

`build_world(seed, schools)` is pure: it returns plain specs (nodes, departments, people,
leadership groups, demo users) and touches no database, so the same seed always gives the
same names, phones and numbers. `seed_demo` writes the specs.

The Chinese here is data: place names, school names, posts and people's names, as they appear
in the documents the users write (seed 000's annex is the model for the leadership groups).
The people are invented; the township names are real, the villages of 冯记沟乡 are those of
seed 000, the others are made up. Coordinates are kept compact around 37.8N 107.4E.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from safecampus.orgs.choices import DepartmentKind, GroupRole, NodeKind, Ownership, SchoolKind

PROVINCE = "宁夏回族自治区"
CITY = "吴忠市"
DEMO_PASSWORD = "safecampus-demo"  # noqa: S105  published on purpose: the demo's logins
MIN_SCHOOLS = 12
# The demo's login accounts, in the order they are listed.
DEMO_USERNAMES = (
    "admin",
    "leader",
    "bureau",
    "inspector",
    "township",
    "principal",
    "safety",
    "teacher",
    "guard",
    "police",
    "observer",
)

# name, short name, division code, seat township, centre (lat, lon), townships (name, code)
COUNTIES = [
    {
        "name": "盐池县",
        "short": "盐池",
        "code": "640323",
        "centre": (37.783, 107.405),
        "townships": [
            ("花马池镇", "640323100"),
            ("大水坑镇", "640323101"),
            ("惠安堡镇", "640323102"),
            ("高沙窝镇", "640323103"),
            ("王乐井乡", "640323200"),
            ("冯记沟乡", "640323201"),
            ("青山乡", "640323202"),
            ("麻黄山乡", "640323203"),
        ],
    },
    {
        "name": "同心县",
        "short": "同心",
        "code": "640324",
        "centre": (37.52, 107.03),
        "townships": [
            ("豫海镇", "640324100"),
            ("丁塘镇", "640324101"),
            ("韦州镇", "640324102"),
            ("下马关镇", "640324103"),
            ("预旺镇", "640324104"),
            ("王团镇", "640324105"),
            ("田老庄乡", "640324200"),
        ],
    },
    {
        "name": "青铜峡市",
        "short": "青铜峡",
        "code": "640381",
        "centre": (38.07, 107.06),
        "townships": [
            ("小坝镇", "640381100"),
            ("大坝镇", "640381101"),
            ("青铜峡镇", "640381102"),
            ("叶盛镇", "640381103"),
            ("瞿靖镇", "640381104"),
            ("峡口镇", "640381105"),
        ],
    },
]

# The villages of seed 000; other townships get invented ones.
KNOWN_VILLAGES = {
    "冯记沟乡": [
        "冯记沟村",
        "丁记掌村",
        "暴记春村",
        "回六庄村",
        "雨强村",
        "马儿庄村",
        "平台村",
        "汪水塘村",
        "兴隆社区",
    ]
}
VILLAGE_FIRST = "红沙石柳杏青新东西南北高黄白梨枣"
VILLAGE_SURNAMES = "李王马杨张刘何周冯高田丁苏郭"
VILLAGE_SUFFIX = ["庄", "湾", "滩", "井", "沟", "塘", "堡", "圈", "梁", "渠"]
COMMUNITIES = [
    "城北",
    "城西",
    "城南",
    "城东",
    "鸿丰",
    "新华",
    "文化",
    "朝阳",
    "团结",
    "东关",
    "西关",
]
ROADS = ["文化路", "团结路", "建设街", "人民路", "振兴路", "育才路", "新华街", "长城路", "民族街"]

SURNAMES = (
    "王王王李李李张张刘刘陈杨杨杨马马马马马周冯贺何高田丁白苏海金罗郭孙吴赵徐黄朱胡"
    "林郑梁宋唐许韩曹冉纳虎妥拓鲁苗闫师薛蒋魏"
)
MALE_GIVEN = (
    "永胜建鹏明宏志国奋强军荣锋旭堂勇文华伟海涛斌杰磊刚辉峰鑫宇浩振学成福贵德龙彦瑞晨泽亮波俊"
)
FEMALE_GIVEN = "雅娜春美玲兰珍晓莉芳云静丽敏霞红燕佳琳慧婷雪梅玉凤秀英嘉宁思欣怡娟萍丹"
MOBILE_PREFIXES = [
    "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "158", "159", "177", "180", "181", "182", "187", "188", "189", "199",
]  # fmt: skip
CN_DIGITS = "零一二三四五六七八九"
KG_NAMES = [
    "小太阳",
    "阳光",
    "七彩虹",
    "童心",
    "育苗",
    "启智",
    "蓝天",
    "春蕾",
    "星星",
    "爱心",
    "贝贝",
    "新苗",
]
TRAINING_NAMES = ["启航", "博雅", "智慧树", "书香", "英才", "明德", "卓越", "飞扬", "乐学", "致远"]
TRAINING_KINDS = ["文化培训学校", "艺术培训中心", "体育培训中心", "科技培训学校"]

HIGHER_EDUCATION = "宁夏民族职业技术学院青铜峡校区"  # under 青铜峡市, in its county seat


def cn_number(n: int) -> str:
    """二, 十, 十二, 二十三: ordinal numbers as written in school names."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    if n < 100:
        return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")
    return str(n)


def short_of(township: str) -> str:
    """冯记沟乡 → 冯记沟, 下马关镇 → 下马关, as in 冯记沟派出所."""
    for suffix in ("街道", "乡", "镇"):
        if township.endswith(suffix) and len(township) > len(suffix) + 1:
            return township[: -len(suffix)]
    return township


def village_base(village: str) -> str:
    for suffix in ("社区", "村"):
        if village.endswith(suffix):
            return village[: -len(suffix)]
    return village


@dataclass
class NodeSpec:
    key: str
    parent: str | None
    kind: str
    name: str
    short_name: str = ""
    code: str = ""
    centre: tuple[float, float] = (0.0, 0.0)
    school: dict | None = None


@dataclass
class DepartmentSpec:
    key: str
    node: str
    kind: str
    name: str
    phone: str = ""
    address: str = ""


@dataclass
class PersonSpec:
    node: str
    name: str
    phone: str
    post: str
    unit: str
    department: str | None = None
    user: str | None = None  # username of the linked login account


@dataclass
class GroupSpec:
    node: str
    name: str
    purpose: str
    # (person index, group role, post as printed, unit as printed)
    members: list[tuple[int, str, str, str]] = field(default_factory=list)


@dataclass
class UserSpec:
    username: str
    role: str
    node: str
    person: int
    # (role, node key, department key or None)
    assignments: list[tuple[str, str, str | None]] = field(default_factory=list)


@dataclass
class DemoWorld:
    nodes: list[NodeSpec] = field(default_factory=list)
    departments: list[DepartmentSpec] = field(default_factory=list)
    people: list[PersonSpec] = field(default_factory=list)
    groups: list[GroupSpec] = field(default_factory=list)
    users: list[UserSpec] = field(default_factory=list)

    def node(self, key: str) -> NodeSpec:
        return self._nodes[key]

    def index(self) -> None:
        self._nodes = {n.key: n for n in self.nodes}

    @property
    def schools(self) -> list[NodeSpec]:
        return [n for n in self.nodes if n.kind == NodeKind.SCHOOL]


class _Builder:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.world = DemoWorld()
        self.phones: set[str] = set()
        self.names: set[str] = set()
        self.nodes: dict[str, NodeSpec] = {}
        self.school_seq: dict[str, int] = {}

    # --- people -----------------------------------------------------------------------------
    def mobile(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def landline(self) -> str:
        return f"0953-{self.rng.randrange(6000000, 7999999)}"

    def person_name(self) -> str:
        for _attempt in range(60):
            surname = self.rng.choice(SURNAMES)
            pool = MALE_GIVEN if self.rng.random() < 0.55 else FEMALE_GIVEN
            length = 1 if self.rng.random() < 0.3 else 2
            name = surname + "".join(self.rng.choice(pool) for _ in range(length))
            if name not in self.names and len(set(name)) == len(name):
                self.names.add(name)
                return name
        return name

    def person(self, node: str, post: str, unit: str, department: str | None = None) -> int:
        self.world.people.append(
            PersonSpec(
                node=node,
                name=self.person_name(),
                phone=self.mobile(),
                post=post,
                unit=unit,
                department=department,
            )
        )
        return len(self.world.people) - 1

    # --- nodes ------------------------------------------------------------------------------
    def add_node(self, parent: str | None, kind: str, name: str, **kw) -> NodeSpec:
        key = f"{parent}/{name}" if parent else name
        spec = NodeSpec(key=key, parent=parent, kind=kind, name=name, **kw)
        self.nodes[key] = spec
        self.world.nodes.append(spec)
        return spec

    def jitter(self, centre: tuple[float, float], spread: float) -> tuple[float, float]:
        return (
            round(centre[0] + self.rng.uniform(-spread, spread), 6),
            round(centre[1] + self.rng.uniform(-spread, spread) * 1.2, 6),
        )

    def department(self, node: NodeSpec, kind: str, name: str, address: str) -> DepartmentSpec:
        spec = DepartmentSpec(
            key=f"{node.key}#{name}",
            node=node.key,
            kind=kind,
            name=name,
            phone=self.landline(),
            address=address,
        )
        self.world.departments.append(spec)
        return spec


# --- school profiles --------------------------------------------------------------------------

# kind: (enrolment range by tier, staff ratio, storeys range, boarding probability, boarder share)
_PROFILES = {
    SchoolKind.KINDERGARTEN: ({"central": (150, 420), "town": (80, 360), "village": (18, 90)}, 9, (1, 3), 0.0, (0, 0)),
    SchoolKind.PRIMARY: ({"central": (260, 900), "town": (400, 1800), "village": (15, 160)}, 15, (2, 4), 0.25, (0.2, 0.5)),
    SchoolKind.JUNIOR: ({"central": (400, 1500), "town": (600, 1800), "village": (200, 600)}, 12, (3, 5), 0.8, (0.4, 0.8)),
    SchoolKind.SENIOR: ({"central": (1500, 3800), "town": (1200, 3000), "village": (800, 1500)}, 11, (4, 6), 1.0, (0.5, 0.85)),
    SchoolKind.NINE_YEAR: ({"central": (400, 1400), "town": (500, 1600), "village": (150, 500)}, 13, (3, 5), 0.7, (0.3, 0.7)),
    SchoolKind.TWELVE_YEAR: ({"central": (900, 2200), "town": (900, 2200), "village": (900, 2200)}, 12, (4, 6), 1.0, (0.5, 0.8)),
    SchoolKind.VOCATIONAL: ({"central": (1200, 2600), "town": (1200, 2600), "village": (1200, 2600)}, 14, (4, 6), 1.0, (0.6, 0.9)),
    SchoolKind.SPECIAL: ({"central": (80, 200), "town": (80, 200), "village": (80, 200)}, 4, (2, 3), 1.0, (0.5, 0.8)),
    SchoolKind.HIGHER: ({"central": (5000, 9000), "town": (5000, 9000), "village": (5000, 9000)}, 16, (5, 8), 1.0, (0.8, 0.95)),
    SchoolKind.TRAINING: ({"central": (50, 400), "town": (50, 400), "village": (50, 400)}, 12, (1, 5), 0.0, (0, 0)),
}  # fmt: skip


def school_profile(rng: random.Random, kind: str, tier: str) -> dict:
    ranges, ratio, storeys, boarding_p, share = _PROFILES[kind]
    low, high = ranges[tier]
    enrolment = rng.randrange(low, high + 1)
    staff = max(3, round(enrolment / ratio) + rng.randrange(2, 8))
    boarding = rng.random() < boarding_p and (tier != "village" or kind != SchoolKind.PRIMARY)
    boarders = round(enrolment * rng.uniform(*share)) if boarding else 0
    top = storeys[1] if tier != "village" else min(storeys[1], 2)
    return {
        "enrolment": enrolment,
        "staff_count": staff,
        "boarding": boarding,
        "boarders": boarders,
        "storeys": rng.randint(min(storeys[0], top), top),
    }


def kind_counts(total: int) -> dict[str, int]:
    """Realistic proportions: many kindergartens and primaries, fewer middle schools, one each
    of the rare kinds."""
    counts = {
        SchoolKind.SPECIAL: 1,
        SchoolKind.VOCATIONAL: 1,
        SchoolKind.HIGHER: 1,
        SchoolKind.TWELVE_YEAR: 1,
        SchoolKind.TRAINING: max(1, round(total * 0.03)),
        SchoolKind.SENIOR: max(2, round(total * 0.03)),
        SchoolKind.NINE_YEAR: max(1, round(total * 0.04)),
        SchoolKind.JUNIOR: max(2, round(total * 0.08)),
    }
    rest = total - sum(counts.values())
    counts[SchoolKind.KINDERGARTEN] = max(1, round(rest * 0.48))
    counts[SchoolKind.PRIMARY] = rest - counts[SchoolKind.KINDERGARTEN]
    return counts


# --- staff of a school ------------------------------------------------------------------------

LEAD, DEP, MEM, OFFICE = (
    GroupRole.LEADER,
    GroupRole.DEPUTY,
    GroupRole.MEMBER,
    GroupRole.OFFICE_DIRECTOR,
)


def school_posts(kind: str, enrolment: int) -> list[tuple[str, str | None]]:
    """(post, group role or None for staff outside the leadership group)."""
    if kind == SchoolKind.TRAINING:
        return [("校长", LEAD), ("安全员", MEM), ("教师", None), ("保安", None)]
    if kind == SchoolKind.KINDERGARTEN:
        posts = [("园长", LEAD)]
        if enrolment >= 120:
            posts.append(("副园长", DEP))
        posts += [
            ("保教主任", MEM),
            ("保健医生", MEM),
            ("安全员", OFFICE),
            ("班主任", None),
            ("保安", None),
        ]
        return posts
    if enrolment < 160:  # village school or teaching point
        return [
            ("校长", LEAD),
            ("教导主任", MEM),
            ("安全员", OFFICE),
            ("班主任", None),
            ("保安", None),
        ]
    if kind == SchoolKind.HIGHER:
        return [
            ("校长", LEAD),
            ("分管安全副校长", DEP),
            ("保卫处处长", MEM),
            ("学生处处长", MEM),
            ("后勤处处长", MEM),
            ("校医院院长", MEM),
            ("安全办主任", OFFICE),
            ("辅导员", None),
            ("保安", None),
            ("保安", None),
        ]
    moral = (
        "政教主任"
        if kind in (SchoolKind.JUNIOR, SchoolKind.SENIOR, SchoolKind.VOCATIONAL)
        else "德育主任"
    )
    posts = [("校长", LEAD), ("分管安全副校长", DEP)]
    if enrolment >= 800:
        posts.append(("副校长", DEP))
    posts += [("教务主任", MEM), (moral, MEM), ("总务主任", MEM)]
    if enrolment >= 300:
        posts.append(("校医", MEM))
    posts += [("安全办主任", OFFICE), ("班主任", None), ("班主任", None), ("保安", None)]
    if enrolment >= 600:
        posts.append(("保安", None))
    return posts


CLASS_NAMES = ["一年级一班", "二年级一班", "三年级二班", "四年级一班", "五年级二班", "六年级一班"]
KG_CLASSES = ["小班", "中一班", "中二班", "大一班", "大二班"]


def build_world(seed: int = 2023, schools: int = 200) -> DemoWorld:
    if schools < MIN_SCHOOLS:
        raise ValueError(f"at least {MIN_SCHOOLS} schools")
    b = _Builder(seed)
    rng = b.rng
    province = b.add_node(
        None, NodeKind.PROVINCE, PROVINCE, short_name="宁", code="640000", centre=(37.8, 107.4)
    )
    city = b.add_node(
        province.key, NodeKind.CITY, CITY, short_name="吴忠", code="640300", centre=(37.8, 107.4)
    )

    counties: list[NodeSpec] = []
    townships: list[NodeSpec] = []
    seat_of: dict[str, NodeSpec] = {}
    county_of: dict[str, NodeSpec] = {}
    villages: dict[str, list[NodeSpec]] = {}
    for data in COUNTIES:
        county = b.add_node(
            city.key,
            NodeKind.COUNTY,
            data["name"],
            short_name=data["short"],
            code=data["code"],
            centre=data["centre"],
        )
        counties.append(county)
        for position, (name, code) in enumerate(data["townships"]):
            centre = data["centre"] if position == 0 else b.jitter(data["centre"], 0.18)
            town = b.add_node(
                county.key,
                NodeKind.TOWNSHIP,
                name,
                short_name=short_of(name),
                code=code,
                centre=centre,
            )
            townships.append(town)
            county_of[town.key] = county
            if position == 0:
                seat_of[county.key] = town
            villages[town.key] = [
                b.add_node(town.key, NodeKind.VILLAGE, v, code=f"{code}{i + 1:03d}", centre=b.jitter(centre, 0.04))
                for i, v in enumerate(_village_names(rng, name, seat=position == 0))
            ]  # fmt: skip

    # --- departments ------------------------------------------------------------------------
    depts: dict[tuple[str, str], DepartmentSpec] = {}
    depts[(province.key, "education")] = b.department(
        province, DepartmentKind.EDUCATION, "宁夏回族自治区教育厅", "银川市金凤区"
    )
    depts[(city.key, "education")] = b.department(
        city, DepartmentKind.EDUCATION, "吴忠市教育局", "吴忠市利通区"
    )
    for county in counties:
        seat = seat_of[county.key].name
        for kind, suffix in (
            (DepartmentKind.EDUCATION, "教育体育局"),
            (DepartmentKind.FIRE, "消防救援大队"),
            (DepartmentKind.TRAFFIC, "公安局交警大队"),
            (DepartmentKind.EMERGENCY, "应急管理局"),
            (DepartmentKind.WATER, "水务局"),
        ):
            depts[(county.key, kind)] = b.department(
                county, kind, county.name + suffix, f"{county.name}{seat}{rng.choice(ROADS)}"
            )
    for town in townships:
        short = town.short_name
        for kind, name in (
            (DepartmentKind.POLICE, f"{short}派出所"),
            (DepartmentKind.MARKET, f"{short}市场监督管理所"),
            (DepartmentKind.JUDICIAL, f"{short}司法所"),
            (DepartmentKind.HEALTH, f"{town.name}卫生院"),
        ):
            depts[(town.key, kind)] = b.department(town, kind, name, f"{county_of[town.key].name}{town.name}")  # fmt: skip

    # --- schools ----------------------------------------------------------------------------
    counts = kind_counts(schools)
    order = _township_order(townships)
    weights = [5 if t is seat_of[county_of[t.key].key] else 1 for t in order]
    generators: dict[tuple[str, str], object] = {}
    made: list[tuple] = []  # (parent, name, school kind, tier, ownership)

    def gen(town: NodeSpec, kind: str):
        key = (town.key, kind)
        if key not in generators:
            generators[key] = _school_names(rng, town, villages[town.key], kind)
        return generators[key]

    # School names are unique within a county: a village school whose name would repeat
    # another's keeps the village's full name (冯记沟村幼儿园 beside 冯记沟幼儿园), then the
    # township's too (大水坑柳沟村小学), as the bureau's own lists tell them apart.
    used: dict[str, set[str]] = defaultdict(set)

    def add(parent: NodeSpec, name: str, kind: str, tier: str, ownership: str) -> bool:
        county = parent if parent.kind == NodeKind.COUNTY else _county_of(b, parent)
        for candidate in _name_variants(b, parent, name):
            if candidate not in used[county.key]:
                used[county.key].add(candidate)
                made.append((parent, candidate, kind, tier, ownership))
                return True
        return False

    def place(kind: str, count: int):
        for i in range(count):
            town = order[i] if i < len(order) else rng.choices(order, weights)[0]
            while True:
                parent, name, tier, ownership = next(gen(town, kind))
                if add(parent, name, kind, tier, ownership):
                    break

    # County-level schools (县直学校) first, then township schools.
    senior_names = _senior_names(counties)
    for _ in range(counts[SchoolKind.SENIOR]):
        county, name = next(senior_names)
        add(county, name, SchoolKind.SENIOR, "central", Ownership.PUBLIC)
    yanchi, tongxin, qingtongxia = counties
    add(yanchi, "盐池县职业中学", SchoolKind.VOCATIONAL, "central", Ownership.PUBLIC)
    add(yanchi, "盐池县特殊教育学校", SchoolKind.SPECIAL, "central", Ownership.PUBLIC)
    add(qingtongxia, HIGHER_EDUCATION, SchoolKind.HIGHER, "central", Ownership.PUBLIC)
    if counts[SchoolKind.TWELVE_YEAR]:
        add(tongxin, "同心县育才学校", SchoolKind.TWELVE_YEAR, "central", Ownership.PRIVATE)
    for kind in (
        SchoolKind.PRIMARY,
        SchoolKind.KINDERGARTEN,
        SchoolKind.JUNIOR,
        SchoolKind.NINE_YEAR,
    ):
        place(kind, counts[kind])
    training = _training_names(rng, [seat_of[c.key] for c in counties])
    for _ in range(counts[SchoolKind.TRAINING]):
        town, name = next(training)
        while not add(town, name, SchoolKind.TRAINING, "town", Ownership.PRIVATE):
            town, name = next(training)

    school_specs: list[NodeSpec] = []
    for parent, name, kind, tier, ownership in made:
        county = parent if parent.kind == NodeKind.COUNTY else _county_of(b, parent)
        seq = b.school_seq[county.key] = b.school_seq.get(county.key, 0) + 1
        profile = school_profile(rng, kind, tier)
        lat, lon = b.jitter(parent.centre, 0.02)
        town_name = "" if parent.kind == NodeKind.COUNTY else _town_name(b, parent)
        if parent.kind == NodeKind.VILLAGE:
            address = f"{county.name}{town_name}{parent.name}"
        elif parent.kind == NodeKind.COUNTY:
            address = f"{county.name}{seat_of[county.key].name}{rng.choice(ROADS)}{rng.randrange(1, 300)}号"
        else:
            address = f"{county.name}{town_name}{rng.choice(ROADS)}{rng.randrange(1, 200)}号"
        profile.update(
            ownership=ownership,
            school_kind=kind,
            address=address,
            latitude=Decimal(f"{lat:.6f}"),
            longitude=Decimal(f"{lon:.6f}"),
            phone=b.landline(),
        )
        spec = b.add_node(parent.key, NodeKind.SCHOOL, name, code=f"21{county.code[:2]}{county.code[-2:]}{seq:04d}", centre=(lat, lon), school=profile)  # fmt: skip
        school_specs.append(spec)

    # --- people and groups ------------------------------------------------------------------
    staff_of: dict[str, dict[str, list[int]]] = {}
    for spec in school_specs:
        kind, enrolment = spec.school["school_kind"], spec.school["enrolment"]
        group = GroupSpec(
            node=spec.key,
            name=f"{spec.name}安全工作领导小组",
            purpose="负责本校安全工作的研究部署、隐患排查整改和应急处置",
        )
        posts: dict[str, list[int]] = {}
        for post, role in school_posts(kind, enrolment):
            if post == "班主任":
                classes = KG_CLASSES if kind == SchoolKind.KINDERGARTEN else CLASS_NAMES
                shown = f"{rng.choice(classes)}班主任"
            else:
                shown = post
            index = b.person(spec.key, shown, spec.name)
            posts.setdefault(post, []).append(index)
            if role:
                group.members.append((index, role, post, ""))
        staff_of[spec.key] = posts
        head = posts.get("校长", posts.get("园长"))[0]
        spec.school["principal_name"] = b.world.people[head].name
        b.world.groups.append(group)

    gov = {}
    for town in townships:
        gov[town.key] = _township_people(b, town, villages[town.key], depts, staff_of, school_specs)
    county_people = {}
    for county in counties:
        county_people[county.key] = _county_people(b, county, depts)

    province_admin = b.person(
        province.key,
        "信息中心工程师",
        "宁夏回族自治区教育厅",
        depts[(province.key, "education")].key,
    )
    city_observer = b.person(
        city.key, "安全管理科科员", "吴忠市教育局", depts[(city.key, "education")].key
    )

    # --- demo users ----------------------------------------------------------------------
    fjg = b.nodes["宁夏回族自治区/吴忠市/盐池县/冯记沟乡"]
    school = b.nodes[fjg.key + "/冯记沟中心小学"]
    yc = yanchi.key
    yc_schools = [s for s in school_specs if s.key.startswith(yc + "/")]
    # The inspector follows 冯记沟中心小学 (where the school-side demo users work) and two more.
    preferred = [school.name, "冯记沟幼儿园", "盐池县第一中学"]
    inspected = sorted(
        yc_schools, key=lambda s: preferred.index(s.name) if s.name in preferred else 9
    )[:3]
    staff = staff_of[school.key]
    police = depts[(fjg.key, DepartmentKind.POLICE)]
    users = [
        ("admin", "sysadmin", province.key, province_admin, None),
        ("leader", "bureau_leader", yc, county_people[yc]["局长"], None),
        ("bureau", "bureau_staff", yc, county_people[yc]["安全科科长"], None),
        ("inspector", "inspector", yc, county_people[yc]["责任督学"], None),
        ("township", "township_officer", fjg.key, gov[fjg.key]["deputy"], None),
        ("principal", "principal", school.key, staff["校长"][0], None),
        ("safety", "safety_officer", school.key, staff["分管安全副校长"][0], None),
        ("teacher", "teacher", school.key, staff["班主任"][0], None),
        ("guard", "guard", school.key, staff["保安"][0], None),
        ("police", "department_liaison", fjg.key, gov[fjg.key]["police_officer"], police.key),
        ("observer", "observer", city.key, city_observer, None),
    ]
    for username, role, node, person, dept in users:
        if role == "inspector":
            assignments = [(role, s.key, None) for s in inspected]
        else:
            assignments = [(role, node, dept)]
        b.world.users.append(
            UserSpec(
                username=username, role=role, node=node, person=person, assignments=assignments
            )
        )
        b.world.people[person].user = username
    b.world.index()
    return b.world


# --- helpers for build_world ----------------------------------------------------------------


def _village_names(rng: random.Random, township: str, *, seat: bool) -> list[str]:
    if township in KNOWN_VILLAGES:
        return list(KNOWN_VILLAGES[township])
    names: list[str] = []
    if seat:
        names += [f"{c}社区" for c in rng.sample(COMMUNITIES, 3)]
    while len(names) < (6 if seat else rng.randint(4, 6)):
        if rng.random() < 0.5:
            name = f"{rng.choice(VILLAGE_SURNAMES)}家{rng.choice(VILLAGE_SUFFIX)}村"
        else:
            name = f"{rng.choice(VILLAGE_FIRST)}{rng.choice(VILLAGE_SUFFIX)}村"
        if name not in names:
            names.append(name)
    return names


def _township_order(townships: list[NodeSpec]) -> list[NodeSpec]:
    """冯记沟乡 first (the demo users' school is its central primary), then the tree's order."""
    return sorted(townships, key=lambda t: t.name != "冯记沟乡")


def _county_of(b: _Builder, node: NodeSpec) -> NodeSpec:
    while node.kind != NodeKind.COUNTY:
        node = b.nodes[node.parent]
    return node


def _name_variants(b: _Builder, parent: NodeSpec, name: str) -> list[str]:
    """The name, then the ways a county tells two schools of that name apart: a village
    school with the village's full name, then with its township's short name before it."""
    variants = [name]
    if parent.kind == NodeKind.VILLAGE:
        base = village_base(parent.name)
        if name.startswith(base) and base != parent.name:
            variants.append(parent.name + name[len(base) :])
        town = b.nodes[parent.parent]
        variants.append(town.short_name + variants[-1])
    elif parent.kind == NodeKind.TOWNSHIP and not name.startswith(parent.short_name):
        variants.append(parent.short_name + name)
    return variants


def _town_name(b: _Builder, node: NodeSpec) -> str:
    while node.kind != NodeKind.TOWNSHIP:
        node = b.nodes[node.parent]
    return node.name


def _school_names(rng: random.Random, town: NodeSpec, villages: list[NodeSpec], kind: str):
    """Endless unique (parent, name, tier, ownership) for one kind in one township."""
    short, full = town.short_name, town.name
    public = Ownership.PUBLIC
    if kind == SchoolKind.PRIMARY:
        yield town, f"{short}中心小学", "central", public
        for v in villages:
            yield v, f"{village_base(v.name)}小学", "village", public
        n = 2
        while True:
            yield town, f"{full}第{cn_number(n)}小学", "town", public
            n += 1
    elif kind == SchoolKind.KINDERGARTEN:
        yield town, f"{short}幼儿园", "central", public
        fancy = list(KG_NAMES)
        rng.shuffle(fancy)
        for v in villages:
            yield v, f"{village_base(v.name)}幼儿园", "village", public
        n = 2
        while True:
            if fancy and rng.random() < 0.35:
                yield town, f"{short}{fancy.pop()}幼儿园", "town", Ownership.PRIVATE
            else:
                yield town, f"{full}第{cn_number(n)}幼儿园", "town", public
                n += 1
    elif kind == SchoolKind.JUNIOR:
        yield town, f"{short}中学", "central", public
        n = 2
        while True:
            yield town, f"{full}第{cn_number(n)}中学", "town", public
            n += 1
    elif kind == SchoolKind.NINE_YEAR:
        yield town, f"{short}九年一贯制学校", "central", public
        for v in villages:
            if not v.name.endswith("社区"):
                yield v, f"{village_base(v.name)}学校", "village", public
        n = 2
        while True:
            yield town, f"{full}第{cn_number(n)}九年一贯制学校", "town", public
            n += 1


def _senior_names(counties: list[NodeSpec]):
    patterns = ["{c}第一中学", "{c}高级中学", "{c}回民中学"]
    for pattern in patterns:
        for county in counties:
            yield county, pattern.format(c=county.name)
    n = 2
    while True:
        for county in counties:
            yield county, f"{county.name}第{cn_number(n)}高级中学"
        n += 1


def _training_names(rng: random.Random, seats: list[NodeSpec]):
    combos = [(s, f, k) for f in TRAINING_NAMES for k in TRAINING_KINDS for s in seats]
    rng.shuffle(combos)
    for seat, fancy, kind in combos:
        yield seat, f"{seat.short_name}{fancy}{kind}"
    n = 1
    while True:
        for seat in seats:
            yield seat, f"{seat.name}第{cn_number(n)}培训中心"
        n += 1


def _township_people(b, town, villages, depts, staff_of, schools) -> dict:
    """The township government, its departments' heads and the village heads, and the township's
    leadership group in the form of seed 000's annex."""
    from safecampus.orgs.leadership import split_post

    gov_unit = f"{town.name}人民政府"
    level = "镇" if town.name.endswith("镇") else "乡"
    key = town.key
    out = {}
    rows: list[tuple[int, str, str]] = []  # (person, group role, printed text)

    def add(post_printed, role, unit=gov_unit, dept=None, post=None):
        index = b.person(key, post or post_printed, unit, dept)
        rows.append((index, role, post_printed))
        return index

    b.person(key, f"{level}党委书记", gov_unit)
    out["leader"] = add(f"{level}党委副书记、政府{level}长", LEAD)
    out["deputy"] = add(f"{level}党委委员、政府副{level}长", DEP)
    market, police = depts[(key, DepartmentKind.MARKET)], depts[(key, DepartmentKind.POLICE)]
    judicial, health = depts[(key, DepartmentKind.JUDICIAL)], depts[(key, DepartmentKind.HEALTH)]
    add(f"{market.name}所长", MEM, market.name, market.key, "所长")
    add(f"{police.name}所长", MEM, police.name, police.key, "所长")
    add(f"{level}党建办公室主任", MEM)
    add(f"{judicial.name}副所长", MEM, judicial.name, judicial.key, "副所长")
    add(f"{level}综合办公室主任", MEM)
    add(f"{level}民生服务中心主任", MEM)
    add(f"{level}社会事务管理办公室主任", MEM)
    # The principals of the township's own schools: the first of each main kind (seed 000
    # lists the central primary school and the kindergarten).
    core = []
    for kind in (
        SchoolKind.PRIMARY,
        SchoolKind.KINDERGARTEN,
        SchoolKind.JUNIOR,
        SchoolKind.NINE_YEAR,
    ):
        first = next(
            (s for s in schools if s.parent == key and s.school["school_kind"] == kind), None
        )
        if first:
            core.append(first)
    for school in core:
        head = staff_of[school.key].get("校长", staff_of[school.key].get("园长"))[0]
        post = b.world.people[head].post
        rows.append((head, MEM, f"{school.name}{post}"))
    add(f"{health.name}院长", MEM, health.name, health.key, "院长")
    for village in villages:
        if village.name.endswith("社区"):
            post = "党支部书记"
        else:
            post = "党支部书记、村委会主任" if b.rng.random() < 0.75 else "党支部书记"
        index = b.person(village.key, post, village.name)
        rows.append((index, MEM, f"{village.name}{post}"))
    out["police_officer"] = b.person(key, "社区民警", police.name, police.key)
    b.person(key, "食品安全监管员", market.name, market.key)

    group = GroupSpec(
        node=key,
        name=f"{town.name}校园安全管理领导小组",
        purpose=f"负责对全{level}校园安全工作进行督促和检查",
    )
    for index, role, printed in rows:
        unit, post = split_post(printed)
        group.members.append((index, role, post, unit))
    b.world.groups.append(group)
    return out


def _county_people(b, county, depts) -> dict:
    key = county.key
    edu = depts[(key, DepartmentKind.EDUCATION)]
    out = {}
    group = GroupSpec(
        node=key,
        name=f"{edu.name}校园安全工作领导小组",
        purpose="负责统筹全县校园安全工作，研究部署重大事项，组织督导检查和考核",
    )
    for post, role in (
        ("党组书记、局长", LEAD),
        ("副局长", DEP),
        ("副局长", None),
        ("安全科科长", OFFICE),
        ("安全科科员", None),
        ("基础教育科科长", MEM),
        ("督导室主任", MEM),
        ("办公室主任", MEM),
        ("计划财务科科长", MEM),
        ("责任督学", None),
        ("责任督学", None),
    ):
        index = b.person(key, post, edu.name, edu.key)
        out.setdefault("局长" if post.endswith("局长") and role == LEAD else post, index)
        if role:
            group.members.append((index, role, post, ""))
    for kind, post, role in (
        (DepartmentKind.FIRE, "大队长", MEM),
        (DepartmentKind.TRAFFIC, "大队长", MEM),
        (DepartmentKind.EMERGENCY, "副局长", MEM),
        (DepartmentKind.WATER, "副局长", MEM),
    ):
        dept = depts[(key, kind)]
        index = b.person(key, post, dept.name, dept.key)
        group.members.append((index, role, post, dept.name))
    b.world.groups.append(group)
    return out
