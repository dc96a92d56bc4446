"""Every migration goes down as well as up, on SQLite and PostgreSQL: a blank database is
upgraded to the head, stepped down one revision at a time to nothing, and upgraded again;
after each upgrade to the head the schema is exactly the models'."""

from __future__ import annotations

from sqlalchemy import inspect

from huying import migrate
from huying.db import make_engine
from tests.core.test_migrations import schema_diff


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_the_migrations_go_down_to_nothing_and_up_again(blank_url: str) -> None:
    revisions = migrate.revisions()
    assert revisions[0] == "0001" and len(revisions) >= 4
    migrate.upgrade(blank_url)
    assert schema_diff(blank_url) == []
    for rev in reversed(revisions):
        migrate.downgrade(blank_url, "-1")
        # each step leaves the previous revision's schema, which upgrades back to this one
        if rev != revisions[0]:
            migrate.upgrade(blank_url, rev)
            migrate.downgrade(blank_url, "-1")
    assert _tables(blank_url) <= {"alembic_version"}
    migrate.upgrade(blank_url)
    assert schema_diff(blank_url) == []


def test_the_command_steps_the_schema_down_and_up(blank_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from huying.cli import app
    from huying.config import get_settings

    monkeypatch.setenv("HUYING_DATABASE_URL", blank_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        down = runner.invoke(app, ["db", "downgrade", "0002"])
        assert down.exit_code == 0 and "went down to 0002" in down.output
        assert "session_epoch" not in _columns(blank_url, "users")
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        assert schema_diff(blank_url) == []
    finally:
        get_settings.cache_clear()


def _columns(url: str, table: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {c["name"] for c in inspect(conn).get_columns(table)}
    finally:
        engine.dispose()
