"""The world the role x route matrix (test_access_matrix.py) walks: the demo people, the product's
complaint and supervisor diagrams, and real objects of each kind for the routes that name one: two
complaints (one a first responder took and the network department holds, one of another first
responder held by billing), their tasks, a person's API token and notification, supervisors' reports.

`Probe` is one request of the matrix; `answer_of` sorts an HTTP answer into what a person notices:
allowed (the operation ran, or refused the input), denied (403 or 404), or sent to sign in (401 or a
redirect to the sign-in page).
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from sqlalchemy import select

from engine.notifications.tables import Notification
from engine.people.tokens import ApiTokens
from engine.persistence.tables import DeploymentFile, ProcessDefinition
from processes.demo_people import DEMO_PASSWORD
from processes.supervisors.credentials import id_token
from processes.supervisors.demo import seed_supervisors
from tests.test_complaint_forms import GOOD_INTAKE
from tests.test_supervisor_recruitment import COMPLAINTS, SUPERVISORS, diagram_files

from .web_harness import TOKEN, WebClient, WebHarness

ALLOW, DENY, SIGN_IN = "allowed", "denied", "sent to sign in"
# The people of the matrix, one per role (tests/web_harness.py's demo people and supervisors).
PEOPLE = {"first responder": "zhang.min", "department handler": "li.wei", "team lead": "wu.lead",
          "manager": "ma.manager", "designer": "lin.designer", "supervisor": "qian.jiandu", "admin": "admin",
          "anonymous": None}
ROLES = tuple(PEOPLE)
SECRET = "test-secret"  # the web harness's SECRET_KEY
CSRF_REFUSED = "表单已过期"


def expect(first_responder: str, department_handler: str, team_lead: str, manager: str, designer: str,
           supervisor: str, admin: str, anonymous: str) -> dict[str, str]:
    return dict(zip(ROLES, (first_responder, department_handler, team_lead, manager, designer, supervisor, admin,
                            anonymous)))


@dataclass(frozen=True)
class Probe:
    """One request to one route: `path` and `body` from the world's ids (and `fresh` objects made anew
    for each person, for requests that change them), and the answer expected for each role."""

    endpoint: str
    method: str
    path: Callable[[dict], str]
    expected: dict[str, str]
    body: Callable[[dict, str | None], dict] = lambda ids, login: {}
    fresh: Callable[["World"], dict] | None = None
    label: str = ""
    own_session: bool = False  # signs in (or out) itself: a session of its own
    sent_back_when_refused: bool = False
    pending: dict[str, str] = field(default_factory=dict)  # role -> why the cell fails until work lands


def answer_of(response, probe: Probe, path: str) -> str:
    """What the person notices. For a probe `sent_back_when_refused` (the task page offers no form to
    someone who may only read the task), a redirect back to the page itself is a refusal."""
    status = response.status_code
    redirected_to = urlsplit(response.location).path if status in (301, 302, 303) else None
    if status == 401 or redirected_to == "/login":
        return SIGN_IN
    if status in (403, 404) or (probe.sent_back_when_refused and redirected_to == urlsplit(path).path):
        return DENY
    if status >= 500:
        return f"error {status}"
    if status == 400 and CSRF_REFUSED in response.get_data(as_text=True):
        return "refused for want of a CSRF token (the probe is wrong)"
    return ALLOW


class World(WebHarness):
    """The app, its objects, and one signed-in session cookie per person."""

    def __init__(self, database_url: str, var_dir: Path):
        super().__init__(database_url, var_dir)
        self.keys = itertools.count(1)
        with self.sessions.begin() as db:
            self.engine.definitions.deploy(db, diagram_files(SUPERVISORS, COMPLAINTS), "lin.designer")
        seed_supervisors(self.engine, self.sessions, self.clock.now(), self.engine.desk.directory)
        self.cookies = {login: self.client(login).get_cookie("session").value
                        for login in PEOPLE.values() if login is not None}
        mine, theirs = self.complaint("zhang.min", "network_dept"), self.complaint("wang.fang", "billing_dept")
        with self.sessions.begin() as db:
            self.engine.desk.directory.save(db, "temp.person", name="临时", password=DEMO_PASSWORD,
                                            roles=("handler",), groups=("service_dept",), now=self.clock.now())
            tokens = ApiTokens()
            definition = db.scalar(select(ProcessDefinition).where(ProcessDefinition.process_id == "complaint"))
            self.ids: dict[str, Any] = {
                "case": mine["case"], "task": mine["task"], "key": mine["key"],
                "others_case": theirs["case"], "others_task": theirs["task"], "others_key": theirs["key"],
                "definition": definition.id, "file": definition.bpmn_file_id,
                "token": tokens.create(db, "li.wei", "matrix", self.clock.now()).info.id,
                "notification": db.scalar(select(Notification.id).where(Notification.recipient == "li.wei")),
                "verify": id_token("SQS-2026-0001", SECRET)}
            assert db.get(DeploymentFile, self.ids["file"]) is not None and self.ids["notification"] is not None
        self.ids["report"] = self.report("qian.jiandu")
        self.ids["others_report"] = self.report("sun.jiandu")

    def complaint(self, first_responder: str, department: str) -> dict:
        """A complaint its first responder received and dispatched: its sign-for waits in `department`."""
        key = f"MX-{next(self.keys):04d}"
        view = self.start("complaint", key=key, by=first_responder)
        for element, data in (("intake", {**GOOD_INTAKE, "received_by": first_responder}),
                              ("on_the_spot", {"resolved": False}), ("dispatch", {"department": department})):
            task = next(t for t in view.open_tasks if t.element_id == element)
            with self.sessions.begin() as db:
                view = self.engine.instances.complete_task(db, task.id, by=first_responder, data=data)
        sign_for = next(t for t in view.open_tasks if t.element_id == "sign_for")
        return {"case": view.id, "task": sign_for.id, "key": key}

    def claimed_complaint(self, first_responder: str = "zhang.min", department: str = "network_dept",
                          holder: str = "li.wei") -> dict:
        made = self.complaint(first_responder, department)
        with self.sessions.begin() as db:
            self.engine.desk.claim(db, self.engine.desk.directory.get(db, holder), made["task"])
        return made

    def report(self, supervisor: str) -> str:
        client = self.client(supervisor)
        answer = client.post("/supervisors/reports", data={
            "kind": "in_person", "visited_at": "2026-01-04T15:30", "place": "人民路营业厅", "category": "service",
            "finding": "营业厅排队一小时无人引导", "service_failure": "yes"})
        assert answer.status_code == 302, answer.status_code
        page = client.get("/supervisors/reports").get_data(as_text=True)
        return re.search(r"MV-SQS-\d{4}-\d{4}-\d{3}", page).group(0)

    def browser(self, role: str, own_session: bool) -> WebClient:
        """A client as `role`: a copy of that person's signed-in cookie, or a sign-in of its own."""
        login = PEOPLE[role]
        if login is None or own_session:
            return self.client(login)
        client = WebClient(self.app)
        client.set_cookie("session", self.cookies[login])
        return client

    def ask(self, probe: Probe, role: str):
        ids = {**self.ids, **(probe.fresh(self) if probe.fresh else {})}
        client = self.browser(role, probe.own_session)
        body = dict(probe.body(ids, PEOPLE[role]))
        headers = body.pop("headers", {})
        if probe.method not in ("GET", "HEAD"):
            token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
            headers["X-CSRFToken"] = token
            if "json" not in body:
                body.setdefault("data", {})["csrf_token"] = token
        path = probe.path(ids)
        return path, client.open(path, method=probe.method, headers=headers, **body)
