from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "safecampus.compliance"
    label = "compliance"
    verbose_name = _("Compliance")

    def ready(self) -> None:
        from safecampus.compliance import dashboard, views
        from safecampus.core.home import TODO_PROVIDERS
        from safecampus.core.navigation import MENU_PROVIDERS

        if views.menu_items not in MENU_PROVIDERS:
            MENU_PROVIDERS.append(views.menu_items)  # dashboard, awards; rule numbers (settings)
        if dashboard.todo_items not in TODO_PROVIDERS:
            TODO_PROVIDERS.append(dashboard.todo_items)  # a school's "N rules not met"
