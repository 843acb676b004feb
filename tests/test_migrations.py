"""The migrations build exactly the tables the code declares, on both backends: a column added to a
model without its migration (or the other way round) fails here, not on an operator's database."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import engine.notifications.tables  # noqa: F401  (their tables join the metadata)
import engine.people.token_table  # noqa: F401
from engine import Settings, connect
from engine.persistence.tables import Base


def test_the_migrated_schema_matches_the_models(database_url):
    sessions = connect(Settings(database_url=database_url))
    bind = sessions.kw["bind"]
    try:
        with bind.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        bind.dispose()
    assert differences == []
