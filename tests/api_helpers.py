"""Shared pieces of the API tests: token clients, and one record of each resource at a node.

Test modules import the autouse fixtures by name (`from tests.api_helpers import api_setup`).
"""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from safecampus.accounts.roles import Role
from safecampus.core.models import AuditEntry
from safecampus.orgs import services
from tests import factories as f


@pytest.fixture(autouse=True)
def api_setup(settings, request):
    """Cheap password hashing, and a throttle cache of this test's own (the file cache is shared
    by every test process, so login attempts of one test would throttle another)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }


def api(user=None, language: str = "en") -> APIClient:
    """A client that authenticates as `user` with an API token, in `language`."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def ids(response) -> set:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


class Records:
    """One record of every resource at a node, named by the resource's route."""

    def __init__(self, node, tag: str):
        self.node = node
        self.department = f.DepartmentFactory(org=node, name=f"保卫处{tag}", kind="other")
        self.person = f.PersonFactory(org=node, department=self.department)
        self.group = f.LeadershipGroupFactory(org=node)
        services.group_set_members(group=self.group, by=None, members=[{"person": self.person}])
        self.user = f.user_with_role(Role.TEACHER, node, username=f"account-{tag}")

    def target(self, route: str):
        return {
            "orgs": self.node,
            "schools": self.node.school,
            "departments": self.department,
            "people": self.person,
            "leadership-groups": self.group,
            "users": self.user,
            "audit": AuditEntry.objects.filter(org=self.node).order_by("id").first(),
        }[route]
