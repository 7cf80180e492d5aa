"""Log in by username or mobile phone, with a lockout after repeated failures.

The lockout lives on the account row, so every worker process sees the same count.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import F, Q
from django.utils import timezone

from safecampus.accounts.models import User


class AccountLocked(Exception):
    def __init__(self, until):
        super().__init__("locked")
        self.until = until


def find_account(login: str) -> User | None:
    login = (login or "").strip()
    if not login:
        return None
    return User.objects.filter(Q(username=login) | Q(phone=login)).order_by("-username").first()


def register_failure(user: User) -> None:
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins"])
    if user.failed_logins >= settings.LOGIN_MAX_FAILURES:
        until = timezone.now() + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        User.objects.filter(pk=user.pk).update(locked_until=until, failed_logins=0)
        user.locked_until = until


def register_success(user: User) -> None:
    if user.failed_logins or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        user.failed_logins, user.locked_until = 0, None


class UsernameOrPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = find_account(username)
        if user is None:
            User().set_password(password or "")  # same work as a real check: no timing oracle
            return None
        if user.is_locked():
            raise AccountLocked(user.locked_until)
        if user.check_password(password or "") and self.user_can_authenticate(user):
            register_success(user)
            return user
        if user.is_active:
            register_failure(user)
            if user.is_locked():
                raise AccountLocked(user.locked_until)
        return None
