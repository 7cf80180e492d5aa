"""The bare SQL behind each aggregate the benchmark times: the same figures, computed by the
database alone, so that an endpoint's time can be set against the least the figures cost.

Each function runs its statements through a plain cursor and returns the rows; nothing here
builds a page, checks a permission or formats a number. The statements are written once for
both backends: only date arithmetic and the subtree test differ (as in core.lookups).
"""

from __future__ import annotations

import datetime

from django.db import connection
from django.utils import timezone

from safecampus.core.dates import add_months, day_start
from safecampus.hazards.choices import OPEN_STATUSES, Status
from safecampus.orgs.models import SEGMENT_WIDTH

OPEN = "(" + ", ".join(f"'{s}'" for s in OPEN_STATUSES) + ")"


def _offset_hours() -> int:
    now = timezone.localtime()
    return int(now.utcoffset().total_seconds() // 3600)


def _within(column: str, path: str) -> tuple[str, list]:
    if connection.vendor == "postgresql":
        return f"({column} = %s OR {column} LIKE %s)", [path, path + ".%"]
    return f"({column} = %s OR ({column} >= %s AND {column} < %s))", [path, path + ".", path + "/"]


def _days_between(later: str, earlier: str) -> str:
    if connection.vendor == "postgresql":
        return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0)"
    return f"(julianday({later}) - julianday({earlier}))"


def _local_date(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"(({column}) AT TIME ZONE '{timezone.get_current_timezone_name()}')::date"
    return f"date({column}, '{_offset_hours():+d} hours')"


def _local_month(column: str) -> str:
    if connection.vendor == "postgresql":
        return (
            f"to_char(({column}) AT TIME ZONE '{timezone.get_current_timezone_name()}', 'YYYY-MM')"
        )
    return f"strftime('%%Y-%%m', {column}, '{_offset_hours():+d} hours')"


def _date_diff(later: str, earlier: str) -> str:
    if connection.vendor == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _plain(column: str) -> str:
    """A time column compared without its single-column index on SQLite: without STAT4 its
    planner takes a year's range of `closed_at` for selective and scans the province through
    that index instead of the subtree's path range (3.8 s against 25 ms for a county)."""
    return f"+{column}" if connection.vendor == "sqlite" else column


def _run(sql: str, params: list) -> list:
    with connection.cursor() as c:
        c.execute(sql, params)
        return c.fetchall()


def _level(path: str, depth: int) -> int:
    """The rollup level the dashboard reads for a user whose scope covers the node."""
    from safecampus.hazards import rollups

    return next((c for c in rollups.CUTS if c >= depth), 0)


def dashboard(path: str, today: datetime.date) -> list:
    """hazards.dashboard.compute and trend for the node at `path`, as the dashboard computes
    them: from the hazard rollups (hazards/rollups.py), at the level it reads for a user who
    sees the whole node. Open by branch and grade with the overdue and their ages; closed in
    twelve months by branch and whole days to close (the 90th percentile in SQL too); the
    trend; the month's inspections against the schedules. `dashboard_raw` computes the same
    figures from the hazards themselves."""
    length = len(path) + 1 + SEGMENT_WIDTH
    depth = path.count(".") + 2
    first = today.replace(day=1)
    nxt = add_months(first, 1)
    window = add_months(first, -11)
    where, wp = _within("org_path", path)
    branched = f"level = %s AND {where}"
    bp = [_level(path, depth), *wp]
    epoch = _date_diff("deadline", "%s")
    out = [
        _run(
            f"""SELECT substr(org_path, 1, {length}) AS b, grade, SUM(n),
                SUM(CASE WHEN deadline < %s THEN n ELSE 0 END),
                MIN(CASE WHEN deadline < %s THEN deadline END),
                SUM(CASE WHEN deadline < %s THEN n * {epoch} ELSE 0 END)
            FROM hazards_hazardopenrollup WHERE {branched} GROUP BY b, grade""",  # noqa: S608
            [today, today, today, datetime.date(1970, 1, 1), *bp],
        )
    ]
    closed = f"""SELECT substr(org_path, 1, {length}) AS b, days, SUM(closed) AS c,
            SUM(CASE WHEN month = %s THEN closed ELSE 0 END), SUM(with_deadline),
            SUM(on_time), SUM(seconds)
        FROM hazards_hazardclosedrollup WHERE {branched} AND month >= %s AND month <= %s
        GROUP BY b, days"""  # noqa: S608
    params = [first, *bp, window, first]
    out.append(_run(closed, params))
    out.append(
        _run(
            f"""SELECT b, MIN(days) FROM (
                SELECT b, days, SUM(c) OVER (PARTITION BY b ORDER BY days) AS seen,
                       SUM(c) OVER (PARTITION BY b) AS n FROM ({closed}) x) y
            WHERE seen >= 0.9 * n GROUP BY b""",  # noqa: S608
            params,
        )
    )
    for table, count in (
        ("hazards_hazardfoundrollup", "n"),
        ("hazards_hazardclosedrollup", "closed"),
    ):
        out.append(
            _run(
                f"""SELECT month, SUM({count}) FROM {table}
                WHERE level = %s AND {where} AND month >= %s AND month <= %s
                GROUP BY month""",  # noqa: S608
                [_level(path, depth - 1), *wp, window, first],
            )
        )
    out.append(_completion(path, length, first, min(today, nxt - datetime.timedelta(days=1))))
    return out


def dashboard_raw(path: str, today: datetime.date) -> list:
    """hazards.dashboard.compute and trend for the node at `path`, from the hazards: counts
    by branch, the closing figures of twelve months (with the 90th percentile), the overdue
    ages, the trend, and the month's inspections against the schedules. What the rollups
    save: the benchmark compares the dashboard with `dashboard`, which reads them."""
    length = len(path) + 1 + SEGMENT_WIDTH
    first = today.replace(day=1)
    nxt = add_months(first, 1)
    window = add_months(first, -11)
    m0, m1, w0 = day_start(first), day_start(nxt), day_start(window)
    where, wp = _within("org_path", path)
    out = []
    out.append(
        _run(
            f"""SELECT substr(org_path, 1, {length}) AS b,
                SUM(CASE WHEN status IN {OPEN} THEN 1 ELSE 0 END),
                SUM(CASE WHEN status IN {OPEN} AND deadline < %s THEN 1 ELSE 0 END),
                SUM(CASE WHEN status = 'closed' AND closed_at >= %s AND closed_at < %s THEN 1 ELSE 0 END),
                SUM(CASE WHEN status IN {OPEN} AND grade = 'major' THEN 1 ELSE 0 END),
                SUM(CASE WHEN status IN {OPEN} AND grade = 'high' THEN 1 ELSE 0 END),
                SUM(CASE WHEN status IN {OPEN} AND grade = 'general' THEN 1 ELSE 0 END),
                SUM(CASE WHEN status IN {OPEN} AND grade = 'low' THEN 1 ELSE 0 END)
            FROM hazards_hazard WHERE {where} GROUP BY b""",  # noqa: S608
            [today, m0, m1, *wp],
        )
    )
    duration = _days_between("closed_at", "found_at")
    closed = f"""SELECT substr(org_path, 1, {length}) AS b, {duration} AS d,
            CASE WHEN deadline IS NULL THEN NULL
                 WHEN {_local_date("closed_at")} <= deadline THEN 1 ELSE 0 END AS ok
        FROM hazards_hazard
        WHERE {where} AND status = 'closed' AND {_plain("closed_at")} >= %s
          AND {_plain("closed_at")} < %s"""  # noqa: S608
    params = [*wp, w0, m1]
    out.append(
        _run(
            f"SELECT b, COUNT(*), COUNT(ok), SUM(ok), AVG(d) FROM ({closed}) x GROUP BY b",  # noqa: S608
            params,
        )
    )
    out.append(
        _run(
            f"""SELECT b, MIN(d) FROM (
                SELECT b, d, ROW_NUMBER() OVER (PARTITION BY b ORDER BY d) AS rn,
                       COUNT(*) OVER (PARTITION BY b) AS n FROM ({closed}) x) y
            WHERE rn >= 0.9 * n GROUP BY b""",  # noqa: S608
            params,
        )
    )
    out.append(
        _run(
            f"""SELECT MIN(d) FROM (
                SELECT d, ROW_NUMBER() OVER (ORDER BY d) AS rn, COUNT(*) OVER () AS n
                FROM ({closed}) x) y WHERE rn >= 0.9 * n""",  # noqa: S608
            params,
        )
    )
    age = _date_diff("%s", "deadline")
    out.append(
        _run(
            f"""SELECT substr(org_path, 1, {length}) AS b, MAX({age}), SUM({age}), COUNT(*)
            FROM hazards_hazard WHERE {where} AND status IN {OPEN} AND deadline < %s
            GROUP BY b""",  # noqa: S608
            [today, today, *wp, today],
        )
    )
    for column, extra in (("found_at", ""), ("closed_at", " AND status = 'closed'")):
        out.append(
            _run(
                f"""SELECT {_local_month(column)} AS m, COUNT(*) FROM hazards_hazard
                WHERE {where}{extra} AND {_plain(column)} >= %s AND {_plain(column)} < %s
                GROUP BY m""",  # noqa: S608
                [*wp, w0, m1],
            )
        )
    out.append(_completion(path, length, first, min(today, nxt - datetime.timedelta(days=1))))
    return out


def _completion(path: str, length: int, start: datetime.date, last: datetime.date) -> list:
    """The month's schedules and the periods checked, by branch."""
    where, wp = _within("s.org_path", path)
    schedules = _run(
        f"""SELECT substr(s.org_path, 1, {length}) AS b, s.rhythm, COUNT(*)
        FROM hazards_schedule s WHERE {where} AND s.is_active AND s.starts_on <= %s
          AND (s.ends_on IS NULL OR s.ends_on >= %s) AND s.rhythm <> 'ad_hoc'
        GROUP BY b, s.rhythm""",  # noqa: S608
        [*wp, last, start],
    )
    where, wp = _within("org_path", path)
    done = _run(
        f"""SELECT substr(org_path, 1, {length}) AS b, COUNT(*) FROM (
            SELECT DISTINCT org_path, schedule_id, period_start FROM hazards_inspection
            WHERE {where} AND schedule_id IS NOT NULL
              AND period_start >= %s AND period_start <= %s) x GROUP BY b""",  # noqa: S608
        [*wp, start, last],
    )
    return [schedules, done]


def dispatch(path: str, month: datetime.date, today: datetime.date) -> list:
    """hazards.review.monthly_dispatch for the node at `path` and the month: the counts by unit
    and by school and the most overdue schools from the hazard rollups (as the dispatch reads
    them), then from the hazards the commonest categories, the escalated and the major
    hazards open."""
    length = len(path) + 1 + SEGMENT_WIDTH
    first = month.replace(day=1)
    since, until = day_start(first), day_start(add_months(first, 1))
    where, wp = _within("h.org_path", path)
    within, rp = _within("org_path", path)

    def counts(branch: str, level: int) -> list:
        found, closed = (
            f"""SELECT {branch} AS b, SUM({count}) FROM {table}
            WHERE level = %s AND {within} AND month = %s GROUP BY b"""  # noqa: S608
            for table, count in (
                ("hazards_hazardfoundrollup", "n"),
                ("hazards_hazardclosedrollup", "closed"),
            )
        )
        return [
            _run(found, [level, *rp, first]),
            _run(closed, [level, *rp, first]),
            _run(
                f"""SELECT {branch} AS b, SUM(n), SUM(CASE WHEN deadline < %s THEN n ELSE 0 END),
                    SUM(CASE WHEN grade IN ('major', 'high') THEN n ELSE 0 END)
                FROM hazards_hazardopenrollup WHERE level = %s AND {within}
                GROUP BY b""",  # noqa: S608
                [today, level, *rp],
            ),
        ]

    out = [
        counts(f"substr(org_path, 1, {length})", _level(path, path.count(".") + 2)),
        counts("org_path", 0),
        _run(
            f"""SELECT o.id, o.name, r.n, r.earliest FROM (
                SELECT org_path, SUM(n) AS n, MIN(deadline) AS earliest
                FROM hazards_hazardopenrollup
                WHERE level = 0 AND {within} AND deadline < %s GROUP BY org_path
            ) r JOIN orgs_orgnode o ON o.path = r.org_path
            WHERE r.n > 0 ORDER BY r.n DESC, o.name LIMIT 10""",  # noqa: S608
            [*rp, today],
        ),
        _run(
            f"""SELECT h.category, COUNT(*) FROM hazards_hazard h
            WHERE {where} AND {_plain("h.found_at")} >= %s AND {_plain("h.found_at")} < %s
            GROUP BY h.category ORDER BY COUNT(*) DESC LIMIT 5""",  # noqa: S608
            [*wp, since, until],
        ),
        _run(
            f"""SELECT h.id, h.number, o.name FROM hazards_hazard h
            JOIN orgs_orgnode o ON o.id = h.org_id
            WHERE {where} AND h.status = '{Status.ESCALATED}' ORDER BY h.found_at LIMIT 50""",  # noqa: S608
            wp,
        ),
        _run(
            f"""SELECT h.id, h.number, o.name FROM hazards_hazard h
            JOIN orgs_orgnode o ON o.id = h.org_id
            WHERE {where} AND h.status IN {OPEN} AND h.grade = 'major'
            ORDER BY h.deadline LIMIT 50""",  # noqa: S608
            wp,
        ),
    ]
    return out


def dispatch_report(path: str, month: datetime.date, today: datetime.date) -> list:
    """hazards.reports.monthly_report: the dispatch's figures, then what the report adds, the
    schools of its by-school table and what falls due next month (the open hazards by grade,
    the major and significant ones, the weekly analyses' follow-up tasks)."""
    first = add_months(month.replace(day=1), 1)
    last = add_months(first, 1) - datetime.timedelta(days=1)
    where, wp = _within("h.org_path", path)
    schools, sp = _within("o.path", path)
    reviews, rp = _within("r.org_path", path)
    due = f"{where} AND h.status IN {OPEN} AND h.deadline >= %s AND h.deadline <= %s"
    return [
        *dispatch(path, month, today),
        _run(
            f"""SELECT o.id, o.name, o.path, p.name FROM orgs_orgnode o
            LEFT JOIN orgs_orgnode p ON p.id = o.parent_id
            WHERE {schools} AND o.kind = 'school' ORDER BY o.path""",  # noqa: S608
            sp,
        ),
        _run(
            f"SELECT h.grade, COUNT(*) FROM hazards_hazard h WHERE {due} GROUP BY h.grade",  # noqa: S608
            [*wp, first, last],
        ),
        _run(
            f"""SELECT h.id, h.number, o.name FROM hazards_hazard h
            JOIN orgs_orgnode o ON o.id = h.org_id
            WHERE {due} AND h.grade IN ('major', 'high')
            ORDER BY h.deadline, h.id LIMIT 50""",  # noqa: S608
            [*wp, first, last],
        ),
        _run(
            f"""SELECT COUNT(*) FROM hazards_followuptask t
            JOIN hazards_weeklyreview r ON r.id = t.review_id
            WHERE {reviews} AND t.done_at IS NULL AND t.due_on <= %s""",  # noqa: S608
            [*rp, last],
        ),
    ]


def ledger_count(path: str, status: str | None = None, grade: str | None = None) -> int:
    where, wp = _within("org_path", path)
    if status:
        where += " AND status = %s"
        wp.append(status)
    if grade:
        where += " AND grade = %s"
        wp.append(grade)
    return _run(f"SELECT COUNT(*) FROM hazards_hazard WHERE {where}", wp)[0][0]  # noqa: S608
