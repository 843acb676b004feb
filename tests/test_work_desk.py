"""The work desk under the inbox: counts that follow the filters, SLA standing of one task, and a task that
slipped away (claimed or completed meanwhile) reported as a state conflict, while outsiders stay forbidden."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from engine.errors import Forbidden, InvalidInputError, TaskNotOpen
from engine.people import User
from engine.people.desk import InboxFilter
from engine.runtime.queries import Page
from engine.sla.policies import save_policies
from engine.sla.policy import parse_policies
from engine.timers.worker import TimerWorker
from tests.test_web_inbox import WORK_ORDER_SLA

LI = User("li.wei", "李伟", frozenset({"handler"}), frozenset({"network_dept"}))
WANG = User("wang.gang", "王刚", frozenset({"handler"}), frozenset({"network_dept"}))
LEAD = User("wu.lead", "吴组长", frozenset({"handler", "team_lead"}), frozenset({"network_dept", "team_lead"}))
OUTSIDER = User("zhao.lei", "赵磊", frozenset({"handler"}), frozenset({"wireless_dept"}))


@pytest.fixture
def desk(harness):
    harness.deploy("work_order.bpmn")
    process_id, policies = parse_policies("work_order_sla.json", json.dumps(WORK_ORDER_SLA).encode())
    with harness.sessions.begin() as session:
        save_policies(session, process_id, policies, "test", "ops", harness.clock.now())
        for user in (LI, WANG, LEAD, OUTSIDER):
            harness.engine.desk.directory.save(session, user.login, name=user.name, password="sqflow-test",
                                               roles=user.roles, groups=user.groups, now=harness.clock.now())
    harness.engine.sla_policies.forget()
    return harness.engine.desk


def order(harness, key: str, outage: bool = False):
    description = "outage on the street" if outage else "slow line"
    return harness.start("work_order", {"description": description, "category": "complaint"}, key=key).open_tasks[0]


def act(harness, method: str, user: User, *args, **kwargs):
    with harness.sessions.begin() as session:
        return getattr(harness.engine.desk, method)(session, user, *args, **kwargs)


def test_the_count_follows_the_filters_and_the_scope(harness, desk):
    order(harness, "WO-1")
    urgent = order(harness, "WO-2", outage=True)
    order(harness, "WO-3")
    act(harness, "claim", LI, urgent.id)
    with harness.sessions.begin() as session:
        assert desk.count(session, LI) == 3
        assert desk.count(session, LI, "mine") == 1
        assert desk.count(session, WANG) == 2  # li.wei's claimed task is not offered to colleagues
        assert desk.count(session, LEAD) == 3  # a team lead sees the group's claimed tasks too
        assert desk.count(session, LI, filters=InboxFilter(text="WO-3")) == 1
        assert desk.count(session, LI, filters=InboxFilter(scope="unclaimed", process_id="work_order")) == 2
        assert desk.count(session, LI, filters=InboxFilter(text="   ")) == 3
        assert desk.count(session, OUTSIDER) == 0
        rows = desk.inbox(session, LI, InboxFilter(sla="on_track"))
        assert desk.count(session, LI, filters=InboxFilter(sla="on_track")) == len(rows) == 3


def test_the_standing_of_one_task_matches_its_inbox_row(harness, desk):
    urgent = order(harness, "WO-1", outage=True)
    with harness.sessions.begin() as session:
        assert desk.standing(session, act(harness, "task", LI, urgent.id)) == ("on_track", 3600)
    harness.clock.advance(timedelta(minutes=40))
    TimerWorker(harness.engine, harness.sessions, name="w1").run_due()
    with harness.sessions.begin() as session:
        task = desk.task(session, LI, urgent.id)
        assert desk.standing(session, task) == ("warning", 1200)
        assert [(r.standing, r.seconds_left) for r in desk.inbox(session, LI)] == [("warning", 1200)]
    harness.clock.advance(timedelta(minutes=30))
    with harness.sessions.begin() as session:
        assert desk.standing(session, desk.task(session, LI, urgent.id)) == ("breached", -600)
    act(harness, "complete", LI, urgent.id, {})
    with harness.sessions.begin() as session:
        assert desk.standing(session, desk.task(session, LI, urgent.id)) == (None, None)


def test_a_task_taken_meanwhile_is_a_conflict_naming_who_has_it(harness, desk):
    task = order(harness, "WO-1")
    act(harness, "claim", WANG, task.id)
    with pytest.raises(TaskNotOpen, match="claimed by wang.gang"):
        act(harness, "claim", LI, task.id)
    with pytest.raises(Forbidden):  # never held it: giving it back is not theirs to do
        act(harness, "unclaim", LI, task.id)
    with pytest.raises(Forbidden):
        act(harness, "complete", LI, task.id, {})
    act(harness, "unclaim", WANG, task.id)
    with pytest.raises(TaskNotOpen, match="unclaimed"):
        act(harness, "unclaim", WANG, task.id)
    act(harness, "complete", LI, task.id, {})  # an unclaimed task of my group: completing claims it
    with pytest.raises(TaskNotOpen, match="completed by li.wei"):
        act(harness, "complete", WANG, task.id, {})
    with pytest.raises(TaskNotOpen, match="completed by li.wei"):
        act(harness, "claim", WANG, task.id)


def test_outsiders_are_forbidden_whatever_the_state(harness, desk):
    task = order(harness, "WO-1")
    for method, args in [("task", ()), ("claim", ()), ("complete", ({},)), ("reassign", ("li.wei",))]:
        with pytest.raises(Forbidden):
            act(harness, method, OUTSIDER, task.id, *args)
    with harness.sessions.begin() as session:
        assert desk.task(session, LI, task.id).assignee is None


def test_a_team_lead_hands_tasks_on_within_the_group(harness, desk):
    task = order(harness, "WO-1")
    assert act(harness, "reassign", LEAD, task.id, "li.wei").assignee == "li.wei"
    assert act(harness, "reassign", LEAD, task.id, "wang.gang", delegate=True).assignee == "wang.gang"
    with pytest.raises(Forbidden):
        act(harness, "reassign", LI, task.id, "li.wei")
    with pytest.raises(InvalidInputError, match="not in the group"):
        act(harness, "reassign", LEAD, task.id, "zhao.lei")
    events = [(e.event, e.details.get("to")) for e in harness.history(task.instance_id) if e.event.startswith("task.")]
    assert events[-2:] == [("task.reassigned", "li.wei"), ("task.delegated", "wang.gang")]


def test_the_next_task_of_the_case_is_offered_to_whoever_may_work_it(harness, desk):
    task = order(harness, "WO-1")
    done = act(harness, "complete", LI, task.id, {})
    following = desk.next_task(LI, done)
    assert following is not None and following.element_id == "reply"
    assert desk.next_task(OUTSIDER, done) is None


def test_pages_merge_every_way_a_task_reaches_the_inbox_in_one_order_without_repeats(harness, desk):
    """Due tasks first by due time, then tasks without a deadline by age, across groups and claims."""
    both = User("lead.two", "两组组长", frozenset({"handler", "team_lead"}), frozenset({"network_dept", "wireless_dept"}))
    with harness.sessions.begin() as session:
        desk.directory.save(session, both.login, name=both.name, password="sqflow-test", roles=both.roles,
                            groups=both.groups, now=harness.clock.now())
    harness.deploy("dynamic_lane.bpmn")
    expected_dated, expected_undated = [], []
    for n, group in enumerate(["wireless_dept", "network_dept", "wireless_dept"]):
        view = harness.start("dynamic_lane", key=f"DL-{n}")
        handle = harness.open_task(harness.complete(view, "dispatch", {"department": group}), "handle")
        expected_undated.append(handle.id)
        harness.clock.advance(timedelta(minutes=1))
    for n in range(3):
        expected_dated.append(order(harness, f"WO-{n}").id)
        harness.clock.advance(timedelta(minutes=1))
    act(harness, "claim", both, expected_dated[1])  # now reaches the inbox as "mine" and as the group's
    seen = []
    for offset in range(0, 8, 2):
        with harness.sessions.begin() as session:
            seen += [row.task.id for row in desk.inbox(session, both, page=Page(limit=2, offset=offset))]
    assert seen == expected_dated + expected_undated
    with harness.sessions.begin() as session:
        assert desk.count(session, both) == 6


def test_claim_next_takes_the_soonest_due_unclaimed_task_of_my_groups_within_the_filters(harness, desk):
    slow = order(harness, "WO-1")
    urgent = order(harness, "WO-2", outage=True)
    later = order(harness, "WO-3")
    act(harness, "claim", WANG, later.id)
    harness.deploy("dynamic_lane.bpmn")
    undated = harness.open_task(harness.complete(harness.start("dynamic_lane", key="DL-1"), "dispatch",
                                                 {"department": "network_dept"}), "handle")

    assert act(harness, "claim_next", OUTSIDER) is None
    taken = act(harness, "claim_next", LI, InboxFilter(process_id="work_order"))
    assert (taken.id, taken.assignee) == (urgent.id, "li.wei")
    assert act(harness, "claim_next", LI, InboxFilter(process_id="complaint")) is None
    assert act(harness, "claim_next", LI).id == slow.id
    assert act(harness, "claim_next", LI).id == undated.id  # tasks without a deadline come last
    assert act(harness, "claim_next", LI) is None  # WO-3's task is wang.gang's
    claimed = [e for e in harness.history(urgent.instance_id) if e.event == "task.claimed"]
    assert [(e.actor, e.details) for e in claimed] == [("li.wei", {"from": None, "to": "li.wei", "next": True})]
    with harness.sessions.begin() as session:
        assert desk.inbox(session, LI, InboxFilter(scope="mine"))[0].task.id == urgent.id


def test_handlers_taking_the_next_task_at_the_same_moment_get_different_tasks(harness, desk):
    import threading

    tasks = {order(harness, f"WO-{n}").id for n in range(6)}
    handlers = [User(f"h{n}", f"h{n}", frozenset({"handler"}), frozenset({"network_dept"})) for n in range(4)]
    barrier, taken, failures = threading.Barrier(len(handlers)), [], []

    def take(user: User) -> None:
        try:
            barrier.wait(timeout=30)
            for _ in range(2):
                with harness.sessions.begin() as session:
                    task = desk.claim_next(session, user)
                taken.append((task.id, user.login) if task else None)
        except Exception as exc:  # the test reports it instead of a thread dying quietly
            failures.append(exc)

    threads = [threading.Thread(target=take, args=(user,)) for user in handlers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    got = [t for t in taken if t is not None]
    assert len(got) == 6 and {task_id for task_id, _ in got} == tasks and taken.count(None) == 2
    with harness.sessions.begin() as session:
        holders = {v.task.id: v.task.assignee for h in handlers for v in desk.inbox(session, h, InboxFilter(scope="mine"))}
    assert holders == dict(got)


def test_on_postgresql_take_next_skips_a_task_being_claimed_instead_of_waiting_for_it(harness, desk):
    if harness.sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time: there is no row being claimed to skip")
    from sqlalchemy import text

    first = order(harness, "WO-1")
    harness.clock.advance(timedelta(minutes=1))
    second = order(harness, "WO-2")
    with harness.sessions.begin() as holding:  # li.wei's take-next, not yet committed, holds WO-1's row
        assert desk.claim_next(holding, LI).id == first.id
        with harness.sessions.begin() as other:
            other.execute(text("SET LOCAL lock_timeout = '2s'"))  # waiting would fail here, not hang
            assert desk.claim_next(other, WANG).id == second.id
