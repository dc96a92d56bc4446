"""The database server's settings that make the product slow with no error to show are
logged when a worker starts (huying.ops.health): PostgreSQL's autovacuum, whose absence left
the planner on an empty table's statistics and made the duplicate look-up read every case of
the city (docs/performance.md)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from huying import db
from huying.ops import health
from tests.conftest import Databases


def test_autovacuum_off_is_a_warning_and_on_is_none() -> None:
    off = health.settings_warnings({"autovacuum": "off"})
    assert len(off) == 1 and "autovacuum is off" in off[0] and "ANALYZE" in off[0]
    assert health.settings_warnings({"autovacuum": "on"}) == []
    assert health.settings_warnings({"autovacuum": " ON "}) == []
    assert health.settings_warnings({}) == []


def test_sqlite_has_none_of_these(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        assert health.database_warnings(engine) == []
    finally:
        engine.dispose()


def test_a_postgresql_server_is_asked_what_it_runs_with(databases: Databases) -> None:
    reason = databases.pg_available()
    if reason is not None:
        pytest.skip(reason)
    engine = db.make_engine(databases.new_url("postgresql"))
    try:
        with engine.connect() as c:
            actual = str(c.execute(text("SHOW autovacuum")).scalar_one())
        warnings = health.database_warnings(engine)
        assert (len(warnings) == 1) == (actual == "off"), (actual, warnings)
    finally:
        engine.dispose()


def test_an_unreachable_server_gives_no_warning_here() -> None:
    engine = db.make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    try:
        assert health.database_warnings(engine) == []
    finally:
        engine.dispose()


def test_a_starting_worker_logs_them(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from huying import app as app_module

    monkeypatch.setattr(health, "database_warnings", lambda _engine: ["autovacuum is off: test"])
    with caplog.at_level(logging.WARNING, logger="huying.app"):
        app_module._warn_settings()
    assert any("database server: autovacuum is off: test" in r.getMessage() for r in caplog.records)
