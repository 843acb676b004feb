"""The web app under test: a real app on a fresh database, the demo's people, and signed-in clients.

CSRF protection stays on: `post()` takes the token from a page the way a browser form does.
"""
from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient

from engine import ManualClock, Settings, SourceFile
from processes.demo_people import DEMO_PASSWORD, seed_people
from web import create_app

from .conftest import diagram_path

TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


class WebHarness:
    def __init__(self, database_url: str, var_dir: Path, **settings):
        self.clock = ManualClock()
        self.settings = Settings(database_url=database_url, var_dir=var_dir, **settings)
        self.app = create_app({"SQFLOW_SETTINGS": self.settings, "SQFLOW_CLOCK": self.clock, "TESTING": True,
                               "SECRET_KEY": "test-secret"})
        runtime = self.app.extensions["sqflow"]
        self.engine, self.sessions = runtime.engine, runtime.sessions
        with self.sessions.begin() as session:
            seed_people(session, self.clock.now(), self.engine.desk.directory)

    def deploy(self, *names: str, by: str = "lin.designer"):
        files = [SourceFile(Path(n).name, diagram_path(n).read_bytes()) for n in names]
        with self.sessions.begin() as session:
            return self.engine.definitions.deploy(session, files, by)

    def start(self, process_id: str, data: dict | None = None, *, key: str | None = None, by: str = "zhang.min"):
        with self.sessions.begin() as session:
            return self.engine.instances.start(session, process_id, started_by=by, data=data, business_key=key)

    def client(self, login: str | None = None, password: str = DEMO_PASSWORD) -> "WebClient":
        client = WebClient(self.app)
        if login is not None:
            response = client.post("/login", data={"login": login, "password": password})
            assert response.status_code == 302, f"sign-in of {login} failed: {response.status_code}"
        return client

    def close(self) -> None:
        self.sessions.kw["bind"].dispose()


class WebClient(FlaskClient):
    def __init__(self, app):
        super().__init__(app, app.response_class, use_cookies=True)

    def csrf_token(self) -> str:
        page = super().get("/login").get_data(as_text=True)
        return TOKEN.search(page).group(1)

    def post(self, *args, **kwargs):
        """POST with the session's CSRF token added (pass `csrf=False` to leave it out)."""
        if kwargs.pop("csrf", True):
            token = self.csrf_token()
            if "json" not in kwargs:
                data = kwargs.setdefault("data", {})
                if isinstance(data, dict):
                    data.setdefault("csrf_token", token)
            kwargs.setdefault("headers", {}).setdefault("X-CSRFToken", token)
        return super().post(*args, **kwargs)
