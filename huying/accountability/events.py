"""The one way a change in responsibilities, reviews and weak organisations is written to its history
(:class:`huying.accountability.models.AccountabilityEvent`) and read back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.accountability.models import AccountabilityEvent


def _plain(value: Any) -> Any:
    """JSON of a detail: decimals as strings (exact), dates as ISO text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def record(session: Session, city_id: int, subject: str, subject_id: int, action: str, *,
           actor_id: int | None, now: dt.datetime, flush: bool = True, **detail: Any) -> AccountabilityEvent:
    """Append one event (flushed unless told not to; not committed: it belongs to the
    caller's command)."""
    event = AccountabilityEvent(city_id=city_id, subject=subject, subject_id=subject_id, action=action,
                                actor_id=actor_id, at=now, detail=_plain(detail))
    session.add(event)
    if flush:
        session.flush()
    return event


def history(session: Session, subject: str, subject_id: int) -> list[AccountabilityEvent]:
    """The events of one row, oldest first."""
    return list(session.scalars(
        select(AccountabilityEvent).where(AccountabilityEvent.subject == subject, AccountabilityEvent.subject_id == subject_id)
        .order_by(AccountabilityEvent.at, AccountabilityEvent.id)))
