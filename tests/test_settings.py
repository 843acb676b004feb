"""Configuration from SQFLOW_* variables, and one clear line when the database is wrong."""
from __future__ import annotations

import pytest

from engine.errors import ConfigurationError, DatabaseUnavailable
from engine.persistence.database import open_database
from engine.settings import Settings


def test_the_default_database_is_an_sqlite_file_under_var(tmp_path):
    settings = Settings.from_env({"SQFLOW_VAR_DIR": str(tmp_path / "var")})
    assert settings.database_url == f"sqlite:///{tmp_path / 'var' / 'sqflow.db'}"


def test_settings_are_read_with_the_prefix_and_converted():
    settings = Settings.from_env({"SQFLOW_WORKFLOW_CACHE_SIZE": "7", "SQFLOW_SQL_ECHO": "yes",
                                  "SQFLOW_TIMEZONE": "UTC"})
    assert (settings.workflow_cache_size, settings.sql_echo, settings.timezone) == (7, True, "UTC")


@pytest.mark.parametrize("env, message", [
    ({"SQFLOW_DATABASE_URL": "not a url"}, "is not a database URL"),
    ({"SQFLOW_DATABASE_URL": "mysql://localhost/x"}, "supports sqlite and postgresql"),
    ({"SQFLOW_WORKFLOW_CACHE_SIZE": "many"}, "is not a valid int"),
])
def test_bad_settings_are_refused_with_one_line(env, message):
    with pytest.raises(ConfigurationError, match=message) as caught:
        Settings.from_env(env)
    assert "\n" not in str(caught.value)


def test_an_unreachable_database_is_one_line_naming_it_without_password():
    settings = Settings(database_url="postgresql://app:secret@127.0.0.1:1/sqflow")
    with pytest.raises(DatabaseUnavailable) as caught:
        open_database(settings)
    message = str(caught.value)
    assert "\n" not in message and "127.0.0.1:1/sqflow" in message and "secret" not in message
