from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EducationConfig(AppConfig):
    name = "safecampus.education"
    label = "education"
    verbose_name = _("Safety education")

    def ready(self) -> None:
        from safecampus.core.home import ACTION_PROVIDERS, TODO_PROVIDERS
        from safecampus.core.navigation import MENU_PROVIDERS
        from safecampus.education import menu, today

        TODO_PROVIDERS.append(today.todo_items)  # a class teacher's 1530 reminders due today
        ACTION_PROVIDERS.append(today.home_actions)
        MENU_PROVIDERS.append(menu.menu_items)
