"""What the compliance engine stores: overrides of rule numbers and 平安校园 awards.

Verdicts are never stored: they are derived when read from the records they judge, so a
correction to a drill or an inventory changes every verdict that rests on it at once.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safecampus.core.models import ScopedModel, path_index


class RuleOverride(ScopedModel):
    """A city's or county's numbers for one rule, in force for its subtree from a day on.

    Overrides are versioned by their effective date and never edited in place: a change is a
    new override from a new day, so a period is always judged by the numbers in force when it
    ended. Withdrawing the jurisdiction's numbers is an override with no parameters (`params`
    empty: the parent's or the default numbers hold again).
    """

    record_type = "rule"

    code = models.CharField(_("rule"), max_length=32, db_index=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    effective_from = models.DateField(_("in force from"))
    note = models.CharField(_("reason"), max_length=300, blank=True)
    document_number = models.CharField(_("document number"), max_length=50, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("entered by"),
    )

    class Meta:
        verbose_name = _("rule override")
        verbose_name_plural = _("rule overrides")
        ordering = ["code", "org_path", "effective_from", "id"]
        indexes = [*path_index("ruleoverride")]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "code", "effective_from"], name="ruleoverride_one_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} @ {self.org_id} from {self.effective_from}"


class PingAnAward(ScopedModel):
    """A school's completion of 平安校园 creation (TARGET-PINGAN), as the awarding body named
    it; a revoked award stops counting from the day it was revoked."""

    record_type = "compliance"

    class Level(models.TextChoices):
        COUNTY = "county", pgettext_lazy("award level", "County")
        CITY = "city", pgettext_lazy("award level", "City")
        PROVINCE = "province", pgettext_lazy("award level", "Province")

    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    awarded_on = models.DateField(_("awarded on"))
    document_number = models.CharField(_("document number"), max_length=50, blank=True)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("平安校园 award")
        verbose_name_plural = _("平安校园 awards")
        ordering = ["org_path", "-awarded_on", "-id"]
        indexes = [*path_index("pinganaward")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.level} {self.awarded_on}"
