"""The school calendar pages: a region's (or a school's) calendar for one school year, as a list
of terms and holidays and as a month grid, with where each period comes from; writers add,
edit and delete the region's own periods or copy the built-in default year to edit it.

The node is always fetched through the user's scope (out of scope: 404). The calendar that
applies to it is, by design, read from the node and its ancestors (a school lives by its
county's terms and holidays, which its own users may read but not change: 403).
"""

import datetime
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.accounts.access import can
from safecampus.core.audit_views import RECORD_URLS
from safecampus.core.dates import ONE_DAY, add_months, month_of
from safecampus.core.listing import form_page, require, scoped_get
from safecampus.hazards import calendar as cal_mod
from safecampus.hazards.models import CalendarPeriod
from safecampus.hazards.schedules import BEFORE_HOLIDAY_DAYS
from safecampus.orgs import node_pages
from safecampus.orgs.models import OrgNode, ancestor_paths

NAV_KEY = "calendar"
GET_POST = require_http_methods(["GET", "POST"])
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
WEEKDAYS = [
    pgettext_lazy("weekday, short", "Mon"),
    pgettext_lazy("weekday, short", "Tue"),
    pgettext_lazy("weekday, short", "Wed"),
    pgettext_lazy("weekday, short", "Thu"),
    pgettext_lazy("weekday, short", "Fri"),
    pgettext_lazy("weekday, short", "Sat"),
    pgettext_lazy("weekday, short", "Sun"),
]

RECORD_URLS["hazards.calendarperiod"] = "hazard_calendar:period"


def _require_view(user, node=None) -> None:
    node_pages.require_view(user, CalendarPeriod, node)


# ---------------------------------------------------------------------------- the year


def current_year() -> int:
    return cal_mod.school_year_of(timezone.localdate())


def offered_years() -> list[int]:
    """Last, this and next school year: the years the built-in default calendar covers."""
    year = current_year()
    return [year - 1, year, year + 1]


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 9, 1), datetime.date(year + 1, 8, 31)


def _year_from(raw) -> int:
    years = offered_years()
    if raw is not None and str(raw).isdigit() and int(raw) in years:
        return int(raw)
    return years[1]


def _overlaps(start, end, first, last) -> bool:
    return start <= last and end >= first


# ---------------------------------------------------------------------------- what is shown


@dataclass
class Entry:
    """One line of the calendar's list: a term, a holiday or a break, and where it comes from."""

    kind: str  # "term" | "holiday" | "break"
    name: str
    start: datetime.date
    end: datetime.date
    origin: str  # "own" | "ancestor" | "default" | "derived"
    row: CalendarPeriod | None = None
    can_change: bool = False
    can_delete: bool = False

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def calendar_entries(user, node: OrgNode, cal, year: int) -> tuple[list[Entry], list]:
    """The periods of `cal` in school year `year`, each with its origin, and the source's rows.

    A region's own rows replace the default kind by kind (cal_mod._from_rows): terms come from
    the source's term rows if it has any, holidays likewise; what it lacks is the default's."""
    first, last = year_bounds(year)
    rows = list(CalendarPeriod.objects.filter(org=cal.source)) if cal.source is not None else []
    kinds = {r.kind for r in rows}
    origin = "own" if cal.source is not None and cal.source.pk == node.pk else "ancestor"
    change = cal.source is not None and can(user, "change", CalendarPeriod, cal.source)
    delete = cal.source is not None and can(user, "delete", CalendarPeriod, cal.source)
    entries = []
    for kind, periods in (("term", cal.terms), ("holiday", cal.holidays)):
        if kind in kinds:
            entries += [
                Entry(kind, r.name, r.start, r.end, origin, r, change, delete)
                for r in rows
                if r.kind == kind and _overlaps(r.start, r.end, first, last)
            ]
        else:
            entries += [
                Entry(kind, p.name, p.start, p.end, "default")
                for p in periods
                if _overlaps(p.start, p.end, first, last)
            ]
    entries += [
        Entry("break", b.name, b.start, b.end, "derived")
        for b in cal.breaks()
        if _overlaps(b.start, b.end, first, last) and b.name != "假期"
    ]
    entries.sort(key=lambda e: (e.start, e.kind != "term", e.end))
    return entries, rows


def month_grid(cal, year: int, windows: list[tuple], today: datetime.date) -> list[dict]:
    """Twelve months, September to August, as weeks of seven cells (None outside the month)."""
    before = set()
    for start, end in windows:
        day = start
        while day <= end:
            before.add(day)
            day += ONE_DAY
    months = []
    first_of_month = datetime.date(year, 9, 1)
    for _i in range(12):
        first, last = month_of(first_of_month)
        weeks, week = [], [None] * first.weekday()
        day = first
        while day <= last:
            week.append(_cell(cal, day, before, today))
            if len(week) == 7:
                weeks.append(week)
                week = []
            day += ONE_DAY
        if week:
            weeks.append(week + [None] * (7 - len(week)))
        months.append({"first": first, "weeks": weeks})
        first_of_month = add_months(first_of_month, 1)
    return months


def _cell(cal, day: datetime.date, before: set, today: datetime.date) -> dict:
    holiday = cal.holiday_of(day)
    term = cal.term_of(day)
    if cal.is_school_day(day):
        classes = ["cal-school"]
        if day in before:
            classes.append("cal-before")
        if day.weekday() >= 5:
            classes.append("cal-workday")
        title = term.name if term else ""
        if day in before:
            title = _("%(term)s · before a holiday") % {"term": title}
    elif holiday is not None:
        classes, title = ["cal-holiday"], holiday.name
    elif term is None:
        classes, title = ["cal-break"], _("Between terms")
    else:
        classes, title = ["cal-weekend"], term.name
    if day == today:
        classes.append("cal-today")
    return {"day": day, "classes": " ".join(classes), "title": title}


# ---------------------------------------------------------------------------- pages


@login_required
def home(request):
    """The user's own calendar: the highest node they see, or the node picked in the menu."""
    user = request.user
    _require_view(user)
    node = node_pages.start_node(request)
    url = reverse("hazard_calendar:node", args=[node.pk])
    year = request.GET.get("year", "")
    return redirect(url + (f"?year={year}" if year.isdigit() else ""))


def _node_url(node: OrgNode, year: int | None = None) -> str:
    url = reverse("hazard_calendar:node", args=[node.pk])
    return url + (f"?year={year}" if year is not None else "")


@login_required
def node_calendar(request, pk):
    user = request.user
    node = scoped_get(user, OrgNode, pk=pk)
    _require_view(user, node)
    year = _year_from(request.GET.get("year"))
    first, last = year_bounds(year)
    today = timezone.localdate()
    cal = cal_mod.calendar_for(node)
    entries, rows = calendar_entries(user, node, cal, year)
    windows = [
        w
        for w in cal.before_holiday_periods(BEFORE_HOLIDAY_DAYS)
        if _overlaps(w[0], w[1], first, last)
    ]
    own_in_year = any(r.org_id == node.pk and _overlaps(r.start, r.end, first, last) for r in rows)
    source = cal.source
    can_add = not node.is_school and can(user, "add", CalendarPeriod, node)
    return render(
        request,
        "hazards/settings/calendar.html",
        {
            "nav_active": NAV_KEY,
            "node": node,
            "year": year,
            "year_label": f"{year}–{year + 1}",
            "years": [{"value": y, "label": f"{y}–{y + 1}"} for y in offered_years()],
            "source": source,
            "source_is_node": source is not None and source.pk == node.pk,
            "source_url": (
                _node_url(source, year)
                if source is not None and can(user, "view", OrgNode, source)
                else ""
            ),
            "entries": entries,
            "windows": windows,
            "before_days": BEFORE_HOLIDAY_DAYS,
            "months": month_grid(cal, year, windows, today),
            "weekdays": WEEKDAYS,
            "school_days": len(cal.school_days(first, last)),
            "no_term": not any(e.kind == "term" for e in entries),
            "can_add": can_add,
            "can_copy": can_add and not own_in_year,
            "own_in_year": own_in_year,
            "picker": node_pages.picker_options(user, node),
        },
    )


class PeriodForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=CalendarPeriod.Kind.choices)
    name = forms.CharField(
        label=pgettext_lazy("record", "Name"),
        max_length=50,
        help_text=gettext_lazy("For example 2026年秋季学期, 国庆节 or 校运会."),
    )
    start = forms.DateField(label=gettext_lazy("First day"), widget=DATE_WIDGET)
    end = forms.DateField(
        label=gettext_lazy("Last day"),
        widget=DATE_WIDGET,
        help_text=gettext_lazy(
            "Both days are included. Terms cannot overlap; a holiday may lie inside a term."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def _period_of(user, node_pk, period_pk) -> tuple[OrgNode, CalendarPeriod]:
    """The node (in the user's scope) and a period of the calendar that applies to it."""
    node = scoped_get(user, OrgNode, pk=node_pk)
    _require_view(user, node)
    period = get_object_or_404(
        CalendarPeriod.objects.select_related("org"),
        pk=period_pk,
        org_path__in=ancestor_paths(node.path),
    )
    return node, period


@login_required
@GET_POST
def period_add(request, pk):
    user = request.user
    node = scoped_get(user, OrgNode, pk=pk)
    require(user, "add", CalendarPeriod, node)
    kind = request.GET.get("kind", "")
    initial = {"kind": kind if kind in CalendarPeriod.Kind.values else CalendarPeriod.Kind.HOLIDAY}
    form = PeriodForm(request.POST or None, initial=initial)
    del form.fields["version"]

    def save():
        data = form.cleaned_data
        period = cal_mod.calendar_period_save(node=node, by=user, **data)
        message = _("Added %(name)s to the calendar of %(node)s.") % {
            "name": period.name,
            "node": node.name,
        }
        return message, _node_url(node, cal_mod.school_year_of(period.start))

    return form_page(
        request,
        form,
        save=save,
        nav=NAV_KEY,
        title=_("New term or holiday · %(node)s") % {"node": node.name},
        cancel_url=_node_url(node),
    )


@login_required
@GET_POST
def period_edit(request, pk, period):
    user = request.user
    node, row = _period_of(user, pk, period)
    require(user, "change", CalendarPeriod, row.org)
    initial = {
        "kind": row.kind,
        "name": row.name,
        "start": row.start,
        "end": row.end,
        "version": row.version,
    }
    form = PeriodForm(request.POST or None, initial=initial)

    def save():
        data = dict(form.cleaned_data)
        version = data.pop("version") or row.version
        cal_mod.calendar_period_save(
            node=row.org, by=user, period=row, expected_version=version, **data
        )
        return _("Saved."), _node_url(node, cal_mod.school_year_of(data["start"]))

    return form_page(
        request,
        form,
        save=save,
        nav=NAV_KEY,
        title=_("Edit %(name)s · %(node)s") % {"name": row.name, "node": row.org.name},
        cancel_url=_node_url(node, cal_mod.school_year_of(row.start)),
    )


@login_required
@GET_POST
def period_delete(request, pk, period):
    user = request.user
    node, row = _period_of(user, pk, period)
    require(user, "delete", CalendarPeriod, row.org)
    back = _node_url(node, cal_mod.school_year_of(row.start))
    if request.method == "POST":
        cal_mod.calendar_period_delete(period=row, by=user)
        messages.success(request, _("Deleted %(name)s.") % {"name": row.name})
        return redirect(back)
    return render(
        request,
        "core/confirm_delete.html",
        {"nav_active": NAV_KEY, "object": row, "cancel_url": back},
    )


@login_required
@require_POST
def copy_default(request, pk):
    user = request.user
    node = scoped_get(user, OrgNode, pk=pk)
    require(user, "add", CalendarPeriod, node)
    year = _year_from(request.POST.get("year"))
    try:
        made = cal_mod.calendar_copy_default(node=node, by=user, school_year=year)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _(
                "Copied the default %(first)s–%(second)s school year into %(node)s (%(count)s periods): edit them to match your county."
            )
            % {"first": year, "second": year + 1, "node": node.name, "count": len(made)},
        )
    return redirect(_node_url(node, year))


@login_required
def period(request, pk):
    """A period's place (the audit trail links here): its region's calendar at its year."""
    row = scoped_get(request.user, CalendarPeriod.objects.select_related("org"), pk=pk)
    return redirect(_node_url(row.org, _year_from(cal_mod.school_year_of(row.start))))
