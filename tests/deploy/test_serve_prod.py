"""`make serve-prod` (level 2 of docs/deployment.md) serves a whole hazard loop, and what the
group robot hears is sent by the RQ worker process, never by the web request.

The server is started by deploy/serve-prod.sh, the very script the Makefile target runs, on a
free port, against a PostgreSQL database and a Redis database of the test's own. The county's
group robot points at a webhook this test serves; for each post it receives it looks up, in
/proc, which process holds the sending socket: that process must be the RQ worker (or the
work horse it forked for the job), not a gunicorn worker.

Skipped only when PostgreSQL or Redis does not answer at 127.0.0.1 (both run on CI).
"""

import contextlib
import http.cookiejar
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.deploy.world import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "serve-prod.sh"
PG = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379"
CLAIM = "safecampus:serve-prod-test"
EVENTS = {"hazard.reported", "hazard.confirm", "hazard.submit", "hazard.accept"}

pytestmark = pytest.mark.xdist_group("serve-prod")  # one production server at a time


# ------------------------------------------------------------------------ the services


def _pg_answers() -> str:
    import psycopg

    try:
        psycopg.connect(f"{PG}/postgres", connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        return f"PostgreSQL does not answer at 127.0.0.1:5432 ({exc})"
    return ""


def _redis_answers() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        return f"Redis does not answer at 127.0.0.1:6379 ({exc})"
    return ""


@pytest.fixture
def database():
    """A PostgreSQL database of this test's own (serve-prod.sh creates it), dropped after."""
    import psycopg
    from django.conf import settings

    if "sqlite" in settings.DATABASES["default"]["ENGINE"]:
        # The server runs on a database of its own whatever the suite uses: once per
        # `make test` is enough, in its PostgreSQL pass.
        pytest.skip("level 2 is exercised in the PostgreSQL pass of the suite")
    if reason := _pg_answers():
        pytest.skip(reason)
    name = f"safecampus_serveprod_{uuid.uuid4().hex[:10]}"
    yield name
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url():
    """A Redis database number nobody else claimed, so no other worker takes our jobs."""
    import redis

    if reason := _redis_answers():
        pytest.skip(reason)
    for number in range(15, 0, -1):
        client = redis.Redis.from_url(f"{REDIS}/{number}")
        if client.set(CLAIM, str(os.getpid()), nx=True, ex=1800):
            break
    else:
        pytest.fail("Every Redis database 1-15 is claimed by another run of this test")
    yield f"{REDIS}/{number}"
    for pattern in ("rq:*", ":1:*"):  # the task queue's keys and the app's cache
        for key in client.scan_iter(pattern):
            client.delete(key)
    client.delete(CLAIM)


# ------------------------------------------------------------------------ the webhook


def _socket_inode(client_port: int, server_port: int) -> str | None:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError), open(table) as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                local, remote = fields[1], fields[2]
                if (
                    fields[9] != "0"  # a closed connection's leftover (TIME_WAIT)
                    and int(local.rsplit(":", 1)[1], 16) == client_port
                    and int(remote.rsplit(":", 1)[1], 16) == server_port
                ):
                    return fields[9]
    return None


def sender_pid(client_port: int, server_port: int) -> int | None:
    """The process holding the client end of a loopback connection to us."""
    inode = _socket_inode(client_port, server_port)
    if inode is None:
        return None
    wanted = f"socket:[{inode}]"
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) == wanted:
                        return int(entry.name)
    return None


def ancestors(pid: int) -> list[int]:
    """`pid` and its parents up to init."""
    chain = []
    while pid > 1:
        chain.append(pid)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            break
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return chain


@pytest.fixture
def webhook():
    """A WeCom group robot on loopback: records each post, the pid that sent it and that
    process's parents."""
    posts: list[dict] = []

    class Robot(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            # Looked up now, while the sender waits for the answer and is still alive.
            pid = sender_pid(self.client_address[1], self.server.server_address[1])
            chain = ancestors(pid) if pid else []
            posts.append({"path": self.path, "body": json.loads(body), "pid": pid, "chain": chain})
            answer = b'{"errcode": 0, "errmsg": "ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Robot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=serve-prod"
    yield url, posts
    server.shutdown()
    server.server_close()


# ------------------------------------------------------------------------ the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, tmp_path: Path, database: str, redis_url: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.var = tmp_path / "var"
        self.var.mkdir()
        self.log = tmp_path / "serve-prod.log"
        self.database_url = f"{PG}/{database}"
        keep = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        for name in ("DATABASE_URL", "DEBUG", "TASKS_BACKEND", "REDIS_URL", "SITE_URL"):
            keep.pop(name, None)
        self.env = {
            **keep,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": redis_url,
            "PORT": str(self.port),
            "SAFECAMPUS_VAR_DIR": str(self.var),
            "BIN": str(Path(sys.executable).parent),
            "FAST_PASSWORD_HASHER": "1",
        }
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 240) -> None:
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own script
                [str(SCRIPT)],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, like a terminal's job
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve-prod.sh exited {self.process.returncode}:\n{self.output()}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(self.base + "/healthz", timeout=5) as answer,  # noqa: S310
            ):
                if answer.status == 200 and all(
                    (self.var / "run" / f"{name}.pid").exists()
                    for name in ("gunicorn", "rqworker", "periodic")
                ):
                    return
            time.sleep(0.5)
        pytest.fail(f"serve-prod did not answer within {timeout}s:\n{self.output()}")

    def pid(self, name: str) -> int:
        return int((self.var / "run" / f"{name}.pid").read_text().strip())

    def output(self) -> str:
        parts = [self.log.read_text(errors="replace")[-4000:]]
        for name in ("rqworker.log", "periodic.log"):
            path = self.var / name
            if path.exists():
                parts.append(f"--- {name}\n" + path.read_text(errors="replace")[-3000:])
        return "\n".join(parts)

    def manage(self, *args: str) -> str:
        result = subprocess.run(  # noqa: S603
            [sys.executable, *args],
            cwd=ROOT,
            env={**self.env, "TASKS_BACKEND": "rq", "DEBUG": "0"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def interrupt(self, timeout: float = 90) -> int:
        """Ctrl-C as a terminal sends it: SIGINT to the whole process group."""
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            left = subprocess.run(  # noqa: S603
                ["ps", "-o", "pid,ppid,stat,etime,args", "-g", str(self.process.pid)],  # noqa: S607
                capture_output=True,
                text=True,
            ).stdout
            pytest.fail(f"not stopped {timeout}s after Ctrl-C:\n{left}\n{self.output()}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


@pytest.fixture
def server(tmp_path, database, redis_url):
    running = Server(tmp_path, database, redis_url)
    pids: list[int] = []
    try:
        running.start()
        pids = [running.pid(n) for n in ("gunicorn", "rqworker", "periodic")]
        yield running
    finally:
        running.kill()
        for pid in pids:  # the script's children, should the script have died first
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


# ------------------------------------------------------------------------ a browser


class Browser:
    """One person's cookies: logs in through the login page, then calls the API with the
    session and the CSRF token, as the pages' own scripts do."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def send(self, method: str, path: str, *, body: bytes | None = None, headers=None):
        request = urllib.request.Request(  # noqa: S310 - loopback
            self.base + path, data=body, method=method, headers=headers or {}
        )
        try:
            with self.opener.open(request, timeout=60) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def login(self, username: str) -> None:
        status, page = self.send("GET", "/accounts/login/")
        assert status == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        status, page = self.send(
            "POST",
            "/accounts/login/",
            body=urllib.parse.urlencode(form).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": self.base + "/accounts/login/",
            },
        )
        assert status == 200 and self.cookie("sessionid"), page[:2000]

    def api(self, method: str, path: str, data: dict | None = None) -> tuple[int, dict]:
        status, text = self.send(
            method,
            "/api/v1/" + path,
            body=json.dumps(data).encode() if data is not None else None,
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "X-CSRFToken": self.cookie("csrftoken") or "",
            },
        )
        return status, json.loads(text) if text else {}


# ------------------------------------------------------------------------ the test


def rows(database_url: str, query: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(database_url) as connection:
        return connection.execute(query).fetchall()


def test_serve_prod_runs_a_hazard_loop_with_notifications_sent_by_the_worker(server, webhook):
    import psycopg

    url, posts = webhook
    world = json.loads(server.manage("-m", "tests.deploy.world", url).strip().splitlines()[-1])
    # The periodic runner also sweeps due deliveries every minute, as a fallback for a queue
    # that is down. Push its next sweep a day out, so a delivery can only have come from the
    # worker the web request enqueued it for, or from the request itself.
    with psycopg.connect(server.database_url, autocommit=True) as db:
        db.execute(
            "INSERT INTO notify_periodicrun (name, last_run_at) "
            "VALUES ('deliver_pending', now() + interval '1 day') "
            "ON CONFLICT (name) DO UPDATE SET last_run_at = EXCLUDED.last_run_at"
        )
    users = world["users"]
    teacher, safety, principal = (Browser(server.base) for _ in range(3))
    teacher.login(users["teacher"])
    safety.login(users["safety_officer"])
    principal.login(users["principal"])

    status, hazard = teacher.api(
        "POST",
        "hazards/",
        {
            "school": world["school"],
            "category": "fire",
            "grade": "general",
            "description": "二楼走廊灭火器过期",
            "temporary_measures": "设置警示牌",
            "source": "patrol",
        },
    )
    assert status == 201, hazard
    assert hazard["status"] == "reported" and hazard["allowed_actions"] == []
    moves = [
        (
            safety,
            {
                "action": "confirm",
                "grade": "general",
                "responsible_person": world["responsible"],
                "measures": "更换灭火器",
            },
            "rectifying",
        ),
        (
            teacher,
            {"action": "submit", "rectification": "已更换", "no_photo_reason": "相机故障"},
            "submitted",
        ),
        (principal, {"action": "accept", "comment": "验收合格"}, "closed"),
    ]
    for who, move, expected in moves:
        status, hazard = who.api(
            "POST", f"hazards/{hazard['id']}/actions/", {**move, "version": hazard["version"]}
        )
        assert status == 200, (move["action"], hazard)
        assert hazard["status"] == expected
    assert [t["action"] for t in hazard["transitions"]] == ["confirm", "submit", "accept"]

    # Each event reached the county's group robot, sent after the request had answered.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and len(posts) < len(EVENTS):
        time.sleep(0.5)
    assert len(posts) == len(EVENTS), server.output()
    assert all(hazard["number"] in p["body"]["markdown"]["content"] for p in posts)
    deliveries = rows(server.database_url, "SELECT event, status FROM notify_delivery")
    assert sorted(deliveries) == sorted((event, "sent") for event in EVENTS)

    # ... by the RQ worker process (or the work horse it forked), never by gunicorn.
    worker, web = server.pid("rqworker"), server.pid("gunicorn")
    for post in posts:
        assert post["pid"] is not None, "no process held the sending socket"
        assert worker in post["chain"], (post, worker)
        assert web not in post["chain"]

    # Ctrl-C stops the web server, the worker and the periodic runner together.
    pids = [web, worker, server.pid("periodic")]
    server.interrupt()
    stopped_by = time.monotonic() + 30
    while time.monotonic() < stopped_by and any(_alive(pid) for pid in pids):
        time.sleep(0.2)
    assert not [pid for pid in pids if _alive(pid)], server.output()
    assert "serve-prod: stopped" in server.output()


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has stopped
