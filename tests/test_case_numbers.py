"""Case numbers (TS-2026-0001, ...): first responders recording contacts at the same moment, in requests served
side by side, each get a number of their own, on SQLite and on PostgreSQL."""
from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from lxml import html

from engine.reads import list_instances
from processes.demo_people import DEMO_PASSWORD

from .browser_support import LiveApp
from .test_browser import _deploy_complaints

TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')
CALLERS = ["zhang.min", "wang.fang", "liu.yang", "zhang.min"]


@pytest.fixture
def served(database_url, tmp_path):
    app = LiveApp(database_url, tmp_path / "var")
    yield app
    app.close()


def signed_in(url: str, login: str) -> requests.Session:
    browser = requests.Session()
    token = TOKEN.search(browser.get(f"{url}/login").text).group(1)
    answer = browser.post(f"{url}/login", data={"login": login, "password": DEMO_PASSWORD, "csrf_token": token},
                          allow_redirects=False)
    assert answer.status_code == 302, answer.text[:300]
    return browser


def hotline_form(browser: requests.Session, url: str, name: str) -> dict:
    """The hotline intake as the page offers it, with what the caller says filled in."""
    form = html.fromstring(browser.get(f"{url}/cases/new/hotline").text).get_element_by_id("intake-form")
    values = dict(form.form_values())
    values.update(customer_phone="13800000000", customer_name=name, category="billing",
                  description=f"{name}：本月话费多扣了三十元")
    return values


def test_contacts_recorded_at_the_same_moment_get_different_case_numbers(served):
    _deploy_complaints(served)
    callers = [signed_in(served.url, login) for login in CALLERS]
    forms = [hotline_form(browser, served.url, f"客户{n}") for n, browser in enumerate(callers)]
    together = threading.Barrier(len(callers))

    def record(browser: requests.Session, form: dict) -> requests.Response:
        together.wait()
        return browser.post(f"{served.url}/cases/new/hotline", data=form, allow_redirects=False)

    with ThreadPoolExecutor(len(callers)) as pool:
        answers = list(pool.map(record, callers, forms))
    assert [a.status_code for a in answers] == [302] * len(callers), [a.text[:300] for a in answers]
    with served.sessions.begin() as db:
        keys = sorted(case.business_key for case in list_instances(db, process_id="complaint"))
    year = served.clock.now().year
    assert keys == [f"TS-{year}-{n:04d}" for n in range(1, len(callers) + 1)]
