"""The administrative audit trail: one writer, one reader, on both databases."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from huying import audit
from huying.geo.models import City

T0 = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)


def _city(session: Session, code: str) -> City:
    city = City(code=code, name_zh="测试市", name_en="Test City")
    session.add(city)
    session.flush()
    return city


def test_changes_keeps_only_the_fields_that_differ() -> None:
    before, after = audit.changes({"name": "甲", "role": "grid_worker", "node": 3},
                                  {"name": "甲", "role": "town_officer", "active": False})
    assert before == {"role": "grid_worker", "node": 3, "active": None}
    assert after == {"role": "town_officer", "node": None, "active": False}


def test_recorded_changes_read_back_newest_first_with_filters(session: Session) -> None:
    city, other = _city(session, "AUD001"), _city(session, "AUD002")
    audit.record(session, city.id, "user", 7, "rename", actor_id=None, now=T0,
                 before={"name": "张三"}, after={"name": "张叁"})
    audit.record(session, city.id, "user", 7, "deactivate", actor_id=None, now=T0 + dt.timedelta(hours=1),
                 before={"active": True}, after={"active": False}, open_cases=3)
    audit.record(session, city.id, "organisation", 2, "dissolve", actor_id=None, now=T0 + dt.timedelta(hours=2))
    audit.record(session, other.id, "user", 7, "rename", actor_id=None, now=T0)
    session.commit()

    rows, total = audit.query(session, city.id)
    assert total == 3 and [r.action for r in rows] == ["dissolve", "deactivate", "rename"]
    assert rows[1].detail == {"before": {"active": True}, "after": {"active": False}, "open_cases": 3}

    rows, total = audit.query(session, city.id, audit.Filter(subject="user", subject_id=7))
    assert total == 2 and {r.action for r in rows} == {"rename", "deactivate"}
    rows, total = audit.query(session, city.id, audit.Filter(since=T0 + dt.timedelta(minutes=30),
                                                             until=T0 + dt.timedelta(hours=2)))
    assert [r.action for r in rows] == ["deactivate"]
    rows, total = audit.query(session, city.id, limit=1, offset=1)
    assert total == 3 and [r.action for r in rows] == ["deactivate"]
    # another city's rows never show
    rows, total = audit.query(session, other.id)
    assert total == 1
