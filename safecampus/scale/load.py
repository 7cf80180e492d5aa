"""`bench --load`: the production server under a morning's traffic, driven from a second
process.

The run starts gunicorn (2 workers, threaded, as `make demo` and level 2 of the deployment
run it) on a free port of 127.0.0.1 against the configured database, and a driver process
(`python -m safecampus.scale.load FILE`) that keeps a fixed number of clients busy, each with
its own keep-alive connection, until a bounded number of requests is done. Two phases:

1. the morning mix: safety officers submitting their checks (60 %), opening their home
   page with the checks due (20 %) and their hazard list (20 %);
2. submissions only, for the sustained submission rate.

Clients log in as school safety officers of the loaded province (one school each): sessions
and API tokens are made directly, so password hashing is not what is measured. Each
submission answers a 10-item checklist, all normal, so it writes an inspection, its answers
and an audit entry and raises no hazard; those rows stay (the audit trail is append-only) and
are counted in the result. Only addresses on this machine are ever contacted, and every loop
is bounded.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from importlib import import_module
from pathlib import Path

MIX = (("submit", 60), ("home", 20), ("list", 20))
HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


# ----------------------------------------------------------------------- in the bench process


def _clients(scene, count: int) -> list[dict]:
    """One school safety officer per client, with a session, a token and a submission."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.urls import reverse
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from safecampus.hazards.choices import Rhythm
    from safecampus.hazards.models import Schedule
    from safecampus.scale.bench import bench_user

    store = import_module(settings.SESSION_ENGINE).SessionStore
    schedules = list(
        Schedule.objects.within(scene.province.path)
        .filter(rhythm=Rhythm.MONTHLY, is_active=True)
        .select_related("org", "template__current")
        .order_by("org_path")[: count * 7 : 7]
    )
    if not schedules:
        raise RuntimeError("No monthly schedules to submit against.")
    month = timezone.localdate().replace(day=1).isoformat()
    out = []
    for i in range(count):
        schedule = schedules[i % len(schedules)]
        user = bench_user(f"bench-load-{i:02d}", "safety_officer", schedule.org)
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        token, _created = Token.objects.get_or_create(user=user)
        version = schedule.template.current
        items = list(version.items.order_by("position").values_list("id", flat=True))[:10]
        body = {
            "school": schedule.org_id,
            "checklist": version.pk,
            "schedule": schedule.pk,
            "period_start": month,
            "signed_name": "压力测试",
            "answers": [{"item": item, "answer": "normal"} for item in items],
        }
        out.append(
            {
                "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
                "token": token.key,
                "submit": json.dumps(body),
                "home": reverse("home"),
                "list": reverse("hazards:ledger"),
                "submit_path": "/api/v1/inspections/",
            }
        )
    return out


def _watermarks() -> dict:
    from safecampus.core.models import AuditEntry
    from safecampus.hazards.models import Inspection

    return {
        "inspection": Inspection.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        "audit": AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
    }


def _written(marks: dict) -> dict:
    """What the load wrote, above the ids held before it. It stays: the audit trail is
    append-only (a database trigger refuses deletes), and an inspection without the audit
    entry of its creation would break the trail. The rows are the load users' own
    (`bench-load-NN`, signed 压力测试), so they are told apart from the seeded year."""
    from safecampus.core.models import AuditEntry
    from safecampus.hazards.models import Inspection

    return {
        "inspections": Inspection.objects.filter(pk__gt=marks["inspection"]).count(),
        "audit_entries": AuditEntry.objects.filter(pk__gt=marks["audit"]).count(),
    }


def _start_server(port: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "safecampus.config.settings")
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "safecampus.config.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        "2",
        "--worker-class",
        "gthread",
        "--threads",
        "4",
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("The server stopped at start-up.")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.3)
    _stop(server)
    raise RuntimeError("The server did not answer within 60 s.")


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _drive(config: dict) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(config, f)
        path = f.name
    try:
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "safecampus.scale.load", path],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    finally:
        Path(path).unlink(missing_ok=True)
    if done.returncode != 0:
        raise RuntimeError(f"The load driver failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def run(scene, *, requests: int, clients: int, progress) -> dict:
    from django.db import connection

    from safecampus.scale.bench import LOAD_P95_MS, LOAD_RPS

    marks = _watermarks()
    config_clients = _clients(scene, clients)
    port = _free_port()
    progress(f"Load run: gunicorn (2 workers × 4 threads) on {HOST}:{port}, {clients} clients")
    connection.close()  # the server and the driver have their own
    server = _start_server(port)
    try:
        base = {"host": HOST, "port": port, "clients": config_clients, "concurrency": clients}
        mix = _drive({**base, "requests": requests, "mix": MIX})
        progress(_line("morning mix", mix))
        submits = _drive({**base, "requests": requests, "mix": (("submit", 1),)})
        progress(_line("submissions only", submits))
    finally:
        _stop(server)
    written = _written(marks)
    progress(
        f"The load wrote {written['inspections']} inspections (with their answers) and "
        f"{written['audit_entries']} audit entries, as the users bench-load-NN."
    )
    s = submits["kinds"].get("submit", {})
    checks = [
        (f"submissions ≥ {LOAD_RPS:g}/s", (s.get("per_second") or 0) >= LOAD_RPS),
        (f"submission p95 ≤ {LOAD_P95_MS:g} ms", (s.get("p95_ms") or 1e9) <= LOAD_P95_MS),
    ]
    if connection.vendor != "postgresql":
        checks = [(t + " (target set for PostgreSQL)", ok) for t, ok in checks]
    progress("Load targets: " + "; ".join(f"{t} {'PASS' if ok else 'MISS'}" for t, ok in checks))
    return {
        "server": "gunicorn, 2 workers, gthread × 4",
        "clients": clients,
        "mix": mix,
        "submissions": submits,
        "written": written,
        "targets": [{"target": t, "met": ok} for t, ok in checks],
        "pass": all(ok for _t, ok in checks),
    }


def _line(name: str, result: dict) -> str:
    parts = [
        f"{name}: {result['requests']} requests in {result['seconds']:.1f} s = "
        f"{result['per_second']:.0f}/s, p95 {result['p95_ms']:.0f} ms, errors {result['errors']}"
    ]
    for kind, k in sorted(result["kinds"].items()):
        parts.append(
            f"{kind} {k['count']} ({k['per_second']:.0f}/s, p50 {k['p50_ms']:.0f} ms, "
            f"p95 {k['p95_ms']:.0f} ms)"
        )
    return "; ".join(parts)


# ----------------------------------------------------------------------------- the driver


def drive(config: dict) -> dict:
    """Keep `concurrency` clients busy until `requests` are done; every request is timed."""
    clients = config["clients"]
    mix = [kind for kind, weight in config["mix"] for _ in range(weight)]
    total = config["requests"]
    lock = threading.Lock()
    counter = iter(range(total))
    samples: list[tuple[str, int, float]] = []

    def request(conn, client, kind):
        headers = {"Connection": "keep-alive"}
        if kind == "submit":
            headers["Authorization"] = f"Token {client['token']}"
            headers["Content-Type"] = "application/json"
            conn.request("POST", client["submit_path"], body=client["submit"], headers=headers)
        else:
            headers["Cookie"] = client["cookie"]
            conn.request("GET", client[kind], headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status

    def worker(n: int):
        client = clients[n % len(clients)]
        conn = http.client.HTTPConnection(config["host"], config["port"], timeout=60)
        local = []
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            kind = mix[(i * 7 + n) % len(mix)]
            started = time.perf_counter()
            try:
                status = request(conn, client, kind)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(config["host"], config["port"], timeout=60)
                status = 0
            local.append((kind, status, time.perf_counter() - started))
        conn.close()
        with lock:
            samples.extend(local)

    started = time.perf_counter()
    threads = [
        threading.Thread(target=worker, args=(n,), daemon=True)
        for n in range(config["concurrency"])
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    ok_codes = {"submit": 201, "home": 200, "list": 200}
    kinds = {}
    for kind in {s[0] for s in samples}:
        times = [s[2] * 1000 for s in samples if s[0] == kind]
        kinds[kind] = {
            "count": len(times),
            "errors": sum(1 for s in samples if s[0] == kind and s[1] != ok_codes[kind]),
            "per_second": len(times) / seconds,
            "p50_ms": _percentile(times, 0.5),
            "p95_ms": _percentile(times, 0.95),
        }
    times = [s[2] * 1000 for s in samples]
    return {
        "requests": len(samples),
        "seconds": seconds,
        "per_second": len(samples) / seconds,
        "p95_ms": _percentile(times, 0.95),
        "errors": sum(k["errors"] for k in kinds.values()),
        "kinds": kinds,
    }


if __name__ == "__main__":
    print(json.dumps(drive(json.loads(Path(sys.argv[1]).read_text()))))
