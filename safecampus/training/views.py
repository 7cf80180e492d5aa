"""Pages of training and appointments: the ledger of sessions, a new session, a session with
its attendance (ticked on a phone), a school's appointments with their history, and the
county overview with its Excel export.

Thin: reads start from `for_user` (`scoped_get`: out of scope is 404), writes check the role
table (403) and go through training/services.py; figures come from training/overview.py.
"""

from copy import copy
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.accounts.access import assignments, can, can_anywhere
from safecampus.accounts.roles import REGIONAL_ROLES
from safecampus.core.audit_views import RECORD_URLS, history_for
from safecampus.core.listing import (
    XLSX_TYPE,
    ScopedListView,
    apply_errors,
    count_of,
    display,
    form_page,
    require,
    scoped_get,
)
from safecampus.orgs import region_rows, selectors
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import OrgNode
from safecampus.orgs.node_pages import breadcrumbs as node_breadcrumbs
from safecampus.training import facts, overview, services
from safecampus.training import forms as f
from safecampus.training.choices import Post
from safecampus.training.models import Appointment, TrainingAttendance, TrainingSession

GET_POST = require_http_methods(["GET", "POST"])
NAV = "training"

RECORD_URLS["training.trainingsession"] = "training:detail"


def _breadcrumbs(user, node: OrgNode) -> list[dict]:
    return node_breadcrumbs(user, node)


def _session(user, pk) -> TrainingSession:
    return scoped_get(user, TrainingSession.objects.select_related("org", "created_by"), pk=pk)


def _is_regional(user) -> bool:
    return user.is_superuser or any(a.role in REGIONAL_ROLES for a in assignments(user))


# ---------------------------------------------------------------------------------- ledger


class SessionListView(ScopedListView):
    model = TrainingSession
    template_name = "training/list.html"
    nav = NAV
    filter_form_class = f.SessionFilterForm
    offers_add = True
    export_name = gettext_lazy("Training sessions")
    export_columns = [
        (gettext_lazy("Date"), lambda s: s.started_on),
        (gettext_lazy("Days"), lambda s: s.days),
        (gettext_lazy("School or region"), lambda s: s.org.name),
        (gettext_lazy("Audience"), lambda s: display(s, "audience")),
        (gettext_lazy("Topic"), lambda s: s.topic),
        (pgettext_lazy("training", "Hours"), lambda s: float(s.hours)),
        (gettext_lazy("Trainer"), lambda s: s.trainer),
        (gettext_lazy("Place"), lambda s: s.place),
        (gettext_lazy("Attendees listed"), lambda s: s.listed),
        (gettext_lazy("Number of attendees"), lambda s: s.attendee_count),
    ]

    def decorate(self, qs):
        return qs.select_related("org").annotate(listed=count_of(TrainingAttendance, "session"))

    def filter_queryset(self, qs, data):
        if data.get("node"):
            node = data["node"]
            qs = qs.filter(Q(org_path=node.path) | Q(org_path__startswith=node.path + "."))
        if data.get("audience"):
            qs = qs.filter(audience=data["audience"])
        if data.get("year"):
            qs = qs.filter(started_on__year=data["year"])
        if data.get("q"):
            q = data["q"]
            qs = qs.filter(Q(topic__icontains=q) | Q(trainer__icontains=q) | Q(place__icontains=q))
        return qs.order_by("-started_on", "-id")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["regional"] = _is_regional(self.request.user)
        return ctx


# ------------------------------------------------------------------------------ new, edit


@login_required
@GET_POST
def session_new(request):
    user = request.user
    if not can_anywhere(user, "add", TrainingSession):
        raise PermissionDenied(_("Your role does not allow this here."))
    initial = {}
    raw = request.GET.get("org", "")
    if raw.isdigit() and f.session_nodes(user).filter(pk=raw).exists():
        initial["org"] = int(raw)
    if request.GET.get("audience") in dict(f.Audience.choices):
        initial["audience"] = request.GET["audience"]
    form = f.SessionForm(request.POST or None, initial=initial, user=user)

    def save():
        org = form.cleaned_data["org"]
        session = services.session_create(by=user, org=org, **form.service_fields())
        return (
            _("Saved %(session)s. Now list who attended.") % {"session": session},
            reverse("training:detail", args=[session.pk]),
        )

    return form_page(
        request,
        form,
        save=save,
        nav=NAV,
        title=_("New training session"),
        cancel_url=reverse("training:list"),
    )


@login_required
@GET_POST
def session_edit(request, pk):
    user = request.user
    session = _session(user, pk)
    require(user, "change", TrainingSession, session.org)
    form = f.SessionForm(request.POST or None, instance=copy(session), user=user)

    def save():
        services.session_update(
            session=session,
            by=user,
            data=form.service_fields(),
            expected_version=form.cleaned_data["version"],
        )
        return _("Saved %(session)s.") % {"session": session}, reverse(
            "training:detail", args=[session.pk]
        )

    return form_page(
        request,
        form,
        save=save,
        nav=NAV,
        title=_("Edit %(session)s") % {"session": session},
        cancel_url=reverse("training:detail", args=[session.pk]),
        breadcrumbs=_breadcrumbs(user, session.org),
    )


@login_required
@GET_POST
def session_delete(request, pk):
    user = request.user
    session = _session(user, pk)
    require(user, "delete", TrainingSession, session.org)
    if request.method == "POST":
        services.session_delete(session=session, by=user)
        messages.success(request, _("Deleted %(session)s.") % {"session": session})
        return redirect("training:list")
    return render(
        request,
        "core/confirm_delete.html",
        {
            "nav_active": NAV,
            "object": session,
            "cancel_url": reverse("training:detail", args=[session.pk]),
        },
    )


# ------------------------------------------------------------------------ session detail


def _attendance_school(request, session: TrainingSession):
    """The school whose people the attendance form lists: the session's own school, or at a
    county's or township's course the school chosen (`?school=`)."""
    if session.org.kind == NodeKind.SCHOOL:
        return session.org, []
    schools = (
        selectors.nodes_where(request.user, "add", TrainingAttendance)
        .filter(kind=NodeKind.SCHOOL, path__startswith=session.org.path + ".")
        .order_by("path")
    )
    raw = request.GET.get("school") or request.POST.get("school") or ""
    chosen = schools.filter(pk=raw).first() if raw.isdigit() else None
    return chosen, list(schools[:500])


@login_required
@GET_POST
def session_detail(request, pk):
    user = request.user
    session = _session(user, pk)
    may_change = can(user, "change", TrainingSession, session.org)
    rows = list(
        TrainingAttendance.objects.for_user(user)
        .filter(session=session)
        .select_related("org", "person")
        .order_by("org_path", "name", "id")
    )
    school, schools = (None, [])
    form = None
    if may_change:
        school, schools = _attendance_school(request, session)
        if school is not None:
            listed = {r.person_id for r in rows if r.person_id}
            people = f.people_of(user, school).exclude(pk__in=listed)
            form = f.AttendanceForm(request.POST or None, people=people)
    if request.method == "POST":
        if form is None:
            if not may_change:
                raise PermissionDenied(_("Your role does not allow this here."))
            raise Http404
        if form.is_valid():
            try:
                added = services.attendance_record(
                    session=session,
                    by=user,
                    people=form.people_list(),
                    names=form.names_list(),
                    school=school,
                    hours=form.cleaned_data.get("hours"),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    ngettext(
                        "Listed %(count)d attendee.", "Listed %(count)d attendees.", len(added)
                    )
                    % {"count": len(added)},
                )
                url = reverse("training:detail", args=[session.pk])
                if session.org.kind != NodeKind.SCHOOL:
                    url += f"?school={school.pk}"
                return redirect(url + "#attendance")
    total = sum((r.hours for r in rows), Decimal("0"))
    ctx = {
        "nav_active": NAV,
        "session": session,
        "rows": rows,
        "total_hours": facts.hours_text(total),
        "form": form,
        "school": school,
        "schools": schools,
        "regional_session": session.org.kind != NodeKind.SCHOOL,
        "may_change": may_change,
        "may_delete": can(user, "delete", TrainingSession, session.org),
        "breadcrumbs": _breadcrumbs(user, session.org),
        "history": history_for(user, session),
        "hours": facts.hours_text(session.hours),
    }
    return render(request, "training/detail.html", ctx)


@login_required
@require_POST
def attendance_remove(request, pk, row):
    user = request.user
    session = _session(user, pk)
    attendance = scoped_get(user, TrainingAttendance.objects.filter(session=session), pk=row)
    require(user, "change", TrainingSession, session.org)
    services.attendance_remove(attendance=attendance, by=user)
    messages.success(request, _("Removed %(name)s from the list.") % {"name": attendance.name})
    url = reverse("training:detail", args=[session.pk])
    if session.org.kind != NodeKind.SCHOOL:
        url += f"?school={attendance.org_id}"
    return redirect(url + "#attendance")


# --------------------------------------------------------------------------- appointments


def _appointment_school(request) -> OrgNode | None:
    """`?node=` when the user sees that school's appointments (else 404); without it, the
    user's own school, or None for a regional user (who picks from the overview)."""
    user = request.user
    raw = request.GET.get("node", "")
    if raw.isdigit():
        node = scoped_get(user, OrgNode, pk=raw)
        if node.kind != NodeKind.SCHOOL or not can(user, "view", Appointment, node):
            raise Http404
        return node
    for a in assignments(user):
        if a.org.kind == NodeKind.SCHOOL and can(user, "view", Appointment, a.org):
            return a.org
    return None


POST_ORDER = [Post.LEGAL_VP, Post.PSY_FULL, Post.PSY_PART, Post.SAFETY_MANAGER]


@login_required
def appointments(request):
    """A school's posts: who is in office, what is missing, what is coming, and the history;
    with this year's training hours of each safety manager."""
    user = request.user
    if not can_anywhere(user, "view", Appointment):
        raise PermissionDenied(_("Your role does not allow this here."))
    school = _appointment_school(request)
    if school is None:
        return redirect("training:overview")
    today = timezone.localdate()
    rows = list(
        Appointment.objects.for_user(user)
        .filter(org=school)
        .select_related("person")
        .order_by("post", "-started_on", "-id")
    )
    current = [a for a in rows if a.in_office(today)]
    upcoming = [a for a in rows if a.started_on > today]
    ended = [a for a in rows if a.ended_on is not None and a.ended_on < today]
    by_post = []
    for post in POST_ORDER:
        by_post.append(
            {
                "post": post,
                "label": Post(post).label,
                "holders": [a for a in current if a.post == post],
            }
        )
    psy_missing = not any(a.post in (Post.PSY_FULL, Post.PSY_PART) for a in current)
    legal_missing = not any(a.post == Post.LEGAL_VP for a in current)
    rows_overview = overview.school_rows(user, school, today)
    managers = rows_overview[0].managers if rows_overview else []
    required = rows_overview[0].required_hours if rows_overview else None
    ctx = {
        "nav_active": "appointments" if not _is_regional(user) else "training_overview",
        "school": school,
        "today": today,
        "by_post": by_post,
        "upcoming": upcoming,
        "ended": ended,
        "legal_missing": legal_missing,
        "psy_missing": psy_missing,
        "managers": [
            {
                "name": m.appointment.name,
                "hours": facts.hours_text(m.hours),
                "short": m.hours < required,
                "sessions": m.sessions,
            }
            for m in managers
        ],
        "required_hours": facts.hours_text(required),
        "year": today.year,
        "can_add": can(user, "add", Appointment, school),
        "can_change": can(user, "change", Appointment, school),
        "breadcrumbs": _breadcrumbs(user, school),
    }
    return render(request, "training/appointments.html", ctx)


def _appointments_url(school) -> str:
    return f"{reverse('training:appointments')}?node={school.pk}"


@login_required
@GET_POST
def appointment_add(request):
    user = request.user
    school = _appointment_school(request)
    if school is None:
        raise Http404
    require(user, "add", Appointment, school)
    initial = {}
    if request.GET.get("post") in Post.values:
        initial["post"] = request.GET["post"]
    form = f.AppointmentForm(
        request.POST or None, initial=initial, people=f.appointable_people(user, school)
    )

    def save():
        appointment = services.appointment_create(by=user, org=school, **form.service_fields())
        return (
            _("Recorded %(appointment)s.") % {"appointment": appointment},
            _appointments_url(school),
        )

    return form_page(
        request,
        form,
        save=save,
        nav=NAV,
        title=_("New appointment at %(school)s") % {"school": school.name},
        cancel_url=_appointments_url(school),
        breadcrumbs=_breadcrumbs(user, school),
    )


def _appointment(user, pk) -> Appointment:
    return scoped_get(user, Appointment.objects.select_related("org", "person"), pk=pk)


@login_required
@GET_POST
def appointment_edit(request, pk):
    user = request.user
    appointment = _appointment(user, pk)
    require(user, "change", Appointment, appointment.org)
    people = f.appointable_people(user, appointment.org)
    form = f.AppointmentForm(request.POST or None, instance=copy(appointment), people=people)

    def save():
        data = form.service_fields()
        if data.get("person") is None and (
            appointment.person_id is None or not people.filter(pk=appointment.person_id).exists()
        ):
            # Nobody chosen, or someone on file that the user cannot see (a township's police
            # officer, to a school): the link stays as it was.
            data.pop("person")
        services.appointment_update(
            appointment=appointment,
            by=user,
            data=data,
            expected_version=form.cleaned_data["version"],
        )
        return (
            _("Saved %(appointment)s.") % {"appointment": appointment},
            _appointments_url(appointment.org),
        )

    return form_page(
        request,
        form,
        save=save,
        nav=NAV,
        title=_("Correct %(appointment)s") % {"appointment": appointment},
        cancel_url=_appointments_url(appointment.org),
        breadcrumbs=_breadcrumbs(user, appointment.org),
    )


@login_required
@GET_POST
def appointment_end(request, pk):
    user = request.user
    appointment = _appointment(user, pk)
    require(user, "change", Appointment, appointment.org)
    if appointment.ended_on is not None:
        raise Http404
    form = f.EndForm(request.POST or None, initial={"version": appointment.version})

    def save():
        services.appointment_end(
            appointment=appointment,
            by=user,
            ended_on=form.cleaned_data["ended_on"],
            reason=form.cleaned_data.get("reason", ""),
            expected_version=form.cleaned_data["version"],
        )
        return (
            _("%(appointment)s ends on %(date)s.")
            % {"appointment": appointment, "date": appointment.ended_on.isoformat()},
            _appointments_url(appointment.org),
        )

    return form_page(
        request,
        form,
        save=save,
        nav=NAV,
        title=_("End %(appointment)s") % {"appointment": appointment},
        cancel_url=_appointments_url(appointment.org),
        breadcrumbs=_breadcrumbs(user, appointment.org),
        submit_label=_("End the appointment"),
    )


# ------------------------------------------------------------------------------ overview


def _regions(user):
    return (
        selectors.nodes_where(user, "view", TrainingSession)
        .exclude(kind__in=[NodeKind.SCHOOL, NodeKind.VILLAGE])
        .order_by("depth", "path")
    )


@login_required
def overview_page(request):
    user = request.user
    if not can_anywhere(user, "view", TrainingSession):
        raise PermissionDenied(_("Your role does not allow this here."))
    regions = _regions(user)
    form = f.RegionForm(request.GET or None, user=user, regions=regions)
    node = form.cleaned_data.get("node") if form.is_bound and form.is_valid() else None
    if node is None:
        node = regions.first()
        if node is None:
            return redirect("training:appointments")
        form = f.RegionForm(initial={"node": node.pk}, user=user, regions=regions)
    today = timezone.localdate()
    answer = region_rows.answer(
        request,
        node,
        known=form.is_bound,  # unbound again above for a region not seen, or none
        row=lambda direct: _overview_row(request, node, today, direct),
        regions=lambda: _overview_regions(request, form, node, today),
    )
    if answer is not None:
        return answer
    direct = region_rows.wants_direct(request, node)
    schools = overview.school_rows(user, node, today, direct=direct)
    counties = [] if direct else overview.county_rows(user, node, today)
    if request.GET.get("export") == "xlsx":
        return _overview_xlsx(node, schools, counties, today)
    params = request.GET.copy()
    params["export"] = "xlsx"
    ctx = {
        "nav_active": "training_overview",
        "form": form,
        "node": node,
        "today": today,
        "year": today.year,
        "schools": schools,
        "counties": counties,
        "totals": overview.totals(schools),
        "export_url": "?" + params.urlencode(),
        "breadcrumbs": _overview_crumbs(request, node)[:-1],
        "direct": direct,
    }
    return render(request, "training/overview.html", ctx)


def _overview_crumbs(request, node):
    return region_rows.crumbs(request.user, node, TrainingSession, page_url=request.path)


def _overview_regions(request, form, node, today):
    """Above a county: a row per region under the node, each filled by its own request."""
    rows = region_rows.region_rows(request.user, node, TrainingSession, page_url=request.path)
    return render(
        request,
        "training/overview_regions.html",
        {
            "nav_active": "training_overview",
            "form": form,
            "node": node,
            "today": today,
            "year": today.year,
            "region_rows": rows,
            "headers": [
                _("Schools with managers short of hours"),
                _("Schools with every staff member trained this term"),
                _("Schools without a legal vice-principal"),
                _("Schools short of psychological teachers"),
                _("Counties short of guard training days"),
            ],
            "breadcrumbs": _overview_crumbs(request, node)[:-1],
        },
    )


def _overview_row(request, node, today, direct: bool):
    """One region's row: the figures of its schools, and its counties short of guard days."""
    schools = overview.school_rows(request.user, node, today, direct=direct)
    counties = [] if direct else overview.county_rows(request.user, node, today)
    row = region_rows.RegionRow(
        node=node,
        schools=len(schools),
        direct=direct,
        page_url=region_rows.row_page_url(request),
    )
    return render(
        request,
        "training/_overview_region_row.html",
        {
            "row": row,
            "totals": overview.totals(schools),
            "counties": len(counties),
            "counties_short": sum(1 for c in counties if c.days < c.minimum),
        },
    )


def _names(rows) -> str:
    return "、".join(a.name for a in rows)


def _overview_xlsx(node, schools, counties, today) -> HttpResponse:
    """Two sheets: the schools, and the counties' guard-training days."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Schools")[:31]
    headers = [
        _("School"),
        _("Township"),
        _("School kind"),
        _("Safety managers"),
        _("Managers under the hours"),
        _("Fewest hours this year"),
        _("Hours required"),
        _("Term"),
        _("Staff"),
        _("Staff trained this term"),
        _("Coverage"),
        _("Legal vice-principal"),
        _("Psychological teacher"),
    ]
    sheet.append(headers)
    for r in schools:
        _append(
            sheet,
            [
                r.node.name,
                r.township,
                r.school.get_school_kind_display(),
                len(r.managers),
                len(r.short) if r.recorded else None,
                float(r.least_hours) if r.recorded and r.least_hours is not None else None,
                float(r.required_hours),
                str(r.term.label) if r.term else "",
                r.school.staff_count,
                r.covered,
                round(r.coverage, 4) if r.coverage is not None else None,
                _names(r.legal),
                _names(r.psy),
            ],
        )
    guards = book.create_sheet(_("Guards' training")[:31])
    guards.append([_("County"), _("Training days this year"), _("Days required"), _("Finding")])
    for c in counties:
        _append(guards, [c.node.name, c.days, c.minimum, c.finding.text])
    bold = Font(bold=True)
    for ws in (sheet, guards):
        ws.freeze_panes = "A2"
        for cell in ws[1]:
            cell.font = bold
    response = HttpResponse(content_type=XLSX_TYPE)
    book.save(response)
    name = _("Training and appointments") + f"-{node.name}-{today:%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def _append(ws, values: list) -> None:
    """A row whose text a spreadsheet would read as a formula keeps it as text."""
    ws.append(values)
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@"):
            cell.data_type = "s"
