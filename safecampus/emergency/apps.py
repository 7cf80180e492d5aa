from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmergencyConfig(AppConfig):
    name = "safecampus.emergency"
    label = "emergency"
    verbose_name = _("Emergency plans, drills and incidents")

    def ready(self) -> None:
        from safecampus.core.home import TODO_PROVIDERS
        from safecampus.emergency import drills, incidents, required, stats

        incidents.register_home()  # incidents: open ones and report deadlines on the home page
        TODO_PROVIDERS.append(drills.todo_items)  # drills: this month's drill missing, today's
        TODO_PROVIDERS.append(required.todo_items)  # plans: missing, drafts, overdue reviews
        stats.register_home()  # stats: the year's incidents and their change, for the bureau
