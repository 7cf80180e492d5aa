"""Small shared pieces for the server-rendered pages of scoped records.

Every list starts from `Model.objects.for_user(user, "view")` (`ScopedListView`), every
detail page fetches through `scoped_get` (out of scope → 404) and every write checks
`require` first (in scope but not allowed → 403). Forms carry the record's `version`, and
`apply_errors` turns a service's ValidationError (a stale version included) into form errors;
`form_page` is the whole "show the form, save it, go on" flow of a create or edit page.
"""

import datetime
import re

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.generic import ListView

from safecampus.accounts.access import can, can_anywhere
from safecampus.core import keyset as keysets

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def scoped_queryset(user, model_or_queryset, action: str = "view"):
    if hasattr(model_or_queryset, "for_user"):  # a queryset
        return model_or_queryset.for_user(user, action)
    return model_or_queryset.objects.for_user(user, action)


def scoped_get(user, model_or_queryset, **lookup):
    """The record if the user may see it; 404 otherwise, exactly as if it did not exist."""
    return get_object_or_404(scoped_queryset(user, model_or_queryset), **lookup)


def require(user, action: str, model, org) -> None:
    """403 unless the user's roles allow `action` on `model` records at `org`."""
    if not can(user, action, model, org):
        raise PermissionDenied(_("Your role does not allow this here."))


def apply_errors(form: forms.BaseForm | forms.BaseFormSet, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field if the form has one.

    On a formset, the messages join the formset's own (non-form) errors."""
    if isinstance(form, forms.BaseFormSet):
        form._non_form_errors = form.error_class([*form.non_form_errors(), *exc.messages])
    elif hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def form_page(
    request,
    form: forms.BaseForm,
    *,
    save,
    nav: str,
    title: str,
    cancel_url: str = "",
    breadcrumbs: list | None = None,
    **extra,
) -> HttpResponse:
    """A create or edit page: `form` shown in core/form.html, and saved on a valid POST.

    `save()` writes through a service and returns `(message, url)`: the message is flashed and
    the browser goes to `url`. A ValidationError from it lands on the form (`apply_errors`), a
    NotAllowed is a 403. `extra` goes into the page's context (e.g. `submit_label`).
    """
    if request.method == "POST" and form.is_valid():
        try:
            message, url = save()
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect(url)
    ctx = {"nav_active": nav, "title": title, "form": form, "cancel_url": cancel_url, **extra}
    if breadcrumbs is not None:
        ctx["breadcrumbs"] = breadcrumbs
    return render(request, "core/form.html", ctx)


class VersionedModelForm(forms.ModelForm):
    """A model form that carries the version the editor started from (hidden)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None and self.instance.pk:
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["version"]

    def changed_data_for_service(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.fields}


# ---------------------------------------------------------------------------- XLSX export

_FORMULA = re.compile(r"^[=+\-@]")


def xlsx_response(*, filename: str, title: str, headers: list[str], rows) -> HttpResponse:
    """A streaming-friendly (write-only) workbook: bold frozen header, text never read as formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31] or "Sheet1")
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for label in headers:
        cell = WriteOnlyCell(ws, value=str(label))
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    for row in rows:
        out = []
        for value in row:
            if isinstance(value, datetime.datetime) and timezone.is_aware(value):
                value = timezone.localtime(value).replace(tzinfo=None)
            if isinstance(value, str) and _FORMULA.match(value):
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"
                value = cell
            elif value is not None and not isinstance(
                value, (str, int, float, datetime.date, datetime.datetime)
            ):
                value = str(value)
            out.append(value)
        ws.append(out)
    response = HttpResponse(content_type=XLSX_TYPE)
    wb.save(response)
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}-{stamp}.xlsx")
    return response


# ---------------------------------------------------------------------------- list views


def count_of(model, link: str):
    """How many rows of `model` point at the listed row through `link` (a foreign key's
    name), as a subquery a page of rows runs for its own rows only. `annotate(n=Count(...))`
    over the join groups the whole list (a province's hundreds of thousands of rows) before
    its first page can be cut."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    rows = model.objects.filter(**{link: OuterRef("pk")}).order_by().values(link)
    found = Subquery(rows.annotate(n=Count("pk")).values("n"), output_field=IntegerField())
    return Coalesce(found, Value(0))


class ScopedListView(LoginRequiredMixin, ListView):
    """A ledger page of one scoped model: filters, pagination and "export Excel" of the same rows.

    Subclasses set `model`, `template_name`, and may set `filter_form_class` (a form taking
    `user=`), override `filter_queryset(qs, data)` and `decorate(qs)` (select_related …), and
    `export_columns` = [(header, function of a row)] for the XLSX export (`?export=xlsx`).
    With `offers_add`, the context's `can_add` says whether the user may add such a record
    anywhere (the page's "new" button). With `keyset`, "next" and "previous" carry a cursor
    (core/keyset.py) instead of a page number, for lists deep enough at a province's size
    that counting rows off (OFFSET) would cost more than the page.
    """

    paginate_by = 50
    keyset = False
    count_limit: int | None = None  # with keyset: count no further ("more than N rows")
    bad_cursor = ""
    nav = ""
    filter_form_class = None
    export_columns: list = []
    export_name = ""
    offers_add = False

    def scoped(self):
        return self.model.objects.for_user(self.request.user, "view")

    def decorate(self, qs):
        return qs

    def filter_queryset(self, qs, data: dict):
        return qs

    def get_filter_form(self):
        if self.filter_form_class is None:
            return None
        return self.filter_form_class(self.request.GET or None, user=self.request.user)

    def get_queryset(self):
        self.filters = self.get_filter_form()
        data = {}
        if self.filters is not None and self.filters.is_bound and self.filters.is_valid():
            data = self.filters.cleaned_data
        return self.decorate(self.filter_queryset(self.scoped(), data))

    def get(self, request, *args, **kwargs):
        if not can_anywhere(request.user, "view", self.model):
            raise PermissionDenied(_("Your role does not allow this here."))
        if request.GET.get("export") == "xlsx" and self.export_columns:
            return self.export()
        response = super().get(request, *args, **kwargs)
        if self.bad_cursor:
            response.status_code = 400  # the first page, with the reason shown above it
        return response

    def paginate_queryset(self, queryset, page_size):
        if not self.keyset:
            return super().paginate_queryset(queryset, page_size)
        params = self.request.GET
        filters = keysets.digest(params)
        try:
            page = keysets.paginate(
                queryset,
                size=page_size,
                cursor=params.get("cursor"),
                page=params.get("page"),
                filters=filters,
                count_limit=self.count_limit,
            )
        except keysets.InvalidCursor as exc:
            self.bad_cursor = str(exc)
            messages.error(self.request, self.bad_cursor)
            page = keysets.paginate(
                queryset,
                size=page_size,
                cursor=None,
                page=None,
                filters=filters,
                count_limit=self.count_limit,
            )
        except keysets.InvalidPage as exc:
            raise Http404(str(exc)) from None

        def link(token):
            if token is None:
                return ""
            out = params.copy()
            out.pop("page", None)
            out["cursor"] = token
            return "?" + out.urlencode()

        page.next_link = link(page.next_cursor)
        page.previous_link = link(page.previous_cursor)
        return page, page, page.rows, page.has_next or page.has_previous

    def export(self) -> HttpResponse:
        qs = self.get_queryset()
        headers = [str(label) for label, _getter in self.export_columns]
        rows = (
            [getter(obj) for _label, getter in self.export_columns]
            for obj in qs.iterator(chunk_size=2000)
        )
        name = str(self.export_name or self.model._meta.verbose_name_plural)
        return xlsx_response(filename=name, title=name, headers=headers, rows=rows)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        params.pop("cursor", None)
        params["export"] = "xlsx"
        filtered = False
        if self.filters is not None and self.filters.is_bound and self.filters.is_valid():
            filtered = any(v not in (None, "", []) for v in self.filters.cleaned_data.values())
        paginator = ctx.get("paginator")
        ctx.update(
            nav_active=self.nav,
            filters=self.filters,
            export_url="?" + params.urlencode() if self.export_columns else "",
            total=len(ctx["object_list"]) if paginator is None else paginator.count,
            filtered=filtered,
        )
        if getattr(paginator, "keyset", False):
            ctx.update(total=paginator.count_shown, total_more=not paginator.count_is_exact)
        if self.offers_add:
            ctx["can_add"] = can_anywhere(self.request.user, "add", self.model)
        return ctx


def display(obj, field: str) -> str:
    """A field's display value (choices as their label), for exports."""
    getter = getattr(obj, f"get_{field}_display", None)
    value = getter() if getter else getattr(obj, field)
    return "" if value is None else value
