from safecampus.core.context import acting_as


def client_ip(request) -> str | None:
    """The client's address; behind a proxy set TRUSTED_PROXY so X-Forwarded-For is believed."""
    from django.conf import settings

    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = (
            request.user
            if getattr(request, "user", None) and request.user.is_authenticated
            else None
        )
        with acting_as(user=user, ip=client_ip(request)):
            return self.get_response(request)
