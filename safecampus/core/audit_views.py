"""The audit trail as pages: the scoped, read-only trail list and each record's history table."""

import datetime

from django import forms
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safecampus.accounts.access import can
from safecampus.core.audit import history
from safecampus.core.dates import day_start
from safecampus.core.listing import ScopedListView
from safecampus.core.models import AuditEntry
from safecampus.orgs.forms import ScopedFilterForm

EMPTY = "—"

# Where a record's page is, by model label; filled with the foundation's pages and extended by
# capabilities (so the trail can link to the record it describes).
RECORD_URLS: dict[str, str] = {
    "orgs.orgnode": "orgs:node",
    "orgs.person": "orgs:person",
    "orgs.department": "orgs:department",
    "orgs.leadershipgroup": "orgs:group",
    "accounts.user": "accounts:user",
}


def scoped_models() -> list:
    """Models that carry a record type (the ones the trail describes), except the trail itself."""
    return [
        m
        for m in apps.get_models()
        if getattr(m, "record_type", "") and m is not AuditEntry and not m._meta.auto_created
    ]


def _fields_of(model):
    from safecampus.orgs.models import OrgNode, School

    return [model, School] if model is OrgNode else [model]


def _field(models, name):
    for model in models:
        try:
            return model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
    return None


def _members_text(value) -> str:
    from safecampus.orgs.choices import GroupRole

    roles = dict(GroupRole.choices)
    if not value:
        return EMPTY
    parts = []
    for item in value:
        if isinstance(item, (list, tuple)) and item:
            name, role = item[0], roles.get(item[1], item[1]) if len(item) > 1 else ""
            parts.append(f"{name}（{role}）" if role else str(name))
        else:
            parts.append(str(item))
    return "；".join(parts)


def _format(field, value, names: dict) -> str:
    if value is None or value == "":
        return EMPTY
    if field is None:
        if isinstance(value, list):
            return _members_text(value)
        return str(value)
    if field.is_relation and (field.many_to_one or field.one_to_one):
        return names.get((field.related_model, value)) or f"#{value}"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def format_entries(entries, user) -> list[dict]:
    """Audit entries as rows: time, who, action, and each changed field's label, before and
    after. Foreign keys show the related record's name when the user may see it (one query per
    related model), otherwise its number."""
    entries = list(entries)
    wanted: dict = {}
    parsed = []
    for entry in entries:
        model = entry.content_type.model_class() if entry.content_type_id else None
        models = _fields_of(model) if model else []
        changes = []
        for name, pair in (entry.changes or {}).items():
            field = _field(models, name)
            before, after = ([*pair, None, None])[:2] if isinstance(pair, list) else (None, pair)
            if (
                field is not None
                and field.is_relation
                and (field.many_to_one or field.one_to_one)
                and hasattr(field.related_model.objects, "for_user")
            ):
                for v in (before, after):
                    if v not in (None, ""):
                        wanted.setdefault(field.related_model, set()).add(v)
            changes.append((name, field, before, after))
        parsed.append((entry, model, changes))
    names = {}
    for model, ids in wanted.items():
        for obj in model.objects.for_user(user).filter(pk__in=ids):
            names[(model, obj.pk)] = str(obj)
    rows = []
    for entry, model, changes in parsed:
        rows.append(
            {
                "entry": entry,
                "record_type": str(model._meta.verbose_name) if model else entry.content_type.name,
                "at": entry.at,
                "who": entry.user_display or EMPTY,
                "action": entry.get_action_display(),
                "action_code": entry.action,
                "transition": entry.transition,
                "comment": entry.comment,
                "changes": [
                    {
                        "label": str(field.verbose_name) if field is not None else name,
                        "before": _format(field, before, names),
                        "after": _format(field, after, names),
                    }
                    for name, field, before, after in changes
                ],
            }
        )
    return rows


def history_for(user, instance, org=None, limit: int = 100) -> list[dict] | None:
    """A record's history rows, or None when the user's roles do not include the audit trail."""
    org = org if org is not None else getattr(instance, "org", None)
    if org is None and not user.is_superuser:
        return None
    if org is not None and not can(user, "view", AuditEntry, org):
        return None
    return format_entries(history(instance).select_related("content_type")[:limit], user)


def record_url(entry) -> str:
    if entry.action == AuditEntry.Action.DELETE:
        return ""
    name = RECORD_URLS.get(f"{entry.content_type.app_label}.{entry.content_type.model}")
    if not name:
        return ""
    try:
        return reverse(name, args=[entry.object_id])
    except NoReverseMatch:
        return ""


# ---------------------------------------------------------------------------- the trail list


class AuditFilterForm(ScopedFilterForm):
    who = forms.CharField(
        required=False,
        label=gettext_lazy("Person"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    user = forms.IntegerField(required=False, widget=forms.HiddenInput)
    record_type = forms.ChoiceField(required=False, label=gettext_lazy("Record type"))
    action = forms.ChoiceField(required=False, label=gettext_lazy("Action"))
    date_from = forms.DateField(
        required=False,
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        required=False,
        label=gettext_lazy("To"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    q = forms.CharField(
        required=False,
        label=gettext_lazy("Record"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    field_order = ["who", "record_type", "action", "date_from", "date_to", "node", "q"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        types = ContentType.objects.get_for_models(*scoped_models())
        self.fields["record_type"].choices = [
            ("", _("All record types")),
            *sorted(
                ((ct.pk, str(model._meta.verbose_name)) for model, ct in types.items()),
                key=lambda c: c[1],
            ),
        ]
        self.fields["action"].choices = [("", _("All actions")), *AuditEntry.Action.choices]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


class AuditListView(ScopedListView):
    model = AuditEntry
    template_name = "core/audit_list.html"
    nav = "audit"
    filter_form_class = AuditFilterForm
    export_name = gettext_lazy("Audit trail")
    export_columns = [
        (gettext_lazy("Time"), lambda e: e.at),
        (gettext_lazy("Person"), lambda e: e.user_display),
        (gettext_lazy("Action"), lambda e: e.get_action_display()),
        (gettext_lazy("Record type"), lambda e: str(e.content_type)),
        (gettext_lazy("Record"), lambda e: e.object_repr),
        (gettext_lazy("Organisation"), lambda e: e.org.name if e.org_id else ""),
        (gettext_lazy("Changed fields"), lambda e: "、".join((e.changes or {}).keys())),
        (gettext_lazy("Comment"), lambda e: e.comment),
        (gettext_lazy("Client IP"), lambda e: e.ip or ""),
    ]

    def decorate(self, qs):
        return qs.select_related("content_type", "org")

    def filter_queryset(self, qs, data):
        if data.get("who"):
            who = data["who"]
            qs = qs.filter(Q(user_display__icontains=who) | Q(user__username=who))
        if data.get("user"):
            qs = qs.filter(user_id=data["user"])
        if data.get("record_type"):
            qs = qs.filter(content_type_id=data["record_type"])
        if data.get("action"):
            qs = qs.filter(action=data["action"])
        if data.get("date_from"):
            qs = qs.filter(at__gte=day_start(data["date_from"]))
        if data.get("date_to"):
            qs = qs.filter(at__lt=day_start(data["date_to"] + datetime.timedelta(days=1)))
        if data.get("node"):
            qs = qs.within(data["node"].path)
        if data.get("q"):
            qs = qs.filter(object_repr__icontains=data["q"])
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows = format_entries(ctx["object_list"], self.request.user)
        for row in rows:
            row["url"] = record_url(row["entry"])
        ctx["rows"] = rows
        return ctx


audit_list = AuditListView.as_view()
