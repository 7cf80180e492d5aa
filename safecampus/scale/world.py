"""The province's organisation: cities, counties, townships, schools, departments, people and
the logins the benchmark uses, generated deterministically and written in bulk.

The province is invented (示范省), its place names made of common syllables: the names are
data, not interface text. Sizes follow the number of schools asked for: at 20,000 schools,
16 cities, 120 counties and 1,500 townships; at a few dozen, one city with two counties.
Paths are allocated as `orgs.services` would (fixed-width segments from `path_segment`, each
parent's `last_child` its number of children), so the tree is indistinguishable from one
grown through the pages.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from safecampus.accounts.models import RoleAssignment, User
from safecampus.orgs.choices import DepartmentKind, NodeKind, SchoolKind
from safecampus.orgs.demo_data import (
    FEMALE_GIVEN,
    MALE_GIVEN,
    MOBILE_PREFIXES,
    SURNAMES,
    kind_counts,
    school_profile,
)
from safecampus.orgs.models import Department, OrgNode, Person, School, path_segment
from safecampus.scale.bulk import Loader, Table, db_value

PROVINCE = "示范省"
PASSWORD = "safecampus-scale"  # noqa: S105  published on purpose, like the demo's
USER_PREFIX = "sp-"

SYLLABLES = (
    "安宁平阳泉山川河湖江海东西南北中新丰华兴隆昌盛永康定远清源德明光和泰长乐庆云石峰"
    "林桃柳松梅兰芳金银玉宝青红白黄绿嘉禾福寿丰台广武文成开元祥瑞"
)
CITY_SUFFIX = "市"
COUNTY_SUFFIXES = ("县", "县", "县", "区", "市")
TOWN_SUFFIXES = ("镇", "镇", "乡", "街道")
VILLAGE_SUFFIXES = ("村", "庄", "湾", "沟", "堡")
KIND_NAME = {
    SchoolKind.KINDERGARTEN: "幼儿园",
    SchoolKind.PRIMARY: "小学",
    SchoolKind.JUNIOR: "中学",
    SchoolKind.SENIOR: "高级中学",
    SchoolKind.NINE_YEAR: "九年制学校",
    SchoolKind.TWELVE_YEAR: "十二年制学校",
    SchoolKind.VOCATIONAL: "职业技术学校",
    SchoolKind.SPECIAL: "特殊教育学校",
    SchoolKind.HIGHER: "职业技术学院",
    SchoolKind.TRAINING: "培训学校",
}
# Kinds that sit directly under a county (county-level schools), not under a township.
COUNTY_LEVEL = {
    SchoolKind.SENIOR,
    SchoolKind.VOCATIONAL,
    SchoolKind.SPECIAL,
    SchoolKind.HIGHER,
    SchoolKind.TWELVE_YEAR,
    SchoolKind.TRAINING,
}
HEAD_POST = {SchoolKind.KINDERGARTEN: "园长"}
SAFETY_POSTS = ("分管安全副校长", "安全办主任", "安全员")


@dataclass
class SchoolInfo:
    id: int
    path: str
    name: str
    kind: str
    county: int  # index into World.counties
    parent: int  # node id of the township (or county)
    township: int | None  # index into World.townships
    boarding: bool
    tier: str  # good | fair | poor: how well the school keeps its rhythm
    head: str = ""
    safety: str = ""
    responsible: int | None = None  # Person id of the logistics lead
    storeys: int = 1
    enrolment: int = 0


@dataclass
class RegionInfo:
    id: int
    path: str
    name: str
    short: str
    parent: int | None


@dataclass
class World:
    province: RegionInfo
    cities: list[RegionInfo] = field(default_factory=list)
    counties: list[RegionInfo] = field(default_factory=list)
    townships: list[RegionInfo] = field(default_factory=list)
    schools: list[SchoolInfo] = field(default_factory=list)
    county_city: list[int] = field(default_factory=list)
    township_county: list[int] = field(default_factory=list)
    users: dict[str, int] = field(default_factory=dict)  # username -> id
    inspectors: dict[int, list[int]] = field(default_factory=dict)  # county index -> user ids
    police: dict[int, int] = field(default_factory=dict)  # township index -> department id


def sizes(schools: int) -> tuple[int, int, int]:
    """(cities, counties, townships) for a province of this many schools."""
    cities = max(1, min(16, round(schools / 1250)))
    counties = max(2 * cities, min(120, round(schools / 166)))
    townships = max(counties, min(1500, round(schools / 13.3)))
    return cities, counties, townships


class Names:
    """Unique place names: two syllables and a suffix, never the same twice in the province."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def place(self, suffixes, length: int = 2) -> tuple[str, str]:
        for _attempt in range(200):
            short = "".join(self.rng.choice(SYLLABLES) for _ in range(length))
            if short not in self.used and len(set(short)) == len(short):
                self.used.add(short)
                return short + self.rng.choice(suffixes), short
        return self.place(suffixes, length + 1)

    def village(self) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(2)) + self.rng.choice(
            VILLAGE_SUFFIXES
        )

    def person(self) -> str:
        pool = MALE_GIVEN if self.rng.random() < 0.55 else FEMALE_GIVEN
        length = 1 if self.rng.random() < 0.3 else 2
        return self.rng.choice(SURNAMES) + "".join(self.rng.choice(pool) for _ in range(length))

    def mobile(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"


def _next_root_number() -> int:
    last = (
        OrgNode.objects.filter(parent__isnull=True)
        .order_by("-path")
        .values_list("path", flat=True)
        .first()
    )
    return int(last, 36) + 1 if last else 1


def _spread(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` split into `parts` near-equal shares, jittered, each at least one."""
    weights = [rng.uniform(0.7, 1.3) for _ in range(parts)]
    scale = total / sum(weights)
    shares = [max(1, int(w * scale)) for w in weights]
    i = 0
    while sum(shares) < total:
        shares[i % parts] += 1
        i += 1
    while sum(shares) > total:
        j = max(range(parts), key=lambda k: shares[k])
        shares[j] -= 1
    return shares


def build(loader: Loader, *, seed: int, schools: int, progress) -> World:
    """Write the organisation and return what the activity needs to know of it."""
    rng = random.Random(seed)
    names = Names(rng)
    now = timezone.now()
    n_cities, n_counties, n_townships = sizes(schools)
    next_id = loader.next_id(OrgNode)
    node_rows: list[tuple] = []
    children: dict[int, int] = {}

    def add(parent: RegionInfo | None, kind, name, short="", code=""):
        nonlocal next_id
        pid = parent.id if parent else None
        if parent is None:
            path = path_segment(_next_root_number())
            depth = 1
        else:
            children[pid] = children.get(pid, 0) + 1
            path = f"{parent.path}.{path_segment(children[pid])}"
            depth = path.count(".") + 1
        node_id = next_id
        next_id += 1
        node_rows.append([node_id, pid, kind, name, short, code, path, depth, 0, now, now])
        return RegionInfo(node_id, path, name, short, pid)

    province = add(None, NodeKind.PROVINCE, PROVINCE, "示范", "990000")
    world = World(province=province)
    for ci in range(n_cities):
        name, short = names.place((CITY_SUFFIX,))
        world.cities.append(add(province, NodeKind.CITY, name, short, f"99{ci + 1:02d}00"))
    per_city = _spread(rng, n_counties, n_cities)
    for ci, count in enumerate(per_city):
        for k in range(count):
            name, short = names.place(COUNTY_SUFFIXES)
            code = f"99{ci + 1:02d}{k + 1:02d}"
            world.counties.append(add(world.cities[ci], NodeKind.COUNTY, name, short, code))
            world.county_city.append(ci)
    per_county = _spread(rng, n_townships, n_counties)
    for ki, count in enumerate(per_county):
        county = world.counties[ki]
        for t in range(count):
            name, short = names.place(TOWN_SUFFIXES)
            code = f"{county.short and ''}{ki + 1:03d}{t + 1:03d}"
            world.townships.append(add(county, NodeKind.TOWNSHIP, name, short, code))
            world.township_county.append(ki)

    # Schools: the realistic mix of kinds, county-level kinds under the counties, the rest
    # spread over the townships.
    counts = kind_counts(schools)
    kinds = [k for k, n in counts.items() for _ in range(n)]
    rng.shuffle(kinds)
    profiles: list[dict] = []
    per_town_seq: dict[int, int] = {}
    for kind in kinds:
        if kind in COUNTY_LEVEL:
            ki = rng.randrange(n_counties)
            parent, township = world.counties[ki], None
            tier = "central"
            place = parent.short
        else:
            township = rng.randrange(n_townships)
            ki = world.township_county[township]
            parent = world.townships[township]
            seq = per_town_seq.get(township, 0)
            per_town_seq[township] = seq + 1
            tier = "town" if seq < 2 else "village"
            place = parent.short + ("中心" if seq == 0 else "") if seq < 2 else names.village()
        name = f"{place}{KIND_NAME[kind]}"
        profile = school_profile(rng, kind, tier)
        node = add(parent, NodeKind.SCHOOL, name)
        roll = rng.random()
        keeping = "good" if roll < 0.8 else ("fair" if roll < 0.93 else "poor")
        world.schools.append(
            SchoolInfo(
                id=node.id,
                path=node.path,
                name=name,
                kind=kind,
                county=ki,
                parent=parent.id,
                township=township,
                boarding=profile["boarding"],
                tier=keeping,
                storeys=profile["storeys"],
                enrolment=profile["enrolment"],
            )
        )
        profiles.append(profile)
    by_id = {row[0]: row for row in node_rows}
    for pid, count in children.items():
        by_id[pid][8] = count
    # Parents before children: the rows are in creation order, and every parent was created
    # before its children.
    nodes = Table(
        OrgNode,
        [
            "id",
            "parent_id",
            "kind",
            "name",
            "short_name",
            "code",
            "path",
            "depth",
            "last_child",
            "created_at",
            "updated_at",
        ],
    )
    stamp = _stamp(now)
    loader.write(nodes, ((*r[:9], stamp, stamp) for r in node_rows))
    loader.used_ids(OrgNode, next_id - 1)
    progress(f"organisation: {len(node_rows):,} nodes, {len(world.schools):,} schools")

    table = Table(
        School,
        [
            "node_id",
            "school_kind",
            "boarding",
            "enrolment",
            "boarders",
            "staff_count",
            "storeys",
            "flood_prone",
            "address",
            "latitude",
            "longitude",
        ],
    )
    rows = []
    for s, p in zip(world.schools, profiles, strict=True):
        lat = f"{rng.uniform(35.0, 39.5):.6f}"
        lon = f"{rng.uniform(104.5, 108.0):.6f}"
        rows.append(
            (
                s.id,
                s.kind,
                p["boarding"],
                p["enrolment"],
                p["boarders"],
                p["staff_count"],
                p["storeys"],
                rng.random() < 0.12,
                f"{s.name}所在地",
                lat,
                lon,
            )
        )
    loader.write(table, rows)

    _departments(loader, world, rng, now)
    _people(loader, world, names, now)
    _users(loader, world, now)
    progress(
        f"people and logins: {loader.written.get(Person._meta.db_table, 0):,} people, "
        f"{loader.written.get(User._meta.db_table, 0):,} logins"
    )
    return world


def _stamp(moment) -> str:
    return db_value(moment)


def _departments(loader: Loader, world: World, rng, now) -> None:
    """A police station per township (joint inspections, incidents) and a market supervision
    office per county."""
    table = Table(
        Department,
        [
            "id",
            "org_id",
            "org_path",
            "kind",
            "name",
            "phone",
            "address",
            "created_at",
            "updated_at",
        ],
    )
    next_id = loader.next_id(Department)
    stamp = _stamp(now)
    rows = []
    for ti, town in enumerate(world.townships):
        world.police[ti] = next_id
        rows.append(
            (
                next_id,
                town.id,
                town.path,
                DepartmentKind.POLICE,
                f"{town.short}派出所",
                f"0950-{rng.randrange(6000000, 7999999)}",
                f"{town.name}",
                stamp,
                stamp,
            )
        )
        next_id += 1
    for county in world.counties:
        rows.append(
            (
                next_id,
                county.id,
                county.path,
                DepartmentKind.MARKET,
                f"{county.short}市场监督管理局",
                f"0950-{rng.randrange(6000000, 7999999)}",
                county.name,
                stamp,
                stamp,
            )
        )
        next_id += 1
    loader.write(table, rows)
    loader.used_ids(Department, next_id - 1)


def _people(loader: Loader, world: World, names: Names, now) -> None:
    """Three people per school: the head, the safety lead (who signs the checks) and the
    logistics lead (responsible for rectifications)."""
    table = Table(
        Person,
        ["id", "org_id", "org_path", "name", "phone", "post", "unit", "created_at", "updated_at"],
    )
    next_id = loader.next_id(Person)
    stamp = _stamp(now)
    rows = []
    for s in world.schools:
        head = HEAD_POST.get(s.kind, "校长")
        safety = "安全员" if s.enrolment < 300 else names.rng.choice(SAFETY_POSTS)
        for post in (head, safety, "总务主任"):
            name = names.person()
            rows.append((next_id, s.id, s.path, name, names.mobile(), post, s.name, stamp, stamp))
            if post == head:
                s.head = name
            elif post == safety:
                s.safety = name
            else:
                s.responsible = next_id
            next_id += 1
    loader.write(table, rows)
    loader.used_ids(Person, next_id - 1)


def _users(loader: Loader, world: World, now) -> None:
    """The logins the benchmark and the load run act as: bureau staff at the province, each
    city and each county, three responsible inspectors per county, an officer per township
    and a safety officer per school. They share one password hash."""
    password = make_password(PASSWORD)
    users = Table(
        User,
        [
            "id",
            "username",
            "password",
            "first_name",
            "last_name",
            "org_id",
            "org_path",
            "is_active",
            "date_joined",
        ],
    )
    roles = Table(RoleAssignment, ["id", "user_id", "role", "org_id", "org_path", "created_at"])
    uid = loader.next_id(User)
    rid = loader.next_id(RoleAssignment)
    stamp = _stamp(now)
    user_rows, role_rows = [], []

    def add(username, node: RegionInfo | SchoolInfo, role, first, last):
        nonlocal uid, rid
        user_rows.append((uid, username, password, first, last, node.id, node.path, True, stamp))
        role_rows.append((rid, uid, role, node.id, node.path, stamp))
        world.users[username] = uid
        uid += 1
        rid += 1
        return uid - 1

    add(f"{USER_PREFIX}province", world.province, "bureau_staff", "省教育厅", "")
    for i, city in enumerate(world.cities, start=1):
        add(f"{USER_PREFIX}c{i:02d}", city, "bureau_staff", f"{city.short}教育局", "")
    for i, county in enumerate(world.counties, start=1):
        add(f"{USER_PREFIX}k{i:03d}", county, "bureau_staff", f"{county.short}教体局", "")
        world.inspectors[i - 1] = [
            add(f"{USER_PREFIX}k{i:03d}-i{j}", county, "inspector", "责任督学", str(j))
            for j in range(1, 4)
        ]
    for i, town in enumerate(world.townships, start=1):
        add(f"{USER_PREFIX}t{i:04d}", town, "township_officer", f"{town.short}", "专干")
    for i, s in enumerate(world.schools, start=1):
        add(f"{USER_PREFIX}s{i:05d}", s, "safety_officer", s.safety[1:], s.safety[:1])
    loader.write(users, user_rows)
    loader.write(roles, role_rows)
    loader.used_ids(User, uid - 1)
    loader.used_ids(RoleAssignment, rid - 1)
