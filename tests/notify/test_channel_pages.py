"""The channel pages: a robot set up on the page receives its test message on a real local
HTTP server; bad targets are refused; leaders read without secrets; other counties 404."""

import pytest
from django.urls import reverse

from safecampus.accounts.roles import Role
from safecampus.core.models import AuditEntry
from safecampus.notify.choices import DeliveryStatus
from safecampus.notify.models import Channel, Delivery
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=False)

SECRET = "SEC0123456789abcdef"


@pytest.fixture
def bureau(world):
    return f.user_with_role(Role.BUREAU_STAFF, world.county_a)


def form(org, **kw):
    data = {
        "org": org.pk,
        "name": "盐池县安全工作群",
        "kind": "wecom",
        "target": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k-123",
        "min_severity": "urgent",
        "active": "on",
    }
    data.update(kw)
    return data


def test_a_robot_set_up_on_the_page_receives_the_test_message(
    client, world, bureau, http_server, immediate_tasks, django_capture_on_commit_callbacks
):
    client.force_login(bureau)
    target = http_server.url("/ding?access_token=tok-1")
    response = client.post(
        reverse("notify:channel_add"),
        form(world.county_a, kind="dingtalk", target=target, secret=SECRET),
    )
    assert response.status_code == 302
    channel = Channel.objects.get(name="盐池县安全工作群")
    assert (channel.org, channel.kind, channel.target, channel.secret, channel.active) == (
        world.county_a, "dingtalk", target, SECRET, True,
    )  # fmt: skip
    assert response["Location"] == reverse("notify:channel", args=[channel.pk])
    assert AuditEntry.objects.filter(object_id=str(channel.pk), action="create").exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("notify:channel_test", args=[channel.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("notify:deliveries"))
    posts = http_server.posts("/ding")
    assert len(posts) == 1
    assert posts[0]["query"]["access_token"] == "tok-1" and posts[0]["query"]["sign"]
    assert "盐池县安全工作群" in posts[0]["json"]["markdown"]["text"]
    delivery = Delivery.objects.get(channel=channel)
    assert delivery.status == DeliveryStatus.SENT and delivery.event == "channel_test"

    page = client.get(response["Location"]).content.decode()
    assert f'data-testid="delivery-{delivery.pk}"' in page and "已发送" in page
    assert "tok-1" not in page  # the webhook's token is not shown
    page = client.get(reverse("notify:channel", args=[channel.pk])).content.decode()
    assert "测试消息" in page and SECRET not in page and "tok-1" not in page


def test_a_failing_robot_shows_its_error(
    client, world, bureau, http_server, immediate_tasks, django_capture_on_commit_callbacks
):
    channel = Channel.objects.create(
        org=world.county_a, name="坏机器人", kind="wecom", target=http_server.url("/fail")
    )
    client.force_login(bureau)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("notify:channel_test", args=[channel.pk]))
    delivery = Delivery.objects.get(channel=channel)
    assert delivery.status == DeliveryStatus.PENDING and "HTTP 500" in delivery.last_error
    page = client.get(reverse("notify:channels")).content.decode()
    assert "坏机器人" in page and "待发送" in page


@pytest.mark.parametrize(
    ("kind", "target", "message"),
    [
        ("wecom", "ftp://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=1", "http:// 或 https://"),
        ("dingtalk", "oapi.dingtalk.com/robot/send?access_token=1", "http:// 或 https://"),
        ("email", "安全科", "电子邮件地址"),
        ("email", "https://example.org/hook", "电子邮件地址"),
    ],
)
def test_a_target_that_does_not_fit_the_kind_is_refused(
    client, world, bureau, kind, target, message
):
    client.force_login(bureau)
    response = client.post(
        reverse("notify:channel_add"), form(world.county_a, kind=kind, target=target)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'value="盐池县安全工作群"' in page  # what was typed stays
    assert not Channel.objects.exists()


def test_only_dingtalk_takes_a_secret(client, world, bureau):
    client.force_login(bureau)
    response = client.post(reverse("notify:channel_add"), form(world.county_a, secret=SECRET))
    assert response.status_code == 200
    assert "只有钉钉机器人" in response.content.decode()
    assert not Channel.objects.exists()


def test_edit_keeps_the_secret_switches_off_and_refuses_a_stale_page(client, world, bureau):
    channel = Channel.objects.create(
        org=world.county_a,
        name="钉钉群",
        kind="dingtalk",
        target="https://oapi.dingtalk.com/robot/send?access_token=t",
        secret=SECRET,
    )
    client.force_login(bureau)
    edit = reverse("notify:channel_edit", args=[channel.pk])
    page = client.get(edit).content.decode()
    assert SECRET not in page
    data = form(world.county_a, kind="dingtalk", target=channel.target, name="钉钉安全群")
    response = client.post(edit, {**data, "secret": "", "version": 1})
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.secret, channel.version) == ("钉钉安全群", SECRET, 2)
    response = client.post(edit, {**data, "name": "旧页面", "version": 1})
    assert response.status_code == 200 and "已有他人修改" in response.content.decode()
    assert Channel.objects.get(pk=channel.pk).name == "钉钉安全群"

    active = reverse("notify:channel_active", args=[channel.pk])
    assert client.post(active, {"active": "0", "version": 2}).status_code == 302
    assert Channel.objects.get(pk=channel.pk).active is False
    response = client.post(edit, {**data, "clear_secret": "on", "version": 3})
    assert response.status_code == 302
    assert Channel.objects.get(pk=channel.pk).secret == ""


def test_leaders_read_without_secrets_and_cannot_write(client, world):
    channel = Channel.objects.create(
        org=world.county_a,
        name="钉钉群",
        kind="dingtalk",
        target="https://oapi.dingtalk.com/robot/send?access_token=tok-9",
        secret=SECRET,
    )
    client.force_login(f.user_with_role(Role.BUREAU_LEADER, world.county_a))
    for url in (reverse("notify:channels"), reverse("notify:channel", args=[channel.pk])):
        page = client.get(url)
        assert page.status_code == 200
        text = page.content.decode()
        assert "钉钉群" in text and "tok-9" not in text and SECRET not in text
        assert reverse("notify:channel_edit", args=[channel.pk]) not in text
    assert client.get(reverse("notify:channel_add")).status_code == 403
    assert client.get(reverse("notify:channel_edit", args=[channel.pk])).status_code == 403
    assert client.post(reverse("notify:channel_test", args=[channel.pk])).status_code == 403
    active = reverse("notify:channel_active", args=[channel.pk])
    assert client.post(active, {"active": "0", "version": 1}).status_code == 403
    assert not Delivery.objects.exists() and Channel.objects.get(pk=channel.pk).active


def test_school_users_do_not_see_channels(client, world):
    client.force_login(f.user_with_role(Role.PRINCIPAL, world.school_a1))
    assert client.get(reverse("notify:channels")).status_code == 403
    assert client.get(reverse("notify:channel_add")).status_code == 403


def test_another_county_gets_404(client, world):
    channel = Channel.objects.create(
        org=world.county_a, name="盐池群", kind="email", target="anquan@yc.example.org"
    )
    client.force_login(f.user_with_role(Role.BUREAU_STAFF, world.county_b))
    for name in ("notify:channel", "notify:channel_edit"):
        assert client.get(reverse(name, args=[channel.pk])).status_code == 404
    for name in ("notify:channel_test", "notify:channel_active"):
        assert client.post(reverse(name, args=[channel.pk]), {"version": 1}).status_code == 404
    assert "盐池群" not in client.get(reverse("notify:channels")).content.decode()
    # A channel for county A cannot be created from county B either.
    response = client.post(reverse("notify:channel_add"), form(world.county_a))
    assert response.status_code == 200
    assert Channel.objects.count() == 1 and not Delivery.objects.exists()


def test_the_audit_trail_never_shows_a_robot_token_or_secret(client, world, bureau):
    """Many people read the trail; a webhook key or signing secret there would let anyone post
    to the county's groups."""
    client.force_login(bureau)
    data = form(
        world.county_a,
        kind="dingtalk",
        target="https://oapi.dingtalk.com/robot/send?access_token=tok-secret-1",
        secret=SECRET,
    )
    assert client.post(reverse("notify:channel_add"), data).status_code == 302
    channel = Channel.objects.get()
    trail = str(list(AuditEntry.objects.filter(object_id=str(channel.pk)).values("changes")))
    assert "tok-secret-1" not in trail and SECRET not in trail
    assert "https://oapi.dingtalk.com/robot/send?…" in trail
    page = client.get(reverse("audit:list")).content.decode()
    assert "tok-secret-1" not in page and SECRET not in page
