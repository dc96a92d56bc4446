"""The read side of the cases: a case by code, its events, lists of cases. Every query goes
through ``policy.visible_filter``; "overdue" is ``timing.overdue_clause``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases.models import Case, CaseEvent
from huying.cases.policy import visible_filter
from huying.cases.timing import overdue_clause
from huying.db import under
from huying.errors import NotVisible
from huying.orgs.actor import Actor


def get_case(session: Session, actor: Actor, code: str) -> Case:
    """The case with this code if the actor may see it, else ``NotVisible``."""
    case = session.scalar(
        select(Case).where(Case.city_id == actor.city_id, Case.code == code, visible_filter(actor))
    )
    if case is None:
        raise NotVisible(f"no case {code}")
    return case


def events_of(session: Session, case: Case) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)))


def list_cases(
    session: Session, actor: Actor, *, node_path: str | None = None,
    status: Sequence[str] | None = None, overdue_at: dt.datetime | None = None,
    unit_id: int | None = None, limit: int = 100, offset: int = 0,
) -> list[Case]:
    """Cases visible to the actor, newest first, optionally under a node, in statuses,
    overdue at a moment or assigned to a unit."""
    q = select(Case).where(visible_filter(actor))
    if node_path:
        q = q.where(under(Case.grid_path, node_path))
    if status:
        q = q.where(Case.status.in_(list(status)))
    if overdue_at is not None:
        q = q.where(overdue_clause(overdue_at))
    if unit_id is not None:
        q = q.where(Case.unit_id == unit_id)
    return list(session.scalars(q.order_by(Case.id.desc()).limit(limit).offset(offset)))
