"""Administering accounts: create, edit, grant roles, reset passwords, disable and enable.

Each function checks the administrator's own scope (record type "user") as well as whatever
the calling view checked, because granting a role is granting access: an administrator can
never hand out rights at a node outside their own reach. `by=None` is the system itself
(management commands, imports). Every change lands in the audit trail of the account.
"""

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from safecampus.accounts.access import can, scope_prefixes
from safecampus.accounts.models import RoleAssignment, User
from safecampus.core.audit import audit, diff, snapshot
from safecampus.core.errors import NotAllowed
from safecampus.core.scoping import ALL
from safecampus.core.services import claim_version, create_record, update_record

EDITABLE_FIELDS = {
    "username",
    "first_name",
    "last_name",
    "email",
    "phone",
    "org",
    "language",
    "must_change_password",
}
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105 (characters, not a password)


def may_administer(by, action: str, org) -> bool:
    """May `by` do `action` on accounts (or role assignments) at node `org`?"""
    if by is None:
        return True
    if org is None:
        return scope_prefixes(by, User, action) is ALL
    return can(by, action, User, org)


def _require(by, action: str, org) -> None:
    if not may_administer(by, action, org):
        raise NotAllowed(_("Your role does not allow administering accounts here."))


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None


def _revoke_tokens(user: User) -> None:
    Token.objects.filter(user=user).delete()


@transaction.atomic
def user_create(
    *, by, username: str, password: str, org=None, roles: list[dict] | None = None, **fields
) -> User:
    """A new account. It must change the password an administrator chose at its first login."""
    _require(by, "add", org)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    fields.setdefault("must_change_password", True)
    user = User(username=username, org=org, **fields)
    _check_password(password, user)
    user.set_password(password)
    create_record(instance=user, by=by)
    if roles:
        user_set_roles(user=user, by=by, roles=roles)
    return user


@transaction.atomic
def user_update(*, user: User, by, data: dict, expected_version: int | None = None) -> User:
    _require(by, "change", user.org)
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if "org" in data and data["org"] != user.org:
        _require(by, "add", data["org"])
    return update_record(instance=user, by=by, data=data, expected_version=expected_version)


def _role_key(role: str, org, department) -> tuple:
    return (role, org.pk, department.pk if department else None)


def _role_row(a: RoleAssignment) -> list:
    return [a.role, a.org.name, a.department.name if a.department_id else ""]


@transaction.atomic
def user_set_roles(*, user: User, by, roles: list[dict]) -> list[RoleAssignment]:
    """Replace the account's roles inside `by`'s reach; roles granted elsewhere stay as they are.

    Each item is {role, org, department (optional)}.
    """
    wanted: dict[tuple, dict] = {}
    for item in roles:
        org, department = item["org"], item.get("department")
        if not may_administer(by, "change", org):
            raise NotAllowed(
                _("You cannot grant roles at %(node)s: it is outside your scope.")
                % {"node": org.name}
            )
        key = _role_key(item["role"], org, department)
        if any(k[:2] == key[:2] for k in wanted):
            raise ValidationError({"roles": _("A role is listed twice at the same node.")})
        wanted[key] = item

    current = list(user.assignments.select_related("org", "department").order_by("org_path"))
    before = [_role_row(a) for a in current]
    kept = []
    for assignment in current:
        key = _role_key(assignment.role, assignment.org, assignment.department)
        if key in wanted:
            wanted.pop(key)
            kept.append(assignment)
        elif may_administer(by, "change", assignment.org):
            assignment.delete()
        else:
            kept.append(assignment)  # granted by someone with a wider reach: not ours to drop
    for item in wanted.values():
        assignment = RoleAssignment(
            user=user, role=item["role"], org=item["org"], department=item.get("department")
        )
        assignment.full_clean()
        assignment.save()
        kept.append(assignment)
    kept.sort(key=lambda a: (a.org.path, a.role))
    after = [_role_row(a) for a in kept]
    user._assignments_cache = None
    if sorted(before) != sorted(after):
        claim_version(user, None)
        audit(instance=user, action="update", by=by, changes={"roles": [before, after]})
    return kept


def generate_password(length: int = 12) -> str:
    """A temporary password without look-alike characters, to read out over the phone."""
    while True:
        password = "".join(secrets.choice(_PASSWORD_ALPHABET) for _i in range(length))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


@transaction.atomic
def user_reset_password(*, user: User, by, password: str | None = None) -> str:
    """Set a new (by default generated) password that must be changed at the next login.

    It also lifts a lockout and revokes the account's API tokens: whoever held the old
    password or a token made with it is out.
    """
    _require(by, "change", user.org)
    password = password or generate_password()
    _check_password(password, user)
    before = snapshot(user)
    user.set_password(password)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    claim_version(user, None)
    user.save(update_fields=["password", "must_change_password", "failed_logins", "locked_until"])
    _revoke_tokens(user)
    audit(
        instance=user,
        action="update",
        by=by,
        changes=diff(before, snapshot(user)),
        comment=_("Password reset"),
    )
    return password


@transaction.atomic
def user_set_active(*, user: User, by, active: bool) -> User:
    """Disable or enable an account. Disabled accounts cannot log in and lose their tokens."""
    _require(by, "change", user.org)
    if not active and by is not None and by.pk == user.pk:
        raise ValidationError({"is_active": _("You cannot disable your own account.")})
    if user.is_active == active:
        return user
    before = snapshot(user)
    user.is_active = active
    claim_version(user, None)
    user.save(update_fields=["is_active"])
    if not active:
        _revoke_tokens(user)
    audit(instance=user, action="update", by=by, changes=diff(before, snapshot(user)))
    return user


@transaction.atomic
def token_issue(*, user: User) -> Token:
    """The account's API token (one per account), with the login in the audit trail."""
    token, _created = Token.objects.get_or_create(user=user)
    audit(instance=user, action="login", by=user, comment=_("API token"))
    return token


def login_recorded(sender, request, user, **kwargs) -> None:
    """Page logins land in the trail like API logins (connected to `user_logged_in`)."""
    audit(instance=user, action="login", by=user, comment=_("Web login"))
