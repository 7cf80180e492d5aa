"""The training entries of the menu, in the "education and training" group: the sessions for
everyone who reads them; the appointments of their school for school staff, the overview of
the schools for regional roles."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from safecampus.accounts.access import assignments, can_anywhere
from safecampus.accounts.roles import REGIONAL_ROLES


def menu_items(user) -> list[dict]:
    from safecampus.training.models import Appointment, TrainingSession

    if not can_anywhere(user, "view", TrainingSession):
        return []
    items = [
        {
            "group": "education",
            "label": _("Training sessions"),
            "url": reverse("training:list"),
            "key": "training",
        }
    ]
    regional = user.is_superuser or any(a.role in REGIONAL_ROLES for a in assignments(user))
    if regional:
        items.append(
            {
                "group": "education",
                "label": _("Training and appointments overview"),
                "url": reverse("training:overview"),
                "key": "training_overview",
            }
        )
    elif can_anywhere(user, "view", Appointment):
        items.append(
            {
                "group": "education",
                "label": _("Appointments"),
                "url": reverse("training:appointments"),
                "key": "appointments",
            }
        )
    return items
