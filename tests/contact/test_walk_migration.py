"""0007_walks adds the walk tables and takes them away again (downgrade), on both databases."""

from __future__ import annotations

from alembic import command

from huying import migrate
from tests.core.test_migrations_down import _tables

TABLES = {"walks", "walk_cases"}


def test_the_walk_tables_come_and_go_with_their_migration(blank_url: str) -> None:
    migrate.upgrade(blank_url)
    assert TABLES <= _tables(blank_url)
    command.downgrade(migrate.alembic_config(blank_url), "0006")
    assert not TABLES & _tables(blank_url)
    migrate.upgrade(blank_url)
    assert TABLES <= _tables(blank_url)
