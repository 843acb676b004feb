"""Opening the database: SQLite (WAL, immediate write transactions) or PostgreSQL, and migrating it."""
from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import DatabaseUnavailable
from ..settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, see _sqlite_begin
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


READ_ONLY = {"sqflow_read_only": True}
BUSY_TIMEOUT_MS = 10_000


def _sqlite_begin(connection) -> None:
    # Writers take the lock up front, so a read-then-write never fails half-way with SQLITE_BUSY;
    # transactions opened with READ_ONLY execution options only read and do not queue behind writers.
    deferred = connection.get_execution_options().get("sqflow_read_only")
    connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


# A pooled connection used this recently is taken to be alive; one idle longer is pinged before use.
PING_WHEN_IDLE_SECONDS = 1.0
_LAST_USED = "sqflow_last_used"


def _ping_if_idle(engine: Engine):
    # Pinging at every checkout (pool_pre_ping) cost one round trip per transaction, a tenth of
    # what the server ran under load. A server restart leaves every connection idle longer than
    # this, so they are all pinged, and a dead one is replaced before the request uses it.
    def checkout(dbapi_connection, record, _proxy) -> None:
        if time.monotonic() - record.info.get(_LAST_USED, 0.0) < PING_WHEN_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(f"pooled connection is gone: {exc}") from exc

    def checkin(_dbapi_connection, record) -> None:
        record.info[_LAST_USED] = time.monotonic()

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)


def open_database(settings: Settings) -> Engine:
    """A SQLAlchemy Engine for the configured URL; raises DatabaseUnavailable with one clear line."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            try:
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseUnavailable(f"cannot create the folder for {url.database}: {exc.strerror}") from None
        engine = create_engine(url, echo=settings.sql_echo, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        engine = create_engine(url, echo=settings.sql_echo, connect_args={"connect_timeout": 5})
        _ping_if_idle(engine)
    try:
        with engine.connect().execution_options(**READ_ONLY) as connection:  # never waits for a writer
            connection.execute(text("SELECT 1"))
    except (OperationalError, DBAPIError) as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(
            f"cannot open database {url.render_as_string(hide_password=True)}: {reason}") from None
    return engine


# What the planner needs from a PostgreSQL server: without autovacuum's ANALYZE the tables have no
# statistics, and the inbox and queue statements read every open task instead of a few index entries
# (0.8 ms instead of 0.2 ms each under `sqflow bench load`).
_SERVER_SETTINGS = ("autovacuum", "track_counts")


def server_advice(settings: dict[str, str]) -> list[str]:
    """What an operator should change on the database server, given its settings (`server_settings`)."""
    off = [name for name in _SERVER_SETTINGS if settings.get(name) == "off"]
    if not off:
        return []
    return [f"PostgreSQL runs with {' and '.join(f'{name} = off' for name in off)}: tables get no fresh "
            "statistics, and inbox and queue queries slow down as tasks accumulate. Turn it on: "
            + "; ".join(f"ALTER SYSTEM SET {name} = on" for name in off) + "; SELECT pg_reload_conf()"]


def server_settings(engine: Engine) -> dict[str, str]:
    """The server settings `server_advice` looks at (none on SQLite)."""
    if engine.dialect.name != "postgresql":
        return {}
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT name, setting FROM pg_settings WHERE name = ANY(:names)"),
                                  {"names": list(_SERVER_SETTINGS)})
        return dict(rows.tuples().all())


_TOUCHED = "sqflow_touched_database"


def _touched(session: Session, transaction, _connection) -> None:
    session.info[_TOUCHED] = True


def _ended(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_TOUCHED, None)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(engine, expire_on_commit=False)
    event.listen(factory, "after_begin", _touched)
    event.listen(factory, "after_transaction_end", _ended)
    return factory


@contextmanager
def step_reads(session: Session) -> Iterator[Session]:
    """Where an engine step reads the instance it works on before running it.

    On SQLite a writing transaction takes the database's one write lock at its first statement
    (BEGIN IMMEDIATE), so a step that read in it would hold the lock while its scripts run and
    every other person would wait. While the caller's transaction has not touched the database
    yet, the step reads in a transaction of its own that takes no lock; the caller's transaction
    then holds the lock only for the save, and the instance's revision check still refuses a save
    over a change made meanwhile. Otherwise (PostgreSQL, or a transaction that already read or
    wrote, whose uncommitted rows the step must see) it reads in the caller's transaction.
    """
    bind = session.get_bind()
    if bind.dialect.name != "sqlite" or session.info.get(_TOUCHED):
        yield session
        return
    with Session(bind, expire_on_commit=False) as reads:
        reads.connection(execution_options=READ_ONLY)
        yield reads


_SAVEPOINT = "sqflow_one_of_several"


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """Roll back to where the block began if it raises, and re-raise: one of several pieces of work in
    one transaction (the timers a worker fires together) fails alone. Core statements only inside (the
    ORM's identity map is not rolled back). Left open when the block succeeds: PostgreSQL then spends
    one round trip per piece, not two; every savepoint ends with the transaction, and a rollback goes
    to the newest one of the name, this block's."""
    connection = session.connection()
    connection.exec_driver_sql(f"SAVEPOINT {_SAVEPOINT}")
    try:
        yield
    except BaseException:
        connection.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
        raise


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_is_current(engine: Engine) -> bool:
    return current_revision(engine) == ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (no-op when it already is)."""
    if not schema_is_current(engine):
        command.upgrade(_alembic_config(engine), "head")
