"""Several rows in one INSERT (engine/persistence/bulk.py), on both backends: what is read back is
exactly what a plain INSERT would have stored, and bad rows are refused before anything is written."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, func, insert, select

from engine import Settings, connect
from engine.notifications.tables import Notification
from engine.persistence.bulk import insert_rows
from engine.persistence.tables import AuditEntry

NOTIFICATIONS = Notification.__table__
AUDIT_LOG = AuditEntry.__table__
BEIJING = timezone(timedelta(hours=8))


@pytest.fixture
def bind(database_url):
    engine = connect(Settings(database_url=database_url)).kw["bind"]
    yield engine
    engine.dispose()


def _note(recipient: str, at: datetime, **changes) -> dict:
    return {"recipient": recipient, "kind": "task.for_group", "instance_id": 7, "task_id": None,
            "title": f"新任务「受理」 for {recipient}", "body": "工单 WO-1 待签收\n\"quoted\" \\ back",
            "details": {"group": "客服部", "nested": {"n": [1, 2.5, None, True]}}, "created_at": at,
            "read_at": None, **changes}


def _stored(connection, table, order_by) -> list[dict]:
    return [dict(row._mapping) for row in connection.execute(select(table).order_by(order_by))]


@pytest.mark.parametrize("one_by_one", [False, True], ids=["together", "one_by_one"])
def test_rows_read_back_as_a_plain_insert_stores_them(bind, one_by_one):
    at = datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=BEIJING)
    rows = [_note("alice", at), _note("bob", at, read_at=at + timedelta(minutes=5), task_id="t-1"),
            _note("陈静", at, instance_id=None, details={})]
    with bind.begin() as connection:
        for batch in ([row] for row in rows) if one_by_one else [rows]:
            insert_rows(connection, NOTIFICATIONS, batch)
        bulk = _stored(connection, NOTIFICATIONS, NOTIFICATIONS.c.id)
        connection.execute(NOTIFICATIONS.delete())
        connection.execute(insert(NOTIFICATIONS), rows)
        plain = _stored(connection, NOTIFICATIONS, NOTIFICATIONS.c.id)

    assert [{k: v for k, v in row.items() if k != "id"} for row in bulk] == \
           [{k: v for k, v in row.items() if k != "id"} for row in plain]
    assert bulk[0]["created_at"] == at and bulk[0]["created_at"].tzinfo == timezone.utc
    assert bulk[1]["read_at"] == at + timedelta(minutes=5)
    assert bulk[2]["recipient"] == "陈静" and bulk[2]["instance_id"] is None and bulk[2]["details"] == {}
    assert bulk[0]["details"] == {"group": "客服部", "nested": {"n": [1, 2.5, None, True]}}
    assert len({row["id"] for row in bulk}) == 3


def test_postgresql_receives_the_rows_as_one_statement(bind):
    if bind.dialect.name != "postgresql":
        pytest.skip("SQLite's executemany already runs in C")
    statements = []
    event.listen(bind, "before_cursor_execute", lambda *args: statements.append(args[2]))
    at = datetime.now(timezone.utc)
    with bind.begin() as connection:
        insert_rows(connection, AUDIT_LOG, [
            {"at": at, "actor": "engine", "event": "element.completed", "instance_id": 1, "task_id": None,
             "element_id": f"e{n}", "details": {"type": "ScriptTask"}} for n in range(12)])
        count = connection.execute(select(func.count()).select_from(AUDIT_LOG)).scalar_one()
    assert count == 12
    assert sum("audit_log" in statement and "INSERT" in statement for statement in statements) == 1


@pytest.mark.parametrize("rows, problem", [
    ([{"recipient": "a"}, {"recipient": "b", "kind": "x"}], "same columns"),
    ([{"recipient": "a", "colour": "red"}, {"recipient": "b", "colour": "blue"}], "no column colour"),
    ([_note("a", datetime(2026, 1, 1)), _note("b", datetime(2026, 1, 1))], "naive datetimes"),
    ([_note("a", datetime(2026, 1, 1))], "naive datetimes"),
])
def test_bad_rows_are_refused_and_nothing_is_written(bind, rows, problem):
    with bind.connect() as connection:
        with pytest.raises(Exception, match=problem):
            insert_rows(connection, NOTIFICATIONS, rows)
        connection.rollback()
        assert connection.execute(select(func.count()).select_from(NOTIFICATIONS)).scalar_one() == 0
