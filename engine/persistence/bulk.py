"""Inserting several rows of one table in one statement.

psycopg runs an executemany as one INSERT per row (in a pipeline): the server binds and executes
each, and the driver adapts every row's parameters in Python. A step writes several audit entries
and a notification per group member, so those single-row INSERTs were half the statements the
server ran under load. On PostgreSQL the rows go as one JSON document instead, unpacked by
`json_populate_recordset` into the table's own column types in a single INSERT … SELECT.
SQLite's executemany runs in C and stays as it is.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Insert, Table, TextClause, insert, text

from . import prepared


def insert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys, named by column) into `table`."""
    if not rows:
        return
    keys = columns_of(table, rows)
    if len(rows) == 1 or connection.dialect.name != "postgresql":
        prepared.execute(connection, _insert_into(table), rows)
        return
    connection.execute(_from_json(connection.dialect.identifier_preparer.format_table(table),
                                  tuple(connection.dialect.identifier_preparer.quote(name) for name in keys)),
                       {"rows": json_document(rows)})


def columns_of(table: Table, rows: list[dict[str, Any]]) -> tuple[str, ...]:
    """The columns `rows` name, the same in every row, all of them `table`'s."""
    keys = rows[0].keys()
    names = tuple(keys)
    if (table, names) not in _KNOWN_COLUMNS:  # a step writes the same few column sets again and again
        unknown = [name for name in keys if name not in table.c]
        if unknown:
            raise ValueError(f"{table.name} has no column {', '.join(unknown)}")
        if len(_KNOWN_COLUMNS) < 1024:
            _KNOWN_COLUMNS.add((table, names))
    if any(row.keys() != keys for row in rows):
        raise ValueError(f"rows for {table.name} must all have the same columns")
    return names


_KNOWN_COLUMNS: set[tuple[Table, tuple[str, ...]]] = set()


def json_document(rows: list[dict[str, Any]]) -> str:
    """`rows` as one JSON array for `json_populate_recordset` (times as aware UTC ISO 8601)."""
    return json.dumps(rows, default=_json_value, ensure_ascii=False, separators=(",", ":"))


@lru_cache(maxsize=64)
def _insert_into(table: Table) -> Insert:
    # One statement object per table: SQLAlchemy then finds its compiled form without building a cache key.
    return insert(table)


@lru_cache(maxsize=64)
def _from_json(table: str, columns: tuple[str, ...]) -> TextClause:
    names = ", ".join(columns)
    return text(f"INSERT INTO {table} ({names}) SELECT {names} "
                f"FROM json_populate_recordset(NULL::{table}, CAST(:rows AS json))")


def _json_value(value: Any) -> str:
    # What the column types would store: times as aware UTC (naive ones are refused, as UtcDateTime does).
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass a timezone-aware time")
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
