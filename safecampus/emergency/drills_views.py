"""Pages of the drill capability: the drills ledger and its month calendar, planning and
recording a drill (on a phone), a drill's page with its problems, photos, sign-off and PDF
report, a school's compliance with its evacuation trend, and the county view of the schools
out of compliance and why.

Thin: reads start from `for_user` (`scoped_get`: out of scope is 404), writes check the role
table (403) and go through emergency.drills; verdicts come from emergency.compliance.
"""

import datetime
from copy import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.accounts.access import can, can_anywhere
from safecampus.core.attachments import photos_of
from safecampus.core.audit_views import RECORD_URLS, history_for
from safecampus.core.dates import ONE_DAY, add_months, month_of
from safecampus.core.listing import (
    ScopedListView,
    apply_errors,
    form_page,
    require,
    scoped_get,
    xlsx_response,
)
from safecampus.emergency import compliance, drills
from safecampus.emergency import drills_forms as f
from safecampus.emergency.choices import DrillStatus
from safecampus.emergency.drills import format_duration
from safecampus.emergency.models import Drill, DrillProblem
from safecampus.orgs import region_rows, selectors
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import OrgNode, ancestor_paths
from safecampus.orgs.node_pages import breadcrumbs as node_breadcrumbs

GET_POST = require_http_methods(["GET", "POST"])
NAV = "drills"

RECORD_URLS["emergency.drill"] = "drills:drill"


def _yes(value: bool) -> str:
    return _("Yes") if value else _("No")


def _breadcrumbs(user, node: OrgNode) -> list[dict]:
    return node_breadcrumbs(user, node)


def _drill(user, pk):
    return scoped_get(user, Drill.objects.select_related("org", "plan", "created_by"), pk=pk)


def _top_node(user):
    """The widest node in which the user sees drills: their county, township or school."""
    return selectors.nodes_where(user, "view", Drill).order_by("depth", "path").first()


def _node_param(request, name: str = "node"):
    raw = request.GET.get(name, "")
    if not raw.isdigit():
        return None
    return selectors.nodes_where(request.user, "view", Drill).filter(pk=raw).first()


def _when(drill) -> datetime.datetime | None:
    return drills.when_of(drill)


# ------------------------------------------------------------------------------- ledger


class DrillListView(ScopedListView):
    model = Drill
    template_name = "emergency/drills/list.html"
    nav = NAV
    filter_form_class = f.DrillFilterForm
    offers_add = True
    export_name = gettext_lazy("Drills")
    export_columns = [
        (gettext_lazy("School"), lambda d: d.org.name),
        (gettext_lazy("Scenario"), lambda d: d.get_scenario_display()),
        (gettext_lazy("Title"), lambda d: d.title),
        (gettext_lazy("Status"), lambda d: d.get_status_display()),
        (gettext_lazy("Planned for"), lambda d: d.planned_for),
        (gettext_lazy("Held at"), lambda d: d.held_at),
        (gettext_lazy("Day or night"), lambda d: _("Night") if d.is_night else _("Day")),
        (gettext_lazy("Students taking part"), lambda d: d.students),
        (gettext_lazy("Staff taking part"), lambda d: d.staff),
        (gettext_lazy("Evacuation time (seconds)"), lambda d: d.evacuation_seconds),
        (gettext_lazy("Evacuation time"), lambda d: format_duration(d.evacuation_seconds)),
        (gettext_lazy("Assembly point"), lambda d: d.assembly_point),
        (gettext_lazy("Police took part"), lambda d: _yes(d.police_joined)),
        (gettext_lazy("Fire service took part"), lambda d: _yes(d.fire_joined)),
        (gettext_lazy("Problems found"), lambda d: d.problem_count),
        (gettext_lazy("Evaluated and signed by"), lambda d: d.evaluator_name),
        (gettext_lazy("Reason for cancelling"), lambda d: d.cancel_reason),
    ]

    def decorate(self, qs):
        return drills.with_counts(qs.select_related("org")).order_by(
            "-held_at", "-planned_for", "-id"
        )

    def filter_queryset(self, qs, data):
        if data.get("node"):
            qs = qs.within(data["node"].path)
        if data.get("scenario"):
            qs = qs.filter(scenario=data["scenario"])
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        if data.get("date_from") or data.get("date_to"):
            first = data.get("date_from") or datetime.date(2000, 1, 1)
            last = data.get("date_to") or datetime.date(2100, 1, 1)
            qs = drills.drills_between(qs, first, last)
        if data.get("q"):
            qs = qs.filter(
                Q(title__icontains=data["q"])
                | Q(org__name__icontains=data["q"])
                | Q(summary__icontains=data["q"])
            )
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        for drill in ctx["object_list"]:
            drill.evacuation_text = format_duration(drill.evacuation_seconds)
        ctx["can_plan"] = ctx.get("can_add")
        return ctx


# ----------------------------------------------------------------------------- calendar


def _month(request) -> datetime.date:
    raw = request.GET.get("month") or ""
    try:
        return datetime.date.fromisoformat(raw + "-01")
    except ValueError:
        return timezone.localdate().replace(day=1)


@login_required
def calendar(request):
    """A month of planned, held and cancelled drills of a school or a region."""
    user = request.user
    if not can_anywhere(user, "view", Drill):
        raise PermissionDenied(_("Your role does not allow this here."))
    node = _node_param(request) or _top_node(user)
    if node is None:
        raise Http404
    first, last = month_of(_month(request))
    today = timezone.localdate()
    by_day, totals, counted = drills.month_calendar(
        Drill.objects.for_user(user).within(node.path), first, last, per_day=4
    )
    for shown in by_day.values():
        for drill in shown:
            drill.local_time = timezone.localtime(drill.when_)
    weeks, week = [], [None] * first.weekday()
    day = first
    while day <= last:
        items = by_day.get(day, [])
        week.append(
            {
                "day": day,
                "drills": items,
                "more": totals.get(day, 0) - len(items),
                "today": day == today,
            }
        )
        if len(week) == 7:
            weeks.append(week)
            week = []
        day += ONE_DAY
    if week:
        weeks.append(week + [None] * (7 - len(week)))
    counts = {s: counted.get(s, 0) for s in DrillStatus.values}
    regions = selectors.nodes_where(user, "view", Drill).order_by("path")
    return render(
        request,
        "emergency/drills/calendar.html",
        {
            "nav_active": NAV,
            "node": node,
            "first": first,
            "weeks": weeks,
            "counts": counts,
            "prev": add_months(first, -1),
            "next": add_months(first, 1),
            "weekdays": [
                formats.date_format(datetime.date(2024, 1, 1) + i * ONE_DAY, "D") for i in range(7)
            ],
            "nodes": regions.exclude(kind=NodeKind.SCHOOL)[:200],
            "can_plan": can(user, "add", Drill, node) or can_anywhere(user, "add", Drill),
            "list_url": reverse("drills:list")
            + f"?node={node.pk}&date_from={first.isoformat()}&date_to={last.isoformat()}",
        },
    )


# ------------------------------------------------------------------------------ writing


def _school_initial(request) -> dict:
    raw = request.GET.get("school", "")
    return {"school": int(raw)} if raw.isdigit() else {}


@login_required
@GET_POST
def plan(request):
    user = request.user
    if not can_anywhere(user, "add", Drill):
        raise PermissionDenied(_("Your role does not allow this here."))
    initial = _school_initial(request)
    if request.GET.get("date"):
        initial["planned_for"] = request.GET["date"] + "T09:00"
    form = f.DrillPlanForm(request.POST or None, initial=initial, user=user)

    def save():
        data = form.cleaned_data
        drill = drills.drill_plan(
            school=data["school"],
            by=user,
            scenario=data["scenario"],
            planned_for=data["planned_for"],
            title=data["title"],
            is_night=data["is_night"],
        )
        return _("The drill is on the calendar."), reverse("drills:drill", args=[drill.pk])

    return form_page(
        request,
        form,
        save=save,
        nav=NAV,
        title=_("Plan a drill"),
        cancel_url=reverse("drills:calendar"),
    )


def _record_page(request, *, form, buildings, problems, title, cancel_url, drill=None):
    return render(
        request,
        "emergency/drills/record.html",
        {
            "nav_active": NAV,
            "title": title,
            "form": form,
            "buildings": buildings,
            "problems": problems,
            "drill": drill,
            "cancel_url": cancel_url,
        },
    )


@login_required
@GET_POST
def record(request, pk=None):
    """Record a drill as held: a planned one (pk), or a new one directly."""
    user = request.user
    drill = None
    if pk is not None:
        drill = _drill(user, pk)
        require(user, "change", Drill, drill.org)
        if drill.status != DrillStatus.PLANNED:
            messages.info(request, _("This drill is already %(status)s.") % {
                "status": drill.get_status_display()
            })  # fmt: skip
            return redirect("drills:drill", pk=drill.pk)
    elif not can_anywhere(user, "add", Drill):
        raise PermissionDenied(_("Your role does not allow this here."))
    post = request.POST or None
    form = f.DrillRecordForm(
        post, request.FILES or None, initial=_school_initial(request), user=user, drill=drill
    )
    people = f.people_of(user, form.school_id)
    buildings = f.BuildingFormSet(post, prefix="b")
    problems = f.ProblemFormSet(post, prefix="p", people=people)
    if request.method == "POST":
        valid = form.is_valid() & buildings.is_valid() & problems.is_valid()
        if valid:
            try:
                saved = drills.drill_record(
                    by=user,
                    drill=drill,
                    school=form.cleaned_data.get("school"),
                    expected_version=form.cleaned_data.get("version"),
                    buildings=f.building_rows(buildings),
                    problems=f.problem_rows(problems),
                    photos=form.cleaned_data.get("photos") or (),
                    **form.as_service(),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The drill is recorded."))
                return redirect("drills:drill", pk=saved.pk)
    title = _("Record a drill") if drill is None else _("Record the drill as held")
    cancel = reverse("drills:drill", args=[drill.pk]) if drill else reverse("drills:list")
    return _record_page(
        request,
        form=form,
        buildings=buildings,
        problems=problems,
        title=title,
        cancel_url=cancel,
        drill=drill,
    )


@login_required
@GET_POST
def edit(request, pk):
    user = request.user
    drill = _drill(user, pk)
    require(user, "change", Drill, drill.org)
    if drill.status == DrillStatus.CANCELLED:
        messages.info(request, _("A cancelled drill is kept as it was: plan a new one instead."))
        return redirect("drills:drill", pk=drill.pk)
    back = reverse("drills:drill", args=[drill.pk])
    post = request.POST or None
    if drill.status == DrillStatus.PLANNED:
        form = f.DrillPlanForm(post, user=user, instance=drill)

        def save():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            drills.drill_update(drill=copy(drill), by=user, data=data, expected_version=version)
            return _("Saved."), back

        return form_page(request, form, save=save, nav=NAV, title=_("Edit the planned drill"),
                         cancel_url=back)  # fmt: skip

    form = f.DrillRecordForm(post, user=user, drill=drill)
    initial = [
        {"name": b.name, "storeys": b.storeys, "seconds": b.seconds} for b in drill.buildings.all()
    ]
    buildings = f.BuildingFormSet(post, prefix="b", initial=initial)
    problems = None
    if request.method == "POST" and form.is_valid() & buildings.is_valid():
        data = form.as_service()
        try:
            drills.drill_update(
                drill=copy(drill),
                by=user,
                data=data,
                expected_version=form.cleaned_data["version"],
                buildings=f.building_rows(buildings),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(back)
    return _record_page(
        request,
        form=form,
        buildings=buildings,
        problems=problems,
        title=_("Edit the drill record"),
        cancel_url=back,
        drill=drill,
    )


# -------------------------------------------------------------------------------- a drill


def _drill_page(request, drill, **forms):
    user = request.user
    may_change = can(user, "change", Drill, drill.org)
    problems = list(drill.problems.select_related("owner", "hazard").order_by("id"))
    buildings = list(drill.buildings.all())
    school = getattr(drill.org, "school", None)
    target = compliance.target_seconds(school.school_kind) if school else None
    for b in buildings:
        b.time_text = format_duration(b.seconds)
        b.judged = b.storeys <= compliance.GUIDE_STOREYS
        b.over = b.judged and b.seconds > compliance.GUIDE_LIMIT
    ctx = {
        "nav_active": NAV,
        "drill": drill,
        "when": _when(drill),
        "school": school,
        "buildings": buildings,
        "problems": problems,
        "photos": list(photos_of(drill)),
        "history": history_for(user, drill),
        "breadcrumbs": _breadcrumbs(user, drill.org),
        "evacuation_text": format_duration(drill.evacuation_seconds),
        "target": target,
        "target_text": format_duration(target) if target else "",
        "over_target": bool(
            target and drill.evacuation_seconds and drill.evacuation_seconds > target
        ),
        "guide_text": format_duration(compliance.GUIDE_LIMIT),
        "can_change": may_change,
        "is_planned": drill.status == DrillStatus.PLANNED,
        "is_held": drill.status == DrillStatus.HELD,
    }
    if may_change and drill.status == DrillStatus.PLANNED:
        ctx["cancel_form"] = forms.get("cancel_form") or f.CancelForm(
            initial={"version": drill.version}
        )
    if may_change and drill.status == DrillStatus.HELD:
        ctx["sign_form"] = forms.get("sign_form") or f.SignOffForm(
            initial={"version": drill.version, "evaluator_name": drill.evaluator_name}
        )
        ctx["problem_form"] = forms.get("problem_form") or f.ProblemForm(
            people=f.people_of(user, drill.org_id)
        )
        ctx["hazard_form"] = f.RaiseHazardForm()
        ctx["photos_form"] = forms.get("photos_form") or f.PhotosForm()
    return render(request, "emergency/drills/drill.html", ctx)


@login_required
def drill_detail(request, pk):
    return _drill_page(request, _drill(request.user, pk))


def _changeable(request, pk):
    drill = _drill(request.user, pk)
    require(request.user, "change", Drill, drill.org)
    return drill


@login_required
@require_POST
def cancel(request, pk):
    drill = _changeable(request, pk)
    form = f.CancelForm(request.POST)
    if form.is_valid():
        try:
            drills.drill_cancel(
                drill=drill,
                by=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The drill is cancelled."))
            return redirect("drills:drill", pk=drill.pk)
    drill.refresh_from_db()
    return _drill_page(request, drill, cancel_form=form)


@login_required
@require_POST
def sign_off(request, pk):
    drill = _changeable(request, pk)
    form = f.SignOffForm(request.POST)
    if form.is_valid():
        try:
            drills.drill_sign_off(
                drill=drill,
                by=request.user,
                evaluator_name=form.cleaned_data["evaluator_name"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The drill is signed off."))
            return redirect("drills:drill", pk=drill.pk)
    drill.refresh_from_db()
    return _drill_page(request, drill, sign_form=form)


@login_required
@require_POST
def problem_add(request, pk):
    drill = _changeable(request, pk)
    form = f.ProblemForm(request.POST, people=f.people_of(request.user, drill.org_id))
    if form.is_valid() and form.cleaned_data.get("text"):
        try:
            problem = drills.problem_add(drill=drill, by=request.user, **form.as_service())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if problem.hazard_id:
                messages.success(
                    request,
                    _("Hazard %(number)s entered the ledger.") % {"number": problem.hazard.number},
                )
            else:
                messages.success(request, _("The problem is recorded."))
            return redirect(reverse("drills:drill", args=[drill.pk]) + "#problems")
    elif form.is_valid():
        form.add_error("text", _("Describe the problem."))
    return _drill_page(request, drill, problem_form=form)


def _problem(request, pk, problem_pk):
    drill = _changeable(request, pk)
    problem = DrillProblem.objects.for_user(request.user).filter(drill=drill, pk=problem_pk).first()
    if problem is None:
        raise Http404
    problem.drill = drill
    return drill, problem


@login_required
@require_POST
def problem_hazard(request, pk, problem_pk):
    drill, problem = _problem(request, pk, problem_pk)
    form = f.RaiseHazardForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the hazard's category and grade."))
        return redirect(reverse("drills:drill", args=[drill.pk]) + "#problems")
    try:
        hazard = drills.problem_raise_hazard(problem=problem, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Hazard %(number)s entered the ledger.") % {"number": hazard.number}
        )
    return redirect(reverse("drills:drill", args=[drill.pk]) + "#problems")


@login_required
@require_POST
def problem_done(request, pk, problem_pk):
    drill, problem = _problem(request, pk, problem_pk)
    try:
        drills.problem_done(problem=problem, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The follow-up task is done."))
    return redirect(reverse("drills:drill", args=[drill.pk]) + "#problems")


@login_required
@require_POST
def add_photos(request, pk):
    drill = _changeable(request, pk)
    form = f.PhotosForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            drills.drill_add_photos(
                drill=drill, by=request.user, photos=form.cleaned_data["photos"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The photos are added."))
            return redirect(reverse("drills:drill", args=[drill.pk]) + "#photos")
    return _drill_page(request, drill, photos_form=form)


# ------------------------------------------------------------------------------- report


def drill_report(drill: Drill):
    """The drill as a report (core.documents.Report): facts, buildings, problems, sign-off."""
    from django.utils import translation

    from safecampus.core.documents import Report, ReportSection, ReportTable

    school = getattr(drill.org, "school", None)
    target = compliance.target_seconds(school.school_kind) if school else None
    when = _when(drill)
    when_text = timezone.localtime(when).strftime("%Y-%m-%d %H:%M") if when else "—"
    facts = [
        (_("School"), drill.org.name),
        (_("Scenario"), drill.get_scenario_display()),
        (_("Status"), drill.get_status_display()),
        (_("Held at") if drill.status == DrillStatus.HELD else _("Planned for"), when_text),
        (_("Day or night"), _("Night") if drill.is_night else _("Day")),
    ]
    figures = [
        (_("Students taking part"), drill.students),
        (_("Staff taking part"), drill.staff),
        (_("Evacuation time"), format_duration(drill.evacuation_seconds) or "—"),
        (_("Target"), format_duration(target) if target else "—"),
        (_("Assembly point"), drill.assembly_point or "—"),
        (_("Police took part"), _yes(drill.police_joined)),
        (_("Fire service took part"), _yes(drill.fire_joined)),
        (_("Other units"), drill.other_units or "—"),
    ]
    guide = format_duration(compliance.GUIDE_LIMIT)
    building_rows = []
    for b in drill.buildings.all():
        if b.storeys > compliance.GUIDE_STOREYS:
            verdict = _("No fixed time (over four storeys)")
        elif b.seconds > compliance.GUIDE_LIMIT:
            verdict = _("More than %(limit)s") % {"limit": guide}
        else:
            verdict = _("Within %(limit)s") % {"limit": guide}
        building_rows.append([b.name, b.storeys, format_duration(b.seconds), verdict])
    problem_rows = []
    for p in drill.problems.select_related("owner", "hazard").order_by("id"):
        problem_rows.append(
            [
                p.text,
                p.hazard.number if p.hazard_id else "",
                p.follow_up,
                p.owner.name if p.owner_id else "",
                p.due_on,
                _("Done") if p.done_at else "",
            ]
        )
    grades = [[name, count] for name, count in (drill.students_by_grade or {}).items()]
    sections = [
        ReportSection(_("The drill"), figures=figures),
        ReportSection(
            _("Students by grade"),
            table=ReportTable(
                headers=[pgettext("school grade", "Grade"), _("Students taking part")],
                rows=grades,
                numeric=(1,),
                empty=_("Not recorded."),
            ),
        ),
        ReportSection(
            _("Evacuation by building"),
            table=ReportTable(
                headers=[
                    _("Building"),
                    pgettext("building", "Storeys"),
                    _("Evacuation time"),
                    _("DRILL-GUIDE"),
                ],
                rows=building_rows,
                numeric=(1,),
                empty=_("Not recorded."),
            ),
        ),
        ReportSection(
            _("Problems found"),
            table=ReportTable(
                headers=[
                    _("Problem"),
                    _("Hazard number"),
                    _("Follow-up task"),
                    _("Owner"),
                    _("Due on"),
                    _("Done"),
                ],
                rows=problem_rows,
                empty=_("No problem recorded."),
                wrap=(0, 2),
            ),
        ),
        ReportSection(
            pgettext("drill", "Summary"),
            paragraphs=[line for line in drill.summary.splitlines() if line.strip()]
            or [_("Not recorded.")],
        ),
    ]
    if drill.status == DrillStatus.CANCELLED:
        sections.append(ReportSection(_("Reason for cancelling"), paragraphs=[drill.cancel_reason]))
    if drill.evaluator_name:
        signature = [
            f"{_('Evaluated and signed by')}：{drill.evaluator_name}",
            f"{_('Signed at')}：{timezone.localtime(drill.evaluated_at):%Y-%m-%d %H:%M}"
            if drill.evaluated_at
            else "",
        ]
        mark = ""
    else:
        blank = "＿" * 8
        signature = [f"{_('Evaluated and signed by')}：{blank}"]
        mark = _("Unsigned") if drill.status == DrillStatus.HELD else ""
    return Report(
        issuer=drill.org.name,
        title=_("Emergency drill record"),
        period=when_text,
        facts=facts,
        mark=mark,
        sections=sections,
        signature=[line for line in signature if line],
        note=_("Generated by Safe Campus on %(time)s.")
        % {"time": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
        page_label=_("Page {page} of {pages}"),
        language=translation.get_language() or "zh-hans",
        summary_sheet=_("Summary"),
    )


@login_required
def report_pdf(request, pk):
    drill = _drill(request.user, pk)
    content = drill_report(drill).to_pdf()
    response = HttpResponse(content, content_type="application/pdf")
    day = timezone.localtime(_when(drill)).date().isoformat() if _when(drill) else ""
    name = f"{drill.org.name}-{_('drill')}-{day}.pdf"
    response["Content-Disposition"] = content_disposition_header(False, name)
    return response


# --------------------------------------------------------------------------- compliance


def _as_of(form) -> datetime.date:
    if form.is_bound and form.is_valid() and form.cleaned_data.get("as_of"):
        return form.cleaned_data["as_of"]
    return timezone.localdate()


def _township_of(path: str, townships: dict) -> OrgNode | None:
    for prefix in reversed(ancestor_paths(path)):
        if prefix in townships:
            return townships[prefix]
    return None


def compliance_rows(results, *, status: str = "failing", rule: str = "") -> list[dict]:
    rows = []
    for result in results:
        for verdict in result.verdicts:
            if rule and verdict.rule != rule:
                continue
            if status == "failing" and verdict.status != compliance.Status.NOT_COMPLIANT:
                continue
            if status == "no_data" and verdict.status != compliance.Status.NO_DATA:
                continue
            rows.append({"result": result, "verdict": verdict})
    return rows


@login_required
def compliance_region(request):
    """The county view: which schools are out of compliance, and why."""
    user = request.user
    if not can_anywhere(user, "view", Drill):
        raise PermissionDenied(_("Your role does not allow this here."))
    visible = selectors.nodes_where(user, "view", Drill)
    regions = visible.exclude(kind=NodeKind.SCHOOL).order_by("path")
    form = f.ComplianceFilterForm(request.GET or None, user=user, regions=regions)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    node = data.get("node") or regions.order_by("depth", "path").first()
    if node is None:  # a school's own staff: their school's page
        school = visible.filter(kind=NodeKind.SCHOOL).order_by("path").first()
        if school is None:
            raise Http404
        return redirect("drills:school", pk=school.pk)
    township = data.get("township")
    scope = township if township is not None and township.is_within(node) else node
    as_of = _as_of(form)
    rule = data.get("rule") or ""
    status = data.get("status") or "failing"
    answer = region_rows.answer(
        request,
        scope,
        known=data.get("node") is not None,  # the form refuses a region not seen
        row=lambda direct: _compliance_row(request, scope, as_of, direct),
        regions=lambda: _compliance_regions(request, form, scope, as_of),
    )
    if answer is not None:
        return answer
    direct = region_rows.wants_direct(request, scope)
    results = compliance.evaluate_region(user, node=scope, as_of=as_of, direct=direct)
    townships = {
        t.path: t
        for t in OrgNode.objects.filter(kind=NodeKind.TOWNSHIP).filter(
            Q(path__in=ancestor_paths(scope.path, include_self=True)) | Q(path__within=scope.path)
        )
    }
    for result in results:
        result.township = _township_of(result.node.path, townships)
    rows = compliance_rows(results, status=status, rule=rule)
    if request.GET.get("export") == "xlsx":
        return _compliance_xlsx(results, rows, as_of)
    summary = []
    for r in compliance.RULES:
        if rule and r.id != rule:
            continue
        verdicts = [v for res in results for v in res.verdicts if v.rule == r.id]
        summary.append(
            {
                "rule": r,
                "counts": {
                    s: sum(1 for v in verdicts if v.status == s) for s in compliance.Status.values
                },
                "url": "?" + _query(request, rule=r.id, status="failing"),
            }
        )
    failing_schools = sum(1 for res in results if res.failing)
    chart = _outcomes_chart(results, as_of)
    params = request.GET.copy()
    params["export"] = "xlsx"
    return render(
        request,
        "emergency/drills/compliance.html",
        {
            "nav_active": "drill_compliance",
            "breadcrumbs": region_rows.crumbs(
                user, scope, Drill, page_url=request.path, keep={"as_of": data.get("as_of")}
            ),
            "direct": direct,
            "form": form,
            "node": scope,
            "as_of": as_of,
            "results": results,
            "rows": rows,
            "summary": summary,
            "schools": len(results),
            "failing_schools": failing_schools,
            "status": status,
            "chart": chart,
            "chart_rows": [
                {"label": label, "within": w, "over": o, "first": first, "last": month_of(first)[1]}
                for label, w, o, first in zip(
                    chart["labels"], chart["within"], chart["over"], chart["firsts"], strict=True
                )
            ],
            "export_url": "?" + params.urlencode(),
        },
    )


def _compliance_regions(request, form, node, as_of):
    """Above a county: a row per region under the node, each filled in by its own request."""
    keep = {"as_of": request.GET.get("as_of", "")}
    rows = region_rows.region_rows(request.user, node, Drill, page_url=request.path, keep=keep)
    return render(
        request,
        "emergency/drills/compliance_regions.html",
        {
            "nav_active": "drill_compliance",
            "breadcrumbs": region_rows.crumbs(
                request.user, node, Drill, page_url=request.path, keep=keep
            ),
            "form": form,
            "node": node,
            "as_of": as_of,
            "region_rows": rows,
            "headers": [_("Schools out of compliance"), *(r.id for r in compliance.RULES)],
            "rules": compliance.RULES,
        },
    )


def _compliance_row(request, node, as_of, direct: bool):
    """One region's row of the table above: its schools out of compliance, rule by rule."""
    results = compliance.evaluate_region(request.user, node=node, as_of=as_of, direct=direct)
    failing = {r.id: 0 for r in compliance.RULES}
    for result in results:
        for verdict in result.failing:
            failing[verdict.rule] += 1
    page_url = region_rows.row_page_url(request)
    row = region_rows.RegionRow(node=node, schools=len(results), direct=direct, page_url=page_url)
    return render(
        request,
        "emergency/drills/_compliance_region_row.html",
        {
            "row": row,
            "failing_schools": sum(1 for r in results if r.failing),
            "cells": [
                {"rule": r.id, "count": failing[r.id], "url": f"{page_url}&rule={r.id}"}
                for r in compliance.RULES
            ],
        },
    )


def _query(request, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        params[key] = value
    params.pop("export", None)
    return params.urlencode()


def _outcomes_chart(results, as_of) -> dict:
    data = compliance.monthly_outcomes(results, as_of)
    data["names"] = {"within": _("Within target"), "over": _("Over target")}
    data["firsts"] = [datetime.date.fromisoformat(k + "-01") for k in data["keys"]]
    return data


def _compliance_xlsx(results, rows, as_of) -> HttpResponse:
    headers = [
        _("School"),
        _("Township"),
        _("School kind"),
        _("Rule"),
        _("Rule title"),
        _("Status"),
        _("Period"),
        _("Finding"),
        _("Evidence"),
    ]
    out = []
    for row in rows:
        result, verdict = row["result"], row["verdict"]
        out.append(
            [
                result.node.name,
                result.township.name if getattr(result, "township", None) else "",
                result.school.get_school_kind_display(),
                verdict.rule,
                verdict.title,
                verdict.status_label,
                verdict.period.label if verdict.period else "",
                verdict.explanation,
                "、".join(d.held_on.isoformat() for d in verdict.evidence),
            ]
        )
    name = _("Drill compliance") + f" {as_of.isoformat()}"
    return xlsx_response(filename=name, title=_("Drill compliance"), headers=headers, rows=out)


@login_required
def compliance_school(request, pk):
    """One school: its verdicts now, month by month and term by term, and its evacuation
    times against the target."""
    user = request.user
    school_qs = compliance.schools_in_scope(user, school_id=pk)
    form = f.ComplianceFilterForm(request.GET or None, user=user, regions=OrgNode.objects.none())
    as_of = _as_of(form)
    loaded = compliance.load_facts(user, as_of=as_of, school_id=pk, schools=school_qs)
    if not loaded:
        raise Http404
    school, facts = loaded[0]
    verdicts = compliance.evaluate(facts)
    trend = compliance.evacuation_trend(facts)
    trend["names"] = {
        "time": _("Evacuation time (seconds)"),
        "target": _("Target"),
        "guide": _("2 minutes per building (DRILL-GUIDE)"),
    }
    trend["urls"] = [reverse("drills:drill", args=[i]) for i in trend["ids"]]
    recent = list(
        Drill.objects.for_user(user).filter(org_id=pk).order_by("-held_at", "-planned_for")[:10]
    )
    for d in recent:
        d.evacuation_text = format_duration(d.evacuation_seconds)
    target = compliance.target_seconds(facts.kind)
    return render(
        request,
        "emergency/drills/school.html",
        {
            "nav_active": "drill_compliance",
            "school": school,
            "node": school.node,
            "facts": facts,
            "as_of": as_of,
            "verdicts": verdicts,
            "history": compliance.history(facts),
            "trend": trend,
            "trend_rows": [
                {"date": label, "time": format_duration(sec), "over": bool(target and sec > target)}
                for label, sec in zip(trend["labels"], trend["seconds"], strict=True)
            ],
            "target_text": format_duration(target) if target else "",
            "recent": recent,
            "rules": compliance.RULES,
            "breadcrumbs": _breadcrumbs(user, school.node),
            "can_record": can(user, "add", Drill, school.node),
        },
    )
