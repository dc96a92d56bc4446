"""The administrative audit trail (issue 22): every change to the organisation chart,
people, accounts, keys and the map is one ``AdminEvent`` with who, when, before and after.

One way to write it (``record``) and one way to read it (``query``), below every domain
that administers something, so orgs and geo both call it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying import history
from huying.audit.models import AdminEvent

__all__ = ["AdminEvent", "Filter", "changes", "query", "record"]


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields that differ, as (before, after) with only those keys: what an audit row
    keeps of an edit."""
    keys = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
    return ({k: before.get(k) for k in keys}, {k: after.get(k) for k in keys})


def record(session: Session, city_id: int, subject: str, subject_id: int, action: str, *,
           actor_id: int | None, now: dt.datetime, before: Mapping[str, Any] | None = None,
           after: Mapping[str, Any] | None = None, **extra: Any) -> AdminEvent:
    """Append one audit row (flushed, not committed: it belongs to the caller's change, so
    the change and its record commit or roll back together)."""
    detail: dict[str, Any] = {"before": dict(before or {}), "after": dict(after or {})}
    detail.update(extra)
    return history.append(session, AdminEvent, city_id, subject, subject_id, action,
                          actor_id=actor_id, now=now, detail=detail)


@dataclass(frozen=True)
class Filter:
    """What an audit listing asks for; every field optional."""

    subject: str | None = None
    subject_id: int | None = None
    action: str | None = None
    actor_id: int | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def _where(city_id: int, f: Filter) -> list[Any]:
    clauses: list[Any] = [AdminEvent.city_id == city_id]
    if f.subject:
        clauses.append(AdminEvent.subject == f.subject)
    if f.subject_id is not None:
        clauses.append(AdminEvent.subject_id == f.subject_id)
    if f.action:
        clauses.append(AdminEvent.action == f.action)
    if f.actor_id is not None:
        clauses.append(AdminEvent.actor_id == f.actor_id)
    if f.since is not None:
        clauses.append(AdminEvent.at >= f.since)
    if f.until is not None:
        clauses.append(AdminEvent.at < f.until)
    return clauses


def query(session: Session, city_id: int, f: Filter = Filter(), *, limit: int = 100,
          offset: int = 0) -> tuple[list[AdminEvent], int]:
    """A page of the city's audit rows, newest first, and how many match in all."""
    where = _where(city_id, f)
    total = session.scalar(select(func.count()).select_from(AdminEvent).where(*where)) or 0
    rows = list(session.scalars(select(AdminEvent).where(*where)
                                .order_by(AdminEvent.at.desc(), AdminEvent.id.desc())
                                .limit(limit).offset(offset)))
    return rows, int(total)
