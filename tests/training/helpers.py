"""Crafting training records directly (the services are tested on their own)."""

import datetime
from decimal import Decimal

from safecampus.training.models import Appointment, TrainingAttendance, TrainingSession

D = datetime.date


def session(org, day, hours=3, audience="managers", days=1, topic="安全培训", **kw):
    return TrainingSession.objects.create(
        org=org,
        audience=audience,
        topic=topic,
        started_on=day,
        days=days,
        hours=Decimal(str(hours)),
        **kw,
    )


def attend(sess, who, hours=None, school=None):
    """`who` is a Person or a name; the attendee's school defaults to the person's or the
    session's."""
    person = None if isinstance(who, str) else who
    org = school or (person.org if person is not None else sess.org)
    return TrainingAttendance.objects.create(
        session=sess,
        org=org,
        person=person,
        name=who if isinstance(who, str) else who.name,
        hours=Decimal(str(hours if hours is not None else sess.hours)),
    )


SINCE = D(2020, 9, 1)


def appoint(school, post, who, started_on=SINCE, ended_on=None, unit=""):
    person = None if isinstance(who, str) else who
    return Appointment.objects.create(
        org=school,
        post=post,
        person=person,
        name=who if isinstance(who, str) else who.name,
        unit=unit,
        started_on=started_on,
        ended_on=ended_on,
    )
