"""Sign-in rate limits count in the database, so every web worker counts the same failed attempts:
spreading guesses over the workers of `sqflow serve` does not multiply the allowance."""
from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.persistence.tables import RateLimitHit
from processes.demo_people import DEMO_PASSWORD
from tests.conftest import free_port
from web import create_app

from .web_harness import WebClient

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def workers(web):
    """Two apps on one database, as two gunicorn workers are: 3 failed sign-ins per login a minute."""
    config = {"SQFLOW_SETTINGS": web.settings, "SQFLOW_CLOCK": web.clock, "TESTING": True, "SECRET_KEY": "test-secret",
              "SQFLOW_LOGIN_RATE_LIMIT": "3 per minute", "SQFLOW_LOGIN_ADDRESS_RATE_LIMIT": "50 per hour"}
    apps = [create_app(config), create_app(config)]
    yield apps
    for app in apps:
        app.extensions["sqflow"].sessions.kw["bind"].dispose()


def _guess(app, login: str = "li.wei", password: str = "wrong-guess") -> int:
    return WebClient(app).post("/login", data={"login": login, "password": password}).status_code


def test_failed_sign_ins_spread_over_two_workers_count_together(workers):
    first, second = workers
    assert [_guess(first), _guess(second), _guess(first)] == [401, 401, 401]
    assert _guess(second) == 429
    assert _guess(first, password=DEMO_PASSWORD) == 429  # the right password waits too
    assert _guess(second, login="sun.li") == 401  # another login is its own count


def test_the_count_starts_again_when_its_window_ends(web, workers):
    first, second = workers
    for app in (first, second, first):
        _guess(app)
    assert _guess(second) == 429
    web.clock.advance(timedelta(seconds=59))
    assert _guess(first) == 429
    web.clock.advance(timedelta(seconds=2))
    assert _guess(second, password=DEMO_PASSWORD) == 302
    assert [_guess(first), _guess(second), _guess(first), _guess(second)] == [401, 401, 401, 429]


def test_no_attempt_is_lost_when_many_arrive_at_once(web):
    """Concurrent guesses from several threads in two apps: the shared count has every one of them."""
    config = {"SQFLOW_SETTINGS": web.settings, "SQFLOW_CLOCK": web.clock, "TESTING": True, "SECRET_KEY": "test-secret",
              "SQFLOW_LOGIN_RATE_LIMIT": "1000 per minute", "SQFLOW_LOGIN_ADDRESS_RATE_LIMIT": "1000 per hour"}
    apps = [create_app(config), create_app(config)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda n: _guess(apps[n % 2], login="wu.lead"), range(24)))
    assert answers == [401] * 24
    with web.sessions.begin() as db:
        counts = dict(db.execute(select(RateLimitHit.key, RateLimitHit.hits)).all())
    assert sorted(counts.values()) == [24, 24]  # per login and address, and per address
    for app in apps:
        app.extensions["sqflow"].sessions.kw["bind"].dispose()


# --- a real `sqflow serve --workers 2` -----------------------------------------------------------

class _Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect answers as itself (302 after a sign-in)


class Browser:
    """A sign-in form in a browser: one cookie jar, the CSRF token from the page."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _Stay())
        page = self.opener.open(f"{base}/login", timeout=30).read().decode()
        self.token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    def sign_in(self, login: str, password: str) -> int:
        form = urllib.parse.urlencode({"login": login, "password": password, "csrf_token": self.token}).encode()
        try:
            return self.opener.open(urllib.request.Request(f"{self.base}/login", data=form), timeout=30).status
        except urllib.error.HTTPError as answer:
            return answer.code


def _booted_workers(server: subprocess.Popen, count: int) -> list[int]:
    pids = []
    for line in server.stdout:
        found = re.search(r"Booting worker with pid: (\d+)", line)
        if found:
            pids.append(int(found.group(1)))
            if len(pids) == count:
                return pids
    raise AssertionError("the server stopped before its workers booted")


def test_served_by_two_workers_the_eleventh_failed_sign_in_is_refused(database_url, tmp_path):
    """With only one worker taking requests at a time (the other paused), five guesses go to each
    worker; the eleventh (the default limit is 10 a minute per login) is refused by either."""
    port = free_port()
    env = {**os.environ, "SQFLOW_DATABASE_URL": database_url, "SQFLOW_VAR_DIR": str(tmp_path),
           "SQFLOW_UNKNOWN_YEAR_POLICY": "provisional"}
    server = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--demo", "--port", str(port),
                               "--workers", "2", "--no-timer-worker"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
    paused = None
    try:
        first, second = _booted_workers(server, 2)
        browser = Browser(f"http://127.0.0.1:{port}")
        answers = []
        for serving, pausing in ((first, second), (second, first)):
            if paused is not None:
                os.kill(paused, signal.SIGCONT)
            os.kill(pausing, signal.SIGSTOP)
            paused = pausing
            answers += [(serving, browser.sign_in("li.wei", f"guess-{n}")) for n in range(5)]
        assert [code for _, code in answers] == [401] * 10
        assert browser.sign_in("li.wei", "guess-10") == 429  # on the second worker
        os.kill(paused, signal.SIGCONT)
        os.kill(second, signal.SIGSTOP)
        paused = second
        assert browser.sign_in("li.wei", DEMO_PASSWORD) == 429  # on the first worker
        assert browser.sign_in("sun.li", DEMO_PASSWORD) == 302
    finally:
        if paused is not None:
            os.kill(paused, signal.SIGCONT)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert server.returncode == 0
