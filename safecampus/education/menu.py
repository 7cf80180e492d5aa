"""The education group of the menu: a class teacher's “today”, a school's classes and records,
activities, campaigns, and the bureau's overview."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from safecampus.accounts.access import assignments, can_anywhere
from safecampus.accounts.roles import REGIONAL_ROLES, SCHOOL_ROLES


def menu_items(user) -> list[dict]:
    from safecampus.compliance.models import PingAnAward
    from safecampus.education.models import (
        Campaign,
        EducationActivity,
        SafetyReminder,
        SchoolClass,
    )

    def item(label, url, key):
        return {"group": "education", "label": label, "url": reverse(url), "key": key}

    roles = assignments(user)
    at_school = any(a.role in SCHOOL_ROLES and a.org.is_school for a in roles)
    regional = any(a.role in REGIONAL_ROLES for a in roles)
    items = []
    if at_school and can_anywhere(user, "add", SafetyReminder):
        items.append(item(_("Today's 1530 reminders"), "education:today", "education_today"))
    if at_school and can_anywhere(user, "view", SchoolClass):
        items.append(item(_("Classes and 1530 records"), "education:records", "education_records"))
    if can_anywhere(user, "view", EducationActivity):
        items.append(
            item(_("Education activities"), "education:activities", "education_activities")
        )
    if can_anywhere(user, "view", Campaign):
        items.append(item(_("Education campaigns"), "education:campaigns", "education_campaigns"))
    if (regional or user.is_superuser) and can_anywhere(user, "view", PingAnAward):
        items.append(
            item(_("Safety education overview"), "education:overview", "education_overview")
        )
    return items
