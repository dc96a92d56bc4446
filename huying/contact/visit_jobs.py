"""Households overdue for their visit, through the one sweeper of the case kernel
(:data:`huying.cases.jobs.MORE_SWEEPS`): the stored ``sweep_at`` of an open assignment is
when to look at it (:func:`huying.contact.visits.sweep_at`), as a case's is. An overdue
household is told to its cadre at once, and to its community's officers
:data:`~huying.contact.visits.ESCALATE_AFTER_DAYS` later if still unvisited. Each step is a
compare-and-set on ``notified``: two sweepers at once never tell anyone twice.

Messages go through the notification outbox, one per recipient and batch (a digest: a
cadre with twelve households overdue gets one message naming them, not twelve). They name
households by code and address, never a person or an identity number."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from huying.cases import jobs, notify
from huying.contact import visits
from huying.contact.models import Household, Unit, VisitAssignment
from huying.geo.models import Level, Node
from huying.orgs.models import Role, User

BATCH = 500
#: Households named in one message; the rest are counted.
NAMED = 10

SUBJECTS = {
    visits.Notified.CADRE: "您负责的 {n} 户（家）已逾期未走访",
    visits.Notified.COMMUNITY: "本社区 {n} 户（家）逾期 {days} 天以上未走访",
}


def sweep(session: Session, now: dt.datetime, limit: int = 10_000) -> int:
    """Act on every assignment whose ``sweep_at`` has come; returns how many."""
    acted = 0
    while acted < limit:
        rows = session.execute(
            select(VisitAssignment.id, VisitAssignment.city_id, VisitAssignment.cadre_id, VisitAssignment.notified,
                   VisitAssignment.due_at, func.coalesce(Household.code, Unit.code),
                   func.coalesce(Household.address, Unit.name), Node.path)
            .outerjoin(Household, Household.id == VisitAssignment.household_id)
            .outerjoin(Unit, Unit.id == VisitAssignment.unit_id)
            .join(Node, Node.id == func.coalesce(Household.grid_id, Unit.grid_id))
            .where(VisitAssignment.sweep_at <= now, visits.open_clause())
            .order_by(VisitAssignment.sweep_at, VisitAssignment.id).limit(min(BATCH, limit - acted))).all()
        if not rows:
            break
        told: dict[tuple[int, int, str], list[tuple[int, str, str]]] = defaultdict(list)
        for aid, city_id, cadre_id, notified, due_at, code, address, grid_path in rows:
            step = notified + 1
            won = session.connection().execute(
                update(VisitAssignment).where(VisitAssignment.id == aid, VisitAssignment.notified == notified)
                .values(notified=step, sweep_at=visits.sweep_at(due_at, step))).rowcount
            if won != 1:
                continue
            acted += 1
            if step == visits.Notified.CADRE:
                told[(city_id, step, f"user:{cadre_id}")].append((aid, code, address))
            else:
                for officer in _community_officers(session, city_id, grid_path):
                    told[(city_id, step, f"user:{officer}")].append((aid, code, address))
        _queue(session, told, now)
        session.commit()
    return acted


def _community_officers(session: Session, city_id: int, grid_path: str) -> list[int]:
    """The active community officers whose node holds the grid."""
    paths = [grid_path[:i + 1] for i, ch in enumerate(grid_path) if ch == "/"] + [grid_path]
    return list(session.scalars(
        select(User.id).join(Node, Node.id == User.node_id)
        .where(User.city_id == city_id, User.active.is_(True), User.role == Role.COMMUNITY_OFFICER.value,
               Node.path.in_(paths), Node.level == Level.COMMUNITY.value)))


def _queue(session: Session, told: dict[tuple[int, int, str], list[tuple[int, str, str]]],
           now: dt.datetime) -> None:
    day = now.strftime("%Y%m%d")
    for (city_id, step, who), households in told.items():
        kind, recipient = who.split(":", 1)
        subject = SUBJECTS[visits.Notified(step)].format(n=len(households), days=visits.ESCALATE_AFTER_DAYS)
        lines = [f"{code} {address}" for _, code, address in households[:NAMED]]
        if len(households) > NAMED:
            lines.append(f"等共 {len(households)} 户")
        first = min(aid for aid, _, _ in households)
        notify.queue(session, city_id=city_id, key=f"visit-overdue:{step}:{recipient}:{day}:{first}",
                     recipient_kind=kind, recipient=recipient, subject=subject,
                     body="\n".join([subject, *lines]), kind="visit_overdue", now=now)


jobs.MORE_SWEEPS["visits"] = sweep
