"""``huying.db.write`` / ``write_many``: the hot path's writes on the driver's cursor, compiled
and typed by SQLAlchemy once. They must store exactly what ``Connection.execute`` stores
(the same values, the same text of a datetime on SQLite), raise SQLAlchemy's errors, and
step aside (run through SQLAlchemy) whenever somebody listens to the statements."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from huying import db
from huying.db import UTCDateTime

MD = MetaData()
T = Table("t_direct_write", MD, Column("id", Integer, primary_key=True), Column("n", Integer, nullable=True),
          Column("at", UTCDateTime, nullable=True), Column("flag", Boolean, nullable=True),
          Column("text", String(50), nullable=True), Column("code", String(20), unique=True))
INSERT = insert(T).returning(T.c.id)
MANY = insert(T)
BUMP = update(T).where(T.c.code.like(bindparam("prefix"))).values(n=T.c.n + bindparam("k"))
AT = dt.datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def conn(session: Session) -> Any:
    c = session.connection()
    MD.create_all(c)
    return c


def _row(code: str, **kw: Any) -> dict[str, Any]:
    return {"n": 1, "at": AT, "flag": True, "text": "路灯", "code": code, **kw}


def test_a_direct_write_stores_what_sqlalchemy_stores(conn: Any) -> None:
    direct = db.write(conn, INSERT, _row("a"), returning=True)
    through = conn.execute(INSERT, _row("b")).scalar_one()
    assert (INSERT, conn.dialect.name, tuple(sorted(_row("a"))), False) in db._PLANS
    assert db._PLANS[(INSERT, conn.dialect.name, tuple(sorted(_row("a"))), False)] is not None
    typed = {r.code: r for r in conn.execute(select(T))}
    assert typed["a"].id == direct and typed["b"].id == through
    assert typed["a"].at == AT and typed["a"].at.tzinfo is not None
    assert tuple(typed["a"])[1:-1] == tuple(typed["b"])[1:-1]
    # the stored form itself (SQLite keeps a datetime as text: the same text both ways)
    raw = {r[0]: r[1:] for r in conn.exec_driver_sql("SELECT code, n, at, flag, text FROM t_direct_write")}
    assert raw["a"] == raw["b"]
    # NULLs and the values a row leaves out
    nulls = db.write(conn, INSERT, {"n": None, "at": None, "flag": None, "text": None, "code": "c"}, returning=True)
    assert conn.execute(select(T.c.n, T.c.at, T.c.flag, T.c.text).where(T.c.id == nulls)).one() == (None,) * 4


def test_many_rows_and_the_rows_an_update_matched(conn: Any) -> None:
    db.write_many(conn, MANY, [_row(f"m{i}", n=i) for i in range(3)])
    db.write_many(conn, MANY, [_row("one", n=10)])
    db.write_many(conn, MANY, [])
    assert db.write(conn, BUMP, {"prefix": "m%", "k": 5}) == 3
    assert db.write(conn, BUMP, {"prefix": "nothing%", "k": 5}) == 0
    got = dict(conn.execute(select(T.c.code, T.c.n)).all())
    assert got == {"m0": 5, "m1": 6, "m2": 7, "one": 10}
    assert db.write(conn, update(T).where(T.c.code == "zz").values(n=1).returning(T.c.id), {},
                    returning=True) is None


def test_errors_are_sqlalchemys(session: Session, conn: Any) -> None:
    db.write(conn, INSERT, _row("dup"), returning=True)
    with session.begin_nested():
        db.write(session.connection(), INSERT, _row("kept"), returning=True)
    with pytest.raises(IntegrityError), session.begin_nested():
        db.write(session.connection(), INSERT, _row("dup"), returning=True)
    with pytest.raises(IntegrityError), session.begin_nested():
        db.write_many(session.connection(), MANY, [_row("new"), _row("dup")])
    with pytest.raises(StatementError, match="naive datetime"), session.begin_nested():
        db.write(session.connection(), INSERT, _row("naive", at=dt.datetime(2026, 1, 1)), returning=True)
    with pytest.raises(StatementError, match="required"), session.begin_nested():
        db.write(session.connection(), BUMP, {"prefix": "x"})
    # what was stored before stays, and the transaction goes on
    assert sorted(conn.execute(select(T.c.code)).scalars()) == ["dup", "kept"]
    db.write(conn, INSERT, _row("after"), returning=True)


def test_a_listener_sees_every_statement(session: Session, conn: Any) -> None:
    seen: list[str] = []

    def note(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
        seen.append(statement)

    engine = conn.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        db.write(conn, INSERT, _row("heard"), returning=True)
        db.write_many(conn, MANY, [_row("heard2"), _row("heard3")])
        db.write(conn, BUMP, {"prefix": "heard%", "k": 1})
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert [s.split()[0] for s in seen] == ["INSERT", "INSERT", "UPDATE"]
    assert conn.execute(select(T.c.n).where(T.c.code == "heard")).scalar() == 2


def test_what_a_plan_cannot_hold_runs_through_sqlalchemy(conn: Any) -> None:
    in_list = update(T).where(T.c.code.in_(bindparam("codes", expanding=True))).values(n=0)
    db.write_many(conn, MANY, [_row("x1"), _row("x2"), _row("x3")])
    assert db.write(conn, in_list, {"codes": ["x1", "x3"]}) == 2
    assert db._PLANS[(in_list, conn.dialect.name, ("codes",), False)] is None
    assert dict(conn.execute(select(T.c.code, T.c.n)).all()) == {"x1": 0, "x2": 1, "x3": 0}


def test_an_engine_that_logs_its_sql_sees_every_write(fresh_engine: Any) -> None:
    fresh_engine.echo = True
    try:
        with fresh_engine.connect() as c:
            c.begin()
            assert not db._direct(c)
    finally:
        fresh_engine.echo = False
    with fresh_engine.connect() as c:
        c.begin()
        assert db._direct(c)


def test_rows_straight_from_the_driver_typed_and_named_as_sqlalchemys(session: Session, conn: Any) -> None:
    db.write_many(conn, MANY, [_row("r1", n=1), _row("r2", n=2, text=None, flag=False)])
    plain = select(T.c.code, T.c.n, T.c.text).where(T.c.n >= bindparam("least")).order_by(T.c.code)
    got = db.rows(session, plain, {"least": 1})
    assert got == [tuple(r) for r in conn.execute(plain, {"least": 1})] == [("r1", 1, "路灯"), ("r2", 2, None)]
    assert db._PLANS[(plain, conn.dialect.name, ("least",), False)] is not None
    # typed values (a datetime SQLite keeps as text, a boolean it keeps as a number, our
    # UTC type's conversion) come out as through SQLAlchemy, and go straight to the driver too
    typed = (select(T.c.code, T.c.at, T.c.flag, (T.c.n * 1.5).label("half"), T.c.id.label("_private"))
             .where(T.c.n >= bindparam("least")).order_by(T.c.code))
    direct = db.rows(session, typed, {"least": 1})
    through = conn.execute(typed, {"least": 1}).all()
    assert db._PLANS[(typed, conn.dialect.name, ("least",), False)] is not None
    assert direct == [tuple(r) for r in through]
    assert [type(v) for v in direct[1]] == [type(v) for v in through[1]]
    assert direct[0].at == AT and direct[0].at.tzinfo is not None and direct[1].flag is False
    code, at, flag, half, _ = direct[0]
    assert (code, at, flag, half, direct[1].code, direct[1][1]) == ("r1", AT, True, 1.5, "r2", AT)
    # the second run of a plan types its rows alike (the typing kept from the first)
    assert db.rows(session, typed, {"least": 2}) == [tuple(through[1])]
    # the session's own pending change is seen, as with read
    session.execute(update(T).where(T.c.code == "r1").values(n=0))
    assert db.rows(session, plain, {"least": 1}) == [("r2", 2, None)]
    assert db.rows(session, plain, {"least": 9}) == []
