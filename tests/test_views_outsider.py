"""Every page that takes a record's id answers 404 to an outsider: walk the URL patterns, so
a new page cannot forget its scope without this test noticing."""

import pytest
from django.urls import get_resolver, reverse

from safecampus.accounts.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db

# URL-name prefix → the kind of record its <pk> names.
KINDS = {
    "orgs:node": "node",
    "orgs:school": "node",
    "orgs:department": "department",
    "orgs:person": "person",
    "orgs:group": "group",
    "accounts:user": "user",
}


def pk_routes():
    """Every named route with a <pk> in the orgs and accounts namespaces."""
    from django.urls import URLPattern, URLResolver

    names = set()

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif (
                isinstance(p, URLPattern)
                and p.name
                and namespace in ("orgs", "accounts")
                and "pk" in p.pattern.converters
            ):
                names.add(f"{namespace}:{p.name}")

    walk(get_resolver().url_patterns, None)
    return sorted(names)


@pytest.fixture
def far(world):
    """Records of the other county, and an insider of the first."""
    group = f.LeadershipGroupFactory(org=world.town_b)
    return {
        "node": world.school_b1,
        "department": f.DepartmentFactory(org=world.town_b, name="豫海派出所"),
        "person": f.PersonFactory(org=world.school_b1),
        "group": group,
        "user": f.user_with_role(Role.PRINCIPAL, world.school_b1),
    }


def kind_of(name):
    for prefix, kind in KINDS.items():
        if name.startswith(prefix):
            return kind
    return None


def test_every_pk_route_is_known():
    unknown = [name for name in pk_routes() if kind_of(name) is None]
    assert unknown == [], "add these routes to KINDS"


@pytest.mark.parametrize(
    "role", [Role.SYSADMIN, Role.BUREAU_STAFF, Role.SAFETY_OFFICER, Role.TOWNSHIP_OFFICER]
)
def test_outsiders_get_404_everywhere(client, world, far, role):
    node = world.county_a if role in (Role.SYSADMIN, Role.BUREAU_STAFF) else world.school_a1
    if role == Role.TOWNSHIP_OFFICER:
        node = world.town_a
    client.force_login(f.user_with_role(role, node))
    routes = pk_routes()
    assert len(routes) >= 15
    for name in routes:
        url = reverse(name, args=[far[kind_of(name)].pk])
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url, {})
        assert response.status_code == 404, (name, url, response.status_code, far["user"].org_path)
