from django.core.exceptions import ValidationError
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


class NotAllowed(PermissionError):
    """The user's roles do not allow this action here."""
