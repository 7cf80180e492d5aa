"""Account pages: language switch, own password change, and user administration for the
roles whose table row includes record type "user". Every account is found through
`User.objects.for_user` (out of scope → 404); writes go through accounts.services."""

from copy import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import activate, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.accounts import forms as af
from safecampus.accounts import services
from safecampus.accounts.access import can, can_anywhere
from safecampus.accounts.models import RoleAssignment, User
from safecampus.core.audit import audit
from safecampus.core.audit_views import history_for
from safecampus.core.listing import (
    ScopedListView,
    apply_errors,
    form_page,
    require,
    scoped_get,
)
from safecampus.core.services import update_record

GET_POST = require_http_methods(["GET", "POST"])


@require_POST
def set_language(request):
    """Switch language; a signed-in user keeps the choice on the account, on every device."""
    code = request.POST.get("language", "")
    if code not in dict(settings.LANGUAGES):
        code = settings.LANGUAGE_CODE
    if request.user.is_authenticated:
        User.objects.filter(pk=request.user.pk).update(language=code)
    nxt = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        nxt = "/"
    activate(code)
    response = HttpResponseRedirect(nxt)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax"
    )
    return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """The user's own password change; it clears "must change password" and is audited."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_done")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            user = User.objects.get(pk=form.user.pk)  # the account itself, not the lazy proxy
            if user.must_change_password:
                update_record(
                    instance=user,
                    by=user,
                    data={"must_change_password": False},
                    comment=_("Password changed"),
                )
            else:
                audit(instance=user, action="update", by=user, comment=_("Password changed"))
        return response


# ---------------------------------------------------------------------------- administration


def _roles_prefetch():
    return Prefetch(
        "assignments",
        queryset=RoleAssignment.objects.select_related("org", "department").order_by("org_path"),
    )


class UserListView(ScopedListView):
    model = User
    template_name = "accounts/users.html"
    nav = "users"
    filter_form_class = af.UserFilterForm
    offers_add = True
    export_name = gettext_lazy("Users")
    export_columns = [
        (gettext_lazy("Username"), lambda u: u.username),
        (gettext_lazy("Name"), lambda u: u.last_name + u.first_name),
        (gettext_lazy("Mobile phone"), lambda u: u.phone or ""),
        (gettext_lazy("Home organisation"), lambda u: u.org.name if u.org_id else ""),
        (
            gettext_lazy("Roles"),
            lambda u: "；".join(
                f"{a.get_role_display()}@{a.org.name}" for a in u.assignments.all()
            ),
        ),
        (gettext_lazy("Active"), lambda u: _("Yes") if u.is_active else _("No")),
        (gettext_lazy("Last login"), lambda u: u.last_login),
    ]

    def decorate(self, qs):
        return qs.select_related("org").prefetch_related(_roles_prefetch())

    def filter_queryset(self, qs, data):
        if data.get("node"):
            qs = qs.within(data["node"].path)
        if data.get("q"):
            q = data["q"]
            qs = qs.filter(
                Q(username__icontains=q)
                | Q(first_name__icontains=q)
                | Q(last_name__icontains=q)
                | Q(phone__contains=q)
            )
        if data.get("role"):
            qs = qs.filter(assignments__role=data["role"]).distinct()
        if data.get("active") in ("0", "1"):
            qs = qs.filter(is_active=data["active"] == "1")
        return qs


def _account(request, pk):
    return scoped_get(request.user, User.objects.select_related("org"), pk=pk)


@login_required
def user_detail(request, pk):
    admin = request.user
    account = _account(request, pk)
    roles = list(account.assignments.select_related("org", "department").order_by("org_path"))
    for a in roles:
        a.in_reach = can(admin, "change", User, a.org)
    return render(
        request,
        "accounts/user.html",
        {
            "nav_active": "users",
            "account": account,
            "roles": roles,
            "history": history_for(admin, account, account.org),
            "can_change": (account.org is not None and can(admin, "change", User, account.org))
            or admin.is_superuser,
            "is_self": account.pk == admin.pk,
        },
    )


def _require_change(admin, account):
    if admin.is_superuser:
        return
    if account.org is None:
        raise PermissionDenied(_("Your role does not allow this here."))
    require(admin, "change", User, account.org)


@login_required
@GET_POST
def user_add(request):
    admin = request.user
    if not can_anywhere(admin, "add", User):
        raise PermissionDenied(_("Your role does not allow this here."))
    form = af.UserCreateForm(request.POST or None, user=admin)

    def save():
        data = form.cleaned_data
        password = data["password"] or services.generate_password()
        roles = [{"role": data["role"], "org": data["org"]}] if data["role"] else []
        account = services.user_create(
            by=admin,
            username=data["username"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone=data["phone"],
            org=data["org"],
            password=password,
            roles=roles,
        )
        if data["password"]:
            message = _("Account %(name)s created.") % {"name": account}
        else:
            message = _(
                "Account %(name)s created. Temporary password: %(password)s — tell it "
                "to the user; it must be changed at the first login."
            ) % {"name": account, "password": password}
        return message, reverse("accounts:user", args=[account.pk])

    return form_page(
        request,
        form,
        save=save,
        nav="users",
        title=_("New account"),
        cancel_url=reverse("accounts:users"),
    )


@login_required
@GET_POST
def user_edit(request, pk):
    admin = request.user
    account = _account(request, pk)
    _require_change(admin, account)
    form = af.UserEditForm(request.POST or None, instance=copy(account), user=admin)

    def save():
        services.user_update(
            user=account,
            by=admin,
            data=form.changed_data_for_service(),
            expected_version=form.cleaned_data["version"],
        )
        return _("Saved."), reverse("accounts:user", args=[account.pk])

    return form_page(
        request,
        form,
        save=save,
        nav="users",
        title=_("Edit %(name)s") % {"name": account.display_name},
        cancel_url=reverse("accounts:user", args=[account.pk]),
    )


@login_required
@GET_POST
def user_roles(request, pk):
    admin = request.user
    account = _account(request, pk)
    _require_change(admin, account)
    current = list(account.assignments.select_related("org", "department").order_by("org_path"))
    mine = [a for a in current if admin.is_superuser or can(admin, "change", User, a.org)]
    others = [a for a in current if a not in mine]
    if request.method == "POST":
        formset = af.RoleFormSet(request.POST, admin=admin, prefix="r")
    else:
        formset = af.RoleFormSet(
            initial=[
                {"role": a.role, "org": a.org_id, "department": a.department_id} for a in mine
            ],
            admin=admin,
            prefix="r",
        )
    if request.method == "POST" and formset.is_valid():
        try:
            services.user_set_roles(user=account, by=admin, roles=formset.roles())
        except ValidationError as exc:
            apply_errors(formset, exc)
        else:
            messages.success(request, _("Roles saved."))
            return redirect("accounts:user", pk=account.pk)
    return render(
        request,
        "accounts/user_roles.html",
        {"nav_active": "users", "account": account, "formset": formset, "others": others},
    )


@login_required
@GET_POST
def user_password(request, pk):
    admin = request.user
    account = _account(request, pk)
    _require_change(admin, account)
    form = af.PasswordResetForm(request.POST or None)

    def save():
        password = services.user_reset_password(
            user=account, by=admin, password=form.cleaned_data["password"] or None
        )
        if form.cleaned_data["password"]:
            message = _("The password was reset.")
        else:
            message = _(
                "The password was reset. Temporary password: %(password)s — tell it "
                "to the user; it must be changed at the next login."
            ) % {"password": password}
        return message, reverse("accounts:user", args=[account.pk])

    return form_page(
        request,
        form,
        save=save,
        nav="users",
        title=_("Reset the password of %(name)s") % {"name": account.display_name},
        cancel_url=reverse("accounts:user", args=[account.pk]),
        submit_label=_("Reset password"),
    )


@login_required
@require_POST
def user_active(request, pk):
    admin = request.user
    account = _account(request, pk)
    _require_change(admin, account)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(user=account, by=admin, active=active)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("The account is enabled.") if active else _("The account is disabled.")
        )
    return redirect("accounts:user", pk=account.pk)
