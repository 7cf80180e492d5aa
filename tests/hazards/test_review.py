"""Weekly analysis, monthly dispatch and the inspectors' monthly visits."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from safecampus.core.errors import NotAllowed
from safecampus.core.models import AuditEntry
from safecampus.hazards import review, services
from safecampus.hazards.choices import Grade, Status
from safecampus.hazards.models import Hazard, Spot
from tests import factories as f


@pytest.fixture
def setup(world):
    officer = f.user_with_role("safety_officer", world.school_a1)
    spot = Spot.objects.create(org=world.school_a1, name="食堂后门")
    now = timezone.now()
    for days, grade in [(1, Grade.GENERAL), (2, Grade.MAJOR), (40, Grade.LOW)]:
        services.hazard_report(
            school=world.school_a1,
            by=officer,
            description="d",
            category="fire",
            grade=grade,
            spot=spot,
            found_at=now - datetime.timedelta(days=days),
        )
    other = f.user_with_role("safety_officer", world.school_b1)
    services.hazard_report(school=world.school_b1, by=other, description="d", category="food")
    return officer, spot


@pytest.mark.django_db
def test_week_summary_counts_the_week_and_repeat_spots(world, setup):
    officer, _spot = setup
    today = timezone.localdate()
    start, _end = review.week_of(today)
    summary = review.week_summary(world.school_a1, start, user=officer)
    in_week = Hazard.objects.filter(org=world.school_a1, found_at__date__gte=start).count()
    assert summary["found"] == in_week
    assert summary["open"] == 3 and summary["open_major"] == 1
    assert summary["repeat_spots"] == [["食堂后门", 3]]


@pytest.mark.django_db
def test_weekly_review_is_signed_once_per_week_and_audited(world, setup):
    officer, _spot = setup
    person = f.PersonFactory(org=world.school_a1)
    saved = review.weekly_review_save(
        school=world.school_a1,
        week_start=timezone.localdate(),
        by=officer,
        attendees="校长、安全办",
        analysis="食堂后门反复出现堵塞",
        signed_name="杨志国",
        tasks=[{"text": "食堂后门加装警示标识", "owner": person, "due_on": timezone.localdate()}],
    )
    assert saved.tasks.count() == 1 and saved.summary["open"] == 3
    assert AuditEntry.objects.filter(object_id=str(saved.pk), action="create").exists()
    with pytest.raises(ValidationError):
        review.weekly_review_save(
            school=world.school_a1,
            week_start=timezone.localdate(),
            by=officer,
            attendees="",
            analysis="",
            signed_name="杨志国",
        )


@pytest.mark.django_db
def test_a_teacher_cannot_record_the_weekly_analysis(world, setup):
    teacher = f.user_with_role("teacher", world.school_a1)
    with pytest.raises(NotAllowed):
        review.weekly_review_save(
            school=world.school_a1,
            week_start=timezone.localdate(),
            by=teacher,
            attendees="",
            analysis="",
            signed_name="x",
        )


@pytest.mark.django_db
def test_monthly_dispatch_groups_by_child_and_stays_in_scope(world, setup):
    bureau = f.user_with_role("bureau_staff", world.county_a)
    Hazard.objects.filter(org=world.school_a1, grade=Grade.MAJOR).update(status=Status.ESCALATED)
    data = review.monthly_dispatch(user=bureau, node=world.county_a, month=timezone.localdate())
    rows = {r.node.name: r for r in data["rows"]}
    assert set(rows) == {"冯记沟乡"}
    assert rows["冯记沟乡"].open == 3
    assert [h.org for h in data["escalated"]] == [world.school_a1]
    city = f.user_with_role("bureau_staff", world.city)
    data = review.monthly_dispatch(user=city, node=world.city, month=timezone.localdate())
    assert {r.node.name: r.open for r in data["rows"]} == {"盐池县": 3, "同心县": 1}


@pytest.mark.django_db
def test_most_overdue_schools_come_from_the_rollup_and_stay_in_scope(world, setup):
    """The most overdue schools are summed from the open hazards' rollup rows: a county's
    staff asking of the whole city still see only their county's schools."""
    from safecampus.hazards import rollups

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Hazard.objects.update(status=Status.RECTIFYING, deadline=yesterday)
    rollups.rebuild()
    month = timezone.localdate()
    city = f.user_with_role("bureau_staff", world.city)
    shown = review.monthly_dispatch(user=city, node=world.city, month=month)["most_overdue"]
    assert [(r["org__name"], r["n"]) for r in shown] == [
        (world.school_a1.name, 3),
        (world.school_b1.name, 1),
    ]
    county = f.user_with_role("bureau_staff", world.county_a)
    shown = review.monthly_dispatch(user=county, node=world.city, month=month)["most_overdue"]
    assert [(r["org_id"], r["n"], r["earliest"]) for r in shown] == [
        (world.school_a1.pk, 3, yesterday)
    ]


@pytest.mark.django_db
def test_visits_monthly_done_or_missing(world):
    inspector = f.user_with_role("inspector", world.school_a1)
    from safecampus.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=inspector, role="inspector", org=world.school_a2)
    review.visit_record(
        school=world.school_a1,
        by=inspector,
        visited_on=timezone.localdate(),
        findings="消防通道畅通",
    )
    bureau = f.user_with_role("bureau_staff", world.county_a)
    status = {
        s.school.name: s.visited
        for s in review.visits_status(user=bureau, node=world.county_a, month=timezone.localdate())
    }
    assert status == {"冯记沟中心小学": True, "冯记沟幼儿园": False}
    with pytest.raises(NotAllowed):
        review.visit_record(
            school=world.school_b1, by=inspector, visited_on=timezone.localdate(), findings=""
        )


@pytest.mark.django_db
def test_review_pages_render_in_scope_and_404_outside(client, world, setup):
    from django.urls import reverse

    officer, _spot = setup
    client.force_login(officer)
    page = client.get(reverse("hazard_review:weekly", args=[world.school_a1.pk]))
    assert page.status_code == 200 and "冯记沟中心小学" in page.content.decode()
    assert client.get(reverse("hazard_review:weekly", args=[world.school_b1.pk])).status_code == 404
    response = client.post(
        reverse("hazard_review:weekly", args=[world.school_a1.pk]),
        {"attendees": "校长", "analysis": "本周无新增重大隐患", "signed_name": "杨志国"},
    )
    assert response.status_code == 302
    assert world.school_a1.pk in set(review.WeeklyReview.objects.values_list("org_id", flat=True))
    bureau = f.user_with_role("bureau_staff", world.county_a)
    client.force_login(bureau)
    html = client.get(reverse("hazard_review:dispatch")).content.decode()
    assert "冯记沟乡" in html and "同心县" not in html
    export = client.get(reverse("hazard_review:dispatch"), {"export": "xlsx"})
    assert export.status_code == 200
    assert (
        client.get(reverse("hazard_review:dispatch_node", args=[world.county_b.pk])).status_code
        == 404
    )
    assert client.get(reverse("hazard_review:visits")).status_code == 200


@pytest.mark.django_db
def test_a_teacher_cannot_open_the_weekly_analysis_form(client, world, setup):
    from django.urls import reverse

    client.force_login(f.user_with_role("teacher", world.school_a1))
    url = reverse("hazard_review:weekly", args=[world.school_a1.pk])
    assert client.get(url).status_code == 200
    assert client.get(url + "?record=1").status_code == 403
