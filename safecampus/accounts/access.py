"""Which subtrees a user may act in, computed once per request from the role table."""

from safecampus.accounts.roles import allows
from safecampus.core.scoping import ALL, collapse


def assignments(user) -> list:
    """The user's role assignments, loaded once and kept on the user object."""
    cached = getattr(user, "_assignments_cache", None)
    if cached is None:
        from safecampus.accounts.models import RoleAssignment

        cached = list(
            RoleAssignment.objects.filter(user=user)
            .select_related("org", "department")
            .order_by("org_path")
        )
        user._assignments_cache = cached
    return cached


def record_type_of(model) -> str:
    record_type = getattr(model, "record_type", "")
    if not record_type:
        raise TypeError(f"{model.__name__} has no record_type: it cannot be scoped")
    return record_type


def scope_prefixes(user, model, action: str = "view"):
    """The node paths inside which `user` may `action` records of `model` (or ALL)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return ALL
    record_type = record_type_of(model)
    return collapse(
        a.org_path
        for a in assignments(user)
        if allows(a.role, record_type, action, a.department.kind if a.department_id else None)
    )


def can(user, action: str, model, org) -> bool:
    """May `user` do `action` on a record of `model` that belongs to node `org`?"""
    prefixes = scope_prefixes(user, model, action)
    if prefixes is ALL:
        return True
    return any(org.path == p or org.path.startswith(p + ".") for p in prefixes)


def can_anywhere(user, action: str, model) -> bool:
    prefixes = scope_prefixes(user, model, action)
    return prefixes is ALL or bool(prefixes)


def roles_of(user) -> set[str]:
    return {a.role for a in assignments(user)}
