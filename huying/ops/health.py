"""Readiness: the database answers a read and accepts a write (in a transaction that is
rolled back, so nothing changes); and the database server's settings an operator must
fix, logged when a worker starts."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

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


#: PostgreSQL settings whose value makes the product slow in a way no error shows, with why.
_PG_MUST = {
    "autovacuum": ("on", "autovacuum is off: the planner keeps the statistics the tables had "
                   "when they were last analysed (an empty table's, on a new city), and the duplicate "
                   "look-up of every report reads every case of the city instead of the cells around "
                   "the point (docs/deploy.md; docs/performance.md measured 2.4 ms against 0.23 ms at "
                   "3,000 cases). Turn it on, or run ANALYZE after every bulk change."),
}


def settings_warnings(settings: dict[str, str]) -> list[str]:
    """The warnings of a PostgreSQL server's settings (name -> value, as ``SHOW`` gives them)."""
    return [why for name, (want, why) in _PG_MUST.items()
            if name in settings and settings[name].strip().lower() != want]


def database_warnings(engine: Engine) -> list[str]:
    """What is wrong with the database server's settings (PostgreSQL; SQLite has none of
    these). A database that cannot be asked gives no warning here: ``/readyz`` reports it."""
    if engine.dialect.name != "postgresql":
        return []
    try:
        with engine.connect() as conn:
            values = {name: str(conn.execute(text(f"SHOW {name}")).scalar_one()) for name in _PG_MUST}
    except SQLAlchemyError:
        return []
    return settings_warnings(values)
