from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _


class ConflictError(ValidationError):
    """Someone saved the record after this edit began: refuse instead of overwriting them."""

    def __init__(self, message=None):
        super().__init__(
            message
            or _(
                "Someone else changed this record after you opened it. Reload it to see their changes, then edit again."
            ),
            code="conflict",
        )


class NotAllowed(PermissionDenied):
    """The user's roles do not allow this action here.

    A PermissionDenied, so a page answers 403 with no code of its own; the API's exception
    handler keeps the message."""
