"""Writes of safety education: classes, their 1530 reminders, activities, campaigns and each
school's completion of a campaign.

Every function is keyword-only and one transaction: it checks the role table (NotAllowed, a
403), validates before writing (a ValidationError in the user's language, nothing changed),
claims the record's `version` on an edit (a stale one is refused) and leaves an audit entry.

Who records a reminder: a class teacher (a role that may add education records but not change
them) for the classes they head; the school's managers and the bureau, who may change them,
for any class. Classes are the school's register: only those who may change education records
keep it.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.accounts.access import can
from safecampus.core.attachments import attach_photo
from safecampus.core.audit import audit
from safecampus.core.errors import NotAllowed
from safecampus.core.services import create_record, delete_record, update_record
from safecampus.education.choices import ReminderKind, ResultSource
from safecampus.education.models import (
    Campaign,
    CampaignResult,
    EducationActivity,
    SafetyReminder,
    SchoolClass,
)
from safecampus.education.schedule import suggested_topic

# A reminder is entered the day it is given, or soon after; not a month later (补录 of a whole
# term is box-ticking, not a record).
LATE_DAYS = 30
RULE = "EDU-1530"
MINUTES_PARAM = {
    ReminderKind.DAILY: "daily_minutes",
    ReminderKind.WEEKLY: "weekly_minutes",
    ReminderKind.HOLIDAY: "holiday_minutes",
}


def _require(by, action: str, model, org) -> None:
    if by is not None and not can(by, action, model, org):
        raise NotAllowed(_("Your role does not allow this here."))


def _user(by):
    return by if getattr(by, "pk", None) else None


def _school(node, message: str) -> None:
    if node is None or not node.is_school:
        raise ValidationError({"org": message})


def manages(by, school) -> bool:
    """May `by` keep the school's education records (not only add reminders)?"""
    return by is None or can(by, "change", SchoolClass, school)


# ------------------------------------------------------------------------------- classes


def _head_teacher_ok(school, user) -> None:
    from safecampus.accounts.models import RoleAssignment

    if user is None:
        return
    if not RoleAssignment.objects.filter(user=user, org=school).exists():
        raise ValidationError(
            {"head_teacher": _("The head teacher must have an account at %(school)s.")
             % {"school": school.name}}
        )  # fmt: skip


@transaction.atomic
def class_save(
    *,
    by,
    school=None,
    school_class: SchoolClass | None = None,
    grade: str,
    name: str,
    head_teacher=None,
    pupils: int = 0,
    active: bool = True,
    expected_version: int | None = None,
) -> SchoolClass:
    """Register a class at `school`, or change `school_class`."""
    data = {
        "grade": (grade or "").strip(),
        "name": (name or "").strip(),
        "head_teacher": head_teacher,
        "pupils": pupils or 0,
        "active": active,
    }
    if school_class is None:
        _school(school, _("A class belongs to a school."))
        _require(by, "change", SchoolClass, school)
        _head_teacher_ok(school, head_teacher)
        _name_free(school, data["name"], None, active)
        return create_record(instance=SchoolClass(org=school, **data), by=by)
    _require(by, "change", SchoolClass, school_class.org)
    if head_teacher is not None and head_teacher.pk != school_class.head_teacher_id:
        _head_teacher_ok(school_class.org, head_teacher)
    _name_free(school_class.org, data["name"], school_class.pk, active)
    return update_record(instance=school_class, by=by, data=data, expected_version=expected_version)


def _name_free(school, name: str, pk, active: bool) -> None:
    if not active or not name:
        return
    clash = SchoolClass.objects.filter(org=school, name=name, active=True).exclude(pk=pk)
    if clash.exists():
        raise ValidationError(
            {"name": _("%(school)s already has an active class named %(name)s.")
             % {"school": school.name, "name": name}}
        )  # fmt: skip


@transaction.atomic
def class_delete(*, school_class: SchoolClass, by) -> None:
    """Remove a class registered by mistake; a class with reminders is made inactive instead."""
    _require(by, "delete", SchoolClass, school_class.org)
    if school_class.reminders.exists():
        raise ValidationError(
            _("This class has 1530 records: make it inactive instead of deleting it.")
        )
    delete_record(instance=school_class, by=by)


# ----------------------------------------------------------------------------- reminders


def default_minutes(kind: str, school, day: datetime.date) -> int:
    """The minutes of a reminder in force at the school (EDU-1530, with the county's numbers)."""
    from safecampus.compliance.params import effective_params

    return int(effective_params(RULE, school, day)[MINUTES_PARAM[kind]])


def _may_record(by, school_class: SchoolClass) -> None:
    _require(by, "add", SafetyReminder, school_class.org)
    if by is None or manages(by, school_class.org):
        return
    if school_class.head_teacher_id != by.pk:
        raise NotAllowed(
            _("Only the head teacher of %(name)s, or the school's managers, record its reminders.")
            % {"name": school_class.name}
        )


def _check_day(day: datetime.date | None) -> datetime.date:
    today = timezone.localdate()
    if day is None:
        return today
    if day > today:
        raise ValidationError(
            {"day": _("A reminder is recorded once it has been given: this day is still ahead.")}
        )
    if (today - day).days > LATE_DAYS:
        raise ValidationError(
            {"day": _("Reminders are recorded within %(days)d days of the day they were given.")
             % {"days": LATE_DAYS}}
        )  # fmt: skip
    return day


@transaction.atomic
def reminder_record(
    *,
    school_class: SchoolClass,
    by,
    kind: str,
    day: datetime.date | None = None,
    topic: str = "",
    minutes: int | None = None,
    note: str = "",
    holiday: str = "",
) -> tuple[SafetyReminder, bool]:
    """Record that `school_class` was given its `kind` reminder on `day` (today when not
    given). Returns (reminder, created): the class's record of that kind and day when there is
    one already, so a second tap — or a retry over a weak network — is harmless."""
    _may_record(by, school_class)
    if not school_class.active:
        raise ValidationError({"school_class": _("This class is no longer active.")})
    if kind not in ReminderKind.values:
        raise ValidationError({"kind": _("Choose the daily, weekly or holiday reminder.")})
    day = _check_day(day)
    found = SafetyReminder.objects.filter(school_class=school_class, kind=kind, day=day).first()
    if found is not None:
        return found, False
    reminder = SafetyReminder(
        org_id=school_class.org_id,
        org_path=school_class.org_path,
        school_class=school_class,
        kind=kind,
        day=day,
        topic=topic or suggested_topic(kind, day, holiday),
        minutes=minutes or default_minutes(kind, school_class.org, day),
        note=(note or "").strip()[:200],
        recorded_by=_user(by),
    )
    try:
        with transaction.atomic():
            return create_record(instance=reminder, by=by), True
    except IntegrityError:  # the same tap arrived twice at once: the first one won
        return SafetyReminder.objects.get(school_class=school_class, kind=kind, day=day), False


@transaction.atomic
def reminder_update(
    *, reminder: SafetyReminder, by, data: dict, expected_version: int | None
) -> SafetyReminder:
    """Correct a reminder's topic, minutes or note. Which class, which reminder and which day
    stay: a wrong one is deleted and recorded again."""
    _require(by, "change", SafetyReminder, reminder.org)
    fixed = {"school_class", "kind", "day", "org"}
    for name in fixed & set(data):
        current = getattr(reminder, name)
        if data[name] != current and getattr(data[name], "pk", data[name]) != getattr(
            current, "pk", current
        ):
            raise ValidationError(
                {name: _("Delete the reminder and record it again to change this.")}
            )
    allowed = {k: v for k, v in data.items() if k in ("topic", "minutes", "note")}
    return update_record(instance=reminder, by=by, data=allowed, expected_version=expected_version)


@transaction.atomic
def reminder_delete(*, reminder: SafetyReminder, by) -> None:
    _require(by, "delete", SafetyReminder, reminder.org)
    delete_record(instance=reminder, by=by)


# ---------------------------------------------------------------------------- activities

ACTIVITY_FIELDS = (
    "kind",
    "title",
    "topic",
    "day",
    "periods",
    "participants",
    "school_class",
    "note",
)


def _activity_data(fields: dict) -> dict:
    unknown = set(fields) - set(ACTIVITY_FIELDS)
    if unknown:
        raise TypeError(f"activity_save: unknown fields {sorted(unknown)}")
    data = dict(fields)
    if "title" in data:
        data["title"] = (data["title"] or "").strip()
    if data.get("day") and data["day"] > timezone.localdate():
        raise ValidationError(
            {"day": _("An activity is recorded once it has been held: this day is still ahead.")}
        )
    return data


@transaction.atomic
def activity_save(
    *,
    by,
    school=None,
    activity: EducationActivity | None = None,
    expected_version: int | None = None,
    photos=(),
    **fields,
) -> EducationActivity:
    """Record an activity held at `school`, or correct `activity`; photos are added to it."""
    data = _activity_data(fields)
    if activity is None:
        _school(school, _("An education activity belongs to a school."))
        _require(by, "add", EducationActivity, school)
        activity = create_record(
            instance=EducationActivity(org=school, recorded_by=_user(by), **data), by=by
        )
    else:
        _require(by, "change", EducationActivity, activity.org)
        data.pop("org", None)
        update_record(instance=activity, by=by, data=data, expected_version=expected_version)
    activity_add_photos(activity=activity, by=by, photos=photos)
    return activity


def activity_add_photos(*, activity: EducationActivity, by, photos) -> list:
    photos = [p for p in photos or () if p]
    if not photos:
        return []
    _require(by, "add", EducationActivity, activity.org)
    with transaction.atomic():
        stored = [attach_photo(upload=p, to=activity, kind="education", by=by) for p in photos]
        audit(
            instance=activity,
            action="update",
            by=by,
            comment=_("%(count)d photos added.") % {"count": len(stored)},
        )
    return stored


@transaction.atomic
def activity_delete(*, activity: EducationActivity, by) -> None:
    _require(by, "delete", EducationActivity, activity.org)
    delete_record(instance=activity, by=by)


# ----------------------------------------------------------------------------- campaigns

CAMPAIGN_FIELDS = ("name", "topic", "start", "end", "platform", "description")


@transaction.atomic
def campaign_save(
    *,
    by,
    org=None,
    campaign: Campaign | None = None,
    expected_version: int | None = None,
    **fields,
) -> Campaign:
    """Start a campaign run by region `org`, or change `campaign`."""
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise TypeError(f"campaign_save: unknown fields {sorted(unknown)}")
    data = dict(fields)
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
    if campaign is None:
        if org is None or org.is_school:
            raise ValidationError({"org": _("A campaign is run by a region, not by a school.")})
        _require(by, "add", Campaign, org)
        return create_record(instance=Campaign(org=org, created_by=_user(by), **data), by=by)
    _require(by, "change", Campaign, campaign.org)
    if data.get("start") and data.get("end") is None:
        data["end"] = campaign.end
    return update_record(instance=campaign, by=by, data=data, expected_version=expected_version)


@transaction.atomic
def campaign_delete(*, campaign: Campaign, by) -> None:
    _require(by, "delete", Campaign, campaign.org)
    if campaign.results.exists():
        raise ValidationError(
            _("Schools have reported completions of this campaign: it cannot be deleted.")
        )
    delete_record(instance=campaign, by=by)


def _whole(value, field: str) -> int:
    if isinstance(value, bool) or value is None:
        raise ValidationError({field: _("Give a whole number.")})
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("Give a whole number.")}) from None
    if number != value and str(number) != str(value).strip():
        raise ValidationError({field: _("Give a whole number.")})
    if number < 0:
        raise ValidationError({field: _("Give a number of people, not below zero.")})
    return number


@transaction.atomic
def result_save(
    *,
    campaign: Campaign,
    school,
    by,
    target,
    completed,
    source: str = ResultSource.MANUAL,
    expected_version: int | None = None,
) -> tuple[CampaignResult, bool]:
    """The school's completion of the campaign: created, or the figures replaced (audited with
    the old and new numbers). Returns (result, created)."""
    _school(school, _("A completion figure belongs to a school."))
    if not school.is_within_path(campaign.org_path):
        raise ValidationError(
            {"org": _("%(school)s is outside the region that runs the campaign.")
             % {"school": school.name}}
        )  # fmt: skip
    target = _whole(target, "target")
    completed = _whole(completed, "completed")
    if source not in ResultSource.values:
        source = ResultSource.MANUAL
    # A completion figure is the school's report upwards: kept by those who may change the
    # school's education records (not by every teacher who may add a reminder).
    _require(by, "change", CampaignResult, school)
    found = CampaignResult.objects.filter(campaign=campaign, org=school).first()
    if found is None:
        result = CampaignResult(
            org=school,
            campaign=campaign,
            target=target,
            completed=completed,
            source=source,
            updated_by=_user(by),
        )
        return create_record(instance=result, by=by), True
    data = {"target": target, "completed": completed, "source": source, "updated_by": _user(by)}
    if found.target == target and found.completed == completed and found.source == source:
        return found, False
    return update_record(instance=found, by=by, data=data, expected_version=expected_version), False


@transaction.atomic
def result_delete(*, result: CampaignResult, by) -> None:
    _require(by, "delete", CampaignResult, result.org)
    delete_record(instance=result, by=by)
