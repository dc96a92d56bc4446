"""'Due soon' is the SLA's warning moment, the row's own (``sweep_at`` until the sweeper
warns, then ``warned``), not a fixed 24 hours: a new case, with a 2-working-hour dispatch
step, is not due soon when it arrives. The SQL clause of the overdue tab says the same as
the functions."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from huying.cases import timing

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def row(due_in: dt.timedelta, warn_in: dt.timedelta, *, warned: bool = False, status: str = "new") -> SimpleNamespace:
    return SimpleNamespace(status=status, due_at=NOW + due_in, sweep_at=NOW + warn_in, warned=warned)


def test_a_case_before_its_warning_moment_is_not_due_soon() -> None:
    assert not timing.due_soon(row(dt.timedelta(hours=2), dt.timedelta(minutes=96)), NOW)


def test_a_case_past_its_warning_moment_is_due_soon() -> None:
    assert timing.due_soon(row(dt.timedelta(minutes=20), dt.timedelta(minutes=-4)), NOW)
    # once warned, sweep_at moves to the deadline: still due soon
    assert timing.due_soon(row(dt.timedelta(minutes=20), dt.timedelta(minutes=20), warned=True), NOW)


def test_an_overdue_or_closed_case_is_not_due_soon() -> None:
    assert not timing.due_soon(row(dt.timedelta(minutes=-1), dt.timedelta(minutes=-30), warned=True), NOW)
    assert not timing.due_soon(row(dt.timedelta(hours=1), dt.timedelta(hours=-1), status="closed"), NOW)
