"""Training sessions (安全培训) with who attended, and the appointments of the posts the rules
ask every school to fill: legal vice-principal (法治副校长), psychological teacher (专职/兼职心理
健康教师) and safety managers (安全管理人员).

Nothing here stores a verdict: TRAIN-MANAGER, TRAIN-STAFF, TRAIN-GUARD, STAFF-LEGAL and
STAFF-PSY are derived when read (training/facts.py). A school's safety managers are the people
holding an active safety-manager appointment, so the hours rule knows whose hours to add up.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safecampus.core.models import ScopedModel, path_index
from safecampus.orgs.choices import NodeKind
from safecampus.training.choices import Audience, Post

USER = settings.AUTH_USER_MODEL
# A session is held by a school, or run by a county or township for the schools under it.
SESSION_NODE_KINDS = frozenset({NodeKind.SCHOOL, NodeKind.TOWNSHIP, NodeKind.COUNTY})
# More than this many hours of training a day is surely a typing error.
MAX_HOURS_PER_DAY = 12
ZERO = Decimal("0")


class TrainingSession(ScopedModel):
    """One training course or session: a school's own, or one a county or township runs for the
    schools under it. Guards' training is counted in days (TRAIN-GUARD), the rest in hours."""

    audience = models.CharField(_("audience"), max_length=12, choices=Audience.choices)
    topic = models.CharField(_("topic"), max_length=150)
    started_on = models.DateField(_("date"), db_index=True)
    days = models.PositiveSmallIntegerField(
        _("days"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("Consecutive days from the date; guards' training is counted in days."),
    )
    hours = models.DecimalField(
        pgettext_lazy("training", "hours"),
        max_digits=5,
        decimal_places=1,
        help_text=_("Class hours (学时) of the whole session."),
    )
    trainer = models.CharField(_("trainer"), max_length=100, blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)
    attendee_count = models.PositiveIntegerField(
        _("number of attendees"),
        null=True,
        blank=True,
        help_text=_(
            "For a whole-staff session whose attendees are not listed one by one: how many took part."
        ),
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    record_type = "training"
    region_order = "started_on"  # a province's sessions in the list's order (core.lookups.Within)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-started_on", "-id"]
        indexes = [
            *path_index("trainingsess"),
            models.Index(fields=["org", "started_on"], name="training_org_date_idx"),
            # The list's order: a region's first page read off it, not sorted from all rows.
            models.Index(fields=["-started_on", "-id"], name="training_list_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.started_on:%Y-%m-%d} {self.topic}" if self.started_on else self.topic

    @property
    def ended_on(self) -> datetime.date:
        return self.started_on + datetime.timedelta(days=(self.days or 1) - 1)

    def clean(self):
        errors = {}
        if self.org_id is not None and self.org.kind not in SESSION_NODE_KINDS:
            errors["org"] = _("A session is held by a school, or run by a county or township.")
        if self.hours is not None:
            if self.hours <= ZERO:
                errors["hours"] = _("Give the hours of the session: more than zero.")
            elif self.days and self.hours > self.days * MAX_HOURS_PER_DAY:
                errors["hours"] = _(
                    "More than %(max)d hours a day is surely a typing error: check the hours "
                    "and the days."
                ) % {"max": MAX_HOURS_PER_DAY}
        if errors:
            raise ValidationError(errors)


class TrainingAttendance(ScopedModel):
    """Someone who attended a session, and for how long. It belongs to the attendee's school,
    so a school sees its own people's hours at a county's course, and a person not on file is
    recorded by name."""

    session = models.ForeignKey(
        TrainingSession,
        on_delete=models.CASCADE,
        related_name="attendances",
        verbose_name=_("training session"),
    )
    person = models.ForeignKey(
        "orgs.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("person"),
    )
    name = models.CharField(_("name"), max_length=50)
    hours = models.DecimalField(_("hours attended"), max_digits=5, decimal_places=1)

    record_type = "training"

    class Meta:
        verbose_name = _("training attendance")
        verbose_name_plural = _("training attendances")
        ordering = ["session", "org_path", "name", "id"]
        indexes = [
            *path_index("trainattend"),
            models.Index(fields=["org", "session"], name="trainattend_org_session_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"],
                condition=models.Q(person__isnull=False),
                name="trainattend_person_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.hours} h"

    def clean(self):
        if self.hours is not None and self.hours <= ZERO:
            raise ValidationError({"hours": _("Give the hours attended: more than zero.")})
        if (
            self.hours is not None
            and self.session_id is not None
            and self.session.hours is not None
            and self.hours > self.session.hours
        ):
            raise ValidationError(
                {
                    "hours": _("No one attends more than the session's %(hours)s h.")
                    % {"hours": self.session.hours}
                }
            )


class Appointment(ScopedModel):
    """A post filled at a school, from a day and (once it ends) to a day. The people in office
    on a day are those whose appointment has begun and not yet ended."""

    post = models.CharField(_("post"), max_length=20, choices=Post.choices)
    person = models.ForeignKey(
        "orgs.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("person"),
    )
    name = models.CharField(_("name"), max_length=50)
    unit = models.CharField(
        _("unit"),
        max_length=100,
        blank=True,
        help_text=_("Where the person works, e.g. the police station of a legal vice-principal."),
    )
    started_on = models.DateField(_("in office from"))
    ended_on = models.DateField(_("in office until"), null=True, blank=True)
    end_reason = models.CharField(_("reason the appointment ended"), max_length=200, blank=True)
    document_number = models.CharField(_("document number"), max_length=50, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    record_type = "training"

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["org_path", "post", "-started_on", "-id"]
        indexes = [
            *path_index("appointment"),
            models.Index(fields=["org", "post", "started_on"], name="appointment_org_post_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_post_display()} {self.name}"

    def in_office(self, day: datetime.date) -> bool:
        return self.started_on <= day and (self.ended_on is None or self.ended_on >= day)

    def clean(self):
        if self.org_id is not None and self.org.kind != NodeKind.SCHOOL:
            raise ValidationError({"org": _("An appointment belongs to a school.")})
        if self.ended_on is not None and self.started_on and self.ended_on < self.started_on:
            raise ValidationError(
                {
                    "ended_on": _("An appointment cannot end before it began (%(date)s).")
                    % {"date": self.started_on.isoformat()}
                }
            )
