from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DefenseConfig(AppConfig):
    name = "safecampus.defense"
    label = "defense"
    verbose_name = _("Three defenses and staffing")

    def ready(self) -> None:
        from safecampus.core.home import TODO_PROVIDERS
        from safecampus.core.navigation import MENU_PROVIDERS
        from safecampus.defense import views

        MENU_PROVIDERS.append(views.menu_items)
        TODO_PROVIDERS.append(views.todo_items)  # never entered, gaps; stale verifications
