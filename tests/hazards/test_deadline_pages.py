"""The deadline policy page: a county's numbers set on the page give its next confirmed hazards
their deadlines (and no other county's, and no deadline already given), stale edits are
refused, bad numbers are refused with nothing saved, schools read, other counties 404."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from safecampus.accounts.roles import Role
from safecampus.core.models import AuditEntry
from safecampus.hazards import services
from safecampus.hazards.choices import Grade
from safecampus.hazards.models import DeadlinePolicy, Hazard
from tests import factories as f

NUMBERS = {
    "days_low": 2,
    "days_general": 10,
    "days_high": 20,
    "days_major": 45,
    "recheck_days": 60,
}


def url(node):
    return reverse("hazard_deadlines:node", args=[node.pk])


@pytest.fixture
def bureau(world):
    return f.user_with_role(Role.BUREAU_STAFF, world.county_a)


def report_and_confirm(school, grade=Grade.GENERAL):
    officer = f.user_with_role(Role.SAFETY_OFFICER, school)
    person = f.PersonFactory(org=school, post="总务主任")
    hazard = services.hazard_report(
        school=school, by=officer, description="消防通道堵塞", category="fire"
    )
    hazard = Hazard.objects.get(pk=hazard.pk)
    data = {"grade": grade, "responsible_person": person, "measures": "清理杂物"}
    if grade == Grade.MAJOR:
        data["plan"] = "停用该区域，制定整改方案"
    return services.hazard_move(
        hazard=hazard, action="confirm", by=officer, expected_version=hazard.version, data=data
    )


def test_numbers_set_on_the_page_give_the_next_confirmed_hazard_its_deadline(client, world, bureau):
    today = timezone.localdate()
    before = report_and_confirm(world.school_a1)
    assert before.deadline == today + datetime.timedelta(days=7)  # the built-in default

    client.force_login(bureau)
    page = client.get(url(world.county_a)).content.decode()
    assert 'data-testid="policy-form"' in page
    assert "已给出的整改期限不变" in page  # the page says existing deadlines do not move
    response = client.post(url(world.county_a), NUMBERS)
    assert response.status_code == 302
    policy = DeadlinePolicy.objects.get(org=world.county_a)
    assert (policy.days_general, policy.days_major, policy.recheck_days) == (10, 45, 60)
    assert AuditEntry.objects.filter(
        object_id=str(policy.pk), action="create", user=bureau
    ).exists()

    general = report_and_confirm(world.school_a1)
    major = report_and_confirm(world.school_a2, Grade.MAJOR)
    other = report_and_confirm(world.school_b1)
    assert general.deadline == today + datetime.timedelta(days=10)
    assert major.deadline == today + datetime.timedelta(days=45)
    assert other.deadline == today + datetime.timedelta(days=7)  # another county: defaults
    assert Hazard.objects.get(pk=before.pk).deadline == today + datetime.timedelta(days=7)

    page = client.get(url(world.school_a1)).content.decode()
    assert 'data-testid="days-general">10<' in page
    assert "盐池县" in page


def test_a_stale_page_is_refused(client, world, bureau):
    client.force_login(bureau)
    client.post(url(world.county_a), NUMBERS)
    policy = DeadlinePolicy.objects.get(org=world.county_a)
    assert policy.version == 1
    # Another writer saves first.
    other = f.user_with_role(Role.BUREAU_STAFF, world.county_a)
    client.force_login(other)
    assert client.post(url(world.county_a), {**NUMBERS, "days_low": 4, "version": 1}).status_code == 302  # fmt: skip
    # The first writer's page still carries version 1.
    client.force_login(bureau)
    response = client.post(url(world.county_a), {**NUMBERS, "days_low": 1, "version": 1})
    assert response.status_code == 200
    assert "已有他人修改" in response.content.decode()
    policy.refresh_from_db()
    assert (policy.days_low, policy.version) == (4, 2)
    # A page opened before the county had numbers of its own is stale too.
    response = client.post(url(world.county_a), {**NUMBERS, "days_low": 1, "version": ""})
    assert response.status_code == 200
    assert DeadlinePolicy.objects.get(org=world.county_a).days_low == 4


def test_bad_numbers_are_refused_and_nothing_is_saved(client, world, bureau):
    client.force_login(bureau)
    response = client.post(url(world.county_a), {**NUMBERS, "days_major": 12})
    assert response.status_code == 200
    page = response.content.decode()
    assert "重大隐患的整改天数不能少于较大隐患" in page
    assert 'value="12"' in page  # what was typed stays
    response = client.post(url(world.county_a), {**NUMBERS, "days_low": 0, "days_general": "x"})
    assert response.status_code == 200
    assert not DeadlinePolicy.objects.exists()


def test_removing_the_county_numbers_brings_the_inherited_ones_back(client, world, bureau):
    sysadmin = f.user_with_role(Role.SYSADMIN, world.city)
    client.force_login(sysadmin)
    assert client.post(url(world.city), {**NUMBERS, "days_general": 8}).status_code == 302
    client.force_login(bureau)
    page = client.get(url(world.county_a)).content.decode()
    assert 'data-testid="days-general">8<' in page and "吴忠市" in page
    client.post(url(world.county_a), NUMBERS)
    policy = DeadlinePolicy.objects.get(org=world.county_a)
    remove = reverse("hazard_deadlines:remove", args=[world.county_a.pk])
    assert client.post(remove, {"version": policy.version + 1}).status_code == 302  # stale
    assert DeadlinePolicy.objects.filter(org=world.county_a).exists()
    assert client.post(remove, {"version": policy.version}).status_code == 302
    assert not DeadlinePolicy.objects.filter(org=world.county_a).exists()
    assert services.policy_for(world.school_a1).days_general == 8


def test_a_school_reads_the_policy_but_cannot_set_it(client, world, bureau):
    client.force_login(bureau)
    client.post(url(world.county_a), NUMBERS)
    principal = f.user_with_role(Role.PRINCIPAL, world.school_a1)
    client.force_login(principal)
    assert client.get(reverse("hazard_deadlines:home"))["Location"] == url(world.school_a1)
    page = client.get(url(world.school_a1))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="days-general">10<' in text and 'data-testid="policy-form"' not in text
    assert client.post(url(world.school_a1), {**NUMBERS, "days_low": 1}).status_code == 403
    assert client.get(url(world.county_a)).status_code == 404
    assert client.post(url(world.county_a), {**NUMBERS, "days_low": 1}).status_code == 404
    remove = reverse("hazard_deadlines:remove", args=[world.county_a.pk])
    assert client.post(remove, {"version": 1}).status_code == 404
    assert DeadlinePolicy.objects.get(org=world.county_a).days_low == 2


def test_another_county_gets_404(client, world, bureau):
    client.force_login(bureau)
    client.post(url(world.county_a), NUMBERS)
    policy = DeadlinePolicy.objects.get(org=world.county_a)
    client.force_login(f.user_with_role(Role.BUREAU_STAFF, world.county_b))
    for target in (world.county_a, world.school_a1):
        assert client.get(url(target)).status_code == 404
        assert client.post(url(target), {**NUMBERS, "days_low": 1}).status_code == 404
    assert client.get(reverse("hazard_deadlines:policy", args=[policy.pk])).status_code == 404
    remove = reverse("hazard_deadlines:remove", args=[world.county_a.pk])
    assert client.post(remove, {"version": policy.version}).status_code == 404
    assert DeadlinePolicy.objects.get(org=world.county_a).days_low == 2
    page = client.get(url(world.county_b)).content.decode()
    assert 'data-testid="days-general">7<' in page
