"""Pages for importing an existing hazard ledger from Excel: upload, every problem by row and
column (downloadable), or what was imported; and the empty template."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from safecampus.accounts.access import can_anywhere
from safecampus.hazards import ledger_import
from safecampus.hazards.models import Hazard
from safecampus.orgs.import_views import _check_upload, _xlsx

ERRORS_KEY = "hazards.import_ledger.errors"


class LedgerImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel workbook"),
        help_text=gettext_lazy(
            "The ledger in the conventional columns, or the template filled in."
        ),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Only check the file, import nothing"), required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        _check_upload(upload)
        return upload


def _require(user) -> None:
    if not can_anywhere(user, "add", Hazard):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def import_ledger(request):
    _require(request.user)
    if request.method == "GET" and request.GET.get("download") == "errors":
        errors = request.session.get(ERRORS_KEY)
        if not errors:
            raise Http404
        return _xlsx(ledger_import.error_workbook(errors), "ledger-import-problems.xlsx")
    result = None
    form = LedgerImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        result = ledger_import.import_ledger(
            form.cleaned_data["file"], user=request.user, dry_run=form.cleaned_data["dry_run"]
        )
        if result.errors:
            request.session[ERRORS_KEY] = [e.as_dict() for e in result.errors]
        else:
            request.session.pop(ERRORS_KEY, None)
    return render(
        request,
        "hazards/import/ledger.html",
        {
            "form": form,
            "result": result,
            "created": result.created[ledger_import.SHEET] if result else 0,
            "columns": ledger_import.COLUMNS,
            "nav_active": "ledger",
        },
    )


@login_required
def template(request):
    _require(request.user)
    return _xlsx(ledger_import.template_workbook(), "hazard-ledger-template.xlsx")
