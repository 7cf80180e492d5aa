"""Real local servers for the notification tests: SMTP (aiosmtpd) and HTTP (the robots)."""

import email
import email.policy
import json
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MailBox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(
            {
                "to": list(envelope.rcpt_tos),
                "subject": str(message["subject"]),
                "body": message.get_body(("plain",)).get_content(),
            }
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    box = MailBox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.DEFAULT_FROM_EMAIL = "safecampus@example.org"
    yield box
    controller.stop()


class WebhookServer:
    """Records each POST; answers by path: /fail → 500, /errcode → 200 with errcode 310000."""

    def __init__(self):
        self.requests = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                parts = urllib.parse.urlsplit(self.path)
                server.requests.append(
                    {
                        "path": parts.path,
                        "query": dict(urllib.parse.parse_qsl(parts.query)),
                        "content_type": self.headers.get("Content-Type"),
                        "json": json.loads(raw.decode("utf-8")),
                    }
                )
                if parts.path.startswith("/fail"):
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(b"internal error")
                    return
                answer = (
                    {"errcode": 310000, "errmsg": "sign not match"}
                    if parts.path.startswith("/errcode")
                    else {"errcode": 0, "errmsg": "ok"}
                )
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler

    def posts(self, prefix: str) -> list:
        return [r for r in self.requests if r["path"].startswith(prefix)]


@pytest.fixture
def http_server():
    server = WebhookServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def immediate_tasks(settings):
    """Tasks run in-process as soon as they are enqueued (after commit)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.SITE_URL = "https://safe.example.org"


@pytest.fixture
def make_hazard():
    from django.utils import timezone

    from safecampus.hazards.models import Hazard

    counter = iter(range(1, 10_000))

    def make(school, *, grade="general", status="reported", **kw):
        return Hazard.objects.create(
            org=school,
            number=f"TEST-{next(counter):04d}",
            category="fire",
            grade=grade,
            status=status,
            description=kw.pop("description", "消防通道被杂物堵塞"),
            found_at=timezone.now(),
            **kw,
        )

    return make
