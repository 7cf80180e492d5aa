"""Safety education records: a school's classes, their “1530” reminders, the school's
education activities, and the campaigns a region runs with each school's completion figures.

Compliance (EDU-1530, EDU-MONTHLY, EDU-DROWNING, EDU-HEALTH, EDU-CAMPAIGN-RATE) is derived from
these records when read (education/rules.py); nothing here stores a verdict.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safecampus.core.models import ScopedModel, path_index
from safecampus.core.scoping import ScopedQuerySet, path_q
from safecampus.education.choices import (
    ActivityKind,
    ReminderKind,
    ResultSource,
    Topic,
    grade_rank,
)

USER = settings.AUTH_USER_MODEL


class SchoolClass(ScopedModel):
    """A class of a school (三年级2班) with its head teacher (班主任), who gives its 1530
    reminders. A class that has left the school (graduated, merged) is kept inactive, so its
    records stay on file and it is no longer judged."""

    grade = models.CharField(
        pgettext_lazy("school grade", "grade"),
        max_length=20,
        help_text=_("For example 三年级 or 大班."),
    )
    name = models.CharField(_("class"), max_length=30, help_text=_("For example 三年级2班."))
    head_teacher = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("head teacher"),
    )
    pupils = models.PositiveIntegerField(
        _("pupils"), default=0, validators=[MaxValueValidator(200)]
    )
    active = models.BooleanField(_("active"), default=True)
    rank = models.PositiveSmallIntegerField(_("grade order"), default=99, editable=False)

    record_type = "education"

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["org_path", "rank", "name", "id"]
        indexes = [
            *path_index("schoolclass"),
            # Only the classes with a head teacher: a planner's estimate of "this teacher's
            # classes" then counts teachers, not the classes without one (SQLite read a
            # province's 120,000 classes by path for a teacher's none).
            models.Index(
                fields=["head_teacher", "active"],
                name="schoolclass_teacher_idx",
                condition=models.Q(head_teacher__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "name"],
                condition=Q(active=True),
                name="schoolclass_unique_active_name",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.rank = grade_rank(self.grade)
        super().save(*args, **kwargs)

    def clean(self):
        if self.org_id is not None and not self.org.is_school:
            raise ValidationError({"org": _("A class belongs to a school.")})


class SafetyReminder(ScopedModel):
    """One reminder given to a class: the daily minute, the weekly five minutes or the thirty
    minutes before a holiday. One record per class, kind and day: a second tap finds the first."""

    # Indexed by the unique constraint below, which starts with it.
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        related_name="reminders",
        verbose_name=_("class"),
        db_index=False,
    )
    kind = models.CharField(_("reminder"), max_length=10, choices=ReminderKind.choices)
    day = models.DateField(_("day"))
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    minutes = models.PositiveSmallIntegerField(
        _("minutes"), validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    record_type = "education"

    class Meta:
        verbose_name = _("1530 reminder")
        verbose_name_plural = _("1530 reminders")
        ordering = ["-day", "org_path", "school_class_id", "kind"]
        indexes = [
            *path_index("safetyreminder"),
            models.Index(fields=["org", "day"], name="reminder_org_day_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "kind", "day"], name="reminder_one_per_class_kind_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_class} {self.get_kind_display()} {self.day:%Y-%m-%d}"


class EducationActivity(ScopedModel):
    """A school's safety education activity: a themed activity (主题班会, 讲座, 比赛), a health
    education period (课时), drowning prevention education, or another."""

    kind = models.CharField(_("kind"), max_length=10, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=150)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    day = models.DateField(_("day"))
    periods = models.PositiveSmallIntegerField(
        _("periods"),
        default=1,
        validators=[MaxValueValidator(40)],
        help_text=_("Class periods (课时) it took; health education is counted in periods."),
    )
    participants = models.PositiveIntegerField(_("participants"), default=0)
    school_class = models.ForeignKey(
        SchoolClass,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
        verbose_name=_("class"),
        help_text=_("Empty when the whole school (or several classes) took part."),
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    record_type = "education"
    region_order = "day"  # a province's activities in the list's order (core.lookups.Within)

    class Meta:
        verbose_name = _("education activity")
        verbose_name_plural = _("education activities")
        ordering = ["-day", "-id"]
        indexes = [
            *path_index("educationactivity"),
            models.Index(fields=["org", "kind", "day"], name="activity_org_kind_day_idx"),
            # The list's order: a region's first page read off it (a province has 780,000).
            models.Index(fields=["-day", "-id"], name="activity_list_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.title}"

    def clean(self):
        if self.org_id is not None and not self.org.is_school:
            raise ValidationError({"org": _("An education activity belongs to a school.")})
        if self.kind == ActivityKind.HEALTH and not self.periods:
            raise ValidationError(
                {"periods": _("Health education is counted in periods: give at least one.")}
            )
        if self.school_class_id is not None and self.school_class.org_id != self.org_id:
            raise ValidationError({"school_class": _("The class belongs to another school.")})


class CampaignQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = "view"):
        """Reading: the campaigns inside the user's scope, and those run by a region above it
        (a school sees its county's 秋季安全第一课). Changing stays inside the scope."""
        from safecampus.accounts.access import scope_prefixes
        from safecampus.core.scoping import ALL
        from safecampus.orgs.models import ancestor_paths

        if action != "view":
            return super().for_user(user, action)
        prefixes = scope_prefixes(user, self.model, action)
        if prefixes is ALL:
            return self
        if not prefixes:
            return self.none()
        above = {a for p in prefixes for a in ancestor_paths(p, include_self=False)}
        return self.filter(path_q("org_path", prefixes) | Q(org_path__in=sorted(above)))


class Campaign(ScopedModel):
    """An education campaign a region runs for its schools (e.g. 秋季安全第一课, 1–30 September),
    usually on the education platform; each school's completion is a CampaignResult."""

    name = models.CharField(_("name"), max_length=100)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    platform = models.CharField(
        _("platform"),
        max_length=100,
        blank=True,
        help_text=_("Where pupils complete it, e.g. 学校安全教育平台."),
    )
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    objects = CampaignQuerySet.as_manager()
    record_type = "education"

    class Meta:
        verbose_name = _("education campaign")
        verbose_name_plural = _("education campaigns")
        ordering = ["-start", "-id"]
        indexes = [*path_index("campaign")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.org_id is not None and self.org.is_school:
            raise ValidationError({"org": _("A campaign is run by a region, not by a school.")})
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("The last day cannot be before the first day.")})


class CampaignResult(ScopedModel):
    """A school's completion of a campaign: how many should take part and how many did."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="results", verbose_name=_("campaign")
    )
    target = models.PositiveIntegerField(_("target participants"))
    completed = models.PositiveIntegerField(_("people completed"))
    source = models.CharField(
        _("source"), max_length=10, choices=ResultSource.choices, default=ResultSource.MANUAL
    )
    updated_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )

    record_type = "education"

    class Meta:
        verbose_name = _("campaign completion")
        verbose_name_plural = _("campaign completions")
        ordering = ["campaign", "org_path"]
        indexes = [*path_index("campaignresult")]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "org"], name="campaignresult_one_per_school"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.org}"

    @property
    def rate(self) -> float | None:
        return self.completed / self.target if self.target else None

    def clean(self):
        if self.org_id is not None and not self.org.is_school:
            raise ValidationError({"org": _("A completion figure belongs to a school.")})
        unknown = self.org_id is None or self.campaign_id is None
        if not unknown and not self.org.is_within_path(self.campaign.org_path):
            raise ValidationError(
                {"org": _("The school is outside the region that runs the campaign.")}
            )
        if self.target is None or self.completed is None:
            return
        if self.completed > self.target:
            raise ValidationError(
                {
                    "completed": _(
                        "Completed (%(completed)s) cannot exceed the target (%(target)s)."
                    )
                    % {"completed": self.completed, "target": self.target}
                }
            )
