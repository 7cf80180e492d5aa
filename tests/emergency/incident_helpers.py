"""Builders for the incident tests: a report with sensible defaults, and people by role."""

import datetime

from django.utils import timezone

from safecampus.accounts.roles import Role
from safecampus.emergency import incidents
from tests import factories as f


def report(school, by=None, **kw):
    kw.setdefault("incident_type", "injury")
    kw.setdefault("place", "操场")
    kw.setdefault("description", "学生课间跑步摔倒，膝盖擦伤")
    return incidents.incident_report(school=school, by=by, **kw)


def minutes_ago(n: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=n)


def people(world) -> dict:
    return {
        "officer": f.user_with_role(Role.SAFETY_OFFICER, world.school_a1),
        "principal": f.user_with_role(Role.PRINCIPAL, world.school_a1),
        "teacher": f.user_with_role(Role.TEACHER, world.school_a1),
        "bureau": f.user_with_role(Role.BUREAU_STAFF, world.county_a),
        "leader": f.user_with_role(Role.BUREAU_LEADER, world.county_a),
        "observer": f.user_with_role(Role.OBSERVER, world.county_a),
        "other_bureau": f.user_with_role(Role.BUREAU_STAFF, world.county_b),
    }
