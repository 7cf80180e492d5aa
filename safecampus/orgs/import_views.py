"""Pages for importing the organisation tree from Excel and leadership group rosters, and the
printable roster."""

import secrets

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safecampus.accounts.access import can, can_anywhere
from safecampus.orgs import imports, leadership
from safecampus.orgs.models import LeadershipGroup, OrgNode, Person

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_KEY = "orgs.import_tree.errors"
MAX_UPLOAD = 10 * 1024 * 1024


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def _check_upload(upload) -> None:
    if upload.size > MAX_UPLOAD:
        raise forms.ValidationError(_("The file is larger than 10 MB."))
    if not upload.name.lower().endswith((".xlsx", ".xlsm")):
        raise forms.ValidationError(_("Upload an Excel workbook (.xlsx)."))


class TreeImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel workbook"),
        help_text=gettext_lazy("The import template filled in: sheets 区域, 学校, 部门, 人员."),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Only check the file, import nothing"), required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        _check_upload(upload)
        return upload


@login_required
def import_tree(request):
    """Upload the workbook; show what was imported, or every problem found (nothing imported)."""
    if not can_anywhere(request.user, "add", OrgNode):
        raise PermissionDenied
    if request.method == "GET" and request.GET.get("download") == "errors":
        errors = request.session.get(ERRORS_KEY)
        if not errors:
            raise Http404
        return _xlsx(imports.error_workbook(errors), "import-problems.xlsx")
    result = None
    if request.method == "POST":
        form = TreeImportForm(request.POST, request.FILES)
        if form.is_valid():
            result = imports.import_workbook(
                form.cleaned_data["file"],
                user=request.user,
                dry_run=form.cleaned_data["dry_run"],
            )
            if result.errors:
                request.session[ERRORS_KEY] = [e.as_dict() for e in result.errors]
            else:
                request.session.pop(ERRORS_KEY, None)
    else:
        form = TreeImportForm()
    sheets = [
        {
            "name": name,
            "created": result.created[name] if result else 0,
            "skipped": result.skipped[name] if result else 0,
        }
        for name in imports.SHEETS
    ]
    return render(
        request,
        "orgs/import_tree.html",
        {
            "form": form,
            "result": result,
            "sheets": sheets,
            "columns": imports.SHEETS,
            "nav_active": "orgs",
        },
        status=200,
    )


@login_required
def import_template(request):
    if not can_anywhere(request.user, "add", OrgNode):
        raise PermissionDenied
    return _xlsx(imports.template_workbook(), "safecampus-import-template.xlsx")


# --- leadership groups --------------------------------------------------------------------------


class GroupImportForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Paste the roster"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "As printed in the notice: one person per line, the role before a colon; lines "
            "without a role continue the role above."
        ),
    )
    file = forms.FileField(
        label=gettext_lazy("or upload an Excel sheet"),
        required=False,
        help_text=gettext_lazy("Columns 组内职务, 姓名, 职务, 单位, 手机."),
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            _check_upload(upload)
        return upload

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and not data.get("file"):
            raise forms.ValidationError(_("Paste the roster or choose a file."))
        return data


EXAMPLE = (
    "组　长：张建国　乡党委副书记、政府乡长\n"
    "副组长：李雅娜　乡党委委员、政府副乡长\n"
    "成　员：王春林　冯记沟派出所所长\n"
    "　　　　马　莉　冯记沟乡卫生院院长"
)


def _group_for(request, pk) -> LeadershipGroup:
    return get_object_or_404(
        LeadershipGroup.objects.for_user(request.user).select_related("org"), pk=pk
    )


@login_required
def group_import(request, pk):
    """Paste or upload a roster → preview with the people it matches → confirm → saved."""
    group = _group_for(request, pk)
    if not can(request.user, "change", LeadershipGroup, group.org):
        raise PermissionDenied
    session_key = f"orgs.group_import.{group.pk}"
    form = GroupImportForm()
    parsed = None
    preview = None
    token = ""
    if request.method == "POST" and request.POST.get("action") == "confirm":
        stored = request.session.get(session_key)
        if not stored or stored.get("token") != request.POST.get("token"):
            messages.error(request, _("The preview has expired. Paste the roster again."))
            return redirect("orgs:group_import", pk=group.pk)
        if stored.get("version") != group.version:
            request.session.pop(session_key, None)
            messages.error(
                request,
                _(
                    "Someone changed this group after the preview. Check the roster and import again."
                ),
            )
            return redirect("orgs:group_import", pk=group.pk)
        entries = leadership.entries_from_dicts(stored["entries"])
        leadership.plan_import(group, entries)
        if any(e.person is None for e in entries) and not can(
            request.user, "add", Person, group.org
        ):
            raise PermissionDenied
        try:
            leadership.save_import(group, entries, by=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("orgs:group_import", pk=group.pk)
        request.session.pop(session_key, None)
        messages.success(
            request,
            _("The roster of %(group)s was saved: %(count)d members.")
            % {"group": group.name, "count": len(entries)},
        )
        return redirect("orgs:group_import", pk=group.pk)
    if request.method == "POST":
        form = GroupImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data.get("file")
            if upload:
                parsed = leadership.parse_workbook(upload)
            else:
                parsed = leadership.parse_text(form.cleaned_data["text"])
            if parsed.ok:
                preview = leadership.plan_import(group, parsed.entries)
                token = secrets.token_urlsafe(16)
                request.session[session_key] = {
                    "token": token,
                    "version": group.version,
                    "entries": [e.as_dict() for e in preview],
                }
    members = list(group.members.select_related("person", "person__org"))
    return render(
        request,
        "orgs/group_import.html",
        {
            "group": group,
            "form": form,
            "parsed": parsed,
            "preview": preview,
            "new_people": sum(1 for e in preview or [] if e.person is None),
            "token": token,
            "members": members,
            "example": EXAMPLE,
            "print_url": reverse("orgs:group_print", args=[group.pk]),
            "nav_active": "groups",
        },
    )


@login_required
def group_print(request, pk):
    """The roster as an A4 document, in the layout of seed 000's annex."""
    group = _group_for(request, pk)
    return render(
        request,
        "orgs/group_print.html",
        {
            "group": group,
            "intro": leadership.intro_of(group),
            "lines": leadership.roster_lines(group),
            "can_import": can(request.user, "change", LeadershipGroup, group.org),
        },
    )


urlpatterns = [
    path("import/", import_tree, name="import_tree"),
    path("import/template.xlsx", import_template, name="import_template"),
    path("groups/<int:pk>/import/", group_import, name="group_import"),
    path("groups/<int:pk>/print/", group_print, name="group_print"),
]
