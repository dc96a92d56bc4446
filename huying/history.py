"""The append-only history of a domain's rows (community resources, accountability): one way
to write an event and to read a row's events back, whatever the domain's event table (a model
with ``city_id``, ``subject``, ``subject_id``, ``action``, ``actor_id``, ``at`` and a JSON
``detail``). Each domain's ``events`` module names its table and calls these."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from huying import requestctx

E = TypeVar("E")


def plain(value: Any) -> Any:
    """JSON of a detail: decimals as strings (exact), dates as ISO text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def append(session: Session, model: type[E], city_id: int, subject: str, subject_id: int, action: str, *,
           actor_id: int | None, now: dt.datetime, detail: dict[str, Any], flush: bool = True) -> E:
    """Append one event to ``model`` (flushed unless told not to; not committed: it belongs
    to the caller's command). Written while answering a request, its detail names the
    request (``request_id``, as in the request's log line)."""
    rid = requestctx.current()
    if rid is not None:
        detail = {**detail, "request_id": rid}
    event = model(city_id=city_id, subject=subject, subject_id=subject_id, action=action,  # type: ignore[call-arg]
                  actor_id=actor_id, at=now, detail=plain(detail))
    session.add(event)
    if flush:
        session.flush()
    return event


def of(session: Session, model: Any, subject: str, subject_id: int) -> list[Any]:
    """The events of one row in ``model``, oldest first."""
    return list(session.scalars(select(model).where(model.subject == subject, model.subject_id == subject_id)
                                .order_by(model.at, model.id)))
