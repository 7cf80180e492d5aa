from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.accounts.backends import AccountLocked


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
