"""The transports: email through Django's email backend, WeCom and DingTalk group robots.

Each `send_*` returns on success and raises `DeliveryError` with a readable reason otherwise
(non-2xx, a robot's `errcode` other than 0, a network error, a refused mail).
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from safecampus.notify.choices import ChannelKind

TIMEOUT = 10  # seconds, for every network call


class DeliveryError(Exception):
    """A message could not be delivered; the text says why (shown to administrators)."""


def send(delivery) -> None:
    """Send one Delivery by its kind."""
    if delivery.kind == ChannelKind.EMAIL:
        send_email(to=delivery.address, subject=delivery.subject, body=delivery.body)
    elif delivery.kind == ChannelKind.WECOM:
        send_wecom(url=delivery.address, content=delivery.body)
    elif delivery.kind == ChannelKind.DINGTALK:
        secret = delivery.channel.secret if delivery.channel_id else ""
        send_dingtalk(
            url=delivery.address, title=delivery.subject, text=delivery.body, secret=secret
        )
    else:
        raise DeliveryError(f"unknown channel kind {delivery.kind!r}")


def send_email(*, to: str, subject: str, body: str) -> None:
    from_email = getattr(settings, "NOTIFY_FROM_EMAIL", "") or getattr(
        settings, "DEFAULT_FROM_EMAIL", "webmaster@localhost"
    )
    try:
        connection = get_connection(fail_silently=False, timeout=TIMEOUT)
        EmailMessage(
            subject=subject.replace("\n", " "),
            body=body,
            from_email=from_email,
            to=[to],
            connection=connection,
        ).send(fail_silently=False)
    except Exception as exc:  # smtplib, socket and backend errors alike
        raise DeliveryError(f"{type(exc).__name__}: {exc}"[:1000]) from exc


def send_wecom(*, url: str, content: str) -> None:
    """A WeCom (企业微信) group robot: markdown message."""
    post_json(url, {"msgtype": "markdown", "markdown": {"content": content}})


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """DingTalk's signed webhook: timestamp (ms) and sign = base64(HMAC-SHA256(secret,
    "timestamp\\nsecret")), URL-encoded, added to the query string."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else round(time.time() * 1000))
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256
    ).digest()
    sign = base64.b64encode(digest).decode("ascii")
    separator = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{separator}{urllib.parse.urlencode({'timestamp': timestamp, 'sign': sign})}"


def send_dingtalk(*, url: str, title: str, text: str, secret: str = "") -> None:
    """A DingTalk (钉钉) group robot: markdown message, signed when the robot has a secret."""
    if secret:
        url = dingtalk_signed_url(url, secret)
    post_json(url, {"msgtype": "markdown", "markdown": {"title": title, "text": text}})


def post_json(url: str, payload: dict) -> dict:
    """POST `payload` as JSON; a non-2xx answer or a robot's errcode other than 0 fails."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryError("the webhook URL must be http(s)")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            status = response.status
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        detail = exc.read(500).decode("utf-8", "replace") if exc.fp else ""
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}: {detail}".strip()[:1000]) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}"[:1000]) from exc
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status}")
    try:
        answer = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except ValueError:
        answer = {}
    if isinstance(answer, dict) and answer.get("errcode", 0) not in (0, "0"):
        raise DeliveryError(f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}"[:1000])
    return answer if isinstance(answer, dict) else {}
