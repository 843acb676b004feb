"""Alembic environment: the engine comes from sqflow (`config.attributes['engine']`) or the env URL."""
from alembic import context

from engine.persistence.tables import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from engine.persistence.database import open_database
        from engine.settings import Settings

        engine = open_database(Settings.from_env())
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
