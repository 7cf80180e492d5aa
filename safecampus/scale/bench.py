"""`bench`: the hot paths timed against whatever database is loaded, with their targets.

Pages and API calls go through Django's test client in this process, logged in as a bureau
user at the right node (province, city, county) or as a school's safety officer, so they run
the whole stack (middleware, scoping, templates, serializers) without a network between.
Writes (a workflow move, an inspection submission) run inside a transaction that is rolled
back, so the database is left as it was. Each operation runs once to warm up, then `repeat`
times; p50 and p95 are nearest-rank percentiles of those runs.

Each aggregate is also computed by its bare SQL (scale.baresql) and the ratio of the
endpoint's median to the bare SQL's median is checked against the target. The XLSX export of
100,000 ledger rows is timed in this process and its peak memory measured in a forked child
(the growth of its resident set while it builds the file).

The benchmark users (`bench-province`, `bench-city`, `bench-county`, `bench-school`) are
created on first use with their role at the chosen node; nothing else is written.
"""

from __future__ import annotations

import datetime
import html
import math
import os
import re
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Count, Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safecampus.accounts.models import RoleAssignment, User
from safecampus.config.startup import settle
from safecampus.hazards.choices import Grade, Rhythm, Status
from safecampus.hazards.models import Hazard, Schedule
from safecampus.orgs.models import SEGMENT_WIDTH, OrgNode
from safecampus.scale import baresql

READ_P95_MS = 150.0
WRITE_P95_MS = 100.0
RATIO = 2.0
XLSX_ROWS = 100_000
XLSX_SECONDS = 10.0
XLSX_MB = 200.0
LOAD_RPS = 300.0
LOAD_P95_MS = 100.0
HOST = "127.0.0.1"
MIN_RUNS = 3


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


@dataclass
class Measure:
    name: str
    kind: str  # read | aggregate | write | export | load
    samples: list[float] = field(default_factory=list)  # seconds
    bare: list[float] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    checks: list[tuple[str, bool]] = field(default_factory=list)  # (target text, met)
    note: str = ""

    @property
    def p50(self) -> float:
        return percentile(self.samples, 0.5) * 1000

    @property
    def p95(self) -> float:
        return percentile(self.samples, 0.95) * 1000

    @property
    def ratio(self) -> float | None:
        if not self.bare:
            return None
        bare = percentile(self.bare, 0.5)
        return percentile(self.samples, 0.5) / bare if bare > 0 else None

    def as_dict(self) -> dict:
        out = {
            "name": self.name,
            "kind": self.kind,
            "runs": len(self.samples),
            "p50_ms": round(self.p50, 1) if self.samples else None,
            "p95_ms": round(self.p95, 1) if self.samples else None,
            "targets": [{"target": t, "met": ok} for t, ok in self.checks],
            "pass": all(ok for _t, ok in self.checks),
        }
        if self.bare:
            out["bare_sql_p50_ms"] = round(percentile(self.bare, 0.5) * 1000, 1)
            out["ratio"] = round(self.ratio, 2) if self.ratio is not None else None
        if self.note:
            out["note"] = self.note
        out.update(self.extra)
        return out


class BenchError(Exception):
    pass


# ------------------------------------------------------------------------------ the scene


@dataclass
class Scene:
    """The nodes and users the operations act at, chosen from the data loaded."""

    province: OrgNode
    city: OrgNode
    county: OrgNode
    school: OrgNode
    users: dict[str, User]
    schedule: Schedule


def _busiest_child(node: OrgNode, kind: str | None = None) -> OrgNode | None:
    """The child (of `kind`) with the most schools below it."""
    children = list(OrgNode.objects.filter(parent=node, **({"kind": kind} if kind else {})))
    if not children:
        return None
    length = len(node.path) + 1 + SEGMENT_WIDTH
    counts: dict[str, int] = {}
    for path in (
        OrgNode.objects.within(node.path).filter(kind="school").values_list("path", flat=True)
    ):
        counts[path[:length]] = counts.get(path[:length], 0) + 1
    return max(children, key=lambda c: (counts.get(c.path, 0), -c.pk))


def bench_user(name: str, role: str, node: OrgNode) -> User:
    user = User.objects.filter(username=name).first()
    if user is None:
        user = User(username=name, org=node, password=make_password(None), first_name=name)
        user.save()
    if not RoleAssignment.objects.filter(user=user, role=role, org=node).exists():
        RoleAssignment.objects.filter(user=user).delete()
        RoleAssignment(user=user, role=role, org=node).save()
    return user


def scene() -> Scene:
    roots = list(OrgNode.objects.filter(parent__isnull=True))
    if not roots:
        raise BenchError("The database holds no organisation: load one first (seed-province).")
    sizes = {r.pk: OrgNode.objects.within(r.path).filter(kind="school").count() for r in roots}
    province = max(roots, key=lambda r: (sizes[r.pk], -r.pk))
    city = _busiest_child(province, "city") or province
    county = _busiest_child(city, "county") or city
    schedule = (
        Schedule.objects.within(county.path)
        .filter(rhythm=Rhythm.MONTHLY, is_active=True)
        .select_related("org", "template__current")
        .order_by("org_path")
        .first()
    )
    if schedule is None:
        raise BenchError("No school of the county has a monthly schedule to submit against.")
    school = schedule.org
    users = {
        "province": bench_user("bench-province", "bureau_staff", province),
        "city": bench_user("bench-city", "bureau_staff", city),
        "county": bench_user("bench-county", "bureau_staff", county),
        "school": bench_user("bench-school", "safety_officer", school),
    }
    return Scene(province, city, county, school, users, schedule)


# The region pages of the later capabilities (`Bench.modules`): label, URL name.
# Those in REGION_ROW_PAGES list regions above a county (orgs/region_rows.py): the province's
# page is a table of its cities, each row fetched by its own request, measured too.
REGION_ROW_PAGES = frozenset(
    {
        "plans:gaps",
        "drills:compliance",
        "education:overview",
        "training:overview",
        "defense:overview",
    }
)
MODULE_PAGES = (
    ("emergency plans list", "plans:list"),
    ("emergency plan gaps", "plans:gaps"),
    ("drills list", "drills:list"),
    ("drills calendar", "drills:calendar"),
    ("drills compliance", "drills:compliance"),
    ("incidents list", "incidents:list"),
    ("education overview", "education:overview"),
    ("education activities list", "education:activities"),
    ("training sessions list", "training:list"),
    ("training overview", "training:overview"),
    ("three-defense overview", "defense:overview"),
)


# ------------------------------------------------------------------------------ the bench


class Bench:
    def __init__(
        self, *, repeat: int = 10, budget: float = 60.0, progress: Callable[[str], None] = print
    ):
        self.repeat = repeat
        self.budget = budget
        self.progress = progress
        self.results: list[Measure] = []
        self.scene = scene()
        self.today = timezone.localdate()
        # Logged in now, outside the rolled-back transactions of the writes.
        self.clients: dict[str, Client] = {}
        for who, user in self.scene.users.items():
            c = Client(HTTP_HOST=HOST)
            c.force_login(user)
            self.clients[who] = c
        settle()  # as a serving process does before its first request (config/wsgi.py)

    def client(self, who: str) -> Client:
        return self.clients[who]

    def _time(self, fn, runs: int) -> list[float]:
        """`runs` timed runs after a warm-up (first-use imports, templates, the planner's
        caches); an operation slow enough to pass `budget` seconds stops after three."""
        fn()
        out = []
        spent = 0.0
        for _ in range(runs):
            started = time.perf_counter()
            fn()
            out.append(time.perf_counter() - started)
            spent += out[-1]
            if spent > self.budget and len(out) >= MIN_RUNS:
                break
        return out

    def _get(self, who: str, url: str, expect: int = 200):
        def run():
            response = self.client(who).get(url)
            if response.status_code != expect:
                raise BenchError(f"GET {url} as {who}: {response.status_code}")
            if getattr(response, "streaming", False):
                for _chunk in response.streaming_content:
                    pass
            return response

        return run

    def measure(self, name, kind, fn, *, bare=None, note: str = "", target_ms=None) -> Measure:
        m = Measure(name, kind, note=note)
        m.samples = self._time(fn, self.repeat)
        if bare is not None:
            m.bare = self._time(bare, self.repeat)
        limit = target_ms or (WRITE_P95_MS if kind == "write" else READ_P95_MS)
        m.checks.append((f"p95 ≤ {limit:.0f} ms", m.p95 <= limit))
        if bare is not None and m.ratio is not None:
            m.checks.append((f"≤ {RATIO:g}× bare SQL", m.ratio <= RATIO))
        self.results.append(m)
        self.progress(line(m))
        return m

    # ------------------------------------------------------------------ the operations

    def run(self, only: set[str] | None = None) -> list[Measure]:
        s = self.scene
        steps = [
            ("dashboard", self.dashboards),
            ("home", self.homes),
            ("ledger", self.ledger),
            ("detail", self.detail),
            ("move", self.move),
            ("submit", self.submit),
            ("compliance", self.compliance),
            ("dispatch", self.dispatch),
            ("modules", self.modules),
            ("export", self.export),
        ]
        self.progress(
            f"Load average of the machine: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
            f"on {os.cpu_count()} cores"
        )
        self.progress(
            f"Benchmark on {connection.vendor}: province {s.province.name} "
            f"({Hazard.objects.within(s.province.path).count():,} hazards), city {s.city.name}, "
            f"county {s.county.name}, school {s.school.name}; {self.repeat} runs each"
        )
        for key, step in steps:
            if only and key not in only:
                continue
            step()
        return self.results

    def dashboards(self) -> None:
        for level in ("province", "city", "county"):
            node = getattr(self.scene, level)
            url = reverse("hazard_dashboard:node", args=[node.pk])
            self.measure(
                f"dashboard {level}",
                "aggregate",
                self._get(level, url),
                bare=lambda node=node: baresql.dashboard(node.path, self.today),
            )

    def homes(self) -> None:
        for level in ("province", "city", "county", "school"):
            self.measure(f"home page {level}", "read", self._get(level, reverse("home")))

    def ledger(self) -> None:
        """The lists, first pages and a deep one. A deep page is reached as a user reaches it:
        through the "next" link of the page before it, which carries a cursor (the page
        before is fetched once, untimed, by its number), then timed by that link."""
        s = self.scene
        base = reverse("hazards:ledger")
        self.measure(
            "hazard list page, province, unfiltered, first page",
            "read",
            self._get("province", base),
        )
        first = f"{base}?node={s.city.pk}&status={Status.RECTIFYING}&grade={Grade.HIGH}"
        self.measure("hazard list page, filtered, first page", "read", self._get("city", first))
        total = baresql.ledger_count(s.city.path, grade=Grade.GENERAL)
        deep = max(1, min(math.ceil(total / 50), 1000))
        url = self._next_link("city", f"{base}?node={s.city.pk}&grade={Grade.GENERAL}", deep)
        self.measure(
            f"hazard list page, filtered, page {deep} (next link)",
            "read",
            self._get("city", url),
            note=f"{total:,} rows match",
        )
        api = "/api/v1/hazards/"
        url = f"{api}?within={s.city.pk}&status={Status.RECTIFYING}&grade={Grade.HIGH}"
        self.measure("hazard list API, filtered, first page", "read", self._get("city", url))
        url = self._next_link("city", f"{api}?within={s.city.pk}&grade={Grade.GENERAL}", deep)
        self.measure(
            f"hazard list API, filtered, page {deep} (next link)", "read", self._get("city", url)
        )

    def _next_link(self, who: str, url: str, page: int) -> str:
        """The link to page `page` that page `page - 1` shows (its "next"); the list's own
        address when it has one page only."""
        if page < 2:
            return url
        response = self.client(who).get(f"{url}&page={page - 1}")
        if response.status_code != 200:
            raise BenchError(f"GET {url}&page={page - 1} as {who}: {response.status_code}")
        if response["Content-Type"].startswith("application/json"):
            link = response.json()["next"]
        else:
            found = re.search(r'href="([^"]*)" rel="next"', response.content.decode())
            link = html.unescape(found.group(1)) if found else None
        if not link or "cursor=" not in link:
            raise BenchError(f"No next link with a cursor on {url}&page={page - 1}")
        if link.startswith("?"):
            link = url.split("?", 1)[0] + link
        return link

    def _open_hazard(self, status=Status.RECTIFYING) -> Hazard:
        hazard = (
            Hazard.objects.within(self.scene.county.path)
            .filter(status=status)
            .order_by("-found_at")
            .first()
        )
        if hazard is None:
            raise BenchError(f"No {status} hazard in the county.")
        return hazard

    def detail(self) -> None:
        hazard = self._open_hazard()
        url = reverse("hazards:hazard", args=[hazard.pk])
        self.measure("hazard detail page", "read", self._get("county", url))
        self.measure(
            "hazard detail API", "read", self._get("county", f"/api/v1/hazards/{hazard.pk}/")
        )

    def _rolled_back(self, fn):
        def run():
            with transaction.atomic():
                fn()
                transaction.set_rollback(True)

        return run

    def move(self) -> None:
        hazard = self._open_hazard()
        url = f"/api/v1/hazards/{hazard.pk}/actions/"
        body = {
            "action": "submit",
            "version": hazard.version,
            "rectification": "已完成整改（基准测试，回滚）",
            "no_photo_reason": "基准测试",
        }

        def post():
            response = self.client("county").post(url, body, content_type="application/json")
            if response.status_code != 200:
                raise BenchError(f"POST {url}: {response.status_code} {response.content[:300]!r}")

        self.measure("workflow move (submit), rolled back", "write", self._rolled_back(post))

    def submission(self) -> tuple[str, dict]:
        s = self.scene
        version = s.schedule.template.current
        items = list(version.items.order_by("position").values_list("id", flat=True))[:10]
        body = {
            "school": s.school.pk,
            "checklist": version.pk,
            "schedule": s.schedule.pk,
            "period_start": self.today.replace(day=1).isoformat(),
            "signed_name": "基准测试",
            "answers": [{"item": i, "answer": "normal"} for i in items],
        }
        return "/api/v1/inspections/", body

    def submit(self) -> None:
        url, body = self.submission()

        def post():
            response = self.client("school").post(url, body, content_type="application/json")
            if response.status_code != 201:
                raise BenchError(f"POST {url}: {response.status_code} {response.content[:300]!r}")

        n = len(body["answers"])
        self.measure(
            f"inspection submission ({n} items), rolled back", "write", self._rolled_back(post)
        )

    def compliance(self) -> None:
        from safecampus.compliance import engine

        s = self.scene
        user = s.users["county"]
        self.measure(
            "compliance verdicts, county (engine.evaluate)",
            "read",
            lambda: engine.evaluate(user, s.county),
            note="every rule of the catalogue for every subject of the county",
        )
        url = reverse("compliance:region", args=[s.county.pk])
        self.measure("compliance page, county", "read", self._get("county", url))
        # Above a county the page is a row per region, each row its own request.
        url = reverse("compliance:region", args=[s.province.pk])
        self.measure(
            "compliance page, province (its cities' rows)", "read", self._get("province", url)
        )
        for who, node, label in (
            ("city", s.county, "a county's"),
            ("province", s.city, "a city's"),
        ):
            url = reverse("compliance:region", args=[node.pk]) + "?part=row"
            self.measure(
                f"compliance page, {label} row of the {who}",
                "read",
                self._get(who, url),
                note="every school rule for every school of the region",
            )

    def dispatch(self) -> None:
        s = self.scene
        month = self.today.replace(day=1)
        url = reverse("hazard_review:dispatch_node", args=[s.city.pk])
        self.measure(
            "monthly dispatch page, city",
            "aggregate",
            self._get("city", url),
            bare=lambda: baresql.dispatch(s.city.path, month, self.today),
        )
        url = reverse("hazard_review:dispatch_node_xlsx", args=[s.city.pk])
        self.measure(
            "monthly dispatch report XLSX, city",
            "aggregate",
            self._get("city", url),
            bare=lambda: baresql.dispatch_report(s.city.path, month, self.today),
            note="the page's figures, the schools' table and what falls due next month",
        )

    def modules(self) -> None:
        """The region pages of the capabilities built on the hazards (emergency plans, drills
        and incidents, safety education, training, the three defenses) as a county's and a
        province's bureau staff open them: each covers the user's whole scope."""
        for level in ("county", "province"):
            for label, name in MODULE_PAGES:
                self.measure(f"{label}, {level}", "read", self._get(level, reverse(name)))
            url = reverse("stats:node", args=[getattr(self.scene, level).pk])
            self.measure(f"incident statistics, {level}", "read", self._get(level, url))
        city = self.scene.city.pk
        for label, name in MODULE_PAGES:
            if name in REGION_ROW_PAGES:
                url = f"{reverse(name)}?node={city}&part=row"
                self.measure(
                    f"{label}, a city's row of the province",
                    "read",
                    self._get("province", url),
                    note="one region's figures: every school of the city judged",
                )

    def export(self) -> None:
        """The ledger's XLSX export of 100,000 rows: time here, memory in a forked child."""
        from safecampus.hazards import ledger

        user = self.scene.users["province"]
        qs = ledger.filter_ledger(
            Hazard.objects.for_user(user).within(self.scene.province.path), {}, user
        )
        ids = list(qs.order_by("-found_at", "-id").values_list("pk", flat=True)[:XLSX_ROWS])
        rows = len(ids)
        if not ids:
            raise BenchError("No hazards to export.")
        cutoff = Hazard.objects.filter(pk=ids[-1]).values_list("found_at", flat=True).get()
        export_qs = qs.filter(found_at__gte=cutoff)

        def build():
            response = ledger.export_response(export_qs)
            size = 0
            for chunk in response.streaming_content:
                size += len(chunk)
            # Not response.close(): that signals the end of a request, closing the connection.
            for closer in response._resource_closers:
                closer()
            return size

        runs = max(1, min(self.repeat, 3))
        m = Measure(f"ledger XLSX export ({rows:,} rows)", "export")
        started = time.perf_counter()
        size = build()
        m.samples.append(time.perf_counter() - started)
        for _ in range(runs - 1):
            started = time.perf_counter()
            build()
            m.samples.append(time.perf_counter() - started)
        peak = _peak_rss_growth(build)
        m.extra.update(
            {
                "rows": export_qs.count(),
                "bytes": size,
                "peak_memory_mb": round(peak, 1) if peak is not None else None,
            }
        )
        m.checks.append((f"≤ {XLSX_SECONDS:g} s", max(m.samples) <= XLSX_SECONDS))
        if peak is not None:
            m.checks.append((f"≤ {XLSX_MB:g} MB", peak <= XLSX_MB))
        self.results.append(m)
        self.progress(line(m))


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_growth(fn) -> float | None:
    """Peak resident memory the call adds, measured in a forked child (MB). Inside a
    transaction (tests) the child could not share it: the Python heap's peak instead."""
    if connection.in_atomic_block or not hasattr(os, "fork"):
        import tracemalloc

        tracemalloc.start()
        try:
            fn()
            return tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()
    read, write = os.pipe()
    connection.close()  # the child opens its own
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            os.close(read)
            before = _rss_mb()
            fn()
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            os.write(write, f"{peak - before:.1f}".encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    data = b""
    while chunk := os.read(read, 64):
        data += chunk
    os.close(read)
    _pid, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        return None
    return float(data)


def line(m: Measure) -> str:
    verdict = "PASS" if all(ok for _t, ok in m.checks) else "MISS"
    parts = [f"{m.name:<52}", f"p50 {m.p50:8.1f} ms", f"p95 {m.p95:8.1f} ms"]
    if m.bare:
        parts.append(f"bare SQL {percentile(m.bare, 0.5) * 1000:7.1f} ms ×{m.ratio:.2f}")
    if "peak_memory_mb" in m.extra:
        parts.append(f"peak {m.extra['peak_memory_mb']} MB")
    targets = "; ".join(f"{t} {'✓' if ok else '✗'}" for t, ok in m.checks)
    return "  ".join(parts) + f"  [{targets}] {verdict}"


def report(results: list[Measure], load: dict | None = None) -> dict:
    return {
        "vendor": connection.vendor,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "operations": [m.as_dict() for m in results],
        "load": load,
        "pass": all(all(ok for _t, ok in m.checks) for m in results)
        and (load is None or load.get("pass", False)),
    }


def counts() -> dict:
    """Row counts of the big tables, for the report's heading."""
    from safecampus.hazards.models import Inspection

    return {
        "schools": OrgNode.objects.filter(kind="school").count(),
        "inspections": Inspection.objects.count(),
        "hazards": Hazard.objects.count(),
        "open_hazards": Hazard.objects.filter(
            ~Q(status__in=[Status.CLOSED, Status.DISMISSED])
        ).count(),
        "by_status": dict(Hazard.objects.values_list("status").annotate(n=Count("pk")).order_by()),
    }
