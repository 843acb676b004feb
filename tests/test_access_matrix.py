"""Who may do what: every route of the app (from its url_map, every method) asked as every role and
anonymously, with real objects; the answer each role gets is declared below, one table for the app.

A route with no declared probe fails `test_every_route_has_declared_answers`: a new route needs its
rule here. Routes that name an object are also asked with another person's object (IDOR): a case,
task, report, token or notification of someone else is denied (403/404) like one that does not exist.
Visibility follows issue 18: a person sees a case they took part in, that sits in one of their
groups, or that their department manages; managers see every case; supervisors see none of the
customers' cases; only a process's starters start it, and a supervisor's term only from its process.
"""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from engine.persistence.tables import DeploymentFile

from processes.demo_people import DEMO_PASSWORD
from tests.conftest import diagram_path

from .access_world import ALLOW, DENY, PEOPLE, ROLES, SIGN_IN, Probe, World, answer_of, expect

A, D, L = ALLOW, DENY, SIGN_IN
WORK_ORDER = diagram_path("work_order.bpmn").read_bytes()

PUBLIC = expect(A, A, A, A, A, A, A, A)
SIGNED_IN = expect(A, A, A, A, A, A, A, L)
MANAGERS = expect(D, D, D, A, D, D, A, L)
DESIGNERS = expect(D, D, D, D, A, D, A, L)
SUPERVISORS = expect(D, D, D, D, D, A, A, L)
ADMINS = expect(D, D, D, D, D, D, A, L)
READERS = expect(A, A, A, A, A, D, A, L)          # the deployed processes: everyone working cases, designers
SEES_CASE = expect(A, A, A, A, D, D, A, L)        # zhang.min took it, li.wei's and wu.lead's group holds it
SEES_OTHERS_CASE = expect(D, D, D, A, D, D, A, L)  # wang.fang's case in billing: managers and admins only
GROUP_WORKS = expect(D, A, A, D, D, D, D, L)      # claim or complete: members of the task's group
OTHER_GROUP_WORKS = expect(D, D, D, D, D, D, D, L)
LEADS = expect(D, D, A, D, D, D, A, L)            # reassign: the group's team lead, admins
HOLDER_OR_LEAD = expect(D, A, A, D, D, D, A, L)   # unclaim li.wei's claimed task
OWNER_ONLY = expect(D, A, D, D, D, D, D, L)       # li.wei's own token, notification
SIGNS_OUT = expect(L, L, L, L, L, L, L, L)
TAKES_IN = expect(A, D, D, D, D, D, D, L)         # recording contacts, My cases: those who work the intake
LEADS_TEAMS = expect(D, D, A, D, D, D, D, L)      # the late tasks of one's groups: team leads, department heads
OVERSEES = expect(D, D, A, A, D, D, A, L)         # the dashboard: managers, and team leads for their department

def fresh_case(world: World) -> dict:
    made = world.complaint("zhang.min", "network_dept")
    return {"case": made["case"], "task": made["task"]}


def fresh_claimed(world: World) -> dict:
    made = world.claimed_complaint()
    return {"task": made["task"]}


def others_claimed(world: World) -> dict:
    return {"others_task": world.claimed_complaint("wang.fang", "billing_dept", "sun.li")["task"]}


def fresh_name(world: World) -> dict:
    return {"name": f"matrix_{next(world.keys)}"}


def dmn_file(world: World) -> dict:
    """A stored decision file (classification.dmn, deployed with the complaint process)."""
    with world.sessions.begin() as db:
        return {"dmn": db.scalar(select(DeploymentFile.id).where(DeploymentFile.name.like("%.dmn")).limit(1))}


def form(**values):
    return lambda ids, login: {"data": dict(values)}


def json(**values):
    return lambda ids, login: {"json": dict(values)}


def start(process_id: str, **data):
    return lambda ids, login: {"json": {"process_id": process_id, "business_key": f"MX-START-{login}", "data": data},
                               "headers": {"Idempotency-Key": f"matrix-{process_id}-{login}"}}


def signed_by_me(kind: str):
    return lambda ids, login: ({"json": {"data": {"signed_by": login or "nobody"}}} if kind == "json"
                               else {"data": {"signed_by": login or "nobody"}})


def deployment(ids, login):
    return {"data": {"files": [(io.BytesIO(WORK_ORDER), "work_order.bpmn")]}, "content_type": "multipart/form-data"}


def report_form(ids, login):
    return {"data": {"kind": "in_person", "visited_at": "2026-01-04T15:30", "place": "人民路营业厅",
                     "category": "service", "finding": "营业厅排队一小时无人引导", "service_failure": "yes"}}


P = Probe
PROBES: list[Probe] = [
    P("home", "GET", lambda i: "/", SIGNED_IN),
    P("static", "GET", lambda i: "/static/app.css", PUBLIC),
    P("vendor", "GET", lambda i: "/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js", PUBLIC),
    P("operations.healthz", "GET", lambda i: "/healthz", PUBLIC),
    P("operations.readyz", "GET", lambda i: "/readyz", PUBLIC),
    P("operations.metrics", "GET", lambda i: "/metrics", PUBLIC),
    # sign-in, sign-out, language, own password
    P("auth.login", "GET", lambda i: "/login", PUBLIC),
    P("auth.login", "POST", lambda i: "/login", PUBLIC, form(login="zhang.min", password=DEMO_PASSWORD),
      own_session=True),
    P("auth.logout", "POST", lambda i: "/logout", SIGNS_OUT, own_session=True),
    P("auth.set_locale", "POST", lambda i: "/locale", PUBLIC, form(locale="zh_CN")),
    P("auth.change_password", "GET", lambda i: "/password", SIGNED_IN),
    P("auth.change_password", "POST", lambda i: "/password", SIGNED_IN,
      form(current="not-my-password", new="another-password-1", again="another-password-1")),
    # the inbox and tasks (pages)
    P("inbox.static", "GET", lambda i: "/inbox/static/inbox.css", PUBLIC),
    P("inbox.index", "GET", lambda i: "/inbox/", SIGNED_IN),
    P("inbox.claim_next", "POST", lambda i: "/inbox/next", SIGNED_IN),
    P("inbox.task", "GET", lambda i: f"/inbox/tasks/{i['task']}", SEES_CASE),
    P("inbox.task", "GET", lambda i: f"/inbox/tasks/{i['others_task']}", SEES_OTHERS_CASE, label="others"),
    P("inbox.complete", "POST", lambda i: f"/inbox/tasks/{i['task']}", GROUP_WORKS, signed_by_me("form"),
      fresh=fresh_case, sent_back_when_refused=True),
    P("inbox.complete", "POST", lambda i: f"/inbox/tasks/{i['others_task']}", OTHER_GROUP_WORKS,
      signed_by_me("form"), label="others", sent_back_when_refused=True),
    P("inbox.claim", "POST", lambda i: f"/inbox/tasks/{i['task']}/claim", GROUP_WORKS, fresh=fresh_case),
    P("inbox.claim", "POST", lambda i: f"/inbox/tasks/{i['others_task']}/claim", OTHER_GROUP_WORKS, label="others"),
    P("inbox.unclaim", "POST", lambda i: f"/inbox/tasks/{i['task']}/unclaim", HOLDER_OR_LEAD, fresh=fresh_claimed),
    P("inbox.unclaim", "POST", lambda i: f"/inbox/tasks/{i['others_task']}/unclaim",
      expect(D, D, D, D, D, D, A, L), fresh=others_claimed, label="others"),
    P("inbox.reassign", "POST", lambda i: f"/inbox/tasks/{i['task']}/reassign", LEADS, form(to="wu.lead"),
      fresh=fresh_case),
    P("inbox.reassign", "POST", lambda i: f"/inbox/tasks/{i['others_task']}/reassign",
      expect(D, D, D, D, D, D, A, L), form(to="sun.li"), fresh=lambda w: {"others_task": w.complaint(
          "wang.fang", "billing_dept")["task"]}, label="others"),
    # the tasks (API)
    P("api.list_tasks", "GET", lambda i: "/api/v1/tasks", SIGNED_IN),
    P("api.list_notifications", "GET", lambda i: "/api/v1/notifications", SIGNED_IN),
    P("api.claim_next_task", "POST", lambda i: "/api/v1/tasks/claim-next", SIGNED_IN, json()),
    P("api.show_task", "GET", lambda i: f"/api/v1/tasks/{i['task']}", SEES_CASE),
    P("api.show_task", "GET", lambda i: f"/api/v1/tasks/{i['others_task']}", SEES_OTHERS_CASE, label="others"),
    P("api.claim_task", "POST", lambda i: f"/api/v1/tasks/{i['task']}/claim", GROUP_WORKS, json(), fresh=fresh_case),
    P("api.claim_task", "POST", lambda i: f"/api/v1/tasks/{i['others_task']}/claim", OTHER_GROUP_WORKS, json(),
      label="others"),
    P("api.complete_task", "POST", lambda i: f"/api/v1/tasks/{i['task']}/complete", GROUP_WORKS,
      signed_by_me("json"), fresh=fresh_case),
    P("api.complete_task", "POST", lambda i: f"/api/v1/tasks/{i['others_task']}/complete", OTHER_GROUP_WORKS,
      signed_by_me("json"), label="others"),
    P("api.unclaim_task", "POST", lambda i: f"/api/v1/tasks/{i['task']}/unclaim", HOLDER_OR_LEAD, json(),
      fresh=fresh_claimed),
    P("api.unclaim_task", "POST", lambda i: f"/api/v1/tasks/{i['others_task']}/unclaim",
      expect(D, D, D, D, D, D, A, L), json(), fresh=others_claimed, label="others"),
    P("api.reassign_task", "POST", lambda i: f"/api/v1/tasks/{i['task']}/reassign", LEADS, json(to="wu.lead"),
      fresh=fresh_case),
    P("api.reassign_task", "POST", lambda i: f"/api/v1/tasks/{i['others_task']}/reassign",
      expect(D, D, D, D, D, D, A, L), json(to="sun.li"), fresh=lambda w: {"others_task": w.complaint(
          "wang.fang", "billing_dept")["task"]}, label="others"),
    # cases (API)
    P("api.list_instances", "GET", lambda i: "/api/v1/instances", MANAGERS),
    P("api.start_instance", "POST", lambda i: "/api/v1/instances", expect(A, D, D, D, D, D, A, L), start("complaint"),
      label="complaint"),
    P("api.start_instance", "POST", lambda i: "/api/v1/instances", expect(D, D, D, D, D, D, D, L),
      start("supervisor_term", login="li.wei", certificate_no="SQS-2099-0001"), label="supervisor term"),
    P("api.show_instance", "GET", lambda i: f"/api/v1/instances/{i['case']}", SEES_CASE),
    P("api.list_customer_messages", "GET", lambda i: f"/api/v1/instances/{i['case']}/customer-messages", SEES_CASE),
    P("api.list_customer_messages", "GET", lambda i: f"/api/v1/instances/{i['others_case']}/customer-messages",
      SEES_OTHERS_CASE, label="others"),
    P("api.show_instance", "GET", lambda i: f"/api/v1/instances/{i['others_case']}", SEES_OTHERS_CASE,
      label="others"),
    P("api.suspend_instance", "POST", lambda i: f"/api/v1/instances/{i['case']}/suspend", MANAGERS, json(),
      fresh=fresh_case),
    P("api.resume_instance", "POST", lambda i: f"/api/v1/instances/{i['case']}/resume", MANAGERS, json(),
      fresh=fresh_case),
    P("api.terminate_instance", "POST", lambda i: f"/api/v1/instances/{i['case']}/terminate", MANAGERS,
      json(reason="matrix"), fresh=fresh_case),
    P("api.retry_instance", "POST", lambda i: f"/api/v1/instances/{i['case']}/retry", MANAGERS, json(data={}),
      fresh=fresh_case),
    P("api.send_message", "POST", lambda i: "/api/v1/messages", SEES_CASE,
      lambda i, login: {"json": {"business_key": i["key"], "message": "customer_called", "payload": {}}}),
    P("api.send_message", "POST", lambda i: "/api/v1/messages", SEES_OTHERS_CASE,
      lambda i, login: {"json": {"business_key": i["others_key"], "message": "customer_called", "payload": {}}},
      label="others"),
    P("api.list_definitions", "GET", lambda i: "/api/v1/definitions", READERS),
    P("api.deploy", "POST", lambda i: "/api/v1/definitions", DESIGNERS, deployment),
    P("api.dashboard", "GET", lambda i: "/api/v1/dashboard", MANAGERS),
    P("api.list_slas", "GET", lambda i: "/api/v1/slas", MANAGERS),
    P("api.me", "GET", lambda i: "/api/v1/me", SIGNED_IN),
    P("api.openapi", "GET", lambda i: "/api/v1/openapi.json", PUBLIC),
    P("api.show_clock", "GET", lambda i: "/api/v1/clock", ADMINS),
    # Administrators pass the access check; the real clock refuses to move (409), which counts as allowed.
    P("api.move_clock", "POST", lambda i: "/api/v1/clock", ADMINS, lambda i, login: {"json": {"advance": "PT1H"}}),
    P("api.list_tokens", "GET", lambda i: "/api/v1/tokens", SIGNED_IN),
    P("api.create_token", "POST", lambda i: "/api/v1/tokens", SIGNED_IN, json(name="matrix")),
    P("api.revoke_token", "DELETE", lambda i: f"/api/v1/tokens/{i['token']}", OWNER_ONLY, json()),
    # cases (pages): the monitor is the managers'; a case's diagram and elements follow who sees the case
    P("monitor.static", "GET", lambda i: "/monitor/static/monitor.css", PUBLIC),
    P("monitor.instances", "GET", lambda i: "/instances", MANAGERS),
    P("monitor.instance", "GET", lambda i: f"/instances/{i['case']}", SEES_CASE),
    P("monitor.instance", "GET", lambda i: f"/instances/{i['others_case']}", SEES_OTHERS_CASE, label="others"),
    P("monitor.act", "POST", lambda i: f"/instances/{i['case']}/suspend", MANAGERS, fresh=fresh_case),
    P("monitor.instance_diagram", "GET", lambda i: f"/instances/{i['case']}/diagram.bpmn", SEES_CASE),
    P("monitor.instance_diagram", "GET", lambda i: f"/instances/{i['others_case']}/diagram.bpmn", SEES_OTHERS_CASE,
      label="others"),
    P("monitor.instance_elements_json", "GET", lambda i: f"/instances/{i['case']}/elements.json", SEES_CASE),
    P("monitor.instance_elements_json", "GET", lambda i: f"/instances/{i['others_case']}/elements.json",
      SEES_OTHERS_CASE, label="others"),
    P("monitor.dashboard", "GET", lambda i: "/dashboard", OVERSEES),
    P("monitor.version_diagram", "GET", lambda i: f"/dashboard/diagram/{i['definition']}.bpmn", MANAGERS),
    P("monitor.version_heat", "GET", lambda i: f"/dashboard/heat/{i['definition']}.json", MANAGERS),
    # a first responder's cases: recording a contact, a repeated call, My cases; the team lead's late tasks
    P("cases.static", "GET", lambda i: "/cases/static/cases.css", PUBLIC),
    P("cases.new", "GET", lambda i: "/cases/new", TAKES_IN),
    P("cases.intake", "GET", lambda i: "/cases/new/hotline", TAKES_IN),
    P("cases.take_in", "POST", lambda i: "/cases/new/hotline", TAKES_IN,
      form(customer_phone="13800138000", customer_name="矩阵", category="service", description="矩阵测试的投诉内容")),
    P("cases.callers", "GET", lambda i: "/cases/callers?customer_phone=13800138000", TAKES_IN),
    P("cases.called_again", "POST", lambda i: f"/cases/{i['case']}/called-again", TAKES_IN,
      form(customer_phone="13800138000"), fresh=fresh_case),
    P("cases.called_again", "POST", lambda i: f"/cases/{i['others_case']}/called-again",
      expect(D, D, D, D, D, D, D, L), form(customer_phone="13911112222"), label="others"),
    P("cases.mine", "GET", lambda i: "/cases/", TAKES_IN),
    P("cases.team", "GET", lambda i: "/cases/team", LEADS_TEAMS),
    # the designer
    P("designer.static", "GET", lambda i: "/designer/static/designer.css", PUBLIC),
    P("designer.index", "GET", lambda i: "/designer/", DESIGNERS),
    P("designer.new", "GET", lambda i: "/designer/processes/new", DESIGNERS),
    P("designer.edit", "GET", lambda i: "/designer/processes/complaint/edit", DESIGNERS),
    P("designer.form", "GET", lambda i: "/designer/processes/complaint_work_order/forms/sign_for.schema.json", DESIGNERS),
    P("designer.form", "POST", lambda i: "/designer/processes/complaint_work_order/forms/sign_for.schema.json", DESIGNERS,
      form(text="{}")),
    P("designer.download", "GET", lambda i: f"/designer/files/{i['file']}", DESIGNERS),
    P("designer.upload", "POST", lambda i: "/designer/upload", DESIGNERS, deployment),
    P("designer.validate", "POST", lambda i: "/designer/validate", DESIGNERS, json(xml="<x/>")),
    P("designer.deploy", "POST", lambda i: "/designer/deploy", DESIGNERS, json(xml="<x/>")),
    P("designer.layout", "POST", lambda i: "/designer/layout", DESIGNERS, json(xml="<x/>")),
    P("designer.deploy_preview", "POST", lambda i: "/designer/deploy/preview", DESIGNERS, json(xml="<x/>")),
    P("designer.deploy_confirm", "POST", lambda i: "/designer/deploy/confirm", DESIGNERS, json(xml="<x/>")),
    P("designer.versions", "GET", lambda i: "/designer/processes/complaint/versions", DESIGNERS),
    P("designer.make_current", "POST", lambda i: "/designer/processes/complaint/versions/1/make-current",
      DESIGNERS, json(reason="")),
    P("designer.test_run", "POST", lambda i: "/designer/test-run", DESIGNERS, json(xml="<x/>")),
    P("designer.catalog", "GET", lambda i: "/designer/api/catalog", DESIGNERS),
    P("designer.check_script_view", "POST", lambda i: "/designer/api/check-script", DESIGNERS,
      json(source="x = 1", mode="exec")),
    P("designer.timer_preview", "POST", lambda i: "/designer/api/timer-preview", DESIGNERS,
      json(kind="timeDuration", value="PT2H")),
    P("designer.decision", "GET", lambda i: f"/designer/decisions/{i['dmn']}/edit", DESIGNERS, fresh=dmn_file),
    P("designer.save_decision", "POST", lambda i: f"/designer/decisions/{i['dmn']}/edit", DESIGNERS,
      json(xml="<x/>"), fresh=dmn_file),
    # supervisors
    P("supervisors.verify", "GET", lambda i: f"/verify/{i['verify']}", PUBLIC),
    P("supervisors.roster", "GET", lambda i: "/supervisors/roster", MANAGERS),
    P("supervisors.roster_export", "GET", lambda i: "/supervisors/roster.csv", MANAGERS),
    P("supervisors.my_id", "GET", lambda i: "/supervisors/my-id", SUPERVISORS),
    P("supervisors.reports", "GET", lambda i: "/supervisors/reports", SUPERVISORS),
    P("supervisors.reports", "POST", lambda i: "/supervisors/reports", ADMINS | {"supervisor": A, "admin": D},
      report_form),  # an administrator holds no supervisor's term to file under
    P("supervisors.report", "GET", lambda i: f"/supervisors/reports/{i['report']}", expect(D, D, D, D, D, A, D, L)),
    P("supervisors.report", "GET", lambda i: f"/supervisors/reports/{i['others_report']}", ADMINS | {
        "supervisor": D, "admin": D}, label="others"),
    # notifications
    P("notifications.index", "GET", lambda i: "/notifications/", SIGNED_IN),
    P("notifications.preferences", "GET", lambda i: "/notifications/preferences", SIGNED_IN),
    P("notifications.preferences", "POST", lambda i: "/notifications/preferences", SIGNED_IN, form()),
    P("notifications.read_all", "POST", lambda i: "/notifications/read-all", SIGNED_IN),
    P("notifications.read", "POST", lambda i: f"/notifications/{i['notification']}/read", OWNER_ONLY),
    P("notifications.open_", "POST", lambda i: f"/notifications/{i['notification']}/open", OWNER_ONLY),
    # people administration
    P("admin.static", "GET", lambda i: "/admin/static/admin/admin.css", ADMINS),
    P("admin.index", "GET", lambda i: "/admin/", ADMINS),
    P("admin.people", "GET", lambda i: "/admin/people", ADMINS),
    P("admin.add_person", "GET", lambda i: "/admin/people/new", ADMINS),
    P("admin.add_person", "POST", lambda i: "/admin/people/new", ADMINS,
      lambda i, login: {"data": {"login": i["name"], "name": "矩阵", "roles": "handler", "groups": "service_dept"}},
      fresh=fresh_name),
    P("admin.person", "GET", lambda i: "/admin/people/temp.person", ADMINS),
    P("admin.change_person", "POST", lambda i: "/admin/people/temp.person", ADMINS, form(name="临时")),
    P("admin.disable", "POST", lambda i: "/admin/people/temp.person/disable", ADMINS),
    P("admin.enable", "POST", lambda i: "/admin/people/temp.person/enable", ADMINS),
    P("admin.reset_password", "POST", lambda i: "/admin/people/temp.person/reset-password", ADMINS),
    P("admin.groups", "GET", lambda i: "/admin/groups", ADMINS),
    P("admin.add_group", "POST", lambda i: "/admin/groups", ADMINS,
      lambda i, login: {"data": {"name": i["name"], "label": "矩阵组", "kind": "group"}}, fresh=fresh_name),
    P("admin.group", "GET", lambda i: "/admin/groups/network_dept", ADMINS),
    P("admin.group", "POST", lambda i: "/admin/groups/network_dept", ADMINS, form(label="网络部")),
]


def _cells():
    for probe in PROBES:
        for role in ROLES:
            marks = [pytest.mark.xfail(strict=True, reason=probe.pending[role])] if role in probe.pending else []
            name = f"{probe.method} {probe.endpoint}{' (' + probe.label + ')' if probe.label else ''} as {role}"
            yield pytest.param(probe, role, id=name, marks=marks)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("access")
    made = World(f"sqlite:///{folder / 'sqflow.db'}", folder / "var")
    yield made
    made.close()


@pytest.mark.parametrize("probe, role", list(_cells()))
def test_each_role_gets_the_declared_answer(world, probe, role):
    path, response = world.ask(probe, role)
    assert answer_of(response, probe, path) == probe.expected[role], (
        f"{probe.method} {path} as {role} ({PEOPLE[role]}): {response.status_code} "
        f"{response.location or response.get_data(as_text=True)[:300]}")


def test_every_route_has_declared_answers(world):
    routes = {(rule.endpoint, method) for rule in world.app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    declared = {(probe.endpoint, probe.method) for probe in PROBES}
    assert sorted(routes - declared) == [], "routes without a declared answer: add their probes to PROBES"
    assert sorted(declared - routes) == [], "probes of routes the app no longer has"
    assert all(set(probe.expected) == set(ROLES) for probe in PROBES)


def test_every_route_that_names_a_persons_object_is_also_asked_with_someone_elses(world):
    """IDOR: a route whose path names a case, task, report, token or notification is asked with another
    person's object too, unless only its owner (asked as everyone else) or managers may use it at all."""
    personal = {"instance_id", "task_id", "key", "token_id", "notification_id"}
    object_routes = {rule.endpoint for rule in world.app.url_map.iter_rules() if personal & set(rule.arguments)}
    covered = {probe.endpoint for probe in PROBES if probe.label == "others" or probe.expected in (OWNER_ONLY, MANAGERS)}
    assert object_routes and sorted(object_routes - covered) == []
