"""Real Chromium (Debian's package) driven by Playwright against Django's live server.

A plugin loaded once from tests/conftest.py: one Playwright per test process, whatever
directory the browser tests live in.
"""

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


class Session:
    """A page plus the record of every host it asked for, so a test can prove it stayed local."""

    def __init__(self, browser, base_url, viewport):
        self.base_url = base_url
        self.context = browser.new_context(viewport=viewport, locale="zh-CN")
        self.page = self.context.new_page()
        self.hosts = set()
        self.page.on("request", lambda req: self.hosts.add(urlparse(req.url).netloc))

    def go(self, path):
        return self.page.goto(self.base_url + path)

    def login(self, username, password):
        self.go("/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def shot(self, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def close(self):
        self.context.close()


@pytest.fixture
def open_session(browser, live_server):
    sessions = []

    def make(viewport=None):
        session = Session(browser, live_server.url, viewport or {"width": 1280, "height": 800})
        sessions.append(session)
        return session

    yield make
    for s in sessions:
        s.close()
