"""Scratch PostgreSQL databases for benchmarks: created on entry, dropped on exit; and their statistics."""
from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

ANALYZE_EVERY_SECONDS = 10.0
# The tables whose statistics decide plans under load (the append-only logs are read by key only);
# analyzing the whole database cost ten times as much (0.37 s a round against 35 ms).
ANALYZED = "human_tasks, process_instances, timers, slas"


@contextmanager
def scratch_postgres(admin_url: str, prefix: str = "sqflow_bench") -> Iterator[str]:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def statistics_kept(url: str) -> Iterator[float | None]:
    """While the block runs, ANALYZE the database every `ANALYZE_EVERY_SECONDS` if the server runs
    without autovacuum (as this machine's does), as autovacuum keeps a production server's statistics
    (sqflow warns about a server without it). Yields that interval, or None when autovacuum is on."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as connection:
        autovacuum = connection.execute(text("SHOW autovacuum")).scalar_one()
    if autovacuum == "on":
        engine.dispose()
        yield None
        return
    stop = threading.Event()

    def analyze() -> None:
        while not stop.wait(ANALYZE_EVERY_SECONDS):
            try:
                with engine.connect() as connection:
                    connection.execute(text(f"ANALYZE {ANALYZED}"))
            except DBAPIError:  # the chaos bench restarts the server; the next round analyzes
                pass

    thread = threading.Thread(target=analyze, name="bench-analyze", daemon=True)
    thread.start()
    try:
        yield ANALYZE_EVERY_SECONDS
    finally:
        stop.set()
        thread.join()
        engine.dispose()
