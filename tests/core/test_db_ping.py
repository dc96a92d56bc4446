"""A pooled PostgreSQL connection is tried at checkout only when it has rested (huying.db):
a dead one is replaced before a request uses it, a busy pool pays no round trip for it."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import text

from huying import db
from tests.conftest import Databases


@pytest.fixture
def pg_url(databases: Databases) -> str:
    reason = databases.pg_available()
    if reason is not None:
        pytest.skip(reason)
    return databases.new_url("postgresql")


def _pid(engine: Any) -> int:
    with engine.connect() as c:
        return int(c.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_killed_while_it_rested_is_replaced_before_use(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.05)
    engine = db.make_engine(pg_url, pool_size=1, max_overflow=0)
    killer = db.make_engine(pg_url)
    try:
        first = _pid(engine)
        with killer.connect() as k:  # the server restarts, as far as this connection knows
            assert k.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first}).scalar_one()
        time.sleep(0.1)
        assert _pid(engine) != first  # the same pool slot, a new connection: no error
    finally:
        engine.dispose()
        killer.dispose()


def test_a_connection_used_a_moment_ago_is_not_tried(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    tried: list[object] = []
    real = db._ping
    monkeypatch.setattr(db, "_ping", lambda conn: (tried.append(conn), real(conn)))
    engine = db.make_engine(pg_url, pool_size=1, max_overflow=0)
    try:
        for _ in range(5):
            _pid(engine)
        assert tried == []  # a new connection, then four checkouts within the second
        monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.0)
        _pid(engine)
        assert len(tried) == 1
    finally:
        engine.dispose()


def test_a_rested_connection_of_the_read_only_engine_is_handed_out_read_only(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The try left the driver inside a transaction, and the read replica's engine then could
    not make the connection read-only ("can't change 'read_only' now": a 500 on the first
    figure after a pause, found by tests/ops/test_read_database.py on a slow machine)."""
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.05)
    engine = db.make_engine(pg_url, read_only=True, pool_size=1, max_overflow=0)
    try:
        first = _pid(engine)
        time.sleep(0.1)
        with engine.connect() as c:  # the same pooled connection, tried, then made read-only
            assert int(c.execute(text("SELECT pg_backend_pid()")).scalar_one()) == first
            assert c.execute(text("SHOW transaction_read_only")).scalar_one() == "on"
    finally:
        engine.dispose()
