"""Pages of education campaigns: the list with each campaign's completion, starting one, its
page (the region's figure as reported upwards, each region below, each school, Excel), a
school's completion entered by hand, and the import of the platform's Excel export (upload,
columns, preview with every row's problem, then apply — or nothing)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.accounts.access import can, can_anywhere
from safecampus.core.audit_views import RECORD_URLS, history_for
from safecampus.core.listing import apply_errors, require, scoped_get, xlsx_response
from safecampus.education import campaigns as figures
from safecampus.education import forms as f
from safecampus.education import imports, services
from safecampus.education.models import Campaign, CampaignResult
from safecampus.education.views import breadcrumbs
from safecampus.orgs import selectors
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import OrgNode

GET_POST = require_http_methods(["GET", "POST"])
NAV = "education_campaigns"
IMPORT_KEY = "education.import.%d"

RECORD_URLS["education.campaign"] = "education:campaign"
RECORD_URLS["education.campaignresult"] = "education:result"


def may_start(user) -> bool:
    """Campaigns are run by regions: a school's staff, who may add education records at their
    school, start none."""
    return selectors.nodes_where(user, "add", Campaign).exclude(kind=NodeKind.SCHOOL).exists()


def _campaign(user, pk) -> Campaign:
    return scoped_get(user, Campaign.objects.select_related("org", "created_by"), pk=pk)


@login_required
def campaign_list(request):
    user = request.user
    if not can_anywhere(user, "view", Campaign):
        raise PermissionDenied(_("Your role does not allow this here."))
    rows = list(
        Campaign.objects.for_user(user).select_related("org").order_by("-start", "-id")[:200]
    )
    found = figures.list_figures(user, rows)
    today = timezone.localdate()
    for c in rows:
        c.figures = found.get(c.pk, figures.Figures())
        c.status = figures.status_of(c, today)
    return render(
        request,
        "education/campaigns.html",
        {
            "nav_active": NAV,
            "campaigns": rows,
            "can_add": may_start(user),
        },
    )


def _form(request, form, title, cancel_url):
    return render(
        request,
        "core/form.html",
        {"nav_active": NAV, "form": form, "title": title, "cancel_url": cancel_url},
    )


@login_required
@GET_POST
def campaign_new(request):
    user = request.user
    if not may_start(user):
        raise PermissionDenied(_("Your role does not allow this here."))
    form = f.CampaignForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_save(
                by=user, org=form.cleaned_data["org"], **form.as_service()
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The campaign is set up."))
            return redirect("education:campaign", pk=campaign.pk)
    return _form(request, form, _("Start an education campaign"), reverse("education:campaigns"))


@login_required
@GET_POST
def campaign_edit(request, pk):
    user = request.user
    campaign = _campaign(user, pk)
    require(user, "change", Campaign, campaign.org)
    form = f.CampaignForm(request.POST or None, instance=campaign, user=user)
    back = reverse("education:campaign", args=[campaign.pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_save(
                by=user,
                campaign=Campaign.objects.get(pk=campaign.pk),
                expected_version=form.cleaned_data["version"],
                **form.as_service(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(back)
    return _form(request, form, _("Edit the campaign"), back)


def _base(request, campaign) -> OrgNode | None:
    raw = request.GET.get("node", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    node = OrgNode.objects.for_user(request.user).filter(pk=raw).first()
    if node is None or not node.is_within(campaign.org) or node.is_school:
        raise Http404
    return node


@login_required
def campaign_detail(request, pk):
    """The campaign's figure (“259,633 people, 95.25 %”), by region and by school."""
    user = request.user
    campaign = _campaign(user, pk)
    chosen = _base(request, campaign)
    table = figures.campaign_table(user, campaign, chosen)
    show = request.GET.get("show", "")
    rows = table.rows
    if show == "missing":
        rows = [r for r in rows if r.result is None]
    elif show == "below":
        rows = [r for r in rows if r.below]
    if request.GET.get("export") == "xlsx":
        return _export(campaign, table)
    for row in rows:
        row.can_edit = can(user, "change", CampaignResult, row.school)
    return render(
        request,
        "education/campaign.html",
        {
            "nav_active": NAV,
            "campaign": campaign,
            "table": table,
            "rows": rows,
            "show": show,
            "status": figures.status_of(campaign),
            "node_param": chosen.pk if chosen is not None else "",
            "can_change": can(user, "change", Campaign, campaign.org),
            "can_import": can_anywhere(user, "change", CampaignResult),
            "history": history_for(user, campaign),
            "breadcrumbs": breadcrumbs(user, table.base),
            "missing": sum(1 for r in table.rows if r.result is None),
            "below": sum(1 for r in table.rows if r.below),
        },
    )


def _export(campaign, table) -> object:
    headers = [
        _("School"),
        _("School code"),
        _("Region"),
        _("Target participants"),
        _("People completed"),
        _("Completion rate (%)"),
        _("Source"),
        _("Updated by"),
        _("Updated at"),
    ]
    rows = []
    for r in table.rows:
        res = r.result
        rows.append(
            [
                r.school.name,
                r.school.code,
                r.region.name if r.region else table.base.name,
                res.target if res else None,
                res.completed if res else None,
                round(r.rate * 100, 2) if r.rate is not None else None,
                res.get_source_display() if res else _("Not reported"),
                res.updated_by.display_name if res and res.updated_by_id else "",
                res.updated_at if res else None,
            ]
        )
    total = table.figures
    rows.append(
        [
            _("Total"),
            "",
            table.base.name,
            total.target,
            total.completed,
            round(total.rate * 100, 2) if total.rate is not None else None,
            "",
            "",
            None,
        ]
    )
    name = f"{campaign.name}-{table.base.name}"
    return xlsx_response(filename=name, title=campaign.name, headers=headers, rows=rows)


@login_required
@GET_POST
def result_edit(request, pk, school_pk):
    """A school's completion entered by hand (or corrected)."""
    user = request.user
    campaign = _campaign(user, pk)
    school = scoped_get(user, OrgNode, pk=school_pk)
    if not school.is_school or not school.is_within(campaign.org):
        raise Http404
    result = CampaignResult.objects.for_user(user).filter(campaign=campaign, org=school).first()
    require(user, "change", CampaignResult, school)
    initial = {"version": result.version} if result else {}
    if result:
        initial.update(target=result.target, completed=result.completed)
    form = f.ResultForm(request.POST or None, initial=initial)
    back = reverse("education:campaign", args=[campaign.pk]) + f"#school-{school.pk}"
    if request.method == "POST" and form.is_valid():
        try:
            services.result_save(
                campaign=campaign,
                school=school,
                by=user,
                target=form.cleaned_data["target"],
                completed=form.cleaned_data["completed"],
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(school)s: saved.") % {"school": school.name})
            return redirect(back)
    title = _("%(campaign)s · %(school)s") % {"campaign": campaign.name, "school": school.name}
    return _form(request, form, title, back)


@login_required
def result_page(request, pk):
    """A completion figure: its campaign's page, at its school's row."""
    result = scoped_get(request.user, CampaignResult, pk=pk)
    return redirect(
        reverse("education:campaign", args=[result.campaign_id]) + f"#school-{result.org_id}"
    )


@login_required
@require_POST
def campaign_delete(request, pk):
    campaign = _campaign(request.user, pk)
    require(request.user, "delete", Campaign, campaign.org)
    try:
        services.campaign_delete(campaign=campaign, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("education:campaign", pk=campaign.pk)
    messages.success(request, _("The campaign is deleted."))
    return redirect("education:campaigns")


# -------------------------------------------------------------------------------- import


def _columns(data) -> list[tuple[int, str]]:
    return [(i, imports.column_label(data["headers"], i)) for i in range(len(data["headers"]))]


@login_required
@GET_POST
def campaign_import(request, pk):
    """Upload the platform's export, check the columns, see every row, apply (or nothing)."""
    user = request.user
    campaign = _campaign(user, pk)
    if not can_anywhere(user, "change", CampaignResult):
        raise PermissionDenied(_("Your role does not allow this here."))
    key = IMPORT_KEY % campaign.pk
    data = request.session.get(key)
    upload = f.UploadForm()
    mapping = None
    preview = None
    action = request.POST.get("action", "")
    if request.method == "POST" and action == "discard":
        request.session.pop(key, None)
        return redirect("education:campaign-import", pk=campaign.pk)
    if request.method == "POST" and action == "upload":
        upload = f.UploadForm(request.POST, request.FILES)
        if upload.is_valid():
            try:
                data = imports.read_workbook(upload.cleaned_data["file"])
            except ValidationError as exc:
                upload.add_error("file", exc)
            else:
                request.session[key] = data
                guess = imports.guess_mapping(data["headers"])
                mapping = f.MappingForm(
                    {k: "" if v is None else v for k, v in guess.items()}, columns=_columns(data)
                )
                preview = imports.check(user, campaign, data, guess) if mapping.is_valid() else None
    elif request.method == "POST" and action in ("preview", "apply") and data:
        mapping = f.MappingForm(request.POST, columns=_columns(data))
        if mapping.is_valid():
            if action == "apply":
                preview, counts = imports.apply(user, campaign, data, mapping.cleaned_data)
                if preview.ok:
                    request.session.pop(key, None)
                    messages.success(
                        request,
                        _(
                            "Imported: %(created)d schools added, %(updated)d updated, "
                            "%(unchanged)d unchanged."
                        )
                        % counts,
                    )
                    return redirect("education:campaign", pk=campaign.pk)
                messages.error(request, _("Nothing was imported: correct the rows marked below."))
            else:
                preview = imports.check(user, campaign, data, mapping.cleaned_data)
    elif data:
        guess = imports.guess_mapping(data["headers"])
        mapping = f.MappingForm(
            {k: "" if v is None else v for k, v in guess.items()}, columns=_columns(data)
        )
        if mapping.is_valid():
            preview = imports.check(user, campaign, data, guess)
    return render(
        request,
        "education/campaign_import.html",
        {
            "nav_active": NAV,
            "campaign": campaign,
            "upload": upload,
            "data": data,
            "mapping": mapping,
            "preview": preview,
            "aliases": imports.ALIASES,
        },
    )
