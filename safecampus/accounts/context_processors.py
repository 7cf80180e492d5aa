def navigation(request):
    """The menu for the signed-in user's roles (filled by safecampus.core.navigation)."""
    from safecampus.core.navigation import menu_for, menu_tree

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from safecampus.notify.views import unread_count

    items = menu_for(user)
    return {
        "nav_items": items,
        "nav_tree": menu_tree(items),
        "unread_notifications": unread_count(user),
    }
