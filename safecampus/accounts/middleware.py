from django.utils import translation


class UserLanguageMiddleware:
    """A signed-in user's chosen language wins over the browser's; anonymous pages use the
    cookie or Accept-Language that LocaleMiddleware already read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """An account whose password an administrator set must choose its own before anything
    else: the administrator knows the first one."""

    ALLOWED = (
        "/accounts/password/",
        "/accounts/logout/",
        "/i18n/",
        "/accounts/language/",
        "/static/",
        "/healthz",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.contrib import messages
        from django.shortcuts import redirect
        from django.utils.translation import gettext as _

        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            and not request.path.startswith(self.ALLOWED)
            and not request.path.startswith("/api/")
        ):
            messages.info(request, _("Please choose a new password before you continue."))
            return redirect("accounts:password_change")
        return self.get_response(request)
