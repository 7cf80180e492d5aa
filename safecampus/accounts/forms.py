from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.accounts.backends import AccountLocked
from safecampus.accounts.models import User
from safecampus.accounts.roles import Role
from safecampus.core.listing import VersionedModelForm
from safecampus.orgs import selectors
from safecampus.orgs.forms import ScopedFilterForm, node_field
from safecampus.orgs.models import Department


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username or mobile phone"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}
        ),
    )

    error_messages = {
        "invalid_login": _("The username or phone and password do not match an active account."),
        "inactive": _("This account has been disabled. Ask your administrator."),
        "locked": _(
            "Too many failed attempts: this account is locked until %(until)s. Try again later or ask your administrator."
        ),
    }

    def clean(self):
        try:
            return super().clean()
        except AccountLocked as locked:
            until = timezone.localtime(locked.until).strftime("%H:%M")
            raise forms.ValidationError(
                self.error_messages["locked"], code="locked", params={"until": until}
            ) from None


# ---------------------------------------------------------------------------- user administration

PHONE_WIDGET = forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"})


class UserFilterForm(ScopedFilterForm):
    q = forms.CharField(
        required=False,
        label=_("Name, username or phone"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        required=False, label=_("Role"), choices=[("", _("All roles")), *Role.choices]
    )
    active = forms.ChoiceField(
        required=False,
        label=_("Status"),
        choices=[("", _("All")), ("1", _("Active")), ("0", _("Disabled"))],
    )


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    last_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    first_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    phone = forms.CharField(
        label=_("Mobile phone"), max_length=20, required=False, widget=PHONE_WIDGET
    )
    org = forms.ModelChoiceField(queryset=None, label=_("Home organisation"))
    role = forms.ChoiceField(
        label=_("Role at the home organisation"), required=False, choices=Role.choices
    )
    password = forms.CharField(
        label=_("Temporary password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to generate one. The user must change it at the first login."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"] = node_field(
            user, selectors.nodes_where(user, "add", User), label=_("Home organisation")
        )
        self.fields["role"].choices = [("", _("No role yet")), *Role.choices]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username=username).exists():
            raise forms.ValidationError(_("This username is taken."))
        return username

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and User.objects.filter(phone=phone).exists():
            raise forms.ValidationError(_("Another account already uses this phone."))
        return phone

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.DEPARTMENT_LIAISON:
            self.add_error(
                "role",
                _("A department liaison needs a department: grant it on the roles page."),
            )
        return data


class UserEditForm(VersionedModelForm):
    class Meta:
        model = User
        fields = [
            "username",
            "last_name",
            "first_name",
            "phone",
            "email",
            "org",
            "language",
            "must_change_password",
        ]
        widgets = {"phone": PHONE_WIDGET}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"] = node_field(
            user, selectors.nodes_where(user, "add", User), label=_("Home organisation")
        )
        self.fields["username"].help_text = ""


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    org = forms.ModelChoiceField(queryset=None, label=_("At"))
    department = forms.ModelChoiceField(
        queryset=None,
        label=_("Department"),
        required=False,
        help_text=_("For department liaisons only."),
    )

    def __init__(self, *args, admin, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"] = node_field(
            admin, selectors.nodes_where(admin, "change", User), label=_("At")
        )
        self.fields["department"].queryset = (
            Department.objects.for_user(admin).select_related("org").order_by("org_path", "name")
        )
        self.fields["department"].label_from_instance = lambda d: f"{d.name}（{d.org.name}）"

    def clean(self):
        data = super().clean()
        role, org, dept = data.get("role"), data.get("org"), data.get("department")
        if role == Role.DEPARTMENT_LIAISON and not dept:
            self.add_error("department", _("A department liaison needs a department."))
        if dept and org and dept.org_id != org.pk:
            self.add_error(
                "department", _("The department must be attached to the assignment's node.")
            )
        if dept and role != Role.DEPARTMENT_LIAISON:
            data["department"] = None
        return data


class BaseRoleFormSet(forms.BaseFormSet):
    def __init__(self, *args, admin, **kwargs):
        self.admin = admin
        super().__init__(*args, form_kwargs={"admin": admin}, **kwargs)

    def roles(self) -> list[dict]:
        return [
            {
                "role": form.cleaned_data["role"],
                "org": form.cleaned_data["org"],
                "department": form.cleaned_data.get("department"),
            }
            for form in self.forms
            if form.cleaned_data
            and not self._should_delete_form(form)
            and form.cleaned_data.get("org")
        ]


RoleFormSet = forms.formset_factory(RoleForm, formset=BaseRoleFormSet, extra=2, can_delete=True)


class PasswordResetForm(forms.Form):
    password = forms.CharField(
        label=_("New temporary password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to generate one. The user must change it at the next login."),
    )
