"""Readiness: the database answers a read and accepts a write (in a transaction that is
rolled back, so nothing changes)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

#: The tenant root table (every table refers to it); an update that matches no row still
#: needs write access on SQLite (SQLITE_READONLY) and PostgreSQL (read-only transaction).
_PROBE_WRITE = text("UPDATE cities SET id = id WHERE 1 = 0")


def check(engine: Engine) -> None:
    """Raise the database's error when it cannot read or write; return when it can."""
    with engine.connect() as conn:
        tx = conn.begin()
        try:
            conn.execute(text("SELECT 1"))
            conn.execute(_PROBE_WRITE)
        finally:
            tx.rollback()
