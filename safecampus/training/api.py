"""The training resources of the API."""

ROUTES: list = []
