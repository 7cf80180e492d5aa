"""Pages of incidents: the report on a phone, the list (with its masked XLSX export), an
incident with its timeline and 1-3-5 marks, completing the report, and a region's reporting
deadlines.

Reads start from `for_user` (`scoped_get`: out of scope is 404); what a user reads of an
incident is decided by privacy.access, once, for the page, the export and the search alike;
writes check the role table (403) and go through emergency/incidents.py.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.accounts.access import can, can_anywhere
from safecampus.core.audit_views import RECORD_URLS, history_for
from safecampus.core.dates import day_start
from safecampus.core.errors import ConflictError
from safecampus.core.listing import ScopedListView, apply_errors, require, scoped_get, xlsx_response
from safecampus.emergency import incidents, privacy, response
from safecampus.emergency import incidents_forms as f
from safecampus.emergency.choices import IncidentStatus, Step
from safecampus.emergency.models import Incident, IncidentEntry, IncidentPolicy
from safecampus.orgs import node_pages
from safecampus.orgs.models import OrgNode
from safecampus.orgs.node_pages import breadcrumbs as node_breadcrumbs

NAV = "incidents"
GET_POST = require_http_methods(["GET", "POST"])

RECORD_URLS.update(
    {
        "emergency.incident": "incidents:detail",
        "emergency.incidentpolicy": "incidents:policy_record",
    }
)


def _breadcrumbs(user, node: OrgNode) -> list[dict]:
    return node_breadcrumbs(user, node)


def _local(value):
    return timezone.localtime(value) if value else None


# ---------------------------------------------------------------------------- reporting


@login_required
@GET_POST
def report(request):
    user = request.user
    if not can_anywhere(user, "add", Incident):
        raise PermissionDenied(_("Your role does not allow this here."))
    initial = {}
    if request.GET.get("school", "").isdigit():
        initial["school"] = int(request.GET["school"])
    form = f.IncidentReportForm(request.POST or None, initial=initial, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            incident = incidents.incident_report(by=user, **form.service_kwargs())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Incident %(number)s reported. The bureau and the school's managers have been notified."
                )
                % {"number": incident.number},
            )
            return redirect("incidents:detail", pk=incident.pk)
    return render(
        request,
        "emergency/incidents/report.html",
        {"nav_active": NAV, "form": form, "title": _("Report an incident")},
    )


# ---------------------------------------------------------------------------- the list


def filter_incidents(qs, data: dict, user):
    qs = qs.annotate(bureau_reported=incidents.bureau_reported_exists())
    if data.get("incident_type"):
        qs = qs.filter(incident_type=data["incident_type"])
    if data.get("severity"):
        qs = qs.filter(severity=data["severity"])
    status = data.get("status")
    if status == "active":
        qs = qs.filter(status__in=incidents.OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if data.get("node"):
        qs = qs.within(data["node"].path)
    if data.get("date_from"):
        qs = qs.filter(occurred_at__gte=day_start(data["date_from"]))
    if data.get("date_to"):
        qs = qs.filter(occurred_at__lt=day_start(data["date_to"] + datetime.timedelta(days=1)))
    if data.get("report"):
        q = incidents.report_q(data["report"])
        if q is not None:
            qs = qs.filter(q)
    if data.get("q"):
        qs = qs.filter(privacy.search_q(user, data["q"]))
    return qs


def _mark_minutes(resp, step):
    mark = resp.mark(step) if resp else None
    return mark.minutes if mark is not None else None


class IncidentListView(ScopedListView):
    model = Incident
    template_name = "emergency/incidents/list.html"
    nav = NAV
    filter_form_class = f.IncidentFilterForm
    offers_add = True
    export_columns = [("", None)]  # the export is export() below, through privacy.access

    def filter_queryset(self, qs, data):
        return filter_incidents(qs, data, self.request.user)

    def decorate(self, qs):
        return qs.select_related("org", "org__parent")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        page = list(ctx["object_list"])
        marks = response.responses(Incident.objects.filter(pk__in=[i.pk for i in page]))
        now = timezone.now()
        start = ctx["page_obj"].start_index() if ctx.get("page_obj") else 1
        ctx["rows"] = [
            {
                "n": n,
                "incident": incident,
                "shown": privacy.shown(user, incident),
                "colour": f.SEVERITY_COLOUR.get(incident.severity, "low"),
                "report_state": incidents.report_state(incident, incident.bureau_reported, now),
                "response": marks.get(incident.pk),
            }
            for n, incident in enumerate(page, start=start)
        ]
        ctx["notice"] = privacy.NOTICE
        return ctx

    def export(self):
        user = self.request.user
        qs = self.get_queryset()
        found = response.responses(qs)
        yes, no = _("Yes"), _("No")
        headers = [
            _("Incident number"),
            _("School"),
            _("Type"),
            _("Severity"),
            _("Status"),
            _("Happened at"),
            _("Reported at"),
            _("Place"),
            _("What happened"),
            _("First measures"),
            _("Injured"),
            _("Deaths"),
            pgettext("incident people", "Missing"),
            _("People affected"),
            _("Students involved"),
            _("Names of those involved"),
            _("Sensitive"),
            _("Criminal case"),
            _("Report to the bureau due"),
            _("Reported to the bureau"),
            _("Responded (minutes)"),
            _("On scene (minutes)"),
            _("Under control (minutes)"),
            _("Closed at"),
        ]
        seen_details = []

        def rows():
            for incident in qs.iterator(chunk_size=2000):
                acc = privacy.access(user, incident)
                shown = privacy.shown(user, incident, acc)
                if incident.is_sensitive and acc.details:
                    seen_details.append(incident)
                hidden = str(privacy.NOTICE)
                resp = found.get(incident.pk)
                yield [
                    incident.number,
                    incident.org.name,
                    incident.get_incident_type_display(),
                    incident.get_severity_display(),
                    incident.get_status_display(),
                    incident.occurred_at,
                    incident.reported_at,
                    shown["place"] if acc.details else hidden,
                    shown["description"] if acc.details else hidden,
                    shown["first_measures"] if acc.details else hidden,
                    incident.injured,
                    incident.deaths,
                    incident.missing,
                    incident.affected,
                    incident.students_involved,
                    shown["names"] or "",
                    yes if incident.is_sensitive else no,
                    yes if incident.is_criminal else no,
                    incident.report_due_at,
                    yes if incident.bureau_reported else no,
                    _mark_minutes(resp, Step.RESPONDED),
                    _mark_minutes(resp, Step.ON_SCENE),
                    _mark_minutes(resp, Step.CONTROLLED),
                    incident.closed_at,
                ]

        name = _("Incidents")
        answer = xlsx_response(filename=name, title=name, headers=headers, rows=rows())
        privacy.log_views(user, seen_details, where="export")
        return answer


# ---------------------------------------------------------------------------- an incident


def _get(user, pk):
    return scoped_get(
        user,
        Incident.objects.select_related("org", "org__parent", "reported_by"),
        pk=pk,
    )


def timeline_rows(user, incident, acc, entries=None) -> list[dict]:
    """The timeline as read: each entry at its time (after corrections), the corrected ones
    struck through with their corrections beside them; texts as privacy allows."""
    entries = (
        list(entries)
        if entries is not None
        else list(IncidentEntry.objects.filter(incident=incident).select_related("plan"))
    )
    plans = {e.plan_id: e.plan for e in entries if e.plan_id}
    rows = []
    for row in response.effective(entries):
        entry = row.entry
        rows.append(
            {
                "row": row,
                "entry": entry,
                "step": entry.step,
                "label": incidents.step_label(entry.step),
                "at": row.at,
                "original_at": entry.at,
                "text": privacy.entry_text(user, incident, entry, acc),
                "plan": plans.get(row.plan_id),
                "corrected": row.corrected,
                "corrections": [
                    _correction(user, incident, c, acc, plans) for c in row.corrections
                ],
                "mark": entry.step in response.MARK_STEPS,
            }
        )
    return rows


def _correction(user, incident, entry, acc, plans) -> dict:
    text = privacy.entry_text(user, incident, entry, acc)
    return {
        "entry": entry,
        "text": text,
        "reason": entry.reason if text is not None else None,  # hidden with the texts
        "plan": plans.get(entry.plan_id),
    }


def _detail_context(request, incident, *, entry_form=None, fix_form=None) -> dict:
    user = request.user
    acc = privacy.access(user, incident)
    entries = list(IncidentEntry.objects.filter(incident=incident).select_related("plan"))
    rows = timeline_rows(user, incident, acc, entries)
    resp = response.response_of(entries)
    may_change = can(user, "change", Incident, incident.org)
    if may_change:
        entry_form = entry_form or f.EntryForm(incident=incident, user=user)
        fix_form = fix_form or f.CorrectionForm(
            incident=incident,
            rows=[r["row"] for r in rows],
            initial={"corrects": request.GET.get("correct", "")},
        )
    bureau_reported = any(e.step == Step.BUREAU_REPORTED for e in entries)
    return {
        "nav_active": NAV,
        "incident": incident,
        "access": acc,
        "shown": privacy.shown(user, incident, acc),
        "notice": privacy.NOTICE,
        "colour": f.SEVERITY_COLOUR.get(incident.severity, "low"),
        "rows": rows,
        "response": resp,
        "report_state": incidents.report_state(incident, bureau_reported),
        "policy": incidents.policy_for(incident.org),
        "may_change": may_change,
        "may_edit": may_change and acc.details,
        "entry_form": entry_form,
        "fix_form": fix_form,
        "closed": incident.status == IncidentStatus.CLOSED,
        "breadcrumbs": _breadcrumbs(user, incident.org),
        "history": history_for(user, incident),
    }


def _render_detail(request, incident, **forms_):
    ctx = _detail_context(request, incident, **forms_)
    privacy.log_view(request.user, incident, shown_details=ctx["access"].details)
    return render(request, "emergency/incidents/detail.html", ctx)


@login_required
def detail(request, pk):
    return _render_detail(request, _get(request.user, pk))


@login_required
@require_POST
def add_entry(request, pk):
    """Append to the timeline, or correct an entry (with a reason). Nothing is ever edited."""
    user = request.user
    incident = _get(user, pk)
    require(user, "change", Incident, incident.org)
    kind = request.POST.get("kind", "entry")
    entries = list(IncidentEntry.objects.filter(incident=incident))
    if kind == "correction":
        form = f.CorrectionForm(request.POST, incident=incident, rows=response.effective(entries))
        ok = form.is_valid()
        if ok:
            data = form.cleaned_data
            target = next((e for e in entries if e.pk == data["corrects"]), None)
            kwargs = {
                "step": Step.CORRECTION,
                "corrects": target,
                "at": data.get("at"),
                "text": data.get("text", ""),
                "reason": data["reason"],
            }
        bound = {"fix_form": form}
    else:
        form = f.EntryForm(request.POST, incident=incident, user=user)
        ok = form.is_valid()
        if ok:
            data = form.cleaned_data
            kwargs = {
                "step": data["step"],
                "at": data["at"],
                "text": data.get("text", ""),
                "plan": data.get("plan") if data["step"] == Step.PLAN_STARTED else None,
            }
        bound = {"entry_form": form}
    if ok:
        try:
            incidents.entry_append(incident=incident, by=user, **kwargs)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            label = _("Correction") if kind == "correction" else Step(kwargs["step"]).label
            messages.success(request, _("Added to the timeline: %(what)s.") % {"what": label})
            return redirect(reverse("incidents:detail", args=[incident.pk]) + "#timeline")
    return _render_detail(request, incident, **bound)


@login_required
@GET_POST
def edit(request, pk):
    """Complete or correct the report (the timeline is corrected by entries, not here)."""
    user = request.user
    incident = _get(user, pk)
    require(user, "change", Incident, incident.org)
    if not privacy.access(user, incident).details:
        raise PermissionDenied(
            _("Only designated staff may read or change this incident's details.")
        )
    form = f.IncidentEditForm(request.POST or None, instance=_copy(incident), user=user)
    if request.method == "POST" and form.is_valid():
        try:
            incidents.incident_update(
                incident=incident,
                by=user,
                data=form.changed_for_service(),
                expected_version=form.cleaned_data["version"],
            )
        except ConflictError as exc:
            form.add_error(None, exc)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("incidents:detail", pk=incident.pk)
    privacy.log_view(user, incident, shown_details=True, where="edit")
    return render(
        request,
        "core/form.html",
        {
            "nav_active": NAV,
            "title": _("Complete incident %(number)s") % {"number": incident.number},
            "form": form,
            "cancel_url": reverse("incidents:detail", args=[incident.pk]),
            "breadcrumbs": _breadcrumbs(user, incident.org),
        },
    )


def _copy(incident):
    from copy import copy

    return copy(incident)


# ---------------------------------------------------------------------------- policies


def _require_policy_view(user, node=None) -> None:
    node_pages.require_view(user, IncidentPolicy, node)


def _policy_url(node) -> str:
    return reverse("incidents:policy", args=[node.pk])


@login_required
def policy_home(request):
    _require_policy_view(request.user)
    return redirect(_policy_url(node_pages.start_node(request)))


@login_required
@GET_POST
def policy(request, pk):
    """The reporting deadlines in force for a region (its own, inherited, or the defaults),
    and for policy writers a form to give the region numbers of its own."""
    user = request.user
    node = scoped_get(user, OrgNode, pk=pk)
    _require_policy_view(user, node)
    in_force = incidents.policy_for(node)
    own = in_force if in_force.pk and in_force.org_id == node.pk else None
    action = "add" if own is None else "change"
    can_edit = not node.is_school and can(user, action, IncidentPolicy, node)
    form = None
    if can_edit:
        initial = {name: getattr(in_force, name) for name in incidents.POLICY_FIELDS}
        initial["version"] = own.version if own else None
        form = f.PolicyForm(request.POST or None, initial=initial)
    elif request.method == "POST":
        raise PermissionDenied(_("Your role does not allow this here."))
    if request.method == "POST" and form is not None and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            incidents.incident_policy_save(
                node=node, by=user, data=data, expected_version=form.cleaned_data["version"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Saved. Incidents of %(node)s reported from now on get these deadlines; deadlines already given stay as they are."
                )
                % {"node": node.name},
            )
            return redirect(_policy_url(node))
    source = in_force.org if in_force.pk else None
    now = _local(timezone.now())
    return render(
        request,
        "emergency/incidents/policy.html",
        {
            "nav_active": "incident_policy",
            "node": node,
            "policy": in_force,
            "own": own,
            "source": source,
            "source_url": (
                _policy_url(source)
                if source is not None and can(user, "view", OrgNode, source)
                else ""
            ),
            "example_due": now + datetime.timedelta(minutes=in_force.first_report_minutes),
            "example_written": now + datetime.timedelta(hours=in_force.written_report_hours),
            "now": now,
            "form": form,
            "can_remove": own is not None and can(user, "delete", IncidentPolicy, node),
            "history": history_for(user, own) if own is not None else None,
            "picker": node_pages.picker_options(user, node),
        },
    )


@login_required
@require_POST
def policy_remove(request, pk):
    user = request.user
    node = scoped_get(user, OrgNode, pk=pk)
    own = IncidentPolicy.objects.filter(org=node).select_related("org").first()
    if own is None:
        raise Http404
    require(user, "delete", IncidentPolicy, node)
    raw = request.POST.get("version", "")
    try:
        incidents.incident_policy_delete(
            policy=own, by=user, expected_version=int(raw) if raw.isdigit() else 0
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(node)s now follows the reporting deadlines of the region above.")
            % {"node": node.name},
        )
    return redirect(_policy_url(node))


@login_required
def policy_record(request, pk):
    """A policy's place (the audit trail links here): its region's page."""
    row = scoped_get(request.user, IncidentPolicy.objects.select_related("org"), pk=pk)
    return redirect(_policy_url(row.org))
