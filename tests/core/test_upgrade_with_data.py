"""A database of the previous release (schema 0002) with a city's data in it upgrades to the
head without losing or changing a row, on SQLite and PostgreSQL: the accounts get
``session_epoch`` 0, the rollup is rebuilt (revision 0003) exactly as
``huying.metrics.rollup.rebuild`` computes it, and the schema is the models'."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from huying import migrate
from huying.db import make_engine
from huying.metrics import rollup
from tests.core import previous_release as prev
from tests.core.test_migrations import schema_diff

NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
KEPT = (prev.CITIES, prev.NODES, prev.ORGS, prev.USERS, prev.CASES, prev.EVENTS)


def _rows(conn: sa.Connection, table: sa.TableClause) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(sa.select(table).order_by(table.c.id))]


def _rollup(conn: sa.Connection) -> list[tuple[Any, ...]]:
    t = prev.ROLLUP
    cols = [c for c in t.c if c.name != "id"]
    return [tuple(r) for r in conn.execute(sa.select(*cols).order_by(t.c.grid_path, t.c.month, t.c.day))]


def test_the_previous_release_upgrades_with_its_data(blank_url: str) -> None:
    migrate.upgrade(blank_url, prev.REVISION)
    engine = make_engine(blank_url)
    try:
        with engine.begin() as conn:
            data = prev.build(conn, NOW)
        with engine.connect() as conn:
            before = {t.name: _rows(conn, t) for t in KEPT}
            stale = _rollup(conn)
        assert data.counts == {"cities": 1, "geo_nodes": 6, "organisations": 1, "users": 4, "cases": 4,
                               "case_events": 14}
        engine.dispose()

        migrate.upgrade(blank_url)

        assert schema_diff(blank_url) == []
        with engine.connect() as conn:
            assert {t.name: _rows(conn, t) for t in KEPT} == before
            epochs = {u: e for u, e in conn.execute(sa.text("SELECT username, session_epoch FROM users"))}
            assert epochs == {name: 0 for name in data.usernames}
            upgraded = _rollup(conn)
            with Session(bind=conn) as session:
                rollup.rebuild(session, data.city_id)
                rebuilt = _rollup(conn)
                session.rollback()
    finally:
        engine.dispose()
    assert upgraded == rebuilt
    assert upgraded != stale
    # one month row per grid and month, received counts cases: two reports in the first grid,
    # a report and a fix on the spot in the second
    months = [r for r in upgraded if r[3] == 0]
    received = {path: sum(r[4] for r in months if r[1] == path) for path in {r[1] for r in months}}
    assert received == {"HY/HY-A1/HY-T1/HY-C1/HY-G1/": 2, "HY/HY-A1/HY-T1/HY-C1/HY-G2/": 2}
