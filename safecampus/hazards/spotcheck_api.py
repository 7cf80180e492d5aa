"""Spot-checks of closed hazards in the API."""

ROUTES: list = []
