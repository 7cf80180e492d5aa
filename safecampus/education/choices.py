"""The vocabularies of safety education: the 1530 reminders, the topics they cover, the kinds
of activity, and where a campaign's completion figure came from."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ReminderKind(models.TextChoices):
    """The three reminders of the “1530” mechanism (seed 004): 1 minute before dismissal each
    school day, 5 minutes each week, 30 minutes before each holiday."""

    DAILY = "daily", _("Daily (1 minute)")
    WEEKLY = "weekly", _("Weekly (5 minutes)")
    HOLIDAY = "holiday", _("Before a holiday (30 minutes)")


class Topic(models.TextChoices):
    DROWNING = "drowning", _("Drowning prevention")
    TRAFFIC = "traffic", _("Traffic safety")
    FIRE = "fire", _("Fire safety")
    FOOD = "food", _("Food safety")
    BULLYING = "bullying", _("Bullying prevention")
    FRAUD = "fraud", _("Fraud prevention")
    EARTHQUAKE = "earthquake", _("Earthquake safety")
    ELECTRICITY = "electricity", _("Electrical safety")
    WEATHER = "weather", _("Severe weather")
    EPIDEMIC = "epidemic", _("Epidemic prevention")
    CYBER = "cyber", _("Online safety")
    OTHER = "other", pgettext_lazy("education topic", "Other")


class ActivityKind(models.TextChoices):
    THEMED = "themed", _("Themed safety activity")
    HEALTH = "health", _("Health education period")
    DROWNING = "drowning", _("Drowning prevention education")
    OTHER = "other", _("Other safety education")


class ResultSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    IMPORT = "import", _("Imported from the platform")


# Grades in the order a school lists them, so that a school's classes read 一年级 → 六年级
# whatever order they were registered in. Unknown grades sort last, by name.
GRADE_ORDER = {
    name: rank
    for rank, names in enumerate(
        [
            ("托班",),
            ("小班",),
            ("中班",),
            ("大班",),
            ("一年级",),
            ("二年级",),
            ("三年级",),
            ("四年级",),
            ("五年级",),
            ("六年级",),
            ("七年级", "初一"),
            ("八年级", "初二"),
            ("九年级", "初三"),
            ("高一", "高中一年级"),
            ("高二", "高中二年级"),
            ("高三", "高中三年级"),
        ],
        start=1,
    )
    for name in names
}
UNKNOWN_GRADE = 99

GRADES_BY_KIND = {
    "kindergarten": ("小班", "中班", "大班"),
    "primary": ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级"),
    "junior": ("七年级", "八年级", "九年级"),
    "senior": ("高一", "高二", "高三"),
    "nine_year": (
        "一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "七年级", "八年级", "九年级",
    ),
    "twelve_year": (
        "一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "七年级", "八年级", "九年级",
        "高一", "高二", "高三",
    ),
    "vocational": ("高一", "高二", "高三"),
    "special": ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "七年级", "八年级", "九年级"),
}  # fmt: skip


def grade_rank(grade: str) -> int:
    return GRADE_ORDER.get((grade or "").strip(), UNKNOWN_GRADE)
