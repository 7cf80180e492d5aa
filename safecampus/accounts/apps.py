from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "safecampus.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from safecampus.accounts.services import login_recorded

        user_logged_in.connect(login_recorded, dispatch_uid="safecampus-login-audit")
