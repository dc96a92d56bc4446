"""Migration 0019 adds the tables of responsibilities, reviews and weak organisations and
takes them away again, on SQLite and PostgreSQL (the whole chain: tests/core)."""

from __future__ import annotations

from sqlalchemy import inspect

from huying import migrate
from huying.db import make_engine

TABLES = {"duty_lists", "duty_items", "duty_evidence", "reviews", "review_reviewers", "review_scores",
          "weak_rules", "weak_flags", "accountability_events"}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_0019_goes_up_and_down(blank_url: str) -> None:
    migrate.upgrade(blank_url, "0019")
    assert TABLES <= _tables(blank_url)
    migrate.downgrade(blank_url, "0017")
    assert not TABLES & _tables(blank_url)
    migrate.upgrade(blank_url, "0019")
    assert TABLES <= _tables(blank_url)
