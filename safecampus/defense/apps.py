from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DefenseConfig(AppConfig):
    name = "safecampus.defense"
    label = "defense"
    verbose_name = _("Three defenses and staffing")
