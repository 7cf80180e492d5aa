from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "safecampus.training"
    label = "training"
    verbose_name = _("Training and appointments")

    def ready(self) -> None:
        from safecampus.core.home import TODO_PROVIDERS
        from safecampus.core.navigation import MENU_PROVIDERS
        from safecampus.training import menu, overview

        MENU_PROVIDERS.append(menu.menu_items)
        # A legal vice-principal or psychological teacher missing; managers short of hours.
        TODO_PROVIDERS.append(overview.todo_items)
