"""Spots, checklists, schedules, inspections and the hazard ledger (风险隐患台账)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from safecampus.core.models import ScopedModel, path_index
from safecampus.core.scoping import ScopedQuerySet, path_q
from safecampus.hazards.choices import (
    DEFAULT_DEADLINE_DAYS,
    Answer,
    Category,
    EscalationStep,
    Grade,
    Rhythm,
    Source,
    SpotKind,
    Status,
)
from safecampus.hazards.rollup_models import (  # and the rollup models
    HazardQuerySet,
    InspectionQuerySet,
    ScheduleQuerySet,
)
from safecampus.orgs.choices import SchoolKind
from safecampus.orgs.models import region_index

USER = settings.AUTH_USER_MODEL


class Spot(ScopedModel):
    """An inspection spot (点位) of a school; its QR code opens its check on a phone."""

    name = models.CharField(_("name"), max_length=100)
    area = models.CharField(_("area"), max_length=100, blank=True)
    kind = models.CharField(
        _("spot kind"), max_length=12, choices=SpotKind.choices, default=SpotKind.GENERAL
    )
    building = models.CharField(_("building"), max_length=100, blank=True)
    floor = models.CharField(_("floor"), max_length=20, blank=True)
    token = models.UUIDField(_("QR token"), default=uuid.uuid4, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    record_type = "spot"

    class Meta:
        verbose_name = _("inspection spot")
        verbose_name_plural = _("inspection spots")
        ordering = ["org_path", "kind", "name"]
        indexes = path_index("spot")
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="spot_unique_name_per_school")
        ]

    def __str__(self) -> str:
        return self.name


class TemplateQuerySet(ScopedQuerySet):
    def available_to(self, user):
        """Templates a user may inspect with: the built-in library, and those defined at the
        user's nodes, their ancestors (a county's templates serve its schools) or below."""
        from safecampus.accounts.access import scope_prefixes
        from safecampus.core.scoping import ALL

        prefixes = scope_prefixes(user, self.model, "view")
        if prefixes is ALL:
            return self.filter(is_active=True)
        if not prefixes:
            return self.none()
        from safecampus.orgs.models import ancestor_paths

        ancestors = {a for p in prefixes for a in ancestor_paths(p)}
        return self.filter(is_active=True).filter(
            Q(org__isnull=True) | Q(org_path__in=ancestors) | path_q("org_path", prefixes)
        )


class ChecklistTemplate(models.Model):
    """A checklist. Its items live in numbered versions: editing publishes a new version and
    past inspections keep the one they used."""

    org = models.ForeignKey(
        "orgs.OrgNode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("defined at"),
        help_text=_("Empty for the built-in library."),
    )
    org_path = models.CharField(_("organisation path"), max_length=255, blank=True, editable=False)
    code = models.SlugField(_("code"), max_length=50, blank=True)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    rhythm = models.CharField(
        _("usual rhythm"), max_length=20, choices=Rhythm.choices, default=Rhythm.AD_HOC
    )
    spot_kind = models.CharField(
        _("spots checked"), max_length=12, choices=SpotKind.choices, blank=True
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    is_builtin = models.BooleanField(_("built in"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    current = models.ForeignKey(
        "ChecklistVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("current version"),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TemplateQuerySet.as_manager()
    record_type = "checklist"

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["org_path", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="checklist_code_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.org_path = self.org.path if self.org_id else ""
        super().save(*args, **kwargs)


class ChecklistVersion(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("template"),
    )
    number = models.PositiveIntegerField(_("version number"))
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="checklist_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"


class ChecklistItem(models.Model):
    version = models.ForeignKey(
        ChecklistVersion, on_delete=models.CASCADE, related_name="items", verbose_name=_("version")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("item"), max_length=300)
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    guidance = models.TextField(_("guidance"), blank=True)
    photo_required = models.BooleanField(_("photo required when abnormal"), default=False)
    default_grade = models.CharField(
        _("default grade"), max_length=10, choices=Grade.choices, default=Grade.GENERAL
    )
    department_kinds = models.JSONField(
        _("departments' checklists"),
        default=list,
        blank=True,
        help_text=_(
            "Department kinds whose checklist this item also serves in a joint inspection."
        ),
    )

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["version", "position", "id"]

    def __str__(self) -> str:
        return self.text


class CalendarPeriod(ScopedModel):
    """A term or a holiday of a county's school calendar: what "school day" and "before each
    holiday" mean for the schools under it."""

    class Kind(models.TextChoices):
        TERM = "term", _("Term")
        HOLIDAY = "holiday", _("Holiday")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))

    record_type = "calendar"

    class Meta:
        verbose_name = _("calendar period")
        verbose_name_plural = _("school calendar")
        ordering = ["org_path", "start"]
        indexes = path_index("calperiod")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="calendar_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}"


class Schedule(ScopedModel):
    """What must be checked, where, how often and by whom. Due, done and missed are derived
    from schedules and inspections when read, never from a job having run."""

    title = models.CharField(_("title"), max_length=150)
    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.PROTECT,
        related_name="schedules",
        verbose_name=_("checklist"),
    )
    rhythm = models.CharField(_("rhythm"), max_length=20, choices=Rhythm.choices)
    spot_kind = models.CharField(
        _("spots of kind"), max_length=12, choices=SpotKind.choices, blank=True
    )
    spots = models.ManyToManyField(
        Spot, blank=True, related_name="schedules", verbose_name=_("spots")
    )
    responsible_role = models.CharField(_("responsible role"), max_length=24, blank=True)
    responsible_person = models.ForeignKey(
        "orgs.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("responsible person"),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    record_type = "schedule"
    objects = ScheduleQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection schedule")
        verbose_name_plural = _("inspection schedules")
        ordering = ["org_path", "rhythm", "title"]
        indexes = [
            *path_index("schedule"),
            # The few schedules begun or ended around a period (hazards/schedules._tally).
            models.Index(fields=["starts_on"], name="schedule_starts_idx"),
            models.Index(fields=["ends_on"], name="schedule_ends_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        from safecampus.hazards import done_rollups

        done_rollups.save_schedule(self, super().save, *args, **kwargs)


class Inspection(ScopedModel):
    """One check: who, when, where, an answer per item, and the inspector's sign-off
    (谁排查、谁签字、谁负责)."""

    schedule = models.ForeignKey(
        Schedule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspections",
        verbose_name=_("schedule"),
    )
    checklist = models.ForeignKey(
        ChecklistVersion,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("checklist version"),
    )
    period_start = models.DateField(
        _("period"),
        null=True,
        blank=True,
        help_text=_("The first day of the schedule's period this check counts for."),
    )
    inspector = models.ForeignKey(
        USER, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("inspector")
    )
    inspected_at = models.DateTimeField(_("inspected at"), db_index=True)
    spots = models.ManyToManyField(
        Spot, blank=True, related_name="inspections", verbose_name=_("spots")
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    signed_name = models.CharField(_("signed by"), max_length=50)
    note = models.TextField(_("note"), blank=True)
    abnormal_count = models.PositiveSmallIntegerField(_("abnormal items"), default=0)
    departments = models.ManyToManyField(
        "orgs.Department",
        blank=True,
        related_name="joint_inspections",
        verbose_name=_("departments taking part"),
        help_text=_(
            "A joint inspection (联合检查): each department gets its own record of the items "
            "its checklist maps to."
        ),
    )

    record_type = "inspection"
    objects = InspectionQuerySet.as_manager()
    region_indexed = True  # a county's checks in time order (orgs.models.region_index)
    region_order = "inspected_at"  # a province's checks in time order (core.lookups.Within)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-inspected_at", "-id"]
        indexes = [
            *path_index("inspection"),
            region_index("inspection", "inspected_at"),
            models.Index(
                fields=["schedule", "period_start"], name="inspection_schedule_period_idx"
            ),
            # A region's due and done periods: the checks naming a few first days.
            models.Index(fields=["period_start", "schedule"], name="inspection_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.checklist.template.name} {self.inspected_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        from safecampus.hazards import done_rollups

        done_rollups.save_inspection(self, super().save, *args, **kwargs)


class InspectionAnswer(models.Model):
    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="answers", verbose_name=_("inspection")
    )
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("item")
    )
    spot = models.ForeignKey(
        Spot,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("spot"),
    )
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()
    record_type = "inspection"
    scope_path_field = "inspection__org_path"

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["inspection", "item__position", "id"]

    def __str__(self) -> str:
        return f"{self.item}: {self.get_answer_display()}"


class DeadlinePolicy(ScopedModel):
    """A county's deadlines by grade, re-check delay and escalation grace periods."""

    days_low = models.PositiveSmallIntegerField(
        _("days to rectify, low"), default=DEFAULT_DEADLINE_DAYS[Grade.LOW]
    )
    days_general = models.PositiveSmallIntegerField(
        _("days to rectify, general"), default=DEFAULT_DEADLINE_DAYS[Grade.GENERAL]
    )
    days_high = models.PositiveSmallIntegerField(
        _("days to rectify, significant"), default=DEFAULT_DEADLINE_DAYS[Grade.HIGH]
    )
    days_major = models.PositiveSmallIntegerField(
        _("days to rectify, major"), default=DEFAULT_DEADLINE_DAYS[Grade.MAJOR]
    )
    recheck_days = models.PositiveSmallIntegerField(_("re-check after closing (days)"), default=30)

    record_type = "policy"

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        indexes = path_index("deadlinepolicy")
        constraints = [
            models.UniqueConstraint(fields=["org"], name="deadline_policy_once_per_node")
        ]

    def __str__(self) -> str:
        return str(self.org)

    def days_for(self, grade: str) -> int:
        return {
            Grade.LOW: self.days_low,
            Grade.GENERAL: self.days_general,
            Grade.HIGH: self.days_high,
            Grade.MAJOR: self.days_major,
        }[grade]


class HazardCounter(models.Model):
    """The last number given out per county and year: 盐池-2026-000123."""

    county = models.ForeignKey("orgs.OrgNode", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["county", "year"], name="hazard_counter_once")
        ]

    def __str__(self) -> str:
        return f"{self.county_id}-{self.year}: {self.last}"


class Hazard(ScopedModel):
    """A hazard in the ledger (风险隐患台账), from discovery to closing (销号).

    Its saves, bulk writes and deletes keep the dashboards' rollups in step in the same
    transaction (hazards/rollups.py); a write that bypasses the ORM calls rollups.rebuild().
    """

    number = models.CharField(_("hazard number"), max_length=40, unique=True, editable=False)
    spot = models.ForeignKey(
        Spot,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hazards",
        verbose_name=_("spot"),
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    grade = models.CharField(
        _("grade"), max_length=10, choices=Grade.choices, default=Grade.GENERAL
    )
    description = models.TextField(_("description"))
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.INSPECTION
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REPORTED, db_index=True
    )
    found_at = models.DateTimeField(_("found at"))
    reported_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reported by"),
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=30, blank=True)
    temporary_measures = models.TextField(_("temporary measures"), blank=True)
    responsible_person = models.ForeignKey(
        "orgs.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("responsible person"),
    )
    measures = models.TextField(_("rectification measures"), blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True, db_index=True)
    plan = models.TextField(
        _("rectification plan"),
        blank=True,
        help_text=_("Required for a major hazard: suspension, plan and time (HAZARD-CLASS)."),
    )
    cost = models.DecimalField(
        _("cost (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    funding_note = models.CharField(_("funding"), max_length=200, blank=True)
    inspection = models.ForeignKey(
        Inspection,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hazards",
        verbose_name=_("inspection"),
    )
    answer = models.ForeignKey(
        InspectionAnswer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hazards",
        verbose_name=_("inspection item"),
    )
    handler = models.ForeignKey(
        "orgs.OrgNode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("handled by"),
        help_text=_("The level that holds the hazard when a higher level takes it over."),
    )
    rectification = models.TextField(_("what was done"), blank=True)
    submitted_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, db_index=True)
    recheck_on = models.DateField(_("re-check on"), null=True, blank=True)
    rechecked_at = models.DateTimeField(
        _("re-checked at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "When the spot was last inspected or the hazard re-checked since it was closed; "
            "kept in step with the inspections and the audit trail (followup.check_rechecked)."
        ),
    )

    objects = HazardQuerySet.as_manager()
    record_type = "hazard"
    region_indexed = True  # a county's ledger in the ledger's order (orgs.models.region_index)
    region_order = "found_at"  # a province's ledger in that order (core.lookups.Within)

    class Meta:
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        ordering = ["-found_at", "-id"]
        indexes = [
            *path_index("hazard"),
            region_index("hazard", "found_at", "id"),
            # The ledger's order, for a province or a city (hazards/0008, 0010).
            models.Index(fields=["found_at", "id"], name="hazard_found_idx"),
            models.Index(fields=["status", "deadline"], name="hazard_status_deadline_idx"),
            # The escalated awaiting the bureau, oldest first (the dispatch page): a few
            # thousand of a province's million, which its ledger's order walked past (0.35 s).
            models.Index(
                fields=["found_at", "id"],
                name="hazard_escalated_idx",
                condition=models.Q(status="escalated"),
            ),
            models.Index(
                fields=["org_path", "status", "grade"],
                name="hazard_path_status_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            # Re-checks due (followup.rechecks_due_qs): a subtree's, by day, from the index.
            models.Index(
                fields=["org_path", "recheck_on"],
                name="hazard_recheck_due_idx",
                condition=Q(status="closed", rechecked_at__isnull=True),
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.number or self.description[:30]

    def save(self, *args, **kwargs):
        from safecampus.hazards import rollups

        rollups.save_hazard(self, super().save, *args, **kwargs)


class HazardTransition(models.Model):
    """One workflow move: who, when, from which state to which, why, with what evidence."""

    hazard = models.ForeignKey(
        Hazard, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("hazard")
    )
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()
    record_type = "hazard"
    scope_path_field = "hazard__org_path"

    class Meta:
        verbose_name = _("workflow move")
        verbose_name_plural = _("workflow moves")
        ordering = ["hazard", "at", "id"]

    def __str__(self) -> str:
        return f"{self.hazard} {self.action}"


class HazardEscalation(models.Model):
    """A step of the escalation ladder taken for an overdue hazard."""

    hazard = models.ForeignKey(
        Hazard, on_delete=models.CASCADE, related_name="escalations", verbose_name=_("hazard")
    )
    step = models.CharField(_("step"), max_length=12, choices=EscalationStep.choices)
    deadline = models.DateField(_("deadline it answers"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    document_number = models.CharField(_("document number"), max_length=50, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedQuerySet.as_manager()
    record_type = "hazard"
    scope_path_field = "hazard__org_path"

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        ordering = ["hazard", "at"]
        constraints = [
            models.UniqueConstraint(
                fields=["hazard", "step", "deadline"], name="escalation_step_once_per_deadline"
            )
        ]

    def __str__(self) -> str:
        return f"{self.hazard} {self.get_step_display()}"


class WeeklyReview(ScopedModel):
    """A school's weekly analysis (周研判): the week's figures as generated when it was held,
    who attended, what was decided, and the signature."""

    week_start = models.DateField(_("week starting"))
    summary = models.JSONField(_("figures of the week"), default=dict)
    attendees = models.TextField(_("attendees"), blank=True)
    analysis = models.TextField(_("analysis"), blank=True)
    signed_name = models.CharField(_("signed by"), max_length=50)
    signed_at = models.DateTimeField(_("signed at"))
    created_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    record_type = "hazard"

    class Meta:
        verbose_name = _("weekly analysis")
        verbose_name_plural = _("weekly analyses")
        ordering = ["-week_start", "org_path"]
        indexes = path_index("weeklyreview")
        constraints = [
            models.UniqueConstraint(fields=["org", "week_start"], name="weekly_review_once")
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.week_start:%Y-%m-%d}"


class FollowUpTask(models.Model):
    """A decision of a weekly analysis that somebody must carry out by a date."""

    review = models.ForeignKey(
        WeeklyReview,
        on_delete=models.CASCADE,
        related_name="tasks",
        verbose_name=_("weekly analysis"),
    )
    text = models.CharField(_("task"), max_length=300)
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
    record_type = "hazard"
    scope_path_field = "review__org_path"

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        ordering = ["review", "due_on", "id"]
        indexes = [
            # The tasks still to do (a few thousand of a province's hundreds of thousands):
            # the dispatch report's count of those due, the to-do lists.
            models.Index(
                fields=["due_on", "review"],
                condition=Q(done_at__isnull=True),
                name="followup_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.text


class Visit(ScopedModel):
    """A responsible inspector's visit to an assigned school (联县包校, VISIT-MONTHLY)."""

    inspector = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("inspector")
    )
    visited_on = models.DateField(_("visited on"), db_index=True)
    findings = models.TextField(_("findings"), blank=True)
    follow_up = models.TextField(_("follow-up"), blank=True)

    record_type = "inspection"

    class Meta:
        verbose_name = _("inspector visit")
        verbose_name_plural = _("inspector visits")
        ordering = ["-visited_on", "-id"]
        indexes = [
            *path_index("visit"),
            models.Index(fields=["inspector", "visited_on"], name="visit_inspector_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.visited_on:%Y-%m-%d}"


class SpotCheckSample(ScopedModel):
    """A random sample of closed hazards that the bureau re-checks on site (抽查复核).

    Against box-ticking: a closed hazard is re-visited to see whether the fix held. The draw
    is reproducible and so shown to be random rather than hand-picked: `population` keeps the
    numbers of every candidate hazard, and each candidate's rank is the SHA-256 of
    "seed|number" (hazards.spotchecks.draw_order); the lowest ranks are drawn. The seed is
    made by the server at the draw, never typed in, so nobody can try seeds until a wanted
    sample comes out. The sample lives at the bureau's node: no role of a school reads it.
    """

    title = models.CharField(_("title"), max_length=150)
    region = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("drawn over"),
    )
    closed_from = models.DateField(_("closed from"))
    closed_to = models.DateField(_("closed to"))
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    school_kind = models.CharField(
        _("school kind"), max_length=20, choices=SchoolKind.choices, blank=True
    )
    size_count = models.PositiveIntegerField(_("number of hazards"), null=True, blank=True)
    size_percent = models.PositiveSmallIntegerField(
        _("share of hazards (%)"), null=True, blank=True
    )
    seed = models.CharField(_("random seed"), max_length=64, editable=False)
    population = models.JSONField(
        _("candidates"),
        default=list,
        blank=True,
        editable=False,
        help_text=_("The numbers of every hazard the sample was drawn from, sorted."),
    )
    population_size = models.PositiveIntegerField(_("number of candidates"), default=0)
    drawn_at = models.DateTimeField(_("drawn at"))
    drawn_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("drawn by"),
    )
    due_on = models.DateField(_("checks due on"))
    note = models.TextField(_("note"), blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    record_type = "spotcheck"

    class Meta:
        verbose_name = _("spot-check sample")
        verbose_name_plural = _("spot-check samples")
        ordering = ["-drawn_at", "-id"]
        indexes = path_index("spotsample")
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_to__gte=models.F("closed_from")),
                name="spotsample_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(size_count__isnull=True) | Q(size_percent__isnull=True),
                name="spotsample_one_size",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SpotCheck(ScopedModel):
    """One sampled hazard re-checked at its school: does the fix hold? With a photo, the
    place (GPS from the phone, when given) and the time. A fix that does not hold reopens
    the hazard. It belongs to the hazard's school (so a township reads its schools' checks);
    its audit entries sit at the sample's node, so the school learns nothing before the visit."""

    class Outcome(models.TextChoices):
        HELD = "held", _("The fix holds")
        NOT_HELD = "not_held", _("The fix does not hold")

    sample = models.ForeignKey(
        SpotCheckSample, on_delete=models.CASCADE, related_name="checks", verbose_name=_("sample")
    )
    hazard = models.ForeignKey(
        Hazard, on_delete=models.PROTECT, related_name="spot_checks", verbose_name=_("hazard")
    )
    position = models.PositiveIntegerField(_("place in the draw"))
    assignee = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("assigned to")
    )
    due_on = models.DateField(_("due on"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    checked_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("checked by"),
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    accuracy = models.PositiveIntegerField(_("location accuracy (m)"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    reopened = models.BooleanField(_("reopened the hazard"), default=False)

    record_type = "spotcheck"

    class Meta:
        verbose_name = _("spot-check")
        verbose_name_plural = _("spot-checks")
        ordering = ["sample", "position"]
        indexes = [
            *path_index("spotcheck"),
            models.Index(fields=["assignee", "outcome", "due_on"], name="spotcheck_assignee_idx"),
            models.Index(fields=["outcome", "checked_at"], name="spotcheck_outcome_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["sample", "hazard"], name="spotcheck_once_per_sample")
        ]

    def __str__(self) -> str:
        return f"{self.hazard} #{self.position}"
