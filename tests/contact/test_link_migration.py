"""0008_links adds the member–household link tables and takes them away again (downgrade),
on both databases; with them the schema is exactly the models'."""

from __future__ import annotations

from alembic import command

from huying import migrate
from tests.core.test_migrations import schema_diff
from tests.core.test_migrations_down import _tables

TABLES = {"link_members", "member_links"}


def test_the_link_tables_come_and_go_with_their_migration(blank_url: str) -> None:
    migrate.upgrade(blank_url)
    assert TABLES <= _tables(blank_url)
    assert schema_diff(blank_url) == []
    command.downgrade(migrate.alembic_config(blank_url), "0006")
    assert not TABLES & _tables(blank_url)
    assert "visits" in _tables(blank_url)
    migrate.upgrade(blank_url)
    assert TABLES <= _tables(blank_url)
    assert schema_diff(blank_url) == []
