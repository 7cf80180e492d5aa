from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "safecampus.hazards"
    label = "hazards"
    verbose_name = _("Hazards and inspections")

    def ready(self) -> None:
        from safecampus.core.home import TODO_PROVIDERS
        from safecampus.hazards import followup
        from safecampus.notify import digest

        digest.OPEN_ITEM_PROVIDERS.append(digest_lines)
        TODO_PROVIDERS.append(followup.todo_items)

        from safecampus.core.navigation import MENU_PROVIDERS
        from safecampus.hazards import spotchecks

        TODO_PROVIDERS.append(spotchecks.todo_items)
        MENU_PROVIDERS.append(spotchecks.menu_items)


def digest_lines(user) -> list[str]:
    """The daily digest repeats the home page's to-dos: what still waits for this person."""
    from safecampus.hazards import ledger

    return [
        f"{item['label']}：{item['count']}"
        for item in (*ledger.due_inspection_items(user), *ledger.todo_items(user))
        if item.get("count")
    ]
