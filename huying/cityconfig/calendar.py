"""Working-time arithmetic over a holiday calendar (pure: no database, no clock).

A :class:`WorkCalendar` knows which days are worked (Monday to Friday, minus public
holidays, plus make-up working days, 调休上班) and the working hours of a working day
(by default 09:00–12:00 and 13:30–18:00). With it SLA deadlines are computed:

* :meth:`WorkCalendar.add_working_hours` moves forward through working time only;
* :meth:`WorkCalendar.add_working_days` gives the end of the N-th working day after the
  day of the start (see its docstring for the exact rule);
* :meth:`WorkCalendar.working_hours_between` measures working time between two moments.

Every datetime given must be timezone-aware (a naive one raises ``ValueError``); results
are in UTC. Days and hours are counted in the calendar's zone (``Asia/Shanghai`` by
default). The holidays come from a CSV file (``huying/data/holidays.csv`` by default, see
its header for the format and sources); :func:`parse_holidays` validates one and names
the line and field of every error.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

__all__ = [
    "DEFAULT_HOURS",
    "DEFAULT_TIMEZONE",
    "CalendarDay",
    "CalendarError",
    "DayKind",
    "DayProblem",
    "WorkCalendar",
    "check_new_day",
    "default_calendar",
    "parse_holidays",
    "read_holidays",
    "shipped_days",
]

DEFAULT_TIMEZONE = "Asia/Shanghai"
#: Working hours of a working day, local time: 09:00–12:00 and 13:30–18:00 (7.5 hours).
DEFAULT_HOURS: tuple[tuple[time, time], ...] = (
    (time(9, 0), time(12, 0)),
    (time(13, 30), time(18, 0)),
)
PROVISIONAL = "provisional"

_COLUMNS = ("date", "kind", "name", "source")
_REQUIRED = ("date", "kind")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: A calendar with no working day in this many consecutive days is treated as broken.
_MAX_IDLE_DAYS = 3660


class DayKind(StrEnum):
    HOLIDAY = "holiday"  # a day off (weekend days inside a holiday period may be listed too)
    WORKDAY = "workday"  # a Saturday or Sunday that is worked (调休上班)


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """One row of the holiday calendar."""

    date: date
    kind: DayKind
    name: str = ""
    source: str = ""

    @property
    def provisional(self) -> bool:
        """True for rows derived by huying and not yet confirmed by a published notice."""
        return self.source == PROVISIONAL


class CalendarError(ValueError):
    """Invalid calendar data. ``errors`` holds ``(line, field, message)`` triples."""

    def __init__(self, origin: str, errors: Sequence[tuple[int | None, str, str]]) -> None:
        self.origin = origin
        self.errors = list(errors)
        lines = [
            f"{origin}{f' line {line}' if line is not None else ''}, field {field!r}: {msg}"
            for line, field, msg in self.errors
        ]
        super().__init__("\n".join(lines))


# --------------------------------------------------------------------------- parsing


def parse_holidays(text: str, origin: str = "<holidays>") -> list[CalendarDay]:
    """Parse and validate holiday CSV text.

    The first line that is neither blank nor a ``#`` comment is the header; ``date`` and
    ``kind`` are required, ``name`` and ``source`` optional, other columns are errors.
    Every problem is collected and reported together in one :class:`CalendarError`, each
    with its (1-based) line number and field: a malformed or impossible date, an unknown
    kind, a date listed twice, a ``workday`` that is not a Saturday or Sunday, a wrong
    number of fields.
    """
    errors: list[tuple[int | None, str, str]] = []
    header: list[str] | None = None
    header_line = 0
    days: list[CalendarDay] = []
    seen: dict[date, int] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        fields = [f.strip() for f in next(csv.reader([raw]))]
        if header is None:
            header, header_line = [f.lower() for f in fields], lineno
            for col in header:
                if col not in _COLUMNS:
                    errors.append(
                        (lineno, col, f"unknown column (expected some of {', '.join(_COLUMNS)})")
                    )
            for col in _REQUIRED:
                if col not in header:
                    errors.append((lineno, col, "required column is missing from the header"))
            if len(set(header)) != len(header):
                errors.append((lineno, "header", "a column is named twice"))
            if errors:
                break
            continue
        if len(fields) != len(header):
            errors.append(
                (
                    lineno,
                    "row",
                    f"{len(fields)} fields, the header (line {header_line}) has {len(header)}",
                )
            )
            continue
        row = dict(zip(header, fields, strict=True))
        day = _parse_row(row, lineno, errors)
        if day is None:
            continue
        if day.date in seen:
            errors.append(
                (
                    lineno,
                    "date",
                    f"{day.date.isoformat()} is already listed on line {seen[day.date]}",
                )
            )
            continue
        seen[day.date] = lineno
        days.append(day)
    if header is None and not errors:
        errors.append((None, "header", "no header line (expected e.g. 'date,kind,name,source')"))
    if errors:
        raise CalendarError(origin, errors)
    return days


def _parse_row(
    row: Mapping[str, str], lineno: int, errors: list[tuple[int | None, str, str]]
) -> CalendarDay | None:
    raw_date, raw_kind = row["date"], row["kind"]
    ok = True
    day: date | None = None
    if not _ISO_DATE.fullmatch(raw_date):
        errors.append((lineno, "date", f"{raw_date!r} is not a date in the form YYYY-MM-DD"))
        ok = False
    else:
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            errors.append((lineno, "date", f"{raw_date!r} is not a valid date"))
            ok = False
    try:
        kind = DayKind(raw_kind.lower())
    except ValueError:
        errors.append(
            (
                lineno,
                "kind",
                f"unknown kind {raw_kind!r} (expected {' or '.join(k.value for k in DayKind)})",
            )
        )
        ok = False
    if not ok or day is None:
        return None
    if kind is DayKind.WORKDAY and day.weekday() < 5:
        errors.append(
            (
                lineno,
                "kind",
                f"{day.isoformat()} is a {_WEEKDAY_NAMES[day.weekday()]}: "
                "'workday' is only for a Saturday or Sunday that is worked",
            )
        )
        return None
    return CalendarDay(day, kind, row.get("name", ""), row.get("source", ""))


class DayProblem(ValueError):
    """Why a day cannot be added to a calendar: ``field`` (``date``, ``kind``, ``name``)
    and ``reason``, a key the pages word in the person's language: ``date`` (not a date in
    the form YYYY-MM-DD), ``kind``, ``weekday`` (a make-up working day that is not a
    Saturday or Sunday), ``duplicate`` (the date is listed already, with the same kind),
    ``conflict`` (it is listed as the other kind: a day is a holiday or a working day, not
    both), ``name`` (longer than :data:`MAX_NAME`)."""

    def __init__(self, field: str, reason: str, message: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(message)


#: Longest name of a calendar day.
MAX_NAME = 60


def check_new_day(
    existing: Mapping[date, CalendarDay], raw_date: str, raw_kind: str, name: str = "",
    source: str = "",
) -> CalendarDay:
    """The day to add to a calendar whose days are ``existing`` (by date), checked by the
    same rules as a CSV row; raises :class:`DayProblem` on the first problem."""
    raw_date, name = raw_date.strip(), name.strip()
    if not _ISO_DATE.fullmatch(raw_date):
        raise DayProblem("date", "date", f"{raw_date!r} is not a date in the form YYYY-MM-DD")
    try:
        day = date.fromisoformat(raw_date)
    except ValueError:
        raise DayProblem("date", "date", f"{raw_date!r} is not a valid date") from None
    try:
        kind = DayKind(raw_kind.strip().lower())
    except ValueError:
        raise DayProblem("kind", "kind", f"unknown kind {raw_kind!r}") from None
    if kind is DayKind.WORKDAY and day.weekday() < 5:
        raise DayProblem("kind", "weekday", f"{day.isoformat()} is a "
                         f"{_WEEKDAY_NAMES[day.weekday()]}: 'workday' is only for a Saturday or Sunday")
    if len(name) > MAX_NAME:
        raise DayProblem("name", "name", f"a name has at most {MAX_NAME} characters")
    listed = existing.get(day)
    if listed is not None:
        if listed.kind is kind:
            raise DayProblem("date", "duplicate", f"{day.isoformat()} is listed already")
        raise DayProblem("date", "conflict", f"{day.isoformat()} is listed already as {listed.kind}")
    return CalendarDay(day, kind, name, source)


def read_holidays(path: str | Path) -> list[CalendarDay]:
    """Read and validate a holiday CSV file (UTF-8, a BOM is tolerated)."""
    p = Path(path)
    return parse_holidays(p.read_text(encoding="utf-8-sig"), origin=str(p))


def _coerce_rows(
    rows: Iterable[CalendarDay | Mapping[str, object] | Sequence[object]],
) -> list[CalendarDay]:
    """Turn rows (CalendarDay, mappings or (date, kind[, name[, source]]) sequences) into
    validated days, going through the CSV validation so the same errors apply."""
    lines = [",".join(_COLUMNS)]
    for row in rows:
        if isinstance(row, CalendarDay):
            values: list[object] = [row.date, row.kind, row.name, row.source]
        elif isinstance(row, Mapping):
            values = [row.get(col, "") for col in _COLUMNS]
        else:
            values = [*row, "", ""][:4]
        cells = [v.isoformat() if isinstance(v, date) else str(v) for v in values]
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(cells)
        lines.append(out.getvalue())
    return parse_holidays("\n".join(lines), origin="<rows>")


# --------------------------------------------------------------------------- calendar


class WorkCalendar:
    """Working days and hours in one time zone.

    ``days``: holiday and make-up working-day rows. ``hours``: the working windows of a
    working day as ``(start, end)`` local times, sorted, not overlapping, each within one
    day. ``weekend``: weekday numbers (Monday = 0) that are days off unless listed as
    ``workday``. Outside the years the data covers, only weekends are days off (see
    :attr:`years`).
    """

    def __init__(
        self,
        days: Iterable[CalendarDay] = (),
        *,
        tz: str | ZoneInfo = DEFAULT_TIMEZONE,
        hours: Sequence[tuple[time, time]] = DEFAULT_HOURS,
        weekend: Iterable[int] = (5, 6),
    ) -> None:
        self.tz = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        self.weekend = frozenset(weekend)
        if not self.weekend <= set(range(7)):
            raise ValueError(f"weekend must hold weekday numbers 0..6, got {sorted(self.weekend)}")
        self.hours = _check_hours(hours)
        self._day_seconds = sum((_seconds(end) - _seconds(start)) for start, end in self.hours)
        self._days: dict[date, CalendarDay] = {}
        for d in days:
            if d.date in self._days:
                raise CalendarError("<days>", [(None, "date", f"{d.date} is listed twice")])
            self._days[d.date] = d
        if len(self.weekend) == 7 and not any(
            d.kind is DayKind.WORKDAY for d in self._days.values()
        ):
            raise ValueError("a calendar needs working days: every weekday is a weekend day")

    # -- construction

    @classmethod
    def from_csv(cls, path: str | Path, **kwargs: object) -> WorkCalendar:
        """A calendar from a holiday CSV file; keyword arguments as for the constructor."""
        return cls(read_holidays(path), **kwargs)  # type: ignore[arg-type]

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[CalendarDay | Mapping[str, object] | Sequence[object]],
        **kwargs: object,
    ) -> WorkCalendar:
        """A calendar from rows: :class:`CalendarDay` objects, mappings with keys
        ``date, kind[, name, source]`` or ``(date, kind[, name[, source]])`` tuples; dates
        as :class:`date` or ``YYYY-MM-DD``. Validated like the CSV (line = row number + 1)."""
        return cls(_coerce_rows(rows), **kwargs)  # type: ignore[arg-type]

    # -- days

    @property
    def years(self) -> frozenset[int]:
        """The years with at least one listed day."""
        return frozenset(d.year for d in self._days)

    def day(self, d: date) -> CalendarDay | None:
        """The calendar row of a date (holiday or make-up working day), if any."""
        return self._days.get(d)

    def is_workday(self, d: date | datetime) -> bool:
        """Whether a date is a working day. An aware datetime is first converted to the
        calendar's zone; a naive datetime raises ``ValueError``."""
        if isinstance(d, datetime):
            d = self._local(d, "d").date()
        row = self._days.get(d)
        if row is not None:
            return row.kind is DayKind.WORKDAY
        return d.weekday() not in self.weekend

    def next_workday(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        for _ in range(_MAX_IDLE_DAYS):
            d += timedelta(days=1)
            if self.is_workday(d):
                return d
        raise ValueError(f"no working day within {_MAX_IDLE_DAYS} days after {d}")

    # -- hours

    @property
    def hours_per_day(self) -> float:
        """Working hours in one working day (7.5 with the default hours)."""
        return self._day_seconds / 3600

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment when ``hours`` of working time have passed since ``start`` (UTC).

        Only time inside the working windows of working days counts. A start outside
        working time counts from the next working moment (a report at 20:00 with 2 working
        hours is due at 11:00 the next working day). ``hours == 0`` returns ``start``
        itself. A deadline that falls exactly on the end of a window is that end (12:00,
        not 13:30). Microsecond precision.
        """
        local = self._local(start, "start")
        if hours < 0:
            raise ValueError(f"hours must be >= 0, got {hours}")
        if hours == 0:
            return start.astimezone(UTC)
        remaining = timedelta(hours=hours)
        day = local.date()
        cursor = local.replace(tzinfo=None)  # wall-clock time in the calendar's zone
        idle = 0
        while True:
            if self.is_workday(day):
                idle = 0
                for w_start, w_end in self.hours:
                    seg_start = max(datetime.combine(day, w_start), cursor)
                    seg_end = datetime.combine(day, w_end)
                    if seg_start >= seg_end:
                        continue
                    available = seg_end - seg_start
                    if remaining <= available:
                        return self._utc(seg_start + remaining)
                    remaining -= available
            else:
                idle += 1
                if idle > _MAX_IDLE_DAYS:
                    raise ValueError(f"no working day within {_MAX_IDLE_DAYS} days of {day}")
            day += timedelta(days=1)
            cursor = datetime.combine(day, time(0))

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The end of the ``days``-th working day after the day of ``start`` (UTC).

        The day of the start does not count, whatever the hour (as for periods in the Civil
        Code, art. 201: 开始的当日不计入); the following working days are counted and the
        deadline is the end of the last working window of the last one (18:00 by default;
        art. 203: 有业务时间的，停止业务活动的时间为截止时间). Holidays are skipped and
        make-up working Saturdays and Sundays count. So a report on Friday (morning or
        evening) with 1 working day is due Monday 18:00; one on 2025-09-30 with 3 working
        days is due Saturday 2025-10-11 18:00 (10/1–10/8 off; 10/9, 10/10, 10/11 worked).

        ``days == 0`` means "today": the end of the start's day when it is a working day
        and the start is before its end of work, else the end of the next working day (so
        after work or on a day off, 0 and 1 working days give the same deadline).
        """
        if isinstance(days, bool) or not isinstance(days, int):
            raise TypeError(f"days must be an int, got {days!r}")
        if days < 0:
            raise ValueError(f"days must be >= 0, got {days}")
        local = self._local(start, "start")
        day = local.date()
        if days == 0:
            if self.is_workday(day) and local.replace(tzinfo=None) < self._day_end(day):
                return self._utc(self._day_end(day))
            return self._utc(self._day_end(self.next_workday(day)))
        for _ in range(days):
            day = self.next_workday(day)
        return self._utc(self._day_end(day))

    def working_hours_between(self, a: datetime, b: datetime) -> float:
        """Working hours from ``a`` to ``b`` (negative when ``b`` is before ``a``).

        The inverse of :meth:`add_working_hours`:
        ``working_hours_between(s, add_working_hours(s, h)) == h`` (to the microsecond).
        """
        la, lb = self._local(a, "a"), self._local(b, "b")
        if lb < la:
            return -self.working_hours_between(b, a)
        start, end = la.replace(tzinfo=None), lb.replace(tzinfo=None)
        total = timedelta(0)
        day, last = start.date(), end.date()
        while day <= last:
            if self.is_workday(day):
                if start.date() < day < last:
                    total += timedelta(seconds=self._day_seconds)
                else:
                    for w_start, w_end in self.hours:
                        seg_start = max(datetime.combine(day, w_start), start)
                        seg_end = min(datetime.combine(day, w_end), end)
                        if seg_end > seg_start:
                            total += seg_end - seg_start
            day += timedelta(days=1)
        return total / timedelta(hours=1)

    # -- helpers

    def _local(self, moment: datetime, name: str) -> datetime:
        if not isinstance(moment, datetime):
            raise TypeError(f"{name} must be a datetime, got {type(moment).__name__}")
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(
                f"{name}={moment.isoformat()} is a naive datetime: pass a timezone-aware one "
                "(e.g. datetime(..., tzinfo=UTC))"
            )
        return moment.astimezone(self.tz)

    def _utc(self, wall: datetime) -> datetime:
        return wall.replace(tzinfo=self.tz).astimezone(UTC)

    def _day_end(self, day: date) -> datetime:
        return datetime.combine(day, self.hours[-1][1])

    def __repr__(self) -> str:
        years = ",".join(str(y) for y in sorted(self.years)) or "none"
        return f"WorkCalendar(tz={self.tz.key!r}, years={years}, hours={self.hours_per_day:g}/day)"


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _check_hours(hours: Sequence[tuple[time, time]]) -> tuple[tuple[time, time], ...]:
    windows = tuple((start, end) for start, end in hours)
    if not windows:
        raise ValueError("working hours must have at least one (start, end) window")
    previous_end: time | None = None
    for start, end in windows:
        if not (isinstance(start, time) and isinstance(end, time)):
            raise TypeError(f"working hours must be datetime.time pairs, got {(start, end)!r}")
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("working hours are local wall-clock times: no tzinfo")
        if not start < end:
            raise ValueError(f"working window {start}–{end} ends before it starts")
        if previous_end is not None and start < previous_end:
            raise ValueError(f"working window {start}–{end} overlaps or precedes the one before")
        previous_end = end
    return windows


@lru_cache(maxsize=1)
def shipped_days() -> tuple[CalendarDay, ...]:
    """The days of the shipped calendar file ``huying/data/holidays.csv``, by date."""
    source = resources.files("huying") / "data" / "holidays.csv"
    text = source.read_text(encoding="utf-8-sig")
    days = parse_holidays(text, origin="huying/data/holidays.csv")
    return tuple(sorted(days, key=lambda d: d.date))


@lru_cache(maxsize=1)
def default_calendar() -> WorkCalendar:
    """The shipped calendar (:func:`shipped_days`) in the zone of the settings
    (``HUYING_TIMEZONE``, Asia/Shanghai by default). Cached: build it once per process.
    A city's own calendar is ``huying.cityconfig.holidays.calendar_of``."""
    from huying.config import get_settings

    return WorkCalendar(shipped_days(), tz=get_settings().timezone)
