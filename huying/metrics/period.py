"""The period a figure is counted over, as a person picks it: a month, a quarter, a year,
a custom range of days, or all time, in the city's own time zone.

One parser for every page and export that takes a period (the leader's figures, the work
list that shows the cases behind a figure): the same words in the URL give the same
``[since, until)`` everywhere, so a figure and its list always count the same cases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from huying.cityconfig import deadlines
from huying.errors import InvalidInput

KINDS = ("all", "month", "quarter", "year", "custom")
#: The longest custom range (days): beyond it a person wants a year, or all time.
MAX_DAYS = 366 * 5
EARLIEST = dt.date(2000, 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str
    #: first and last local day, inclusive (None for all time)
    start: dt.date | None
    end: dt.date | None
    #: the same as aware datetimes; ``until`` is exclusive (local midnight after ``end``)
    since: dt.datetime | None
    until: dt.datetime | None
    #: the period runs past now (the figures of its last part are still coming in)
    partial: bool

    def query(self) -> dict[str, str]:
        """The URL parameters that give this period back through :func:`parse_period`."""
        if self.kind == "all" or self.start is None or self.end is None:
            return {"period": "all"}
        out = {"period": self.kind, "from": self.start.isoformat()}
        if self.kind == "custom":
            out["to"] = self.end.isoformat()
        return out


def _date(value: str, field: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{field}: not a date (YYYY-MM-DD): {value[:20]!r}") from None
    if day < EARLIEST:
        raise InvalidInput(f"{field}: before {EARLIEST.isoformat()}")
    return day


def _next_month(day: dt.date, months: int = 1) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + y, m + 1, 1)


def bounds(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the month / quarter / year containing ``day``."""
    if kind == "month":
        first = day.replace(day=1)
        return first, _next_month(first) - dt.timedelta(days=1)
    if kind == "quarter":
        first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return first, _next_month(first, 3) - dt.timedelta(days=1)
    if kind == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    raise ValueError(kind)


def of_days(kind: str, start: dt.date, end: dt.date, *, now: dt.datetime) -> Period:
    """The period of local days ``start`` … ``end`` (inclusive)."""
    zone = deadlines.zone()
    since = dt.datetime.combine(start, dt.time(), zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone)
    return Period(kind=kind, start=start, end=end, since=since, until=until, partial=until > now)


def parse_period(period: str, from_: str = "", to: str = "", *, now: dt.datetime) -> Period:
    """``period`` is one of :data:`KINDS` ('' = all time). For month, quarter and year,
    ``from_`` is any day inside it ('' = today); custom takes ``from_`` and ``to``
    (inclusive). Raises :class:`InvalidInput` with the reason."""
    kind = (period or "all").strip()
    if kind not in KINDS:
        raise InvalidInput(f"period: one of {', '.join(KINDS)}")
    if kind == "all":
        return Period(kind="all", start=None, end=None, since=None, until=None, partial=True)
    today = now.astimezone(deadlines.zone()).date()
    if kind == "custom":
        if not from_ or not to:
            raise InvalidInput("a custom period needs both from and to")
        start, end = _date(from_, "from"), _date(to, "to")
        if end < start:
            raise InvalidInput("to: before from")
        if (end - start).days > MAX_DAYS:
            raise InvalidInput(f"a custom period is at most {MAX_DAYS} days")
        return of_days(kind, start, end, now=now)
    day = _date(from_, "from") if from_ else today
    if day > today + dt.timedelta(days=366):
        raise InvalidInput("from: more than a year ahead")
    start, end = bounds(kind, day)
    return of_days(kind, start, end, now=now)
