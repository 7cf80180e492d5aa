"""Who is acting and from where, for the audit trail, without threading it through every call.

The middleware sets it per request; management commands and tasks set it with `acting_as`.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user: object | None = None
    ip: str | None = None


_current: ContextVar[Actor | None] = ContextVar("safecampus_actor", default=None)
_NOBODY = Actor()


def current_actor() -> Actor:
    return _current.get() or _NOBODY


@contextmanager
def acting_as(user=None, ip: str | None = None):
    token = _current.set(Actor(user=user, ip=ip))
    try:
        yield
    finally:
        _current.reset(token)
