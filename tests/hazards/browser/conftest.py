"""The browser fixtures of tests/browser (Chromium via Playwright against the live server)."""

import pytest

from tests.browser.conftest import *  # noqa: F403
from tests.browser.conftest import SHOTS  # noqa: F401


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/hazards/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
