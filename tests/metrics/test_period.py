"""A period as a person picks it (month, quarter, year, custom days, all time) is the same
``[since, until)`` in the city's time zone on every page that takes one."""

from __future__ import annotations

import datetime as dt

import pytest

from huying.errors import InvalidInput
from huying.metrics.period import parse_period

NOW = dt.datetime(2026, 12, 6, 3, 0, tzinfo=dt.UTC)  # 11:00 in Dongguan
CST = dt.timezone(dt.timedelta(hours=8))


def test_this_month_runs_from_local_midnight_and_is_partial() -> None:
    p = parse_period("month", now=NOW)
    assert (p.start, p.end) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert p.since == dt.datetime(2026, 12, 1, tzinfo=CST)
    assert p.until == dt.datetime(2027, 1, 1, tzinfo=CST)
    assert p.partial


@pytest.mark.parametrize(("kind", "day", "start", "end"), [
    ("month", "2026-02-10", dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
    ("quarter", "2026-08-31", dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
    ("quarter", "2026-12-31", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
    ("year", "2025-06-01", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
])
def test_a_named_period_contains_the_day_given(kind: str, day: str, start: dt.date, end: dt.date) -> None:
    p = parse_period(kind, day, now=NOW)
    assert (p.start, p.end) == (start, end)
    assert parse_period(**{"period": p.query()["period"], "from_": p.query()["from"]}, now=NOW) == p


def test_a_custom_period_includes_its_last_day_and_round_trips() -> None:
    p = parse_period("custom", "2026-03-01", "2026-03-01", now=NOW)
    assert p.until is not None and p.since is not None and p.until - p.since == dt.timedelta(days=1)
    assert not p.partial
    q = p.query()
    assert parse_period(q["period"], q["from"], q["to"], now=NOW) == p


def test_all_time_has_no_bounds() -> None:
    p = parse_period("", now=NOW)
    assert (p.kind, p.since, p.until) == ("all", None, None)
    assert p.query() == {"period": "all"}


@pytest.mark.parametrize(("args", "reason"), [
    (("week", "", ""), "period"),
    (("custom", "2026-03-01", ""), "both"),
    (("custom", "2026-03-02", "2026-03-01"), "before from"),
    (("custom", "2016-03-02", "2026-03-01"), "at most"),
    (("month", "2026-13-01", ""), "not a date"),
    (("month", "1999-12-31", ""), "before 2000"),
    (("year", "2029-01-01", ""), "ahead"),
])
def test_a_bad_period_is_refused_with_its_reason(args: tuple[str, str, str], reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        parse_period(*args, now=NOW)
