"""The whole catalogue over a realistic region, the demo world: a county's verdicts are exactly
those each school gets when judged alone, their links are the records' pages, and the queries
of a county's run do not grow with its schools."""

import datetime
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import resolve, reverse
from django.utils import timezone, translation

from safecampus.accounts.models import RoleAssignment
from safecampus.compliance import catalog, engine
from safecampus.compliance.verdicts import Status
from safecampus.education.models import EducationActivity
from safecampus.hazards.choices import Category, Grade
from safecampus.hazards.models import ChecklistTemplate, Inspection
from safecampus.hazards.services import hazard_report
from safecampus.orgs.models import OrgNode
from tests import factories as f
from tests.emergency.factories import held_drill
from tests.emergency.incident_helpers import report

SCHOOLS = 16
SEED = 5


@pytest.fixture(scope="module")
def _demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, seeded once for the module inside a transaction rolled back at its end; each
    test runs in a savepoint of it, so what a test adds is undone."""
    with (
        django_db_blocker.unblock(),
        override_settings(VAR_DIR=tmp_path_factory.mktemp("demo")),
        transaction.atomic(),
    ):
        call_command("seed_demo", schools=SCHOOLS, seed=SEED, stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def bureau(_demo, db, settings, tmp_path):
    """The demo's county bureau user and the county."""
    settings.VAR_DIR = tmp_path
    role = RoleAssignment.objects.select_related("user", "org").get(user__username="bureau")
    return role.user, role.org


def test_a_county_judges_each_school_as_it_is_judged_alone(bureau):
    user, county = bureau
    with translation.override("en"):
        region = engine.evaluate(user, county)
        schools = region.run.schools
        assert len(schools) >= 3
        # A realistic region: every outcome, and records behind the verdicts.
        statuses = Counter(v.status for found in region.verdicts.values() for v in found.values())
        assert {Status.COMPLIANT, Status.NOT_COMPLIANT, Status.NO_DATA} <= set(statuses)
        kinds = {
            getattr(e, "kind", "drill")
            for found in region.verdicts.values()
            for v in found.values()
            for e in v.evidence
        }
        assert {"inspection", "hazard", "inventory"} <= kinds
        for s in schools:
            node = OrgNode.objects.get(pk=s.node_id)
            alone = engine.evaluate_school(user, node)
            assert [v.rule for v in alone] == [
                r.code for r in catalog.RULES if r.subject == "school"
            ]
            assert [v.as_dict() for v in alone] == [
                v.as_dict() for v in region.for_subject(s.node_id)
            ], s.name


def test_evidence_links_are_the_records_pages(bureau):
    user, county = bureau
    result = engine.evaluate(user, county)
    names = {
        "inspection": "hazards:inspection",
        "hazard": "hazards:hazard",
        "incident": "incidents:detail",
        "activity": "education:activity",
        "pingan": "compliance:award",
    }
    checked = Counter()
    for found in result.verdicts.values():
        for v in found.values():
            for e in v.evidence:
                url = getattr(e, "url", "")
                if not url:
                    continue
                resolve(url.split("?")[0])  # raises when it is no page of the app
                if e.kind in names:
                    assert url == reverse(names[e.kind], args=[e.id])
                    checked[e.kind] += 1
    assert checked["inspection"] and checked["hazard"]


def test_run_urls_are_reverses(bureau):
    user, county = bureau
    run = engine.Run(user=user, region=county, as_of=timezone.localdate())
    for pk in (1, 42, 1234567):
        assert run.url("hazards:inspection", pk) == reverse("hazards:inspection", args=[pk])
        assert run.url("defense:school", pk) == reverse("defense:school", args=[pk])
    assert run.url("hazard_review:visits") == reverse("hazard_review:visits")


def _grow(county, n: int) -> None:
    """`n` more schools in one of the county's townships, each with a check, a hazard, a
    drill, an incident and an activity, registered long ago."""
    town = OrgNode.objects.filter(path__startswith=county.path + ".", kind="township").first()
    daily = ChecklistTemplate.objects.get(code="INSPECT-DAILY").current
    today = timezone.localdate()
    day = today.replace(day=1) - datetime.timedelta(days=20)  # in the last ended month
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    for _i in range(n):
        school = f.school(town)
        OrgNode.objects.filter(pk=school.pk).update(created_at=at - datetime.timedelta(days=700))
        Inspection.objects.create(
            org=school, checklist=daily, inspected_at=at, signed_name="马建军"
        )
        hazard_report(
            school=school,
            by=None,
            description="消防通道堆放杂物",
            category=Category.FIRE,
            grade=Grade.GENERAL,
            found_at=at,
        )
        held_drill(school, day, "fire", seconds=150)
        report(school, occurred_at=at, reported_at=at)
        EducationActivity.objects.create(
            org=school, kind="themed", topic="traffic", day=day, periods=1, title="安全教育"
        )


def test_the_queries_of_a_county_do_not_grow_with_its_schools(bureau):
    user, county = bureau

    def count():
        user._assignments_cache = None
        with CaptureQueriesContext(connection) as captured:
            result = engine.evaluate(user, county)
        return len(captured), len(result.run.schools)

    few, schools = count()
    _grow(county, 5)
    many, more = count()
    assert more == schools + 5
    assert many == few
