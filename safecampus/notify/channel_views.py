"""Pages of the group channels (WeCom / DingTalk robots, mailing addresses) of the nodes in the
user's scope: the list, a channel's page with its recent deliveries, create and edit, switch
on or off, and "send a test message", which queues a delivery whose result the deliveries page
shows.

Channels are read through `for_user` (out of scope: 404) and written through the notify
services, which check the role table (CHANNEL write: administrators and bureau staff; leaders
read) and audit. A robot's webhook carries its access token in the query string and a
DingTalk robot has a signing secret: the pages never show the secret, and show the webhook
without its query string except in the edit form of those who may change it.
"""

from copy import copy

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db.models import OuterRef, Subquery
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.accounts.access import can, can_anywhere
from safecampus.core.audit_views import RECORD_URLS, history_for
from safecampus.core.errors import NotAllowed
from safecampus.core.listing import ScopedListView, form_page, require, scoped_get
from safecampus.notify import services
from safecampus.notify.choices import ChannelKind, DeliveryStatus, Severity
from safecampus.notify.models import Channel, Delivery
from safecampus.orgs import selectors
from safecampus.orgs.forms import ScopedFilterForm, node_field, preselect_single_node

NAV_KEY = "channels"
GET_POST = require_http_methods(["GET", "POST"])

RECORD_URLS["notify.channel"] = "notify:channel"


def masked_target(channel: Channel) -> str:
    """An email address as is; a webhook without its query string (the robot's token)."""
    if channel.kind == ChannelKind.EMAIL:
        return channel.target
    return _strip_query(channel.target)


def _strip_query(value: str) -> str:
    base, _sep, query = value.partition("?")
    return base + ("?…" if query else "")


def masked_history(rows):
    """A channel's history without its secret and webhook tokens (leaders read it too)."""
    if rows is None:
        return None
    secret = str(Channel._meta.get_field("secret").verbose_name)
    target = str(Channel._meta.get_field("target").verbose_name)
    for row in rows:
        for change in row["changes"]:
            if change["label"] == secret:
                for side in ("before", "after"):
                    if change[side] not in ("", "—"):
                        change[side] = "••••••"
            elif change["label"] == target:
                change["before"] = _strip_query(change["before"])
                change["after"] = _strip_query(change["after"])
    return rows


# ---------------------------------------------------------------------------- list


class ChannelFilterForm(ScopedFilterForm):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    active = forms.ChoiceField(label=gettext_lazy("Active"), required=False)

    field_order = ["node", "kind", "active", "q"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *ChannelKind.choices]
        self.fields["active"].choices = [
            ("", _("All")),
            ("active", _("Active")),
            ("inactive", _("Inactive")),
        ]


class ChannelListView(ScopedListView):
    """Every channel of the nodes in the user's scope, with how its last message went."""

    model = Channel
    template_name = "notify/channels.html"
    nav = NAV_KEY
    filter_form_class = ChannelFilterForm
    offers_add = True

    def filter_queryset(self, qs, data):
        if data.get("node"):
            qs = qs.within(data["node"].path)
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("active") == "active":
            qs = qs.filter(active=True)
        elif data.get("active") == "inactive":
            qs = qs.filter(active=False)
        if data.get("q"):
            qs = qs.filter(name__icontains=data["q"])
        return qs

    def decorate(self, qs):
        last = Delivery.objects.filter(channel=OuterRef("pk")).order_by("-created_at", "-id")
        return qs.select_related("org").annotate(
            last_status=Subquery(last.values("status")[:1]),
            last_at=Subquery(last.values("created_at")[:1]),
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        for channel in ctx["object_list"]:
            channel.shown_target = masked_target(channel)
            channel.last_label = (
                DeliveryStatus(channel.last_status).label if channel.last_status else ""
            )
        return ctx


# ---------------------------------------------------------------------------- one channel


@login_required
def channel_detail(request, pk):
    user = request.user
    channel = scoped_get(user, Channel.objects.select_related("org"), pk=pk)
    deliveries = list(
        Delivery.objects.for_user(user).filter(channel=channel).order_by("-created_at", "-id")[:10]
    )
    return render(
        request,
        "notify/channel.html",
        {
            "nav_active": NAV_KEY,
            "channel": channel,
            "shown_target": masked_target(channel),
            "deliveries": deliveries,
            "can_change": can(user, "change", Channel, channel.org),
            "history": masked_history(history_for(user, channel)),
        },
    )


TARGET_HELP = gettext_lazy(
    "WeCom or DingTalk robot: the webhook address the group's robot settings show (http:// or https://). Email: one address, e.g. a mailing list."
)


class ChannelForm(forms.Form):
    org = forms.ModelChoiceField(queryset=None)
    name = forms.CharField(
        label=pgettext_lazy("record", "Name"),
        max_length=100,
        help_text=gettext_lazy("For example 盐池县教育局安全工作群."),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ChannelKind.choices)
    target = forms.CharField(
        label=gettext_lazy("Webhook URL or email address"), max_length=500, help_text=TARGET_HELP
    )
    secret = forms.CharField(
        label=gettext_lazy("Signing secret"),
        max_length=200,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=gettext_lazy("DingTalk robots with signing enabled: the secret (SEC…)."),
    )
    clear_secret = forms.BooleanField(
        label=gettext_lazy("Remove the signing secret"), required=False
    )
    min_severity = forms.ChoiceField(
        label=gettext_lazy("Minimum severity"),
        choices=Severity.choices,
        initial=Severity.URGENT,
        help_text=gettext_lazy(
            "Urgent: only urgent events (major hazards, escalations) are posted. Routine: every event is posted at once."
        ),
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, channel: Channel | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        action = "change" if channel is not None else "add"
        self.fields["org"] = node_field(
            user, selectors.nodes_where(user, action, Channel), label=_("Organisation")
        )
        self.fields["org"].help_text = _(
            "The channel hears the events of this node and everything under it."
        )
        if channel is None:
            del self.fields["clear_secret"]
            del self.fields["version"]
            preselect_single_node(self)
        else:
            help_text = _("Leave empty to keep the current secret.") if channel.secret else ""
            self.fields["secret"].help_text = " ".join(
                str(t) for t in (self.fields["secret"].help_text, help_text) if t
            )
            if not channel.secret:
                del self.fields["clear_secret"]

    def clean(self):
        data = super().clean()
        kind, target = data.get("kind"), data.get("target")
        if kind and target:
            try:
                if kind == ChannelKind.EMAIL:
                    EmailValidator()(target)
                else:
                    URLValidator(schemes=["http", "https"])(target)
            except ValidationError:
                if kind == ChannelKind.EMAIL:
                    message = _(
                        "Enter one email address for a mail channel, e.g. anquan@example.gov.cn."
                    )
                else:
                    message = _(
                        "A robot's webhook must be a full http:// or https:// address, e.g. https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"
                    )
                self.add_error("target", message)
        if kind and kind != ChannelKind.DINGTALK and data.get("secret"):
            self.add_error("secret", _("Only DingTalk robots use a signing secret."))
        return data

    def service_data(self) -> dict:
        data = {
            name: self.cleaned_data[name]
            for name in ("name", "kind", "target", "min_severity", "active")
        }
        if self.cleaned_data.get("clear_secret"):
            data["secret"] = ""
        elif self.cleaned_data.get("secret"):
            data["secret"] = self.cleaned_data["secret"]
        return data


def _channel_url(channel: Channel) -> str:
    return reverse("notify:channel", args=[channel.pk])


@login_required
@GET_POST
def channel_add(request):
    user = request.user
    if not can_anywhere(user, "add", Channel):
        raise PermissionDenied(_("Your role does not allow this here."))
    initial = {}
    raw = request.GET.get("org", "")
    if raw.isdigit():
        initial["org"] = int(raw)
    form = ChannelForm(request.POST or None, initial=initial, user=user)

    def save():
        org = form.cleaned_data["org"]
        require(user, "add", Channel, org)
        data = form.service_data()
        channel = services.channel_create(
            org=org, by=user, name=data.pop("name"), kind=data.pop("kind"),
            target=data.pop("target"), **data,
        )  # fmt: skip
        return _("Created %(name)s.") % {"name": channel.name}, _channel_url(channel)

    return form_page(
        request,
        form,
        save=save,
        nav=NAV_KEY,
        title=_("New notification channel"),
        cancel_url=reverse("notify:channels"),
    )


@login_required
@GET_POST
def channel_edit(request, pk):
    user = request.user
    channel = scoped_get(user, Channel.objects.select_related("org"), pk=pk)
    require(user, "change", Channel, channel.org)
    initial = {
        "org": channel.org_id,
        "name": channel.name,
        "kind": channel.kind,
        "target": channel.target,
        "min_severity": channel.min_severity,
        "active": channel.active,
        "version": channel.version,
    }
    form = ChannelForm(request.POST or None, initial=initial, user=user, channel=channel)

    def save():
        data = form.service_data()
        org = form.cleaned_data["org"]
        if org.pk != channel.org_id:
            require(user, "add", Channel, org)
            data["org"] = org
        services.channel_update(
            channel=copy(channel),
            by=user,
            data=data,
            expected_version=form.cleaned_data.get("version") or channel.version,
        )
        return _("Saved."), _channel_url(channel)

    return form_page(
        request,
        form,
        save=save,
        nav=NAV_KEY,
        title=_("Edit %(name)s") % {"name": channel.name},
        cancel_url=_channel_url(channel),
    )


@login_required
@require_POST
def channel_active(request, pk):
    """Switch a channel off (it keeps its settings and history) or on again."""
    user = request.user
    channel = scoped_get(user, Channel.objects.select_related("org"), pk=pk)
    require(user, "change", Channel, channel.org)
    active = request.POST.get("active") == "1"
    raw = request.POST.get("version", "")
    try:
        services.channel_update(
            channel=channel,
            by=user,
            data={"active": active},
            expected_version=int(raw) if raw.isdigit() else channel.version,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(name)s is on again.") % {"name": channel.name}
            if active
            else _("%(name)s is switched off: it keeps its settings.") % {"name": channel.name},
        )
    return redirect(_channel_url(channel))


@login_required
@require_POST
def channel_test(request, pk):
    user = request.user
    channel = scoped_get(user, Channel.objects.select_related("org"), pk=pk)
    require(user, "change", Channel, channel.org)
    try:
        services.channel_test(channel=channel, by=user)
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(
        request,
        _(
            "A test message to %(name)s is on its way. Its result shows here within a minute: reload to see it."
        )
        % {"name": channel.name},
    )
    return redirect(reverse("notify:deliveries") + f"?kind={channel.kind}")
