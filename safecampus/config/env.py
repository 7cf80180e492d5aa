"""Reading configuration from the environment.

Every setting has a safe embedded default; a value that cannot be used stops start-up
with a message that names the variable and what it accepts, instead of failing later
in some request.
"""

import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean: use 1/0, true/false, yes/no or on/off."
    )


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum of {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"{name} is set but empty: give a comma-separated list.")
    return items


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _raw(name)
    if value is None or value == "":
        return default
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of: {', '.join(choices)}.")
    return value


def env_time_zone(name: str, default: str) -> str:
    value = _raw(name) or default
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a known time zone (e.g. Asia/Shanghai)."
        ) from None
    return value


def env_database(name: str, default: str, base_dir: Path) -> dict:
    """Parse DATABASE_URL; SQLite gets WAL, a busy timeout and immediate transactions.

    Immediate transactions take the write lock when a transaction starts, so two
    writers queue behind the busy timeout instead of failing with "database is locked".
    """
    return database_from_url(name, _raw(name) or default, base_dir)


def env_database_list(name: str, base_dir: Path) -> list[dict]:
    """A comma-separated list of database URLs (read replicas); empty when unset."""
    value = _raw(name)
    if not value:
        return []
    urls = [url.strip() for url in value.split(",") if url.strip()]
    return [database_from_url(name, url, base_dir) for url in urls]


def database_from_url(name: str, value: str, base_dir: Path) -> dict:
    """One database URL as Django settings; `name` is the variable it came from (for errors)."""
    scheme = value.split(":", 1)[0]
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"{name}={value!r}: only sqlite:///path and postgres://user@host:port/name are supported."
        )
    try:
        config = dj_database_url.parse(value, conn_max_age=0)
    except Exception as exc:  # dj_database_url raises several kinds
        raise ImproperlyConfigured(f"{name}={value!r} cannot be parsed: {exc}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        path = config["NAME"]
        if path and path != ":memory:" and not os.path.isabs(path):
            path = str(base_dir / path)
            config["NAME"] = path
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        config["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON;"
            ),
        }
    else:
        config.setdefault("OPTIONS", {})
        config["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
        config["CONN_HEALTH_CHECKS"] = True
    return config


def secret_key(var_dir: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into var/ and reused."""
    value = _raw("SECRET_KEY")
    if value:
        if len(value) < 32:
            raise ImproperlyConfigured("SECRET_KEY is shorter than 32 characters.")
        return value
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key, encoding="utf-8")
    path.chmod(0o600)
    return key
