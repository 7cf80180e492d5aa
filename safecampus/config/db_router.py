"""Read replicas: which reads may be served by a PostgreSQL standby, and which never are.

Replication is asynchronous, so a replica may be a moment behind the primary. Only reads a
view marks with `use_replica()` go to a replica (the dashboards and reports: heavy
aggregates that tolerate being a second old); everything else reads the primary. Even a
marked read stays on the primary when it could see its own write missing:

- in a request with an unsafe method (POST, ...): what it reads decides what it writes;
- after this request wrote anything (read-after-write within the request);
- inside a transaction on the primary (a transaction sees its own uncommitted rows);
- for `DATABASE_REPLICA_PIN_SECONDS` after a request of this browser wrote something: the
  middleware sets a short-lived cookie, so the page shown after "save" never misses the save.

Writes always go to the primary. Migrations run on the primary only (replicas copy them).
Without DATABASE_REPLICA_URLS no router is installed and `use_replica()` changes nothing.
"""

import contextlib
import random
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

PRIMARY = "default"
PIN_COOKIE = "safecampus_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Writes that never change what a page shows: the session saved on every request.
UNTRACKED_WRITES = frozenset({("sessions", "session")})


@dataclass
class Routing:
    """The routing state of one request (or of one `use_replica` block outside a request)."""

    replica: str | None = None  # the alias chosen for the current use_replica() block
    wrote: bool = False
    primary_only: bool = False  # an unsafe method, or pinned after a recent write


_routing: ContextVar[Routing | None] = ContextVar("safecampus_db_routing", default=None)


def replica_aliases() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", ()))


@contextlib.contextmanager
def use_replica():
    """Let the reads inside go to a replica (a context manager, or a view decorator).

    One replica is chosen per block, so every query of a page sees the same snapshot.
    """
    state = _routing.get()
    token = None
    if state is None:
        state = Routing()
        token = _routing.set(state)
    outer = state.replica
    aliases = replica_aliases()
    if outer is None and aliases:
        state.replica = random.choice(aliases)
    try:
        yield
    finally:
        state.replica = outer
        if token is not None:
            _routing.reset(token)


def _mark_written(model) -> None:
    state = _routing.get()
    if state is not None and (model._meta.app_label, model._meta.model_name) not in (
        UNTRACKED_WRITES
    ):
        state.wrote = True


class ReplicaRouter:
    """Marked reads to the chosen replica when that is safe; all else to the primary."""

    def db_for_read(self, model, **hints):
        state = _routing.get()
        if state is None or state.replica is None:
            return None  # the primary
        if state.wrote or state.primary_only or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return state.replica

    def db_for_write(self, model, **hints):
        _mark_written(model)
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        pool = {PRIMARY, *replica_aliases()}
        if obj1._state.db in pool and obj2._state.db in pool:
            return True  # one database, seen through several connections
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db in replica_aliases() else None


class ReplicaMiddleware:
    """Fresh routing state per request; after a write, pin this browser to the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = Routing(
            primary_only=request.method not in SAFE_METHODS or PIN_COOKIE in request.COOKIES
        )
        token = _routing.set(state)
        try:
            response = self.get_response(request)
        finally:
            _routing.reset(token)
        seconds = getattr(settings, "DATABASE_REPLICA_PIN_SECONDS", 0)
        if state.wrote and seconds:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
