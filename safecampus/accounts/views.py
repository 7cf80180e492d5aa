from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import activate
from django.views.decorators.http import require_POST

from safecampus.accounts.models import User


@require_POST
def set_language(request):
    """Switch language; a signed-in user keeps the choice on the account, on every device."""
    code = request.POST.get("language", "")
    if code not in dict(settings.LANGUAGES):
        code = settings.LANGUAGE_CODE
    if request.user.is_authenticated:
        User.objects.filter(pk=request.user.pk).update(language=code)
    nxt = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        nxt = "/"
    activate(code)
    response = HttpResponseRedirect(nxt)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax"
    )
    return response


def users(request):
    return HttpResponse("")


urlpatterns: list = [path("users/", users, name="users")]
