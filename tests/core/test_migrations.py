"""The Alembic migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from huying import migrate
from huying.db import Base, make_engine


def test_migrations_build_the_models_schema(blank_url: str) -> None:
    migrate.upgrade(blank_url)
    engine = make_engine(blank_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, Base.metadata)
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations disagree: {diff}"
    assert set(Base.metadata.tables) <= tables


def test_every_table_carries_the_city_key() -> None:
    for name, table in Base.metadata.tables.items():
        if name == "cities":
            continue
        assert "city_id" in table.c, f"{name} has no city_id (tenant key)"
