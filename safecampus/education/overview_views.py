"""The bureau's view of a region's safety education: per school, the month's 1530 reminders,
themed activity and drowning education, the term's health education and the last campaign's
completion — each the verdict of its rule with the figure it measured, drilling down to the
school's month grid. Read through the compliance engine, so it says what the dashboards say."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.accounts.access import can_anywhere
from safecampus.compliance import engine
from safecampus.compliance.catalog import RULES_BY_CODE, SCHOOL
from safecampus.compliance.verdicts import Status, last_ended_month, month_period, percent
from safecampus.core.dates import add_months
from safecampus.core.listing import xlsx_response
from safecampus.education.models import SchoolClass
from safecampus.orgs import region_rows, selectors
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import OrgNode, ancestor_paths

CODES = ("EDU-1530", "EDU-MONTHLY", "EDU-DROWNING", "EDU-HEALTH", "EDU-CAMPAIGN-RATE")


def _figure(code: str, verdict) -> str:
    if verdict is None or verdict.value is None:
        return "—"
    if code in ("EDU-1530", "EDU-DROWNING", "EDU-CAMPAIGN-RATE"):
        return percent(verdict.value)
    return str(int(verdict.value))


def _region(request, user) -> OrgNode | None:
    regions = selectors.nodes_where(user, "view", SchoolClass).exclude(kind=NodeKind.SCHOOL)
    raw = request.GET.get("node", "")
    if raw:
        if not raw.isdigit():
            raise Http404
        node = selectors.nodes_where(user, "view", SchoolClass).filter(pk=raw).first()
        if node is None:
            raise Http404
        return node
    return regions.order_by("depth", "path").first()


def _month(request) -> datetime.date | None:
    raw = request.GET.get("month") or ""
    try:
        first = datetime.date.fromisoformat(raw + "-01")
    except ValueError:
        return None
    return first if first <= timezone.localdate() else None


@login_required
def overview(request):
    from safecampus.compliance.models import PingAnAward

    user = request.user
    if not (can_anywhere(user, "view", SchoolClass) and can_anywhere(user, "view", PingAnAward)):
        raise PermissionDenied(_("Your role does not allow this here."))
    node = _region(request, user)
    if node is None:
        return redirect("education:classes")
    first = _month(request)
    period = month_period(first) if first else None
    today = timezone.localdate()
    shown = period or last_ended_month(today)
    answer = region_rows.answer(
        request,
        node,
        known=bool(request.GET.get("node")),  # _region: 404 for one not seen
        row=lambda direct: _region_row(request, node, period, direct),
        regions=lambda: _regions(request, node, shown, today),
    )
    if answer is not None:
        return answer
    direct = region_rows.wants_direct(request, node)
    result = engine.evaluate(
        user, node, codes=CODES, period=period, subjects=(SCHOOL,), direct=direct
    )
    education = result.run.cache.get("education", {})
    townships = {
        t.path: t
        for t in OrgNode.objects.filter(kind=NodeKind.TOWNSHIP, path__startswith=node.path)
    }
    rows = []
    for subject in result.run.schools:
        town = next(
            (townships[p] for p in reversed(ancestor_paths(subject.path)) if p in townships), None
        )
        facts = education.get(subject.node_id)
        cells = []
        for code in CODES:
            verdict = result.of(code, subject.key)
            cells.append({"code": code, "verdict": verdict, "figure": _figure(code, verdict)})
        rows.append(
            {
                "subject": subject,
                "township": town,
                "classes": len(facts.classes) if facts else 0,
                "cells": cells,
                "failing": any(c["verdict"] and c["verdict"].is_failing for c in cells),
            }
        )
    status = request.GET.get("status", "")
    if status == "failing":
        rows = [r for r in rows if r["failing"]]
    if request.GET.get("export") == "xlsx":
        return _export(rows, node, shown)
    summary = []
    for code in CODES:
        s = result.summary(code)
        summary.append(
            {
                "code": code,
                "rule": RULES_BY_CODE[code],
                "counts": {k: s.counts.get(k, 0) for k in Status.values},
                "share": percent(s.share),
            }
        )
    params = request.GET.copy()
    params["export"] = "xlsx"
    return render(
        request,
        "education/overview.html",
        {
            "nav_active": "education_overview",
            "breadcrumbs": _crumbs(request, node, shown),
            "direct": direct,
            "node": node,
            "month": shown.start,
            "period": shown,
            "rows": rows,
            "summary": summary,
            "codes": CODES,
            "rules": [RULES_BY_CODE[c] for c in CODES],
            "status": status,
            "regions": list(
                selectors.nodes_where(user, "view", SchoolClass)
                .exclude(kind=NodeKind.SCHOOL)
                .order_by("path")[:300]
            ),
            "prev": add_months(shown.start, -1),
            "next": add_months(shown.start, 1) if add_months(shown.start, 1) <= today else None,
            "export_url": "?" + params.urlencode(),
        },
    )


def _keep(shown) -> dict:
    return {"month": shown.key}


def _crumbs(request, node, shown):
    return region_rows.crumbs(
        request.user, node, SchoolClass, page_url=request.path, keep=_keep(shown)
    )


def _regions(request, node, shown, today):
    """Above a county: a row per region under the node, each filled by its own request."""
    rows = region_rows.region_rows(
        request.user, node, SchoolClass, page_url=request.path, keep=_keep(shown)
    )
    return render(
        request,
        "education/overview_regions.html",
        {
            "nav_active": "education_overview",
            "breadcrumbs": _crumbs(request, node, shown),
            "node": node,
            "month": shown.start,
            "period": shown,
            "region_rows": rows,
            "headers": [_("Schools not compliant"), *CODES],
            "rules": [RULES_BY_CODE[c] for c in CODES],
            "prev": add_months(shown.start, -1),
            "next": add_months(shown.start, 1) if add_months(shown.start, 1) <= today else None,
        },
    )


def _region_row(request, node, period, direct: bool):
    """One region's row: its schools not compliant, and each rule's count and share."""
    result = engine.evaluate(
        request.user, node, codes=CODES, period=period, subjects=(SCHOOL,), direct=direct
    )
    failing = sum(
        1
        for subject in result.run.schools
        if any((v := result.of(code, subject.key)) and v.is_failing for code in CODES)
    )
    page_url = region_rows.row_page_url(request)
    cells = []
    for code in CODES:
        summary = result.summary(code)
        cells.append(
            {
                "rule": code,
                "count": summary.counts.get(Status.NOT_COMPLIANT, 0),
                "share": percent(summary.share),
                "url": f"{page_url}&status=failing",
            }
        )
    row = region_rows.RegionRow(
        node=node, schools=len(result.run.schools), direct=direct, page_url=page_url
    )
    return render(
        request,
        "education/_overview_region_row.html",
        {"row": row, "failing_schools": failing, "cells": cells},
    )


def _export(rows, node, period):
    headers = [_("School"), _("Township"), _("Classes")]
    for code in CODES:
        headers += [f"{code} {_('Status')}", f"{code} {_('Figure')}", f"{code} {_('Finding')}"]
    out = []
    for row in rows:
        line = [
            row["subject"].name,
            row["township"].name if row["township"] else "",
            row["classes"],
        ]
        for cell in row["cells"]:
            v = cell["verdict"]
            line += [v.status_label if v else "", cell["figure"], v.explanation if v else ""]
        out.append(line)
    name = _("Safety education") + f" {node.name} {period.key}"
    return xlsx_response(filename=name, title=_("Safety education"), headers=headers, rows=out)
