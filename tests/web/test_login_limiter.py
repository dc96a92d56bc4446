"""The sign-in limiter counts failures in the database, in a sliding window with a fixed
clock: per address and username, per address, forgotten on success, pruned when old. On
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.orgs.models import LoginFailure
from huying.web.ratelimit import LoginLimiter

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
LIMITER = LoginLimiter(per_user=3, per_address=5, window=600)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def rows(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(LoginFailure)) or 0


def test_the_window_slides(session: Session) -> None:
    for i in range(3):
        assert LIMITER.retry_after(session, "10.0.0.1", "alice", at(i * 60)) == 0
        LIMITER.failed(session, "10.0.0.1", "Alice ", at(i * 60))  # the username's case and spaces do not count
    # Locked until the first failure (t=0) leaves the window (t=600).
    assert LIMITER.retry_after(session, "10.0.0.1", "alice", at(130)) == 471
    assert LIMITER.retry_after(session, "10.0.0.1", "alice", at(599)) == 2
    assert LIMITER.retry_after(session, "10.0.0.1", "alice", at(601)) == 0
    # Another address, another username: free.
    assert LIMITER.retry_after(session, "10.0.0.2", "alice", at(130)) == 0
    assert LIMITER.retry_after(session, "10.0.0.1", "bob", at(130)) == 0


def test_an_address_guessing_many_usernames_is_stopped(session: Session) -> None:
    for i, name in enumerate(["a", "b", "c", "d", "e"]):
        LIMITER.failed(session, "10.0.0.3", name, at(i))
    assert LIMITER.retry_after(session, "10.0.0.3", "f", at(10)) == 591
    assert LIMITER.retry_after(session, "10.0.0.4", "f", at(10)) == 0


def test_a_success_forgets_that_usernames_failures(session: Session) -> None:
    for i in range(3):
        LIMITER.failed(session, "10.0.0.5", "carol", at(i))
    LIMITER.failed(session, "10.0.0.5", "dave", at(3))
    LIMITER.succeeded(session, "10.0.0.5", "CAROL")
    assert LIMITER.retry_after(session, "10.0.0.5", "carol", at(4)) == 0
    assert rows(session) == 1  # dave's failure stays


def test_old_failures_are_pruned(session: Session) -> None:
    LIMITER.failed(session, "10.0.0.6", "erin", at(0))
    LIMITER.failed(session, "10.0.0.6", "erin", at(300))
    assert rows(session) == 2
    LIMITER.failed(session, "10.0.0.7", "frank", at(700))
    assert rows(session) == 2  # the failure at t=0 left the window and its row is gone
