"""The one way a change in responsibilities, reviews and weak organisations is written to its history
(:class:`huying.accountability.models.AccountabilityEvent`) and read back (``huying.history``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from huying import history as _history
from huying.accountability.models import AccountabilityEvent


def record(session: Session, city_id: int, subject: str, subject_id: int, action: str, *,
           actor_id: int | None, now: dt.datetime, flush: bool = True, **detail: Any) -> AccountabilityEvent:
    """Append one event (flushed unless told not to; not committed: it belongs to the
    caller's command)."""
    return _history.append(session, AccountabilityEvent, city_id, subject, subject_id, action, actor_id=actor_id,
                           now=now, detail=detail, flush=flush)


def history(session: Session, subject: str, subject_id: int) -> list[AccountabilityEvent]:
    """The events of one row, oldest first."""
    return _history.of(session, AccountabilityEvent, subject, subject_id)
