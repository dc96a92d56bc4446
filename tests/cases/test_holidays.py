"""A city's own holiday calendar: seeded from the shipped file, edited by an administrator
with every mistake refused (nothing stored), and used by the next deadline computed, in
this process or in another one."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.cases import service as svc
from huying.cityconfig import config_cache, deadlines, holidays
from huying.cityconfig.calendar import DayKind, shipped_days
from huying.cityconfig.models import CalendarDayRow, ConfigVersion
from huying.errors import SettingError
from tests.cases.conftest import World, build_world

CST = dt.timezone(dt.timedelta(hours=8))


def cst(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CST).astimezone(dt.UTC)


def rows(s: Session, city_id: int) -> int:
    return s.scalar(select(func.count()).select_from(CalendarDayRow)
                    .where(CalendarDayRow.city_id == city_id)) or 0


def test_a_new_holiday_moves_the_due_date_of_the_next_case(world: World) -> None:
    # Friday 17:00 with 2 working hours to dispatch: 1 h on Friday, 1 h on Monday.
    before = world.report(now=cst(2025, 3, 7, 17, 0))
    assert before.due_at == cst(2025, 3, 10, 10, 0)
    holidays.add_day(world.session, world.city_id, "2025-03-10", "holiday", "城市纪念日")
    after = world.report(now=cst(2025, 3, 7, 17, 0))
    assert after.due_at == cst(2025, 3, 11, 10, 0)  # Monday is off now
    assert before.due_at == cst(2025, 3, 10, 10, 0)  # a stored deadline stays as it was


def test_a_removed_holiday_and_an_added_makeup_day_count_as_working_days(world: World) -> None:
    s, city = world.session, world.city_id
    # 2025-10-01 is the National Day: a case of 09-30 16:00 has its dispatch hours on 10-09.
    assert world.report(now=cst(2025, 9, 30, 17, 0)).due_at == cst(2025, 10, 9, 10, 0)
    holidays.remove_day(s, city, "2025-10-01")
    assert world.report(now=cst(2025, 9, 30, 17, 0)).due_at == cst(2025, 10, 1, 10, 0)
    # A worked Sunday: a case of Saturday 2025-03-08 is due on that Sunday.
    holidays.add_day(s, city, "2025-03-09", "workday", "调休上班")
    assert world.report(now=cst(2025, 3, 8, 10, 0)).due_at == cst(2025, 3, 9, 11, 0)


def test_an_approved_extension_counts_the_citys_working_days(world: World) -> None:
    s = world.session
    case = world.report(now=cst(2025, 3, 3, 10, 0))
    svc.dispatch(s, case, world["community"], unit="441900101001-party", now=cst(2025, 3, 3, 10, 30))
    svc.accept(s, case, world["community"], now=cst(2025, 3, 3, 11, 0))
    assert case.due_at == cst(2025, 3, 10, 18, 0)  # 5 working days
    holidays.add_day(s, world.city_id, "2025-03-11", "holiday", "")
    svc.request_extension(s, case, world["community"], days=1, note="等材料", now=cst(2025, 3, 4, 9, 0))
    svc.approve_extension(s, case, world["town"], now=cst(2025, 3, 4, 10, 0))
    assert case.due_at == cst(2025, 3, 12, 18, 0)  # 3-11 is off: the next working day


def test_the_first_edit_gives_the_city_the_shipped_days_as_its_own(world: World) -> None:
    s, city = world.session, world.city_id
    assert not holidays.is_seeded(s, city) and rows(s, city) == 0
    assert holidays.city_days(s, city) == list(shipped_days())
    holidays.add_day(s, city, "2025-03-10", "holiday", "城市纪念日")
    assert rows(s, city) == len(shipped_days()) + 1
    added = next(d for d in holidays.city_days(s, city) if d.date == dt.date(2025, 3, 10))
    assert (added.kind, added.name, added.source) == (DayKind.HOLIDAY, "城市纪念日", "admin")
    assert holidays.seed(s, city) == 0  # seeding is done once


@pytest.mark.parametrize(("date", "kind", "reason"), [
    ("2025-3-10", "holiday", "date"),
    ("2025-02-30", "holiday", "date"),
    ("", "holiday", "date"),
    ("2025-03-10", "party", "kind"),
    ("2025-03-10", "workday", "weekday"),  # a Monday cannot be a make-up working day
    ("2025-10-01", "holiday", "duplicate"),  # the National Day is listed already
    ("2025-09-28", "holiday", "conflict"),  # a make-up working Sunday of the shipped file
    ("2025-10-04", "workday", "conflict"),  # a Saturday inside the National Day holiday
])
def test_it_refuses_a_bad_day_and_stores_nothing(world: World, date: str, kind: str, reason: str) -> None:
    s, city = world.session, world.city_id
    with pytest.raises(SettingError) as caught:
        holidays.add_day(s, city, date, kind, "x")
    assert caught.value.reason == reason
    s.rollback()
    assert rows(s, city) == 0 and not holidays.is_seeded(s, city)


def test_it_refuses_to_remove_a_date_that_is_not_listed(world: World) -> None:
    with pytest.raises(SettingError) as caught:
        holidays.remove_day(world.session, world.city_id, "2025-03-12")
    assert caught.value.reason == "missing"
    with pytest.raises(SettingError) as caught:
        holidays.remove_day(world.session, world.city_id, "12.03.2025")
    assert caught.value.reason == "date"


def _calendar_cached(s: Session) -> tuple[World, dt.datetime]:
    """A city on the shipped calendar, its calendar now cached in this process; a Friday
    evening whose dispatch deadline falls on Monday 10 March 2025."""
    world = build_world(s)
    holidays.seed(s, world.city_id)
    s.commit()
    start = cst(2025, 3, 7, 17, 0)
    assert deadlines.schedule(s, world.city_id, None, "normal", "dispatch", start).due_at \
        == cst(2025, 3, 10, 10, 0)
    s.commit()
    return world, start


def _holiday_from_another_process(engine: Engine, city_id: int, day: dt.date) -> None:
    """"Another process": plain SQL on its own connection, as its service would write it."""
    with engine.begin() as conn:
        conn.execute(insert(CalendarDayRow).values(city_id=city_id, day=day, kind="holiday", name="",
                                                   source="admin"))
        conn.execute(update(ConfigVersion).where(ConfigVersion.city_id == city_id,
                                                 ConfigVersion.topic == config_cache.CALENDAR)
                     .values(version=ConfigVersion.version + 1))


def test_an_edit_by_another_process_is_used_at_the_next_deadline(fresh_engine: Engine) -> None:
    """The cache of this process is never told: the version row alone makes it reload."""
    with Session(fresh_engine, expire_on_commit=False) as s:
        world, start = _calendar_cached(s)
    _holiday_from_another_process(fresh_engine, world.city_id, dt.date(2025, 3, 10))
    with Session(fresh_engine) as s:
        assert deadlines.schedule(s, world.city_id, None, "normal", "dispatch", start).due_at \
            == cst(2025, 3, 11, 10, 0)


def test_a_long_lived_session_sees_another_process_edit_within_a_second(
        fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session that lives across many commands (the demo, the sweeper) reads the version
    once a recheck period (huying.freshness), not once per command; then it sees the edit."""
    from huying import freshness

    clock = [1000.0]
    monkeypatch.setattr(freshness.time, "monotonic", lambda: clock[0])
    with Session(fresh_engine, expire_on_commit=False) as s:
        world, start = _calendar_cached(s)
        _holiday_from_another_process(fresh_engine, world.city_id, dt.date(2025, 3, 10))
        clock[0] += freshness.RECHECK_SECONDS / 2  # still trusted: no query, the old calendar
        assert deadlines.schedule(s, world.city_id, None, "normal", "dispatch", start).due_at \
            == cst(2025, 3, 10, 10, 0)
        s.commit()
        clock[0] += freshness.RECHECK_SECONDS  # read again: the new holiday counts
        assert deadlines.schedule(s, world.city_id, None, "normal", "dispatch", start).due_at \
            == cst(2025, 3, 11, 10, 0)
