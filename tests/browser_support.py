"""Browser tests: the real app served on loopback, driven by Playwright in Debian's headless Chromium.

Screenshots go to tests/screenshots/ (one per step that matters), to be looked at.
"""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from processes.demo_people import DEMO_PASSWORD

from .web_harness import WebHarness

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent / "screenshots"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


class LiveApp(WebHarness):
    """A WebHarness whose app also listens on 127.0.0.1 (a random port) in a thread."""

    def __init__(self, database_url: str, var_dir: Path):
        super().__init__(database_url, var_dir)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        super().close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make test` installs the Debian package chromium")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live(tmp_path):
    app = LiveApp(f"sqlite:///{tmp_path / 'sqflow.db'}", tmp_path / "var")
    yield app
    app.close()


@pytest.fixture
def browse(browser, live, request):
    """`browse(login)` -> a signed-in page (own cookies); screenshots named after the test."""
    contexts = []

    def open_as(login: str):
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(live.url + "/login")
        page.fill("input[name=login]", login)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    yield open_as
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def rename_in_modeler(page, element_id: str, label: str) -> None:
    """In the designer's modeler: rename an element in place, then validate the diagram."""
    page.dblclick(f".djs-element[data-element-id={element_id}]")
    page.keyboard.press("Control+A")
    page.keyboard.type(label)
    page.mouse.click(5, 300)
    page.click("#validate")
    page.wait_for_selector("#status:not([hidden])")
