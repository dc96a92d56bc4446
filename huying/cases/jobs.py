"""Background work on stored deadlines: the SLA sweeper.

Deadlines are columns, not timers. ``cases.sweep_at`` is when the sweeper must look at a
case next (the warning moment, the deadline, the end of the next overdue period); an
index on it makes each sweep cost O(due items), whatever the number of open cases. The
sweeper takes one item at a time and acts through the service with the version it read
(compare-and-set): two sweepers running at once never act twice on the same item."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.cases import kernel, service
from huying.cases.models import Case, CaseEvent, Ledger, Milestone
from huying.cases.units import NEXT_LEVEL, answering_unit
from huying.cases.workflow import (
    OPEN_VALUES,
    Action,
    IllegalTransition,
    System,
    allowed_actions,
)
from huying.config import get_settings
from huying.errors import CaseError, StaleVersion

log = logging.getLogger("huying.sweeper")

def escalatable(case: Case) -> bool:
    """Whether the sweeper may escalate the case from its status: its kind's table says so (a
    problem goes one level up; a service request has no level above its unit, it is marked
    overdue and its unit supervised)."""
    return Action.ESCALATE in allowed_actions(case.status, System.SWEEPER, case.kind)


@dataclass
class SweepReport:
    warned: int = 0
    overdue: int = 0
    escalated: int = 0
    notices: int = 0
    milestones: int = 0
    conflicts: int = 0
    errors: int = 0
    codes: list[str] = field(default_factory=list)
    #: What the other sweeps (:data:`MORE_SWEEPS`) did, by their names.
    more: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        out = {k: v for k, v in self.__dict__.items() if k not in ("codes", "more")}
        out.update(self.more)
        return out


#: Other stored deadlines the one sweeper looks after (the domains above the kernel register
#: theirs here, as ``huying.contact`` its households' visits): name → a function of
#: (session, now, limit) that acts on what is due and returns how many it acted on.
MORE_SWEEPS: dict[str, Callable[[Session, dt.datetime, int], int]] = {}


def overdue_step(session: Session, case: Case, now: dt.datetime, escalate_after: int) -> str:
    """Act on one due case; returns what was done."""
    actor = kernel.system_actor(session, case.city_id)
    assert case.due_at is not None
    if now < case.due_at:
        kernel.command(session, case, Action.SLA_WARNING, actor, now, reschedule=False,
                       changes={"warned": True, "sweep_at": case.due_at},
                       expected_version=case.version)
        return "warned"
    if (case.overdue_periods >= escalate_after and escalatable(case)
            and case.handling_level in NEXT_LEVEL):
        try:
            service.escalate(session, case, actor, now=now, expected_version=case.version,
                             note=f"超期 {case.overdue_periods} 个周期，自动上报")
            return "escalated"
        except CaseError as exc:
            if isinstance(exc, StaleVersion):
                raise
            log.warning("case %s: cannot escalate (%s); marking overdue instead", case.code, exc)
    loaded = case.version
    kernel.commit(session, case, loaded, lambda: kernel.mark_overdue(session, case, now))
    return "overdue"


def sweep(engine: Engine, *, now: dt.datetime, limit: int = 10_000,
          escalate_after: int | None = None) -> SweepReport:
    """Handle every case and ledger milestone that is due at ``now``, one at a time."""
    if escalate_after is None:
        escalate_after = get_settings().sla_escalate_after_periods
    report = SweepReport()
    skip: set[int] = set()
    with Session(engine, expire_on_commit=False) as session:
        for _ in range(limit):
            q = select(Case).where(Case.sweep_at <= now)
            if skip:
                q = q.where(Case.id.not_in(skip))
            case = session.scalar(q.order_by(Case.sweep_at, Case.id).limit(1)
                                  .execution_options(populate_existing=True))
            session.commit()  # end the read: the command below starts from fresh data
            if case is None:
                break
            try:
                done = overdue_step(session, case, now, escalate_after)
            except StaleVersion:
                session.rollback()
                report.conflicts += 1
                continue
            except (CaseError, IllegalTransition, Exception) as exc:  # noqa: BLE001
                session.rollback()
                report.errors += 1
                skip.add(case.id)
                log.exception("sweeper: case %s failed: %s", case.code, exc)
                continue
            report.codes.append(case.code)
            if done == "warned":
                report.warned += 1
            elif done == "escalated":
                report.escalated += 1
            else:
                report.overdue += 1
                report.notices += 1
        report.milestones = _sweep_milestones(session, now, limit)
        report.notices += report.milestones
        for name, more in MORE_SWEEPS.items():
            try:
                report.more[name] = more(session, now, limit)
            except Exception as exc:  # noqa: BLE001 - one failing sweep must not stop the others
                session.rollback()
                report.errors += 1
                log.exception("sweeper: %s failed: %s", name, exc)
    return report


def _sweep_milestones(session: Session, now: dt.datetime, limit: int) -> int:
    """An overdue ledger milestone raises a supervision notice (once, compare-and-set)."""
    issued = 0
    for _ in range(limit):
        row = session.execute(
            select(Milestone, Ledger, Case).join(Ledger, Ledger.id == Milestone.ledger_id)
            .join(Case, Case.id == Ledger.case_id)
            .where(Milestone.due_at <= now, Milestone.done_at.is_(None), Milestone.notice_id.is_(None),  # overdue
                   Ledger.closed_at.is_(None), Case.status.in_(OPEN_VALUES))
            .order_by(Milestone.due_at, Milestone.id).limit(1)
        ).first()
        if row is None:
            break
        ms, ledger, case = row
        notice = kernel.issue_notice(session, case, unit_id=case.unit_id or answering_unit(session, case),
                                     source="milestone", reason=f"{case.code} 台账节点「{ms.title}」已超期",
                                     now=now, issued_by_id=ledger.supervisor_id)
        won = session.connection().execute(
            update(Milestone).where(Milestone.id == ms.id, Milestone.notice_id.is_(None))
            .values(notice_id=notice.id)
        ).rowcount
        if won != 1:
            session.rollback()
            continue
        session.commit()
        issued += 1
    return issued


def overdue_events(session: Session, case: Case) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.action == Action.OVERDUE.value).order_by(CaseEvent.seq)))
