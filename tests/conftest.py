import os
from dataclasses import dataclass

import pytest

from safecampus.orgs.choices import NodeKind, SchoolKind
from tests import factories as f

pytest_plugins = ["tests.browser_support"]


@dataclass
class World:
    """Two counties of one city, each with a township and two schools, and a department.

    Enough to prove that nothing crosses from one school to another or one county to another.
    """

    province: object
    city: object
    county_a: object
    county_b: object
    town_a: object
    town_b: object
    school_a1: object
    school_a2: object
    school_b1: object
    police_a: object
    market_a: object


@pytest.fixture
def world(db):
    province = f.node(None, NodeKind.PROVINCE, "宁夏回族自治区")
    city = f.node(province, NodeKind.CITY, "吴忠市")
    county_a = f.node(city, NodeKind.COUNTY, "盐池县", short_name="盐池")
    county_b = f.node(city, NodeKind.COUNTY, "同心县", short_name="同心")
    town_a = f.node(county_a, NodeKind.TOWNSHIP, "冯记沟乡")
    town_b = f.node(county_b, NodeKind.TOWNSHIP, "豫海镇")
    school_a1 = f.school(town_a, "冯记沟中心小学", SchoolKind.PRIMARY)
    school_a2 = f.school(town_a, "冯记沟幼儿园", SchoolKind.KINDERGARTEN)
    school_b1 = f.school(town_b, "豫海中学", SchoolKind.JUNIOR)
    police_a = f.DepartmentFactory(org=town_a, name="冯记沟派出所", kind="police")
    market_a = f.DepartmentFactory(org=town_a, name="惠安堡市场监督管理所", kind="market")
    return World(
        province,
        city,
        county_a,
        county_b,
        town_a,
        town_b,
        school_a1,
        school_a2,
        school_b1,
        police_a,
        market_a,
    )


@pytest.fixture(autouse=True)
def _english_off(settings):
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture(autouse=True)
def _own_cache(settings, request):
    """Each test gets an empty cache of its own: rate limits and throttles counted in one test
    (or in a parallel worker sharing the file cache) never leak into another."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }


def pytest_configure(config):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
