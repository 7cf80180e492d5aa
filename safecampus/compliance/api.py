"""The compliance resources of the API: rules and verdicts."""

ROUTES: list = []
