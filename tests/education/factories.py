"""Education records for tests, written directly (as the demo does) so that a test can place
them on any day; the services are tested on their own."""

import datetime

from django.utils import timezone

from safecampus.education.models import (
    Campaign,
    CampaignResult,
    EducationActivity,
    SafetyReminder,
    SchoolClass,
)
from safecampus.orgs.models import OrgNode, ancestor_paths

MINUTES = {"daily": 1, "weekly": 5, "holiday": 30}


def school_class(school, name="三年级2班", *, grade="", head_teacher=None, since=None, **kw):
    """A class registered on `since` (a day; default: a year ago, so any month is judged)."""
    klass = SchoolClass.objects.create(
        org=school,
        name=name,
        grade=grade or name[:3],
        head_teacher=head_teacher,
        pupils=kw.pop("pupils", 45),
        **kw,
    )
    since = since or timezone.localdate() - datetime.timedelta(days=400)
    moment = timezone.make_aware(datetime.datetime.combine(since, datetime.time(8)))
    SchoolClass.objects.filter(pk=klass.pk).update(created_at=moment)
    klass.refresh_from_db()
    return klass


def remind(klass, day, kind="daily", *, minutes=None, topic="traffic"):
    return SafetyReminder.objects.create(
        org=klass.org,
        school_class=klass,
        kind=kind,
        day=day,
        topic=topic,
        minutes=minutes or MINUTES[kind],
    )


def remind_all(klass, days, kind="daily", **kw):
    return [remind(klass, d, kind, **kw) for d in days]


def activity(school, day, kind="themed", *, topic="traffic", periods=1, title="", **kw):
    return EducationActivity.objects.create(
        org=school,
        kind=kind,
        topic=topic,
        day=day,
        periods=periods,
        title=title or f"{day:%m月%d日}安全教育",
        **kw,
    )


def county_of(node):
    return OrgNode.objects.filter(path__in=ancestor_paths(node.path), kind="county").get()


def campaign(org, name="秋季安全第一课", start=None, end=None, topic="other"):
    start = start or datetime.date(2026, 9, 1)
    end = end or datetime.date(2026, 9, 30)
    return Campaign.objects.create(org=org, name=name, start=start, end=end, topic=topic)


def result(campaign_, school, target, completed, source="manual"):
    return CampaignResult.objects.create(
        org=school, campaign=campaign_, target=target, completed=completed, source=source
    )


def education_target(node, tag: str, resource: str):
    """One record of each education resource of the API at school `node` (a campaign at its
    county), named by the resource's route."""
    klass = school_class(node, f"三年级{tag}班")
    if resource == "school-classes":
        return klass
    if resource == "safety-reminders":
        return remind(klass, timezone.localdate())
    if resource == "education-activities":
        return activity(node, timezone.localdate(), title=f"交通安全主题班会{tag}")
    found = campaign(county_of(node), name=f"秋季安全第一课{tag}")
    if resource == "campaigns":
        return found
    return result(found, node, 600, 570)
