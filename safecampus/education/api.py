"""The education resources of the API."""

ROUTES: list = []
