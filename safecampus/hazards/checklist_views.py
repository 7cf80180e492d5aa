"""Pages of the checklist templates: the list, a template with its current items and version
history, a past version, creating, editing (which publishes a new version), copying, and
deactivating.

Reads start from `checklists.templates_for(user)`: what the user may inspect with (the built-in
library, their levels' and those above) plus the deactivated ones of their own subtree; any
other id is 404. Writes check `checklists.may` (403) and go through the services, which refuse
a stale version, so of two people editing one template the second is told and keeps their input.
"""

from copy import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.core.audit_views import RECORD_URLS, history_for
from safecampus.core.listing import ScopedListView, apply_errors, form_page
from safecampus.hazards import checklist_forms as f
from safecampus.hazards import checklists
from safecampus.hazards.models import ChecklistItem, ChecklistTemplate, Inspection
from safecampus.orgs.choices import DepartmentKind

GET_POST = require_http_methods(["GET", "POST"])
NAV = "checklists"

RECORD_URLS["hazards.checklisttemplate"] = "hazard_checklists:detail"


def _get(user, pk, *related) -> ChecklistTemplate:
    return get_object_or_404(
        checklists.templates_for(user).select_related("org", "current", *related), pk=pk
    )


def _items(version) -> list[ChecklistItem]:
    """A version's items, each with the names of its departments (`department_labels`)."""
    if version is None:
        return []
    labels = dict(DepartmentKind.choices)
    items = list(version.items.order_by("position", "id"))
    for item in items:
        item.department_labels = [labels.get(k, k) for k in item.department_kinds or ()]
    return items


def _uses(user, template) -> dict[int, int]:
    """Inspections the user can see, per version of `template`: a county sees its own
    schools' uses of a built-in checklist, never another county's."""
    return dict(
        Inspection.objects.for_user(user)
        .filter(checklist__template=template)
        .order_by()
        .values("checklist_id")
        .annotate(n=Count("id"))
        .values_list("checklist_id", "n")
    )


# ---------------------------------------------------------------------------------- list


class TemplateListView(ScopedListView):
    model = ChecklistTemplate
    template_name = "hazards/checklists/list.html"
    nav = NAV
    filter_form_class = f.TemplateFilterForm
    offers_add = True

    def scoped(self):
        return checklists.templates_for(self.request.user)

    def decorate(self, qs):
        return (
            qs.select_related("org", "current")
            .annotate(n_items=Count("current__items"))
            .order_by("org_path", "name", "pk")
        )

    def filter_queryset(self, qs, data):
        active = data.get("active", "")
        if active == "inactive":
            qs = qs.filter(is_active=False)
        elif active != "all":
            qs = qs.filter(is_active=True)
        if data.get("rhythm"):
            qs = qs.filter(rhythm=data["rhythm"])
        if data.get("origin") == "builtin":
            qs = qs.filter(org__isnull=True)
        elif data.get("origin") == "local":
            qs = qs.filter(org__isnull=False)
        if data.get("q"):
            q = data["q"]
            qs = qs.filter(Q(name__icontains=q) | Q(description__icontains=q) | Q(code__iexact=q))
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_add"] = f.nodes_for_templates(self.request.user).exists()
        return ctx


# -------------------------------------------------------------------------------- detail


@login_required
def checklist_detail(request, pk):
    user = request.user
    template = _get(user, pk, "current__created_by")
    versions = list(template.versions.select_related("created_by").order_by("-number"))
    uses = _uses(user, template)
    for v in versions:
        v.uses = uses.get(v.pk, 0)
    can_edit = checklists.can_edit(user, template)
    return render(
        request,
        "hazards/checklists/detail.html",
        {
            "nav_active": NAV,
            "template": template,
            "items": _items(template.current),
            "versions": versions,
            "can_edit": can_edit,
            "can_copy": f.nodes_for_templates(user).exists() and template.current_id is not None,
            "history": history_for(user, template, org=template.org) if can_edit else None,
        },
    )


@login_required
def checklist_version(request, pk, number):
    """One version as it was published: its items, what changed from the one before, who
    published it and when, and how many inspections answered it."""
    user = request.user
    template = _get(user, pk)
    version = get_object_or_404(template.versions.select_related("created_by"), number=number)
    previous = template.versions.filter(number__lt=number).order_by("-number").first()
    items = _items(version)
    changes = checklists.version_changes(_items(previous), items) if previous else None
    return render(
        request,
        "hazards/checklists/version.html",
        {
            "nav_active": NAV,
            "template": template,
            "version": version,
            "previous": previous,
            "items": items,
            "changes": changes,
            "uses": _uses(user, template).get(version.pk, 0),
        },
    )


# --------------------------------------------------------------------------------- edits


def _apply(form, formset, exc: ValidationError) -> None:
    """A service's refusal on the page: item errors above the items, the rest on the form."""
    if not hasattr(exc, "error_dict"):
        apply_errors(form, exc)
        return
    for field, errors in exc.error_dict.items():
        if field == "items" or field.startswith("items."):
            messages_ = [str(m) for e in errors for m in e.messages]
            if field.startswith("items."):
                row = int(field.split(".", 1)[1]) + 1
                messages_ = [_("Item %(n)s: %(error)s") % {"n": row, "error": m} for m in messages_]
            apply_errors(formset, ValidationError(messages_))
        else:
            form.add_error(field if field in form.fields else None, errors)


def _edit_page(request, *, form, formset, template=None, title, cancel_url):
    return render(
        request,
        "hazards/checklists/form.html",
        {
            "nav_active": NAV,
            "title": title,
            "form": form,
            "formset": formset,
            "template": template,
            "cancel_url": cancel_url,
        },
    )


@login_required
@GET_POST
def checklist_add(request):
    user = request.user
    if not f.nodes_for_templates(user).exists():
        raise PermissionDenied(_("Your role does not allow this here."))
    form = f.TemplateForm(request.POST or None, user=user)
    formset = f.ItemFormSet(request.POST or None, prefix=f.ITEM_PREFIX)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = {k: form.cleaned_data[k] for k in form._meta.fields}
        try:
            template = checklists.template_create(
                by=user, items=formset.items(), note=form.cleaned_data["note"], **data
            )
        except ValidationError as exc:
            _apply(form, formset, exc)
        else:
            messages.success(request, _("Created %(name)s.") % {"name": template.name})
            return redirect("hazard_checklists:detail", pk=template.pk)
    return _edit_page(
        request,
        form=form,
        formset=formset,
        title=_("New checklist"),
        cancel_url=reverse("hazard_checklists:list"),
    )


@login_required
@GET_POST
def checklist_edit(request, pk):
    user = request.user
    template = _get(user, pk)
    if not checklists.can_edit(user, template):
        raise PermissionDenied(_("Your role does not allow this here."))
    form = f.TemplateForm(request.POST or None, instance=copy(template), user=user)
    initial = [checklists.item_data(i) for i in _items(template.current)]
    formset = f.ItemFormSet(request.POST or None, initial=initial, prefix=f.ITEM_PREFIX)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        items = formset.items()
        note = form.cleaned_data["note"]
        if items and not note and checklists.items_changed(template, items):
            form.add_error("note", _("Say what changed: the new version keeps the note."))
        else:
            try:
                version = checklists.template_edit(
                    template=template,
                    by=user,
                    expected_version=form.cleaned_data["version"],
                    data=form.changed_data_for_service(),
                    items=items,
                    note=note,
                )
            except ValidationError as exc:
                _apply(form, formset, exc)
            else:
                if version is not None:
                    message = _("Published version %(number)s of %(name)s.") % {
                        "number": version.number,
                        "name": template.name,
                    }
                else:
                    message = _("Saved. The items did not change, so no new version was made.")
                messages.success(request, message)
                return redirect("hazard_checklists:detail", pk=template.pk)
    return _edit_page(
        request,
        form=form,
        formset=formset,
        template=template,
        title=_("Edit %(name)s") % {"name": template.name},
        cancel_url=reverse("hazard_checklists:detail", args=[template.pk]),
    )


@login_required
@GET_POST
def checklist_copy(request, pk):
    """Start a template of one's own from another (the built-in library, a level above)."""
    user = request.user
    original = _get(user, pk)
    if original.current_id is None:
        raise Http404
    if not f.nodes_for_templates(user).exists():
        raise PermissionDenied(_("Your role does not allow this here."))
    form = f.CopyForm(request.POST or None, initial={"name": original.name}, user=user)

    def save():
        copied = checklists.template_copy(
            template=original, by=user, org=form.cleaned_data["org"], name=form.cleaned_data["name"]
        )
        return (
            _("Copied into %(node)s. Adapt the items and save to publish the next version.")
            % {"node": copied.org.name},
            reverse("hazard_checklists:edit", args=[copied.pk]),
        )

    return form_page(
        request,
        form,
        save=save,
        nav=NAV,
        title=_("Copy %(name)s") % {"name": original.name},
        cancel_url=reverse("hazard_checklists:detail", args=[original.pk]),
        submit_label=_("Copy"),
    )


@login_required
@require_POST
def checklist_active(request, pk):
    """Deactivate (or reactivate) a template: it is no longer offered for new checks or
    schedules; past inspections and existing schedules keep it."""
    user = request.user
    template = _get(user, pk)
    if not checklists.can_edit(user, template):
        raise PermissionDenied(_("Your role does not allow this here."))
    active = request.POST.get("active") == "1"
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        checklists.template_edit(
            template=template, by=user, expected_version=version, data={"is_active": active}
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            (_("%(name)s is active again.") if active else _("%(name)s is deactivated."))
            % {"name": template.name},
        )
    return redirect("hazard_checklists:detail", pk=template.pk)
