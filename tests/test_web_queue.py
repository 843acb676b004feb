"""Working the queue from the inbox pages: take the next task (取下一单) within the filters, and play mode
(completing opens the case's next task for me, or else claims the queue's next one)."""
from __future__ import annotations

from datetime import timedelta

from tests.test_web_inbox import flashes, open_tasks, orders, page_of, task_of  # noqa: F401  (orders: a fixture)


def test_take_the_next_task_opens_the_soonest_due_one_within_the_filters(web, orders):
    orders("WO-1")
    urgent = orders("WO-2", outage=True).open_tasks[0]
    handler = web.client("li.wei")
    page = handler.get("/inbox/?process=work_order").get_data(as_text=True)
    assert "取下一单" in page and 'name="process" value="work_order"' in page
    taken = handler.post("/inbox/next", data={"process": "work_order"})
    assert taken.status_code == 302 and taken.location.endswith(f"/inbox/tasks/{urgent.id}?then_take_next=1")
    assert "你已取下一单：“签收工单”" in flashes(handler)
    assert 'name="then_take_next" value="1" checked' in page_of(handler.get(taken.location))
    assert task_of(web, urgent.id).assignee == "li.wei"
    none_left = handler.post("/inbox/next", data={"process": "complaint"})
    assert none_left.location.endswith("/inbox/?process=complaint")
    assert "没有待认领的任务" in flashes(handler)
    assert handler.post("/inbox/next", data={"sla": "soon"}).status_code == 302
    assert "未知的" in flashes(handler) or "Unknown" in flashes(handler)
    assert "取下一单" not in web.client("lin.designer").get("/inbox/").get_data(as_text=True)  # in no group


def test_working_the_queue_completing_opens_the_cases_next_task_then_the_next_waiting_one(web, orders):
    first = orders("WO-1").open_tasks[0]
    web.clock.advance(timedelta(minutes=1))
    second = orders("WO-2").open_tasks[0]
    handler = web.client("li.wei")
    play = {"then_take_next": "1"}
    reply = handler.post(f"/inbox/tasks/{first.id}", data=play)  # the case goes on with its reply, li.wei's
    assert reply.location.endswith(f"/inbox/tasks/{open_tasks(web, first.instance_id)['reply'].id}")
    flashes(handler)
    taken = handler.post(reply.location.split("?")[0], data=play)
    assert taken.location.endswith(f"/inbox/tasks/{second.id}?then_take_next=1")
    assert "已为你取下一单：“签收工单”" in flashes(handler)
    assert task_of(web, second.id).assignee == "li.wei"
    handler.post(f"/inbox/tasks/{second.id}")  # without the box: the case's next task, never the queue's
    done = handler.post(f"/inbox/tasks/{open_tasks(web, second.instance_id)['reply'].id}", data=play)
    assert done.location.endswith("/inbox/")
    assert "你所在的组没有待认领的任务" in flashes(handler)
