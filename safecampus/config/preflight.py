"""`python -m safecampus.config.preflight`: before a one-server start (`make serve-prod`).

Checks that PostgreSQL (DATABASE_URL) and Redis (REDIS_URL) answer, and creates the
PostgreSQL database when it does not exist yet, so a fresh machine starts with one command.
Each failure says which service did not answer and how to start it, instead of a traceback
from the first request.
"""

import os
import sys

import dj_database_url


def ensure_database(url: str) -> str:
    """Create the database named in `url` if missing; returns what was done."""
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    if not config["ENGINE"].endswith("postgresql"):
        raise SystemExit(f"DATABASE_URL must be a PostgreSQL URL here, not {url!r}.")
    params = {
        "host": config.get("HOST") or "127.0.0.1",
        "port": config.get("PORT") or 5432,
        "user": config.get("USER") or "postgres",
        "password": config.get("PASSWORD") or None,
        "connect_timeout": 5,
    }
    name = config["NAME"]
    try:
        admin = psycopg.connect(dbname="postgres", autocommit=True, **params)
    except psycopg.OperationalError as exc:
        raise SystemExit(
            f"PostgreSQL does not answer at {params['host']}:{params['port']} ({exc}). "
            "Start it (Debian: pg_ctlcluster 15 main start) or set DATABASE_URL."
        ) from None
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return f"database {name} exists"
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return f"database {name} created"


def check_redis(url: str) -> str:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        raise SystemExit(
            f"Redis does not answer at {url} ({exc}). Start it (redis-server) or set REDIS_URL."
        ) from None
    return f"redis at {url} answers"


def main() -> None:
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url or not redis_url:
        raise SystemExit("Set DATABASE_URL (PostgreSQL) and REDIS_URL for a one-server start.")
    for line in (ensure_database(database_url), check_redis(redis_url)):
        sys.stdout.write(f"preflight: {line}\n")


if __name__ == "__main__":
    main()
