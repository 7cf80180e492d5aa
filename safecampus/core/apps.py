from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "safecampus.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from safecampus.core import lookups  # noqa: F401  registers the `within` lookup
