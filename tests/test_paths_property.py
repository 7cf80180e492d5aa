"""Property: the database's subtree filter agrees with the tree itself, on both databases."""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safecampus.orgs.models import OrgNode, path_segment
from safecampus.orgs.services import node_create

_roots = itertools.count()


@given(st.integers(min_value=1, max_value=36**4 - 1), st.integers(min_value=1, max_value=36**4 - 1))
def test_segments_sort_like_numbers(a, b):
    assert (path_segment(a) < path_segment(b)) == (a < b)
    assert len(path_segment(a)) == 4


@pytest.mark.django_db
def test_region_condition_only_at_county_depth_and_below():
    """The county-prefix equality is added for a county's subtree (so its index serves it) and
    never for a province or a city, whose rows have many county prefixes."""
    OrgNode.region_indexed = True
    try:
        assert "LEFT(" not in _sql("0001.0002") and "SUBSTR(" not in _sql("0001.0002")
        county = _sql("0001.0002.0003")
        assert ("LEFT(" in county) or ("SUBSTR(" in county)
    finally:
        del OrgNode.region_indexed


def _sql(path):
    return str(OrgNode.objects.within(path).query).upper()


@pytest.mark.django_db
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    shape=st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=25),
    region_indexed=st.booleans(),
)
def test_within_matches_ancestry(shape, region_indexed):
    """Build a random tree (each new node hangs under an earlier one) and compare, for every
    node, the `within` query with the set of nodes whose parent chain reaches it; also with
    the county-prefix condition a `region_indexed` model gets (core.lookups.Within)."""
    root = node_create(parent=None, kind="province", name=f"根{next(_roots)}", by=None)
    nodes = [root]
    kinds = {"province": "city", "city": "county", "county": "township", "township": "village"}
    for i, pick in enumerate(shape):
        parent = nodes[pick % len(nodes)]
        if parent.kind not in kinds:
            parent = root
        nodes.append(node_create(parent=parent, kind=kinds[parent.kind], name=f"n{i}", by=None))
    parents = {n.pk: n.parent_id for n in nodes}

    def chain(pk):
        while pk in parents:
            yield pk
            pk = parents[pk]

    OrgNode.region_indexed = region_indexed
    try:
        for node in nodes:
            expected = {pk for pk in parents if node.pk in set(chain(pk))}
            found = OrgNode.objects.within(node.path).values_list("pk", flat=True)
            assert set(found) == expected
    finally:
        del OrgNode.region_indexed
