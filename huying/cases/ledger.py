"""Ledgers and supervision (台账 · 督办).

A case that cannot be solved at once gets a ledger: a plan, dated milestones and a
supervising leader. Completing a milestone is a command of the case (an event in its
timeline); the ledger closes when its last milestone is done or when its case ends
(``kernel.record``). The sweeper raises a supervision notice about an overdue milestone of
an open ledger of an open case. A supervision notice is answered by the unit it was sent to,
or closed with its case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from huying.cases import policy
from huying.cases.kernel import check_text, command, issue_notice, require_aware
from huying.cases.models import Case, Ledger, Milestone, SupervisionNotice
from huying.cases.policy import visible_filter
from huying.cases.timing import milestone_overdue
from huying.cases.units import answering_unit, unit
from huying.cases.workflow import FINAL_VALUES, Action
from huying.db import under
from huying.errors import InvalidInput, NotPermitted, NotVisible
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation, User

#: How far ahead a leader may set a notice's reply deadline (a date counts whole).
MAX_REPLY_DAYS = 30


def supervise(session: Session, case: Case, actor: Actor, *, reason: str, now: dt.datetime,
              unit: str | None = None, reply_due: dt.datetime | None = None, source: str = "leader",
              expected_version: int | None = None) -> SupervisionNotice:
    """Issue a supervision notice (督办) about the case to its unit (or ``unit``), with a
    reply deadline (``reply_due``: in the future, at most :data:`MAX_REPLY_DAYS` days ahead;
    else the city's supervision-reply SLA); recorded as an event of the case, the issuer
    its actor (and ``issued_by_id`` of the notice)."""
    reason_v = check_text(reason, "reason", max_len=2000)
    if reply_due is not None and (reply_due.tzinfo is None or reply_due <= now):
        raise InvalidInput("the reply deadline must be a future moment", "reply_due")
    if reply_due is not None and reply_due > now + dt.timedelta(days=MAX_REPLY_DAYS + 1):
        raise InvalidInput(f"the reply deadline must be within {MAX_REPLY_DAYS} days", "reply_due")
    if unit:
        unit_id = _unit_id(session, case, unit)
    else:
        unit_id = case.unit_id or answering_unit(session, case)
    policy.check_act(session, actor, case, Action.SUPERVISE)  # before the notice is written
    notice = issue_notice(session, case, unit_id=unit_id, source=source, reason=reason_v or "",
                          now=now, issued_by_id=actor.user_id, reply_due_at=reply_due)
    code = session.scalar(select(Organisation.code).where(Organisation.id == unit_id))
    command(session, case, Action.SUPERVISE, actor, now, note=reason_v, reschedule=False,
            extra={"notice_id": notice.id, "unit": code, "reply_due_at": notice.reply_due_at},
            expected_version=expected_version)
    written = session.get(SupervisionNotice, notice.id)
    assert written is not None
    return written


def _unit_id(session: Session, case: Case, code: str) -> int:
    org, _ = unit(session, case.city_id, code)
    return org.id


def reply_notice(session: Session, notice: SupervisionNotice, actor: Actor, *, reply: str,
                 now: dt.datetime) -> SupervisionNotice:
    """The unit answers a supervision notice; lateness is what the times say."""
    require_aware(now)
    text = check_text(reply, "reply", max_len=5000)
    if notice.city_id != actor.city_id:
        raise NotVisible("no such notice")
    if not notice.is_open:
        raise InvalidInput("this notice has already been answered or closed", "reply")
    if not policy.can_reply(session, actor, notice):
        raise NotPermitted("only the unit the notice was sent to may answer it")
    done = session.connection().execute(
        update(SupervisionNotice)
        .where(SupervisionNotice.id == notice.id, SupervisionNotice.open_clause())
        .values(replied_at=now, replied_by_id=actor.user_id, reply=text)
    ).rowcount
    if done != 1:
        session.rollback()
        raise InvalidInput("this notice has already been answered", "reply")
    session.commit()
    session.refresh(notice)
    return notice


def open_ledger(session: Session, case: Case, actor: Actor, *, plan: str,
                milestones: Sequence[tuple[str, dt.datetime]], supervisor_id: int | None = None,
                now: dt.datetime, expected_version: int | None = None) -> Ledger:
    """台账: a case that cannot be solved at once gets a plan, dated milestones and a
    supervising leader; an overdue milestone raises a supervision notice (the sweeper)."""
    plan_v = check_text(plan, "plan", max_len=5000)
    if not milestones:
        raise InvalidInput("a ledger needs at least one milestone", "milestones")
    for i, (title, due) in enumerate(milestones):
        check_text(title, f"milestones[{i}].title", max_len=200)
        if due.tzinfo is None:
            raise InvalidInput("dates must carry a time zone", f"milestones[{i}].due_at")
        if due <= now:
            raise InvalidInput("must be in the future", f"milestones[{i}].due_at")
    if supervisor_id is not None:
        _require_supervisor(session, case, supervisor_id)
    made: list[Ledger] = []

    def create() -> None:  # after the compare-and-set: a concurrent twin fails on the version
        ledger = Ledger(city_id=case.city_id, case_id=case.id, plan=plan_v, supervisor_id=supervisor_id,
                        opened_at=now)
        session.add(ledger)
        session.flush()
        session.add_all(Milestone(city_id=case.city_id, ledger_id=ledger.id, title=t.strip(), due_at=d)
                        for t, d in milestones)
        made.append(ledger)

    command(session, case, Action.OPEN_LEDGER, actor, now, note=plan_v, reschedule=False,
            extra={"milestones": [[t, d] for t, d in milestones], "supervisor_id": supervisor_id},
            expected_version=expected_version, then=create)
    return made[0]


def _require_supervisor(session: Session, case: Case, user_id: int) -> None:
    user = session.get(User, user_id)
    if user is None or not user.active or not policy.can_supervise(Actor.of(session, user), case):
        raise InvalidInput("the supervisor must be a leader whose scope covers this case", "supervisor")


def user_id_of(session: Session, city_id: int, username: str, field: str) -> int:
    """The id of the city's user with this username (field ``field`` if there is none)."""
    found = session.scalar(select(User.id).where(User.city_id == city_id, User.username == username))
    if found is None:
        raise InvalidInput(f"no user {username!r}", field)
    return int(found)


def complete_milestone(session: Session, case: Case, actor: Actor, *, milestone: int, now: dt.datetime,
                       note: str | None = None, expected_version: int | None = None) -> Milestone:
    """A milestone of the case's ledger is done (an event of the case); the ledger closes
    with its last milestone."""
    row = session.execute(
        select(Milestone, Ledger).join(Ledger, Ledger.id == Milestone.ledger_id)
        .where(Milestone.id == milestone, Ledger.case_id == case.id)).first()
    if row is None:
        raise InvalidInput(f"no milestone {milestone} in this case's ledger", "milestone")
    ms, ledger = row
    if ms.done_at is not None:
        raise InvalidInput("this milestone is already done", "milestone")
    note_v = check_text(note, "note", max_len=2000, required=False)

    def done() -> None:
        session.execute(update(Milestone).where(Milestone.id == ms.id).values(done_at=now))
        left = session.scalar(select(func.count()).select_from(Milestone).where(
            Milestone.ledger_id == ledger.id, Milestone.done_at.is_(None)))
        if not left:
            session.execute(update(Ledger).where(Ledger.id == ledger.id).values(closed_at=now))

    command(session, case, Action.COMPLETE_MILESTONE, actor, now, note=note_v, reschedule=False,
            extra={"milestone": ms.id, "title": ms.title}, expected_version=expected_version, then=done)
    session.refresh(ms)
    return ms


# --------------------------------------------------------------------------- the ledger view


@dataclass
class LedgerRow:
    case: Case
    ledger: Ledger
    milestones: list[Milestone]

    def overdue_milestones(self, now: dt.datetime) -> list[Milestone]:
        return [m for m in self.milestones if milestone_overdue(m, now)]

    @property
    def is_open(self) -> bool:
        return self.ledger.closed_at is None


def _ledger_query(actor: Actor, node_path: str | None, open_only: bool):  # type: ignore[no-untyped-def]
    q = select(Case, Ledger).join(Ledger, Ledger.case_id == Case.id).where(visible_filter(actor))
    if node_path:
        q = q.where(under(Case.grid_path, node_path))
    if open_only:
        q = q.where(Ledger.closed_at.is_(None), Case.status.not_in(FINAL_VALUES))
    return q


def ledgers_under(session: Session, actor: Actor, *, node_path: str | None = None,
                  open_only: bool = True, limit: int = 50, offset: int = 0) -> tuple[list[LedgerRow], int]:
    """The ledger (台账) of a node: the ledgers of the cases the actor may see under
    ``node_path``, open ones first (oldest first), then closed ones (latest closed first),
    with their milestones; and how many there are in all."""
    q = _ledger_query(actor, node_path, open_only)
    total = int(session.scalar(select(func.count()).select_from(q.subquery())) or 0)
    order = (Ledger.closed_at.is_not(None), Ledger.closed_at.desc(), Ledger.opened_at, Ledger.id)
    rows = session.execute(q.order_by(*order).limit(limit).offset(offset)).all()
    if not rows:
        return [], total
    ms = session.scalars(select(Milestone).where(Milestone.ledger_id.in_([lg.id for _, lg in rows]))
                         .order_by(Milestone.due_at, Milestone.id)).all()
    by_ledger: dict[int, list[Milestone]] = {}
    for m in ms:
        by_ledger.setdefault(m.ledger_id, []).append(m)
    return [LedgerRow(c, lg, by_ledger.get(lg.id, [])) for c, lg in rows], total
