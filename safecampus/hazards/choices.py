from django.db import models
from django.utils.translation import gettext_lazy as _


class SpotKind(models.TextChoices):
    SENSITIVE = "sensitive", _("Sensitive spot")
    KEY = "key", _("Key spot")
    GENERAL = "general", _("General spot")


class Rhythm(models.TextChoices):
    SCHOOL_DAY = "school_day", _("Every school day")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    TERM_START = "term_start", _("At term start")
    BEFORE_HOLIDAY = "before_holiday", _("Before each holiday")
    AD_HOC = "ad_hoc", _("Ad hoc")


class Answer(models.TextChoices):
    NORMAL = "normal", _("Normal")
    ABNORMAL = "abnormal", _("Abnormal")
    NOT_APPLICABLE = "na", _("Not applicable")


class Grade(models.TextChoices):
    """RISK-COLOUR: 重大 red, 较大 orange, 一般 yellow, 低 blue."""

    MAJOR = "major", _("Major")
    HIGH = "high", _("Significant")
    GENERAL = "general", _("General")
    LOW = "low", _("Low")


GRADE_COLOUR = {
    Grade.MAJOR: "red",
    Grade.HIGH: "orange",
    Grade.GENERAL: "yellow",
    Grade.LOW: "blue",
}
GRADE_ORDER = {Grade.MAJOR: 0, Grade.HIGH: 1, Grade.GENERAL: 2, Grade.LOW: 3}

# Default days to rectify by grade; a county overrides them (DeadlinePolicy).
DEFAULT_DEADLINE_DAYS = {Grade.LOW: 3, Grade.GENERAL: 7, Grade.HIGH: 15, Grade.MAJOR: 30}


class Category(models.TextChoices):
    FIRE = "fire", _("Fire safety")
    ELECTRICITY = "electricity", _("Electricity")
    BUILDING = "building", _("Buildings and facilities")
    FOOD = "food", _("Canteen and food")
    DORMITORY = "dormitory", _("Dormitory")
    LAB = "lab", _("Labs and hazardous chemicals")
    GATE = "gate", _("Gate, visitors and three-defense kit")
    SURROUNDINGS = "surroundings", _("Surroundings")
    TRAFFIC = "traffic", _("Traffic and school bus")
    WATER = "water", _("Nearby waters")
    SECURITY = "security", _("Security facilities")
    SPORTS = "sports", _("Sports and activities")
    OTHER = "other", _("Other")


class Source(models.TextChoices):
    INSPECTION = "inspection", _("Inspection")
    PATROL = "patrol", _("Patrol")
    SUPERVISION = "supervision", _("Supervision")
    PUBLIC = "public", _("Report by anyone")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    PENDING_REVIEW = "pending_review", _("Awaiting review")
    REPORTED = "reported", _("Reported")
    RECTIFYING = "rectifying", _("Rectifying")
    SUBMITTED = "submitted", _("Submitted for acceptance")
    CLOSED = "closed", _("Closed")
    ESCALATED = "escalated", _("Escalated")
    DISMISSED = "dismissed", _("Dismissed")


OPEN_STATUSES = (Status.REPORTED, Status.RECTIFYING, Status.SUBMITTED, Status.ESCALATED)


class EscalationStep(models.TextChoices):
    """The ladder an overdue hazard climbs, one record per step."""

    REMINDER = "reminder", _("Reminder")
    NOTICE = "notice", _("Rectification notice")
    WARNING = "warning", _("Written warning")
    CIRCULAR = "circular", _("Listed in the circular")


ESCALATION_LADDER = [
    EscalationStep.REMINDER,
    EscalationStep.NOTICE,
    EscalationStep.WARNING,
    EscalationStep.CIRCULAR,
]
# Days overdue at which each step becomes due (a grace period at each level).
DEFAULT_LADDER_DAYS = {
    EscalationStep.REMINDER: 1,
    EscalationStep.NOTICE: 4,
    EscalationStep.WARNING: 11,
    EscalationStep.CIRCULAR: 26,
}
