"""Pages of the 1530 reminders: the class teacher's “today” with its one-tap buttons (a phone
page), a school's classes (register, head teachers), and the month grid of each class's
records.

Thin: reads start from `for_user` (`scoped_get`: out of scope is 404), writes check the role
table (403) and go through education.services; what is due comes from education.today and the
grid's figures from the same function the EDU-1530 rule judges with.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.accounts.access import assignments, can, can_anywhere
from safecampus.compliance.verdicts import month_period, percent
from safecampus.core.audit_views import RECORD_URLS
from safecampus.core.dates import ONE_DAY, add_months, month_of
from safecampus.core.listing import apply_errors, require, scoped_get
from safecampus.education import forms as f
from safecampus.education import services
from safecampus.education.choices import ReminderKind, Topic
from safecampus.education.models import SafetyReminder, SchoolClass
from safecampus.education.rules import ClassFact, judge_class
from safecampus.education.schedule import holiday_windows
from safecampus.education.today import managed_schools, own_classes, today_for
from safecampus.orgs import selectors
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import OrgNode
from safecampus.orgs.node_pages import breadcrumbs as node_breadcrumbs

GET_POST = require_http_methods(["GET", "POST"])

RECORD_URLS["education.schoolclass"] = "education:class"
RECORD_URLS["education.safetyreminder"] = "education:reminder"


def breadcrumbs(user, node: OrgNode) -> list[dict]:
    return node_breadcrumbs(user, node)


def school_param(request, model=SchoolClass, name: str = "school") -> OrgNode | None:
    """The school named by `?school=` among those whose education records the user reads (404
    for any other), else the user's own first school, else None."""
    visible = selectors.nodes_where(request.user, "view", model).filter(kind=NodeKind.SCHOOL)
    raw = request.GET.get(name, "")
    if raw:
        if not raw.isdigit():
            raise Http404
        school = visible.filter(pk=raw).first()
        if school is None:
            raise Http404
        return school
    for a in assignments(request.user):
        if a.org.is_school and can(request.user, "view", model, a.org):
            return a.org
    return None


def month_param(request) -> datetime.date:
    raw = request.GET.get("month") or ""
    try:
        return datetime.date.fromisoformat(raw + "-01")
    except ValueError:
        return timezone.localdate().replace(day=1)


# --------------------------------------------------------------------------------- today


def _page_classes(user) -> tuple[list, bool, list]:
    """The classes on the user's “today”: those they head; for a school's managers who head
    none, every class of their schools. With whether they head any, and the schools managed."""
    classes = list(own_classes(user))
    heads = bool(classes)
    managed = managed_schools(user)
    if not classes and managed:
        classes = list(
            SchoolClass.objects.for_user(user)
            .filter(org__in=managed, active=True)
            .select_related("org")
            .order_by("org_path", "rank", "name")[:300]
        )
    return classes, heads, managed


def _today_context(user, classes):
    data = today_for(classes) if classes else None
    return {
        "today": data,
        "topics": Topic.choices,
    }


@login_required
def today(request):
    """The class teacher's phone page: what is due today for each of their classes."""
    user = request.user
    if not can_anywhere(user, "add", SafetyReminder):
        raise PermissionDenied(_("Your role does not allow this here."))
    classes, heads, managed = _page_classes(user)
    ctx = _today_context(user, classes)
    recordable = (
        SchoolClass.objects.filter(pk__in=[c.pk for c in classes]).select_related("org")
        if classes
        else SchoolClass.objects.none()
    )
    ctx.update(
        nav_active="education_today",
        heads=heads,
        managed=managed,
        many_schools=len({c.org_id for c in classes}) > 1,
        earlier_form=f.EarlierForm(classes=recordable),
        late_days=services.LATE_DAYS,
    )
    return render(request, "education/today.html", ctx)


def _record_or_error(request, *, school_class, kind, day, topic, holiday=""):
    try:
        reminder, created = services.reminder_record(
            school_class=school_class,
            by=request.user,
            kind=kind,
            day=day,
            topic=topic,
            holiday=holiday,
        )
    except ValidationError as exc:
        return None, False, " ".join(exc.messages)
    return reminder, created, ""


@login_required
@require_POST
def tap(request):
    """The one-tap button: record a reminder of today (a second tap finds the first)."""
    form = f.TapForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("The form was incomplete: reload the page and tap again."))
    data = form.cleaned_data
    klass = scoped_get(
        request.user, SchoolClass.objects.select_related("org"), pk=data["school_class"]
    )
    reminder, created, problem = _record_or_error(
        request,
        school_class=klass,
        kind=data["kind"],
        day=data.get("day") or timezone.localdate(),
        topic=data["topic"],
        holiday=data.get("holiday") or "",
    )
    if request.htmx:  # the class's card in place, and the page's counts out of band
        classes, _heads, _managed = _page_classes(request.user)
        page = today_for(classes) if any(c.pk == klass.pk for c in classes) else None
        entry = today_for([klass]).classes[0]
        return render(
            request,
            "education/_class_today.html",
            {
                "entry": entry,
                "topics": Topic.choices,
                "problem": problem,
                "just": reminder,
                "today": page,
                "oob": page is not None,
            },
        )
    if problem:
        messages.error(request, problem)
    elif created:
        messages.success(
            request,
            _("%(class)s: %(reminder)s recorded.")
            % {"class": klass.name, "reminder": reminder.get_kind_display()},
        )
    else:
        messages.info(request, _("Already recorded: nothing changed."))
    return redirect(reverse("education:today") + f"#class-{klass.pk}")


@login_required
@require_POST
def record_earlier(request):
    """A reminder given on an earlier day (within LATE_DAYS) that was not tapped then."""
    user = request.user
    classes = SchoolClass.objects.for_user(user).filter(active=True).select_related("org")
    form = f.EarlierForm(request.POST, classes=classes)
    if not form.is_valid():
        messages.error(request, _("Choose the class, the reminder, the day and the topic."))
        return redirect("education:today")
    data = form.cleaned_data
    reminder, created, problem = _record_or_error(
        request,
        school_class=data["school_class"],
        kind=data["kind"],
        day=data["day"],
        topic=data["topic"],
    )
    if problem:
        messages.error(request, problem)
    elif created:
        messages.success(
            request,
            _("%(class)s: %(reminder)s of %(day)s recorded.")
            % {
                "class": data["school_class"].name,
                "reminder": reminder.get_kind_display(),
                "day": data["day"].isoformat(),
            },
        )
    else:
        messages.info(request, _("Already recorded: nothing changed."))
    return redirect("education:today")


# ------------------------------------------------------------------------------- classes


@login_required
def classes(request):
    """A school's classes: grade, head teacher, pupils, and this month's 1530 record so far."""
    user = request.user
    if not can_anywhere(user, "view", SchoolClass):
        raise PermissionDenied(_("Your role does not allow this here."))
    school = school_param(request)
    if school is None:
        return redirect("education:overview")
    show_all = request.GET.get("all") == "1"
    qs = SchoolClass.objects.for_user(user).filter(org=school).select_related("head_teacher")
    if not show_all:
        qs = qs.filter(active=True)
    rows = list(qs.order_by("-active", "rank", "name"))
    today = timezone.localdate()
    first = today.replace(day=1)
    grid = month_grid(school, [c for c in rows if c.active], first, month_of(first)[1], today)
    by_class = {r["class"].pk: r for r in grid["rows"]}
    for c in rows:
        c.month = by_class.get(c.pk)
    return render(
        request,
        "education/classes.html",
        {
            "nav_active": "education_records",
            "school": school,
            "classes": rows,
            "show_all": show_all,
            "month": first,
            "can_manage": can(user, "change", SchoolClass, school),
            "breadcrumbs": breadcrumbs(user, school),
            "schools": _schools_menu(user),
        },
    )


def _schools_menu(user):
    return list(
        selectors.nodes_where(user, "view", SchoolClass)
        .filter(kind=NodeKind.SCHOOL)
        .order_by("path")[:2]
    )


@login_required
@GET_POST
def class_new(request):
    user = request.user
    school = school_param(request)
    if school is None:
        raise Http404
    require(user, "change", SchoolClass, school)
    form = f.ClassForm(request.POST or None, school=school)

    def save():
        data = form.cleaned_data
        klass = services.class_save(
            by=user,
            school=school,
            grade=data["grade"],
            name=data["name"],
            head_teacher=data["head_teacher"],
            pupils=data["pupils"],
            active=data["active"],
        )
        return _("Class %(name)s registered.") % {"name": klass.name}, _classes_url(school)

    return class_form_page(
        request,
        form,
        save=save,
        title=_("Register a class at %(school)s") % {"school": school.name},
        cancel_url=_classes_url(school),
    )


def class_form_page(request, form, *, save, title, cancel_url):
    """core.listing.form_page with the grades of the school's kind offered as suggestions."""
    if request.method == "POST" and form.is_valid():
        try:
            message, url = save()
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect(url)
    return render(
        request,
        "education/class_form.html",
        {
            "nav_active": "education_records",
            "title": title,
            "form": form,
            "cancel_url": cancel_url,
            "breadcrumbs": breadcrumbs(request.user, form.school),
        },
    )


def _classes_url(school) -> str:
    return reverse("education:classes") + f"?school={school.pk}"


@login_required
@GET_POST
def class_edit(request, pk):
    user = request.user
    klass = scoped_get(user, SchoolClass.objects.select_related("org"), pk=pk)
    require(user, "change", SchoolClass, klass.org)
    form = f.ClassForm(request.POST or None, instance=klass, school=klass.org)

    def save():
        data = form.cleaned_data
        services.class_save(
            by=user,
            school_class=klass,
            grade=data["grade"],
            name=data["name"],
            head_teacher=data["head_teacher"],
            pupils=data["pupils"],
            active=data["active"],
            expected_version=data["version"],
        )
        return _("Saved."), _classes_url(klass.org)

    return class_form_page(
        request,
        form,
        save=save,
        title=_("Edit class %(name)s") % {"name": klass.name},
        cancel_url=_classes_url(klass.org),
    )


@login_required
def class_page(request, pk):
    """A class: its month of 1530 records."""
    klass = scoped_get(request.user, SchoolClass, pk=pk)
    return redirect(reverse("education:records") + f"?school={klass.org_id}&class={klass.pk}")


@login_required
def reminder_page(request, pk):
    """A reminder: the month of its class's records, where it shows."""
    reminder = scoped_get(request.user, SafetyReminder, pk=pk)
    return redirect(
        reverse("education:records")
        + f"?school={reminder.org_id}&class={reminder.school_class_id}"
        + f"&month={reminder.day:%Y-%m}"
    )


# ------------------------------------------------------------------------------- records

KIND_MARKS = {ReminderKind.DAILY: "1", ReminderKind.WEEKLY: "5", ReminderKind.HOLIDAY: "30"}
# One character a day, so that a month fits a phone's width as a grid.
WEEKDAY_INITIALS = [
    pgettext_lazy("weekday initial", "Mo"),
    pgettext_lazy("weekday initial", "Tu"),
    pgettext_lazy("weekday initial", "We"),
    pgettext_lazy("weekday initial", "Th"),
    pgettext_lazy("weekday initial", "Fr"),
    pgettext_lazy("weekday initial", "Sa"),
    pgettext_lazy("weekday initial", "Su"),
]


def month_grid(school, classes, first, last, today) -> dict:
    """Each class's reminders of the month, day by day, with what the rule counts so far."""
    from safecampus.compliance.params import effective_params
    from safecampus.emergency.compliance import calendars_of

    cal = calendars_of([school], first)[school.pk]
    windows = holiday_windows(cal)
    window_days = {d: w for w in windows for d in w.days}
    p = effective_params(services.RULE, school, last)
    given: dict[int, dict] = {c.pk: {} for c in classes}
    marks: dict[tuple, list] = {}
    rows = SafetyReminder.objects.filter(
        school_class__in=classes, day__gte=first - 6 * ONE_DAY, day__lte=last + 6 * ONE_DAY
    ).select_related("recorded_by")
    for r in rows.order_by("day", "kind"):
        given[r.school_class_id].setdefault(r.kind, {})[r.day] = r.minutes
        if first <= r.day <= last:
            marks.setdefault((r.school_class_id, r.day), []).append(r)
    days = []
    day = first
    while day <= last:
        days.append(
            {
                "day": day,
                "school": cal.is_school_day(day),
                "future": day > today,
                "holiday": window_days.get(day),
                "today": day == today,
                "weekday": WEEKDAY_INITIALS[day.weekday()],
            }
        )
        day += ONE_DAY
    period = month_period(first)
    judged_to = min(last, today - ONE_DAY) if last >= today else last
    out = []
    for c in classes:
        fact = ClassFact(c.pk, c.name, timezone.localtime(c.created_at).date())
        result = judge_class(fact, given[c.pk], cal, windows, period, judged_to, p, today)
        cells = []
        for d in days:
            found = marks.get((c.pk, d["day"]), [])
            kinds = {r.kind for r in found}
            if ReminderKind.DAILY in kinds:
                state = "ok"
            elif not d["school"]:
                state = "off"
            elif d["future"] or d["today"] or d["day"] < fact.since:
                state = "open"
            else:
                state = "miss"
            cells.append(
                {
                    **d,
                    "state": state,
                    "reminders": found,
                    "marks": [KIND_MARKS[r.kind] for r in found if r.kind != ReminderKind.DAILY],
                }
            )
        out.append(
            {
                "class": c,
                "cells": cells,
                "result": result,
                "share": percent(result.given / result.required)
                if result and result.required
                else "—",
            }
        )
    return {
        "days": days,
        "rows": out,
        "params": p,
        "windows": [w for w in windows if first <= w.last <= last],
        "calendar": cal,
    }


def _weeks(cells) -> list[list]:
    """The cells of one class laid out as a calendar (Monday first)."""
    weeks, week = [], [None] * cells[0]["day"].weekday()
    for cell in cells:
        week.append(cell)
        if len(week) == 7:
            weeks.append(week)
            week = []
    if week:
        weeks.append(week + [None] * (7 - len(week)))
    return weeks


@login_required
def records(request):
    """The month grid of a school's 1530 records, class by class (one class: a calendar)."""
    user = request.user
    if not can_anywhere(user, "view", SafetyReminder):
        raise PermissionDenied(_("Your role does not allow this here."))
    school = school_param(request, SafetyReminder)
    if school is None:
        return redirect("education:overview")
    first = month_param(request)
    last = month_of(first)[1]
    today = timezone.localdate()
    qs = SchoolClass.objects.for_user(user).filter(org=school).select_related("head_teacher")
    chosen = None
    raw = request.GET.get("class", "")
    if raw:
        if not raw.isdigit():
            raise Http404
        chosen = qs.filter(pk=raw).first()
        if chosen is None:
            raise Http404
        shown = [chosen]
    elif not can(user, "change", SchoolClass, school) and (
        mine := [c for c in own_classes(user) if c.org_id == school.pk]
    ):  # a class teacher opens on their own class
        chosen = mine[0]
        shown = [chosen]
    else:
        shown = list(qs.filter(active=True).order_by("rank", "name"))
    grid = month_grid(school, shown, first, last, today)
    weeks = _weeks(grid["rows"][0]["cells"]) if chosen is not None and grid["rows"] else []
    query = f"school={school.pk}" + (f"&class={chosen.pk}" if chosen else "")
    return render(
        request,
        "education/records.html",
        {
            "nav_active": "education_records",
            "school": school,
            "first": first,
            "grid": grid,
            "chosen": chosen,
            "weeks": weeks,
            "weekdays": [
                formats.date_format(datetime.date(2024, 1, 1) + i * ONE_DAY, "D") for i in range(7)
            ],
            "classes": list(qs.filter(active=True).order_by("rank", "name")),
            "prev_url": f"?{query}&month={add_months(first, -1):%Y-%m}",
            "next_url": f"?{query}&month={add_months(first, 1):%Y-%m}",
            "breadcrumbs": breadcrumbs(user, school),
            "can_record": can(user, "add", SafetyReminder, school),
        },
    )
