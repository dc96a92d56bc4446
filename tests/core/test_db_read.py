"""``huying.db.read``: the hot path's column reads, run as Core, see what the session has
not flushed yet, as ``session.execute`` does (a read never misses a change of its own
transaction)."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from huying.db import read
from huying.geo.models import City

CODE = select(City.code).where(City.name_zh == bindparam("name"))


def test_a_read_sees_the_sessions_unflushed_changes(session: Session) -> None:
    session.add(City(code="990001", name_zh="读城", name_en="Read City"))
    assert read(session, CODE, {"name": "读城"}).scalar() == "990001"


def test_a_read_inside_no_autoflush_leaves_the_pending_row_alone(session: Session) -> None:
    with session.no_autoflush:
        session.add(City(code="990002", name_zh="慢城", name_en="Later City"))
        assert read(session, CODE, {"name": "慢城"}).scalar() is None
    assert read(session, CODE, {"name": "慢城"}).scalar() == "990002"
