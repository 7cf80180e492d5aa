"""Configuration comes from the environment; a bad value stops start-up with a clear message."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from safecampus.config import env


def start(**environ):
    """Import the settings in a fresh interpreter, as a server start would."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "TIME_ZONE"}}
    clean.update(environ)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import safecampus.config.settings as s; print(s.TIME_ZONE, s.DEBUG, s.LANGUAGE_CODE)",
        ],
        capture_output=True,
        text=True,
        env=clean,
        timeout=60,
    )


def test_defaults_are_shanghai_chinese_and_no_debug():
    result = start()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["Asia/Shanghai", "False", "zh-hans"]


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("TIME_ZONE", "Mars/Olympus", "not a known time zone"),
        ("LANGUAGE_CODE", "fr", "LANGUAGE_CODE='fr' is not one of"),
        ("DATABASE_URL", "mysql://x@y/z", "only sqlite"),
        ("SECRET_KEY", "short", "SECRET_KEY is shorter than 32"),
        ("SESSION_COOKIE_AGE", "soon", "not a whole number"),
    ],
)
def test_bad_value_stops_startup_naming_the_variable(name, value, fragment):
    result = start(**{name: value})
    assert result.returncode != 0
    assert fragment in result.stderr


def test_sqlite_gets_wal_busy_timeout_and_immediate_transactions(tmp_path):
    config = env.env_database("X_UNSET_DB", "sqlite:///var/x.sqlite3", tmp_path)
    assert config["NAME"] == str(tmp_path / "var" / "x.sqlite3")
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert config["OPTIONS"]["timeout"] >= 5


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = env.secret_key(tmp_path)
    assert len(first) >= 50
    assert env.secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_env_list_rejects_empty(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " , ")
    with pytest.raises(ImproperlyConfigured):
        env.env_list("ALLOWED_HOSTS", ["x"])


@pytest.mark.django_db
def test_sqlite_connection_runs_in_wal_mode():
    from django.db import connection

    if (
        connection.vendor != "sqlite"
        or connection.settings_dict["NAME"] in ("", ":memory:")
        or "mode=memory" in str(connection.settings_dict["NAME"])
    ):
        pytest.skip("WAL applies to a file database")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


def test_production_settings_pass_the_deployment_checklist(tmp_path):
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environ.update(
        DEBUG="0",
        HTTPS="1",
        SECRET_KEY="x" * 20 + "production-secret-key-for-the-check",
        ALLOWED_HOSTS="safe.example.cn",
        SAFECAMPUS_VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-m", "safecampus", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
