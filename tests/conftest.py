"""Database fixtures: every test that takes ``session`` (or ``engine``) runs twice, on SQLite
and on PostgreSQL (``HUYING_TEST_PG_URL``). With ``CI=true`` PostgreSQL is required; elsewhere
its runs are skipped with the reason when it cannot be reached.

Each pytest process gets databases of its own (a temporary SQLite file, a fresh PostgreSQL
database named after the process), so several runs can share one server.
"""

from __future__ import annotations

import os
import queue
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from huying.db import Base, import_all_models, make_engine

# Tests drive time themselves: no sweeper thread inside the servers they start.
os.environ.setdefault("HUYING_SLA_SWEEP_INTERVAL", "0")
# a random secret per test run (the generated one has its own tests): no file in the checkout
os.environ.setdefault("HUYING_SECRET_KEY", "test-" + uuid.uuid4().hex + uuid.uuid4().hex)
# The suite builds many apps in one process: freezing each one's objects would keep their
# garbage for good (tests/api/test_startup.py checks the freeze itself).
os.environ.setdefault("HUYING_GC_FREEZE", "0")
# Each test builds a new app and calls a few of its routes: building every route's state
# before the first request (0.6 s an app, FastAPI 0.165) made the suite a third slower
# (tests/api/test_warm_start.py turns it on and checks it).
os.environ.setdefault("HUYING_WARM_START", "0")

PG_URL = os.environ.get(
    "HUYING_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() == "true"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SHARED_DATA = SHARED / "data"

import_all_models()


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy a SQLite database file through SQLite's backup API (whatever its journal holds)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    dst.close()
    src.close()


class Databases:
    """Creates throw-away databases on both backends and drops them at the end.

    A database that starts with content (the tables, a small city) is a copy of one built
    once per process (:meth:`copy_of`): ``CREATE DATABASE … TEMPLATE`` on PostgreSQL, SQLite's
    backup on SQLite: 0.05 s instead of 0.3–0.8 s of DDL and inserts for each test. One that a
    test is done with (:meth:`release`) is dropped by a thread while the next tests run, not
    all at the end of the run (0.1–0.2 s each, on the suite's critical path)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self._pg_created: list[str] = []
        self._pg_error: str | None = None
        self._pg_checked = False
        self._templates: dict[tuple[str, str], tuple[str, Any]] = {}
        self._to_drop: queue.Queue[str | None] = queue.Queue()
        self._dropper: threading.Thread | None = None

    def pg_available(self) -> str | None:
        """None when PostgreSQL answers, else the reason it does not."""
        if not self._pg_checked:
            self._pg_checked = True
            try:
                eng = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
                with eng.connect() as c:
                    c.execute(text("SELECT 1"))
                eng.dispose()
            except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
                self._pg_error = f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}"
        return self._pg_error

    def new_url(self, backend: str, template: str | None = None) -> str:
        """The URL of a new empty database (on PostgreSQL a copy of ``template`` when given;
        on SQLite :meth:`copy_of` fills the file)."""
        name = f"huying_t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        if backend == "sqlite":
            return f"sqlite:///{(self.tmp / (name + '.db')).as_posix()}"
        reason = self.pg_available()
        if reason:
            if IN_CI:
                pytest.fail(f"CI=true requires PostgreSQL: {reason}")
            pytest.skip(reason)
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        admin.dispose()
        self._pg_created.append(name)
        return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def copy_of(self, backend: str, key: str, build: Callable[[str], Any]) -> tuple[str, Any]:
        """The URL of a new database holding what ``build(url)`` stored in an empty one, and
        what ``build`` returned. ``build`` runs once per process, key and backend, on a
        database kept as the template of the copies; it must close every connection it made
        (PostgreSQL copies no database that is in use)."""
        template = self._templates.get((key, backend))
        if template is None:
            url = self.new_url(backend)
            template = self._templates[(key, backend)] = (url, build(url))
        source, data = template
        url = self.new_url(backend, template=make_url(source).database)
        if backend == "sqlite":
            copy_sqlite(Path(make_url(source).database or ""), Path(make_url(url).database or ""))
        return url, data

    def schema_url(self, backend: str) -> str:
        """The URL of a new database with every model's table and no row."""

        def build(url: str) -> None:
            eng = make_engine(url)
            Base.metadata.create_all(eng)
            eng.dispose()

        return str(self.copy_of(backend, "schema", build)[0])

    def release(self, url: str) -> None:
        """A database no test will open again: dropped by a thread of its own meanwhile."""
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
            return
        if self._dropper is None:
            self._dropper = threading.Thread(target=self._drop_queued, daemon=True, name="dropper")
            self._dropper.start()
        self._to_drop.put(parsed.database)

    def _drop_queued(self) -> None:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as c:
                while (name := self._to_drop.get()) is not None:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    self._pg_created.remove(name)
        finally:
            admin.dispose()

    def drop_all(self) -> None:
        if self._dropper is not None:
            self._to_drop.put(None)
            self._dropper.join()
        if not self._pg_created:
            return
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            for name in self._pg_created:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    dbs = Databases(tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def engine(backend: str, databases: Databases) -> Iterator[Engine]:
    """A schema built from the models, shared by the tests of one backend."""
    eng = make_engine(databases.new_url(backend))
    if backend == "sqlite":
        _real_sqlite_transactions(eng)
    Base.metadata.create_all(eng)
    yield eng
    eng.dispose()


def _real_sqlite_transactions(eng: Engine) -> None:
    """pysqlite starts transactions lazily and breaks SAVEPOINT; for the rolled-back test
    sessions emit BEGIN ourselves (SQLAlchemy's documented recipe)."""
    from sqlalchemy import event

    @event.listens_for(eng, "connect")
    def _connect(dbapi_conn, _rec):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None

    @event.listens_for(eng, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN")


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose commits are savepoints inside one outer transaction, rolled back after
    the test: each test sees the shared schema empty of its neighbours' rows."""
    conn = engine.connect()
    outer = conn.begin()
    s = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield s
    finally:
        s.close()
        outer.rollback()
        conn.close()


@pytest.fixture
def fresh_engine(backend: str, databases: Databases) -> Iterator[Engine]:
    """An empty database of its own, for tests that need real commits seen by several
    connections (concurrency, sweepers, crash recovery)."""
    url = databases.schema_url(backend)
    eng = make_engine(url)
    yield eng
    eng.dispose()
    databases.release(url)


@pytest.fixture
def blank_url(backend: str, databases: Databases) -> str:
    """The URL of an empty database with no tables (for migration tests)."""
    return databases.new_url(backend)
