"""The three-defense (三防) and staffing inventory of each school, with its history and the
verifications of its figures.

A school's inventory is a series of snapshots: every save writes a new one and none is ever
edited, so the state on any past day is the newest snapshot recorded by then (the rules judge
past periods by it). A school's own update is a declaration; an inspector, the bureau or the
police confirm or correct figures on a visit, one `Verification` row per figure, and a
correction writes a snapshot of its own, marked as verified. Enrolment and boarders live on
the school's profile (orgs.School); psychological teachers are appointments (training).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.core.models import ScopedModel, path_index
from safecampus.defense.figures import BY_NAME, NAMES, label

USER = settings.AUTH_USER_MODEL


class Source(models.TextChoices):
    DECLARED = "declared", _("Declared by the school")
    VERIFIED = "verified", _("Corrected on verification")


class Outcome(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    CORRECTED = "corrected", _("Corrected")


def _count(name):
    return models.PositiveSmallIntegerField(
        BY_NAME[name].label, default=0, help_text=BY_NAME[name].help
    )


def _yes(name):
    return models.BooleanField(BY_NAME[name].label, default=False, help_text=BY_NAME[name].help)


class InventorySnapshot(ScopedModel):
    """The inventory of one school as recorded at one moment; never edited in place."""

    record_type = "defense"

    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, db_index=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.DECLARED
    )
    recorded_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_by_name = models.CharField(_("recorded by (name)"), max_length=150, blank=True)
    inspection = models.ForeignKey(
        "hazards.Inspection",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("inspection"),
        help_text=_("The inspection during which the figures were corrected, if any."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    # 人防
    guards = _count("guards")
    guards_trained = _count("guards_trained")
    guards_certified = _count("guards_certified")
    gate_hours = models.PositiveSmallIntegerField(
        BY_NAME["gate_hours"].label,
        default=0,
        validators=[MaxValueValidator(24)],
        help_text=BY_NAME["gate_hours"].help,
    )
    patrols_per_day = _count("patrols_per_day")
    # 物防
    closed_management = _yes("closed_management")
    gate_closable = _yes("gate_closable")
    wall_height_m = models.DecimalField(
        BY_NAME["wall_height_m"].label,
        max_digits=4,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text=BY_NAME["wall_height_m"].help,
    )
    wall_anti_climb = _yes("wall_anti_climb")
    vehicle_access = _yes("vehicle_access")
    anti_collision = _yes("anti_collision")
    stab_vests = _count("stab_vests")
    batons = _count("batons")
    restraint_forks = _count("restraint_forks")
    # 技防
    alarm_installed = _yes("alarm_installed")
    alarm_networked = _yes("alarm_networked")
    video_entrances = _yes("video_entrances")
    video_boarding_public = _yes("video_boarding_public")
    video_networked = _yes("video_networked")
    # 卫生与食堂
    health_staff = _count("health_staff")
    has_canteen = _yes("has_canteen")
    canteen_6t = _yes("canteen_6t")
    open_kitchen = _yes("open_kitchen")
    open_kitchen_online = _yes("open_kitchen_online")

    class Meta:
        verbose_name = _("inventory snapshot")
        verbose_name_plural = _("inventory snapshots")
        ordering = ["org_path", "-recorded_at", "-id"]
        indexes = [
            *path_index("definventory"),
            models.Index(fields=["org", "recorded_at"], name="defense_inventory_org_at_idx"),
        ]

    def __str__(self) -> str:
        when = timezone.localtime(self.recorded_at) if self.recorded_at else None
        return f"{self.org.name} {when:%Y-%m-%d %H:%M}" if when else str(self.org_id)

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        for name in ("guards_trained", "guards_certified"):
            if getattr(self, name) > self.guards:
                errors[name] = _("%(figure)s cannot exceed the number of guards.") % {
                    "figure": label(name)
                }
        if self.alarm_networked and not self.alarm_installed:
            errors["alarm_networked"] = _("An alarm that is not installed cannot be networked.")
        if not self.has_canteen:
            for name in ("canteen_6t", "open_kitchen", "open_kitchen_online"):
                if getattr(self, name):
                    errors[name] = _("A school without a canteen has no %(figure)s.") % {
                        "figure": label(name)
                    }
        if errors:
            raise ValidationError(errors)

    @property
    def figures(self) -> dict:
        from safecampus.defense.figures import values_of

        return values_of(self)


class Verification(ScopedModel):
    """One figure checked on site by an inspector, the bureau or the police: the value the
    inventory held, the value found, and whether that confirmed or corrected it."""

    record_type = "defense"

    snapshot = models.ForeignKey(
        InventorySnapshot,
        on_delete=models.PROTECT,
        related_name="verifications",
        verbose_name=_("inventory checked"),
    )
    correction = models.ForeignKey(
        InventorySnapshot,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name=_("corrected inventory"),
    )
    figure = models.CharField(
        _("figure"), max_length=30, choices=[(n, BY_NAME[n].label) for n in NAMES]
    )
    recorded_value = models.JSONField(_("value on record"), null=True, blank=True)
    found_value = models.JSONField(_("value found"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    verified_at = models.DateTimeField(_("verified at"), default=timezone.now, db_index=True)
    verified_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_by_name = models.CharField(_("verified by (name)"), max_length=150, blank=True)
    verifier_role = models.CharField(_("verifier's role"), max_length=30, blank=True)
    verifier_unit = models.CharField(_("verifier's unit"), max_length=100, blank=True)
    inspection = models.ForeignKey(
        "hazards.Inspection",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("inspection"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("inventory verification")
        verbose_name_plural = _("inventory verifications")
        ordering = ["org_path", "-verified_at", "-id"]
        indexes = [
            *path_index("defverif"),
            models.Index(fields=["org", "figure", "verified_at"], name="defense_verif_org_fig_idx"),
        ]

    def __str__(self) -> str:
        return f"{label(self.figure)} {self.get_outcome_display()}"

    @property
    def figure_label(self) -> str:
        return label(self.figure)

    @property
    def role_label(self) -> str:
        from safecampus.accounts.roles import Role

        try:
            return str(Role(self.verifier_role).label)
        except ValueError:
            return self.verifier_role

    @property
    def by_display(self) -> str:
        name = self.verified_by_name or (self.verified_by.display_name if self.verified_by else "")
        parts = [p for p in (name, self.verifier_unit or self.role_label) if p]
        return " · ".join(parts) if parts else "—"

    def found_display(self) -> str:
        return BY_NAME[self.figure].display(self.found_value)

    def recorded_display(self) -> str:
        return BY_NAME[self.figure].display(self.recorded_value)
