"""Pages: the personal inbox, and the deliveries page for administrators."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from safecampus.core.errors import NotAllowed
from safecampus.core.listing import ScopedListView, display, scoped_get
from safecampus.notify import services
from safecampus.notify.choices import ChannelKind, DeliveryStatus, Severity
from safecampus.notify.models import Delivery, Notification


def unread_count(user) -> int:
    """The header badge: unread notifications of the signed-in user (one indexed count)."""
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def _own(request, pk) -> Notification:
    """The user's own notification; anyone else's is a 404, exactly as if it did not exist."""
    return get_object_or_404(Notification, pk=pk, recipient=request.user)


@login_required
def inbox(request):
    qs = Notification.objects.filter(recipient=request.user).select_related("org")
    show = request.GET.get("show", "")
    if show == "unread":
        qs = qs.filter(read_at__isnull=True)
    elif show == "urgent":
        qs = qs.filter(severity=Severity.URGENT, acknowledged_at__isnull=True)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notify/inbox.html",
        {
            "page_obj": page,
            "notifications": page.object_list,
            "show": show,
            "unread": unread_count(request.user),
            "nav_active": "inbox",
        },
    )


@login_required
def notification_open(request, pk):
    """Open a notification: mark it read and go to what it is about."""
    notification = _own(request, pk)
    services.notification_read(notification=notification, by=request.user)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("notify:inbox")


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notify:inbox")


@login_required
@require_POST
def notification_read(request, pk):
    services.notification_read(notification=_own(request, pk), by=request.user)
    return _back(request)


@login_required
@require_POST
def notification_acknowledge(request, pk):
    services.notification_acknowledge(notification=_own(request, pk), by=request.user)
    messages.success(request, _("Acknowledged."))
    return _back(request)


@login_required
@require_POST
def read_all(request):
    count = services.notifications_read_all(user=request.user)
    messages.success(request, _("%(count)s notification(s) marked read.") % {"count": count})
    return _back(request)


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All")), *DeliveryStatus.choices],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("All")), *ChannelKind.choices],
    )
    problems = forms.BooleanField(label=gettext_lazy("Only with errors"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class DeliveryListView(ScopedListView):
    """Every outgoing message in the administrator's scope, failures first to see."""

    model = Delivery
    template_name = "notify/deliveries.html"
    nav = "deliveries"
    filter_form_class = DeliveryFilterForm
    export_columns = [
        (gettext_lazy("Created at"), lambda d: d.created_at.replace(tzinfo=None)),
        (gettext_lazy("Kind"), lambda d: display(d, "kind")),
        (gettext_lazy("Address"), lambda d: d.display_address),
        (gettext_lazy("Subject"), lambda d: d.subject),
        (gettext_lazy("Status"), lambda d: display(d, "status")),
        (gettext_lazy("Attempts"), lambda d: d.attempts),
        (gettext_lazy("Last error"), lambda d: d.last_error),
    ]
    export_name = gettext_lazy("Deliveries")

    def filter_queryset(self, qs, data):
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("problems"):
            qs = qs.exclude(last_error="")
        return qs

    def decorate(self, qs):
        return qs.select_related("org", "channel", "notification__recipient")


@login_required
@require_POST
def delivery_retry(request, pk):
    delivery = scoped_get(request.user, Delivery, pk=pk)
    try:
        services.delivery_retry(delivery=delivery, by=request.user)
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(request, _("The delivery will be retried now."))
    return _back(request) if request.POST.get("next") else redirect("notify:deliveries")
