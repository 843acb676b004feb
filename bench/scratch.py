"""Scratch PostgreSQL databases for benchmarks: created on entry, dropped on exit; and their statistics."""
from __future__ import annotations

import threading
import time
import uuid
from contextlib import contextmanager
from typing import Callable, Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from engine.persistence.database import server_advice, server_settings

ANALYZE_EVERY_SECONDS = 10.0
# The tables whose statistics decide plans under load (the append-only logs are read by key only);
# analyzing the whole database cost ten times as much (0.37 s a round against 35 ms).
ANALYZED = "human_tasks, process_instances, timers, slas"


@contextmanager
def scratch_postgres(admin_url: str, prefix: str = "sqflow_bench") -> Iterator[str]:
    """A new database on the server of `admin_url`, dropped on exit. The admin engine pools nothing, so no
    connection goes stale across a server restart (the chaos bench restarts it), and the drop waits up
    to 30 s for the server to come back."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        for attempt in range(30):
            try:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                break
            except DBAPIError:
                if attempt == 29:
                    raise
                time.sleep(1)


@contextmanager
def statistics_kept(url: str, echo: Callable[[str], None]) -> Iterator[float | None]:
    """While the block runs, ANALYZE the hot tables every `ANALYZE_EVERY_SECONDS` if the server keeps no
    statistics itself (autovacuum or track_counts off, as on this machine; sqflow warns about such a
    server), and say so. Yields that interval, or None when the server keeps them."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    if not server_advice(server_settings(engine)):
        engine.dispose()
        yield None
        return
    echo("  this PostgreSQL keeps no statistics (autovacuum or track_counts off): the bench runs ANALYZE "
         f"every {ANALYZE_EVERY_SECONDS:.0f} s in its place")
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
