"""Sign-in rate limiting: failed attempts per (client address, username), per address and
per account across addresses,
in a sliding window, counted in the database (``login_failures``), so that every server
process (and every application instance on the same database) sees the same count.

A failure is a row; a success removes the rows of its (address, username); rows older than
the window are pruned as failures are written. Works the same on SQLite and PostgreSQL.
Two processes counting at the same moment may each let one more attempt through: a bound
on guessing, not an exact quota."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from huying.db import utcnow
from huying.orgs.models import LoginFailure, User

#: Longest address and username kept (the columns' sizes).
_ADDRESS, _USERNAME = 64, 60


def _user_key(username: str) -> str:
    return username.strip().lower()[:_USERNAME]


@dataclass(frozen=True)
class LoginLimiter:
    #: Failures allowed per address and username within the window.
    per_user: int = 5
    #: Failures allowed per address (any usernames) within the window.
    per_address: int = 30
    #: Failures allowed per account from all addresses together within the window: past it
    #: the account is locked for everyone until failures leave the window (a guesser with
    #: many addresses gets no more tries), and the sign-in page says so.
    per_account: int = 20
    #: Seconds.
    window: float = 15 * 60

    def retry_after(self, session: Session, address: str, username: str,
                    now: dt.datetime | None = None) -> int:
        """Seconds to wait before another attempt (0: go ahead): until enough of the
        failures in the window have grown older than it."""
        now = now or utcnow()
        since = now - dt.timedelta(seconds=self.window)
        recent = select(LoginFailure.at).where(LoginFailure.address == address[:_ADDRESS],
                                               LoginFailure.at > since)
        waits = []
        for query, limit in ((recent.where(LoginFailure.username == _user_key(username)), self.per_user),
                             (recent, self.per_address)):
            # The failure that must leave the window: the limit-th most recent one.
            oldest_counted = session.scalar(query.order_by(LoginFailure.at.desc()).offset(limit - 1).limit(1))
            if oldest_counted is not None:
                waits.append(int((oldest_counted - since).total_seconds()) + 1)
        return max(waits, default=0)

    def account_wait(self, session: Session, username: str, now: dt.datetime | None = None) -> int:
        """Seconds for which the account is locked (0: not locked), from every address."""
        key = _user_key(username)
        if not key:
            return 0
        now = now or utcnow()
        since = now - dt.timedelta(seconds=self.window)
        oldest_counted = session.scalar(
            select(LoginFailure.at).where(LoginFailure.username == key, LoginFailure.at > since)
            .order_by(LoginFailure.at.desc()).offset(self.per_account - 1).limit(1))
        return int((oldest_counted - since).total_seconds()) + 1 if oldest_counted is not None else 0

    def failed(self, session: Session, address: str, username: str, now: dt.datetime | None = None) -> None:
        """Count a failure (and prune the rows that have left the window). Commits."""
        now = now or utcnow()
        session.execute(delete(LoginFailure).where(LoginFailure.at <= now - dt.timedelta(seconds=self.window)))
        key = _user_key(username)
        city_id = session.scalar(select(User.city_id).where(User.username == username.strip())) if key else None
        session.add(LoginFailure(city_id=city_id, at=now, address=address[:_ADDRESS], username=key))
        session.commit()

    def succeeded(self, session: Session, address: str, username: str) -> None:
        """Forget the failures of this address and username. Commits."""
        session.execute(delete(LoginFailure).where(LoginFailure.address == address[:_ADDRESS],
                                                   LoginFailure.username == _user_key(username)))
        session.commit()
