"""The one way a change in community resources is written to its history
(:class:`huying.community.models.CommunityEvent`) and read back (``huying.history``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from huying import history as _history
from huying.community.models import CommunityEvent


def record(session: Session, city_id: int, subject: str, subject_id: int, action: str, *,
           actor_id: int | None, now: dt.datetime, **detail: Any) -> CommunityEvent:
    """Append one event (flushed, not committed: it belongs to the caller's command)."""
    return _history.append(session, CommunityEvent, city_id, subject, subject_id, action, actor_id=actor_id,
                           now=now, detail=detail)


def history(session: Session, subject: str, subject_id: int) -> list[CommunityEvent]:
    """The events of one row, oldest first."""
    return _history.of(session, CommunityEvent, subject, subject_id)
