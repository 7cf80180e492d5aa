"""Emergency plans (应急预案), drills (应急演练) and incidents (涉校案事件) with their timelines.

Compliance with the drill rules and the 1-3-5 response marks are derived at read time from
these records (see compliance.py and response.py); nothing here stores a verdict.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from safecampus.core.models import ScopedModel, path_index
from safecampus.core.scoping import ScopedQuerySet
from safecampus.emergency.choices import (
    DrillStatus,
    IncidentStatus,
    IncidentType,
    PlanStatus,
    Scenario,
    Severity,
    Step,
)

USER = settings.AUTH_USER_MODEL


class EmergencyPlan(ScopedModel):
    """One plan of a school or a region, in one edition. A new edition supersedes the old one,
    which stays on file (retired) so that what was in force when is never lost."""

    scenario = models.CharField(_("scenario"), max_length=20, choices=Scenario.choices)
    title = models.CharField(_("title"), max_length=150)
    edition = models.CharField(
        _("edition"), max_length=30, blank=True, help_text=_("For example 2026年修订版.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    covers_night = models.BooleanField(
        _("covers night-time"),
        default=False,
        help_text=_("The plan includes night-time scenarios (boarding schools)."),
    )
    summary = models.TextField(_("summary"), blank=True)
    approved_by_name = models.CharField(_("approved by"), max_length=50, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    review_due = models.DateField(_("review due"), null=True, blank=True, db_index=True)
    supersedes = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("supersedes"),
    )
    created_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    record_type = "plan"

    class Meta:
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")
        ordering = ["org_path", "scenario", "-approved_on", "-id"]
        indexes = [
            *path_index("emergencyplan"),
            models.Index(fields=["status", "scenario"], name="plan_status_scenario_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.edition}".strip()


class PlanContact(models.Model):
    """A duty the plan names (总指挥, 疏散组, ...) and who holds it."""

    plan = models.ForeignKey(
        EmergencyPlan, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("plan")
    )
    duty = models.CharField(_("duty"), max_length=60)
    person = models.ForeignKey(
        "orgs.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("person"),
    )
    name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ScopedQuerySet.as_manager()
    record_type = "plan"
    scope_path_field = "plan__org_path"

    class Meta:
        verbose_name = _("plan duty")
        verbose_name_plural = _("plan duties")
        ordering = ["plan", "position", "id"]

    def __str__(self) -> str:
        return f"{self.duty}: {self.name}"


class Drill(ScopedModel):
    """A drill, planned on the calendar and then recorded as held (or cancelled)."""

    scenario = models.CharField(_("scenario"), max_length=20, choices=Scenario.choices)
    title = models.CharField(_("title"), max_length=150, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DrillStatus.choices,
        default=DrillStatus.PLANNED,
        db_index=True,
    )
    planned_for = models.DateTimeField(_("planned for"), null=True, blank=True, db_index=True)
    held_at = models.DateTimeField(_("held at"), null=True, blank=True, db_index=True)
    is_night = models.BooleanField(_("night drill"), default=False)
    plan = models.ForeignKey(
        EmergencyPlan,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="drills",
        verbose_name=_("plan rehearsed"),
    )
    students = models.PositiveIntegerField(_("students taking part"), default=0)
    staff = models.PositiveIntegerField(_("staff taking part"), default=0)
    students_by_grade = models.JSONField(
        _("students by grade"), default=dict, blank=True, help_text=_('{"一年级": 120, ...}')
    )
    evacuation_seconds = models.PositiveIntegerField(
        _("evacuation time (seconds)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(3600)],
        help_text=_("From the alarm until the last person reached the assembly point."),
    )
    assembly_point = models.CharField(_("assembly point"), max_length=100, blank=True)
    police_joined = models.BooleanField(_("police took part"), default=False)
    fire_joined = models.BooleanField(_("fire service took part"), default=False)
    other_units = models.CharField(_("other units"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    evaluator_name = models.CharField(_("evaluated by"), max_length=50, blank=True)
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    record_type = "drill"
    region_order = "held_at"  # a province's drills in the list's order (core.lookups.Within)

    class Meta:
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        ordering = ["-held_at", "-planned_for", "-id"]
        indexes = [
            *path_index("drill"),
            models.Index(fields=["org", "status", "held_at"], name="drill_org_status_idx"),
            # The list's order: a region's first page read off it, not sorted from all rows.
            models.Index(fields=["-held_at", "-planned_for", "-id"], name="drill_list_idx"),
        ]

    def __str__(self) -> str:
        when = self.held_at or self.planned_for
        return f"{self.get_scenario_display()} {when:%Y-%m-%d}" if when else self.title


class DrillBuilding(models.Model):
    """Evacuation of one building: the time is judged against the building's height
    (DRILL-GUIDE: 2 minutes for buildings of up to four storeys)."""

    drill = models.ForeignKey(
        Drill, on_delete=models.CASCADE, related_name="buildings", verbose_name=_("drill")
    )
    name = models.CharField(_("building"), max_length=60)
    storeys = models.PositiveSmallIntegerField(
        _("storeys"), default=1, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    seconds = models.PositiveIntegerField(
        _("evacuation time (seconds)"), validators=[MaxValueValidator(3600)]
    )

    objects = ScopedQuerySet.as_manager()
    record_type = "drill"
    scope_path_field = "drill__org_path"

    class Meta:
        verbose_name = _("building evacuated")
        verbose_name_plural = _("buildings evacuated")
        ordering = ["drill", "id"]

    def __str__(self) -> str:
        return self.name


class DrillProblem(models.Model):
    """A problem a drill revealed: it raises a hazard, or becomes a follow-up task."""

    drill = models.ForeignKey(
        Drill, on_delete=models.CASCADE, related_name="problems", verbose_name=_("drill")
    )
    text = models.CharField(_("problem"), max_length=300)
    hazard = models.ForeignKey(
        "hazards.Hazard",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("hazard raised"),
    )
    follow_up = models.CharField(_("follow-up"), max_length=300, blank=True)
    owner = models.ForeignKey(
        "orgs.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    record_type = "drill"
    scope_path_field = "drill__org_path"

    class Meta:
        verbose_name = _("drill problem")
        verbose_name_plural = _("drill problems")
        ordering = ["drill", "id"]

    def __str__(self) -> str:
        return self.text


class IncidentPolicy(ScopedModel):
    """A county's (or city's) reporting deadlines (REPORT-DEADLINE): they vary by locality."""

    first_report_minutes = models.PositiveIntegerField(
        _("first report to the bureau within (minutes)"),
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60)],
    )
    written_report_hours = models.PositiveIntegerField(
        _("written report within (hours)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
    )
    warn_before_minutes = models.PositiveIntegerField(
        _("warn this many minutes before a deadline"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )

    record_type = "policy"

    class Meta:
        verbose_name = _("incident reporting policy")
        verbose_name_plural = _("incident reporting policies")
        indexes = path_index("incidentpolicy")
        constraints = [models.UniqueConstraint(fields=["org"], name="incident_policy_once")]

    def __str__(self) -> str:
        return f"{self.org}: {self.first_report_minutes} min"


class IncidentCounter(models.Model):
    """The last incident number given in a county and year."""

    county = models.ForeignKey("orgs.OrgNode", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["county", "year"], name="incident_counter_once")
        ]

    def __str__(self) -> str:
        return f"{self.county_id}-{self.year}: {self.last}"


class Incident(ScopedModel):
    """A school-related incident (涉校案事件). Its course lives in the append-only timeline;
    the fields here are what was reported and the current status."""

    number = models.CharField(_("incident number"), max_length=40, unique=True, editable=False)
    incident_type = models.CharField(_("type"), max_length=20, choices=IncidentType.choices)
    severity = models.CharField(
        _("severity"), max_length=15, choices=Severity.choices, default=Severity.GENERAL
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=IncidentStatus.choices,
        default=IncidentStatus.OPEN,
        db_index=True,
    )
    occurred_at = models.DateTimeField(_("happened at"), db_index=True)
    reported_at = models.DateTimeField(_("reported at"))
    place = models.CharField(_("place"), max_length=150)
    description = models.TextField(_("what happened"))
    first_measures = models.TextField(_("first measures"), blank=True)
    injured = models.PositiveIntegerField(_("injured"), default=0)
    deaths = models.PositiveIntegerField(_("deaths"), default=0)
    missing = models.PositiveIntegerField(_("missing"), default=0)
    affected = models.PositiveIntegerField(_("people affected"), default=0)
    minors_involved = models.BooleanField(_("minors involved"), default=True)
    students_involved = models.PositiveIntegerField(_("students involved"), default=0)
    names = models.TextField(
        _("names of those involved"),
        blank=True,
        help_text=_("Only where needed. Shown only to designated roles; masked elsewhere."),
    )
    is_sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Details visible only to designated roles; every view is logged."),
    )
    is_criminal = models.BooleanField(_("criminal case"), default=False)
    report_due_at = models.DateTimeField(_("report to the bureau due"), null=True, blank=True)
    written_due_at = models.DateTimeField(_("written report due"), null=True, blank=True)
    deadline_warned_at = models.DateTimeField(
        _("deadline warning sent"), null=True, blank=True, editable=False
    )
    reported_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reported by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closing_summary = models.TextField(_("closing summary"), blank=True)

    record_type = "incident"

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            *path_index("incident"),
            models.Index(fields=["incident_type", "occurred_at"], name="incident_type_time_idx"),
        ]

    def __str__(self) -> str:
        return self.number or self.get_incident_type_display()


class EntryQuerySet(ScopedQuerySet):
    """Timeline entries are never rewritten: a mistake is corrected by a new entry."""

    def update(self, **kwargs):
        raise PermissionError("An incident's timeline is append-only.")

    def delete(self):
        raise PermissionError("An incident's timeline is append-only.")


class IncidentEntry(models.Model):
    """One entry of an incident's timeline: what happened when (`at`), recorded by whom and
    when (`recorded_at`). A correction points at the entry it corrects and says why."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="entries", verbose_name=_("incident")
    )
    step = models.CharField(_("step"), max_length=20, choices=Step.choices)
    at = models.DateTimeField(_("time"))
    text = models.TextField(_("details"), blank=True)
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    reason = models.CharField(_("reason for the correction"), max_length=300, blank=True)
    plan = models.ForeignKey(
        EmergencyPlan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("plan started"),
        help_text=_("The school's plan for this kind of incident, when one was started."),
    )
    by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    by_name = models.CharField(_("recorded by (name)"), max_length=150, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = EntryQuerySet.as_manager()
    record_type = "incident"
    scope_path_field = "incident__org_path"

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["incident", "at", "id"]
        indexes = [models.Index(fields=["incident", "step"], name="incident_entry_step_idx")]

    def __str__(self) -> str:
        return f"{self.incident} {self.get_step_display()} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("An incident's timeline is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("An incident's timeline is append-only.")
