"""The defense resources of the API."""

ROUTES: list = []
