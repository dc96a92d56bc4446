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
