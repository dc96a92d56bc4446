"""A city's holiday calendar: its days (rows of ``calendar_days``), the working calendar
built from them for the deadlines, and the two commands of the administration page.

A city gets the shipped days (``huying/data/holidays.csv``) by :func:`seed` when it is
built (the demo does it); a city never seeded uses the shipped days as they are, and its
first edit seeds it before changing anything. Every edit bumps the city's ``calendar``
version in its transaction, so each server process rebuilds its cached calendar at the next
deadline it computes (:mod:`huying.cases.config_cache`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from huying.cityconfig import config_cache
from huying.cityconfig.calendar import (
    CalendarDay,
    DayKind,
    DayProblem,
    WorkCalendar,
    check_new_day,
    default_calendar,
    shipped_days,
)
from huying.cityconfig.models import CalendarDayRow
from huying.config import get_settings
from huying.errors import SettingError

#: ``source`` of a day added on the administration page.
ADMIN_SOURCE = "admin"


def is_seeded(session: Session, city_id: int) -> bool:
    """Whether the city keeps a calendar of its own (else it uses the shipped days)."""
    return config_cache.token(session, city_id, config_cache.CALENDAR) is not None


def city_days(session: Session, city_id: int) -> list[CalendarDay]:
    """The city's holidays and make-up working days, by date."""
    if not is_seeded(session, city_id):
        return list(shipped_days())
    rows = session.scalars(select(CalendarDayRow).where(CalendarDayRow.city_id == city_id)
                           .order_by(CalendarDayRow.day))
    return [CalendarDay(r.day, DayKind(r.kind), r.name, r.source) for r in rows]


def calendar_of(session: Session, city_id: int) -> WorkCalendar:
    """The working calendar of the city's deadlines: built once per process and rebuilt
    after an edit (in any process)."""

    def build(token: object) -> WorkCalendar:
        if token is None:
            return default_calendar()
        return WorkCalendar(city_days(session, city_id), tz=get_settings().timezone)

    return config_cache.cached(session, city_id, config_cache.CALENDAR, build)


def seed(session: Session, city_id: int) -> int:
    """Give the city the shipped days as its own (nothing when it has its own already);
    returns the number of days stored. Flushes; the caller commits."""
    if is_seeded(session, city_id):
        return 0
    days = shipped_days()
    session.add_all(CalendarDayRow(city_id=city_id, day=d.date, kind=d.kind.value, name=d.name,
                                   source=d.source) for d in days)
    config_cache.bump(session, city_id, config_cache.CALENDAR)
    return len(days)


def add_day(session: Session, city_id: int, date: str, kind: str, name: str = "") -> CalendarDay:
    """Add a holiday or a make-up working day (one transaction). Raises
    :class:`SettingError` (``reason`` as :class:`DayProblem`'s) with nothing stored."""
    try:
        day = check_new_day({d.date: d for d in city_days(session, city_id)}, date, kind, name,
                            ADMIN_SOURCE)
    except DayProblem as exc:
        raise SettingError(str(exc), exc.field, exc.reason) from None
    seed(session, city_id)
    session.add(CalendarDayRow(city_id=city_id, day=day.date, kind=day.kind.value, name=day.name,
                               source=day.source))
    config_cache.bump(session, city_id, config_cache.CALENDAR)
    session.commit()
    return day


def remove_day(session: Session, city_id: int, date: str) -> None:
    """Remove a day from the city's calendar (one transaction). Raises
    :class:`SettingError` (reason ``missing``) when the date is not listed."""
    try:
        day = dt.date.fromisoformat(date.strip())
    except ValueError:
        raise SettingError(f"{date!r} is not a date in the form YYYY-MM-DD", "date") from None
    if all(d.date != day for d in city_days(session, city_id)):
        raise SettingError(f"{day.isoformat()} is not in the calendar", "date", "missing")
    seed(session, city_id)
    session.execute(delete(CalendarDayRow).where(CalendarDayRow.city_id == city_id,
                                                 CalendarDayRow.day == day))
    config_cache.bump(session, city_id, config_cache.CALENDAR)
    session.commit()
