"""The Alembic migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from huying import migrate
from huying.db import Base, make_engine


def schema_diff(url: str) -> list[Any]:
    """What the database at ``url`` lacks or has beyond the models (Alembic's comparison;
    a missing table counts too): ``[]`` when they agree."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff: list[Any] = list(compare_metadata(ctx, Base.metadata))
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    diff += [("missing table", t) for t in sorted(set(Base.metadata.tables) - tables)]
    return diff


def test_migrations_build_the_models_schema(blank_url: str) -> None:
    migrate.upgrade(blank_url)
    diff = schema_diff(blank_url)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_every_table_carries_the_city_key() -> None:
    for name, table in Base.metadata.tables.items():
        if name == "cities":
            continue
        assert "city_id" in table.c, f"{name} has no city_id (tenant key)"
