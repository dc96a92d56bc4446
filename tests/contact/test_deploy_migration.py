"""0009_deployments adds the deployment tables and takes them away again (downgrade), on
both databases."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory

from huying import migrate
from tests.core.test_migrations_down import _tables

TABLES = {"deployments", "deployment_teams", "deployment_members", "deployment_checkins"}


def test_the_deployment_tables_come_and_go_with_their_migration(blank_url: str) -> None:
    migrate.upgrade(blank_url)
    assert TABLES <= _tables(blank_url)
    config = migrate.alembic_config(blank_url)
    below = ScriptDirectory.from_config(config).get_revision("0009").down_revision  # wherever it is chained
    command.downgrade(config, str(below))
    assert not TABLES & _tables(blank_url)
    migrate.upgrade(blank_url)
    assert TABLES <= _tables(blank_url)
