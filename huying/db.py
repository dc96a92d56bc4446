"""Engine, declarative base, session helpers and portable column types.

Every table carries the city (tenant) key; no PostgreSQL-only types are used, so SQLite
stays a first-class default and PostgreSQL can later be sharded by city.
"""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, ForeignKey, MetaData, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Boolean, TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class CityScoped:
    """Mixin: the tenant key every table carries."""

    @declared_attr
    def city_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)


class under(FunctionElement[bool]):
    """``column`` (a materialised path, ``/a/b/c/``) lies under ``path``: the one way to ask
    "this node and everything below it" in SQL. SQLite gets a range of its binary
    collation, which its B-tree indexes answer (its ``LIKE 'p%'`` scans: the work list over
    the demo city's 40,000 cases took 190 ms a query); other databases ``LIKE 'p' || '%'``,
    exact whatever their collation."""

    type = Boolean()
    inherit_cache = True
    name = "under"
    _is_implicitly_boolean = True  # a condition in itself: no "= 1" after it on SQLite


@compiles(under)
def _under_like(element: under, compiler: Any, **kw: Any) -> str:
    column, path = list(element.clauses)
    percent = "%%" if compiler.dialect.paramstyle in ("format", "pyformat") else "%"
    return f"({compiler.process(column, **kw)} LIKE {compiler.process(path, **kw)} || '{percent}')"


@compiles(under, "sqlite")
def _under_range(element: under, compiler: Any, **kw: Any) -> str:
    column, path = list(element.clauses)
    c, p = compiler.process(column, **kw), compiler.process(path, **kw)
    return f"({c} >= {p} AND {c} < {p} || char(1114111))"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _sqlite_query_only(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA query_only=ON")
    cur.close()


def make_engine(url: str, *, read_only: bool = False, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout. ``read_only``:
    every transaction refuses to write (PostgreSQL ``BEGIN READ ONLY``, SQLite
    ``query_only``), whatever the database would allow."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 10})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        if read_only:
            event.listen(engine, "connect", _sqlite_query_only)
        return engine
    if read_only:
        kwargs["execution_options"] = {**kwargs.get("execution_options", {}), "postgresql_readonly": True}
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        ping_when_idle(engine)
    return engine


#: Seconds a pooled connection may have rested before it is tried (``SELECT 1``) at its next
#: checkout: a restarted or failed-over server left it dead, and a request must not be
#: the one to find out (a 503). One used less than this ago was alive then; trying it at
#: every checkout (SQLAlchemy's ``pool_pre_ping``) cost a report two round trips of its
#: twenty (docs/performance.md, P1).
PING_AFTER_IDLE = 1.0
_RESTED = "huying.rested_since"


def _ping(dbapi_conn: Any) -> None:
    """``SELECT 1``, then end the transaction the driver began for it: a connection handed out
    inside a transaction cannot be made read-only (the read replica's engine, ``BEGIN READ
    ONLY``: psycopg refuses "can't change 'read_only' now", a 500 on the first figure after a
    pause of a second)."""
    cur = dbapi_conn.cursor()
    try:
        cur.execute("SELECT 1")
    finally:
        cur.close()
    dbapi_conn.rollback()


def ping_when_idle(engine: Engine) -> None:
    """Try a pooled connection at checkout when it has rested :data:`PING_AFTER_IDLE` or more, the
    pessimistic disconnect handling of SQLAlchemy's documentation: a dead one is replaced by
    a new connection (and the pool's older ones are dropped) before the request uses it."""
    import time

    from sqlalchemy import exc

    @event.listens_for(engine, "checkin")
    def _rest(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info[_RESTED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _try(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_RESTED, None)  # None: a new connection, nothing to try
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            _ping(dbapi_conn)
        except Exception as failed:  # noqa: BLE001 - any failure: the connection is not to be used
            raise exc.DisconnectionError(f"a pooled connection was dead: {failed}") from failed


@lru_cache
def get_engine() -> Engine:
    from huying.config import get_settings

    return make_engine(get_settings().resolved_database_url)


@lru_cache
def get_read_engine() -> Engine | None:
    """The engine of ``HUYING_READ_DATABASE_URL`` (a streaming replica), read-only; None when
    it is not set or names the primary itself: the figures then read the primary."""
    from huying.config import get_settings

    s = get_settings()
    url = s.read_database_url
    if not url or url == s.resolved_database_url:
        return None
    return make_engine(url, read_only=True)


@lru_cache
def _factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return _factory(engine or get_engine())


def real_transaction(session: Session) -> None:
    """Make sure the session's database transaction has begun for real, so that savepoints
    nest inside it. pysqlite begins a transaction lazily, at the first write: a SAVEPOINT
    issued before any write starts one of its own, and releasing it commits, whatever the
    session rolls back later. On SQLite without a transaction yet, emit BEGIN; elsewhere (and
    when one is open) nothing."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return
    dbapi = conn.connection.dbapi_connection
    if dbapi is not None and not dbapi.in_transaction:
        conn.exec_driver_sql("BEGIN")


def flush_pending(session: Session) -> None:
    """Flush the session's pending changes, as ``session.execute`` does before a query
    (autoflush): what reads past the ORM, or answers from a per-process copy, calls this first
    to see the session's own edits."""
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()


def read(session: Session, statement: Any, params: dict[str, Any] | None = None) -> Any:
    """Run a SELECT of columns (no mapped entity) as ``session.execute`` would (pending changes
    flushed first, in the session's transaction), without the ORM's per-statement work, and
    return SQLAlchemy's result (``.scalar()``, ``.first()``): the loads of the per-process
    caches. The reads of every report take :func:`rows`, straight from the driver
    (docs/performance.md, P1)."""
    flush_pending(session)
    return session.connection().execute(statement, params)


@dataclass(frozen=True, slots=True)
class _Plan:
    """A statement compiled once for a dialect and a set of parameter names: its SQL, and for
    each bound value in the order the driver wants them, its parameter's key, default and the
    type's bind processor. A SELECT's plan also holds its columns' names and types, and, once
    it has run, how its rows are made (:func:`_typing`)."""

    sql: str
    binds: tuple[tuple[str, str, Any, Any, bool], ...]  # (name, key, default, processor, required)
    positional: bool
    columns: tuple[tuple[str, Any], ...] = ()  # a SELECT's (name, type)
    #: [(make a row, ((index, result processor), ...))] once the SELECT has run
    typing: list[tuple[Callable[[Any], Any], tuple[tuple[int, Any], ...]]] = field(default_factory=list)


#: Plans by (statement, dialect, parameter names, executemany); the statements are the
#: modules' constants, so this stays small; past :data:`_MAX_PLANS` a statement runs through
#: SQLAlchemy's own path, uncached here.
_PLANS: dict[tuple[Any, str, tuple[str, ...], bool], _Plan | None] = {}
_MAX_PLANS = 1024


def _plan(conn: Connection, statement: Any, keys: tuple[str, ...], many: bool) -> _Plan | None:
    """The plan of ``statement``, or None when it needs more of SQLAlchemy than binding its
    values (Python-side column defaults, expanding ``IN`` lists, escaped names, a RETURNING
    or a read whose values need typing, many rows with RETURNING): it then runs through
    ``Connection.execute``."""
    key = (statement, conn.dialect.name, keys, many)
    try:
        return _PLANS[key]
    except KeyError:
        pass
    plan = None
    compiled: Any = statement.compile(dialect=conn.dialect, column_keys=list(keys), for_executemany=many)
    columns: tuple[tuple[str, Any], ...] = ()
    if getattr(statement, "is_select", False):
        # a read: its values typed as SQLAlchemy types them, by the processors it would find
        # from the driver's description at the first run (:func:`_typing`)
        columns = tuple((entry.keyname, entry.type) for entry in compiled._result_columns)
        simple = not many and bool(columns)
    else:
        returning = [c.type for c in getattr(compiled, "effective_returning", None) or ()]
        simple = not (compiled.insert_prefetch or compiled.update_prefetch or (many and returning)
                      or len(returning) > 1
                      or any(t._cached_result_processor(conn.dialect, None) is not None for t in returning))
    simple = simple and not (
        compiled.post_compile_params or compiled.literal_execute_params or compiled.escaped_bind_names)
    if simple:
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        names = compiled.positiontup if compiled.positiontup is not None else list(by_name)
        procs = compiled._bind_processors
        binds = []
        for name in names:
            bind = by_name[name]
            if bind.callable is not None:
                simple = False
                break
            binds.append((name, bind.key, bind.value, procs.get(name), bool(bind.required)))
        if simple:
            plan = _Plan(compiled.string, tuple(binds), compiled.positiontup is not None, columns)
    if len(_PLANS) < _MAX_PLANS:
        _PLANS[key] = plan
    return plan


def _args(plan: _Plan, params: dict[str, Any]) -> Any:
    values = []
    for _name, key, default, proc, required in plan.binds:
        if key in params:
            value = params[key]
        elif required:
            raise KeyError(f"a value is required for the parameter {key!r}")
        else:
            value = default
        values.append(value if proc is None else proc(value))
    if plan.positional:
        return values
    return {b[0]: v for b, v in zip(plan.binds, values, strict=True)}


def _direct(conn: Connection) -> bool:
    """Whether a statement may go straight to the driver: the connection is in its transaction
    (the session's), and nobody listens to its statements (a test counting them, a tracer)
    nor logs them (``echo``): they then see every statement, through SQLAlchemy's path."""
    if not conn.in_transaction() or conn._echo:
        return False
    if not (conn._has_events or conn.engine._has_events):
        return True
    d = conn.dispatch
    return not (d.before_execute or d.after_execute or d.before_cursor_execute or d.after_cursor_execute)


def write(conn: Connection, statement: Any, params: dict[str, Any], *, returning: bool = False) -> Any:
    """Run an INSERT, UPDATE or DELETE of the hot path (every recorded event) on the driver's
    cursor, compiled and typed by SQLAlchemy once (:func:`_plan`) and not at each run: its
    execution context, result object and cursor description cost more than the statement
    (docs/performance.md, P1; ``bench/direct_write.py``). Returns the number of rows matched,
    or with ``returning`` the first RETURNING value (None when no row). Errors are
    SQLAlchemy's, as from ``Connection.execute``; anything the plan cannot hold runs there.
    It leans on SQLAlchemy's compiled statement and its connection's error handler
    (private attributes: tests/core/test_db_write.py checks them on both databases)."""
    plan = _plan(conn, statement, tuple(sorted(params)), False) if _direct(conn) else None
    if plan is None:
        result = conn.execute(statement, params)
        return result.scalar() if returning else result.rowcount
    return _execute(conn, plan, [params], "first" if returning else "rowcount")


def rows(session: Session, statement: Any, params: dict[str, Any]) -> list[Any]:
    """``read(session, statement, params).all()`` for the reads of the hot path (a report's
    caller, versions and duplicate look-up; every recorded event's), straight from the
    driver's cursor by :func:`write`'s plan, the session's pending changes flushed first as
    :func:`read` does. Each row is a named tuple (by position, by unpacking or by the column's
    name, as SQLAlchemy's ``Row``) whose values are typed as SQLAlchemy types them (a
    datetime SQLite keeps as text, a boolean it keeps as a number: :func:`_typing`)."""
    flush_pending(session)
    conn = session.connection()
    plan = _plan(conn, statement, tuple(sorted(params)), False) if _direct(conn) else None
    if plan is None:
        return list(conn.execute(statement, params).all())
    return _execute(conn, plan, [params], "all")  # type: ignore[no-any-return]


def _typing(conn: Connection, plan: _Plan, description: Any) -> tuple[Callable[[Any], Any], tuple[tuple[int, Any], ...]]:
    """How a SELECT's rows are made: a named tuple of its columns, and the result processor of
    each column that has one, found as SQLAlchemy finds them (the column's type and the type
    code the driver describes it with) at the plan's first run and kept, as SQLAlchemy keeps
    a compiled statement's result metadata."""
    names = [name for name, _ in plan.columns]
    make = partial(tuple.__new__, namedtuple("Row", names, rename=True))  # type: ignore[misc]  # noqa: PYI024
    procs = []
    for i, ((_, type_), described) in enumerate(zip(plan.columns, description, strict=True)):
        proc = type_._cached_result_processor(conn.dialect, described[1])
        if proc is not None:
            procs.append((i, proc))
    return make, tuple(procs)


def write_many(conn: Connection, statement: Any, rows: list[dict[str, Any]]) -> None:
    """:func:`write` of several rows with the same keys (``executemany``), no RETURNING."""
    if not rows:
        return
    plan = _plan(conn, statement, tuple(sorted(rows[0])), len(rows) > 1) if _direct(conn) else None
    if plan is None:
        conn.execute(statement, rows)
    else:
        _execute(conn, plan, rows, "rowcount")


def _execute(conn: Connection, plan: _Plan, rows: list[dict[str, Any]], out: str) -> Any:
    """Run ``plan`` with ``rows`` on the driver's cursor; ``out``: ``"rowcount"``, ``"first"``
    (the first column of the first row, None without one) or ``"all"`` (the rows as tuples)."""
    cursor = None
    args: list[Any] = []
    try:
        args = [_args(plan, r) for r in rows]
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        if len(args) == 1:
            cursor.execute(plan.sql, args[0])
        else:
            cursor.executemany(plan.sql, args)
        if out == "all":
            if not plan.typing:
                plan.typing.append(_typing(conn, plan, cursor.description))
            make, procs = plan.typing[0]
            fetched = cursor.fetchall()
            if procs:
                fetched = [list(r) for r in fetched]
                for r in fetched:
                    for i, proc in procs:
                        r[i] = proc(r[i])
            result: Any = [make(r) for r in fetched]
        elif out == "first":
            row = cursor.fetchone()
            result = None if row is None else row[0]
        else:
            result = cursor.rowcount
        cursor.close()
        return result
    except Exception as failed:  # noqa: BLE001 - handed to SQLAlchemy, which raises its own error
        conn._handle_dbapi_exception(failed, plan.sql, args[0] if len(args) == 1 else args, cursor, None)


def analyze_after_bulk(engine: Engine) -> bool:
    """After a bulk change (an import, the demo build), bring PostgreSQL's planner statistics
    up to date at once (``ANALYZE``) instead of within autovacuum's minute, or never where it
    is off: with an empty table's statistics the duplicate look-up read every case of the city
    (docs/performance.md, P1). SQLite is left as it is (its planner is used without
    ``sqlite_stat1`` everywhere else). Returns whether it ran."""
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    return True


def db_key(session: Session) -> str:
    """Which database a session talks to (its URL, password hidden): the key of the
    per-process caches, so that two databases in one process never share an entry.
    Remembered by the session (a session keeps its bind; rendering the URL was read several
    times a request)."""
    key: str | None = session.info.get(_DB_KEY)
    if key is None:
        bind = session.get_bind()
        engine: Engine = bind.engine if isinstance(bind, Connection) else bind
        key = session.info[_DB_KEY] = engine.url.render_as_string(hide_password=True)
    return key


_DB_KEY = "huying.db_key"


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session for one unit of work (CLI commands, jobs); rolled back on error."""
    session = session_factory(engine)()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def read_session_scope() -> Iterator[Session]:
    """A session for the figures and reports of a CLI command or a job: on the read replica
    (:func:`get_read_engine`) when one is set, else on the primary. It never writes."""
    with session_scope(get_read_engine()) as session:
        yield session


def import_all_models() -> None:
    """Import every domain's models so that ``Base.metadata`` is complete."""
    import importlib
    import pkgutil

    import huying

    for mod in pkgutil.iter_modules(huying.__path__):
        if mod.ispkg:
            try:
                importlib.import_module(f"huying.{mod.name}.models")
            except ModuleNotFoundError as exc:
                if exc.name != f"huying.{mod.name}.models":
                    raise
