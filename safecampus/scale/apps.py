from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScaleConfig(AppConfig):
    """No models: the app exists to carry the `seed-province` and `bench` commands."""

    name = "safecampus.scale"
    label = "scale"
    verbose_name = _("Province scale")
