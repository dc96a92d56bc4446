"""Households overdue for their visit go through the case kernel's one sweeper: the cadre is
told once when a household goes overdue, its community's officers once more
``ESCALATE_AFTER_DAYS`` later, a visit starts the clock over; every message a digest per
recipient, with no person's name in it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from huying.cases import jobs
from huying.cases.models import OutboxMessage
from huying.contact import visit_service as vs
from huying.contact import visits
from huying.contact.models import Household, VisitAssignment
from tests.cases.conftest import T0, World

DAY = dt.timedelta(days=1)


def outbox(w: World) -> list[OutboxMessage]:
    return list(w.session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key.like("visit-overdue:%"))
                                  .order_by(OutboxMessage.id)))


def sweep(w: World, now: dt.datetime) -> int:
    w.session.commit()
    report = jobs.sweep(w.session.get_bind(), now=now)  # type: ignore[arg-type]
    w.session.expire_all()
    return report.more["visits"]


def uid(w: World, persona: str) -> str:
    return str(w[persona].user_id)


def test_nothing_is_told_before_the_due_moment(visiting: World) -> None:
    assert sweep(visiting, T0 + 89 * DAY) == 0
    assert outbox(visiting) == []


def test_the_cadre_then_the_community_are_told_once_each(visiting: World) -> None:
    w = visiting
    assert sweep(w, T0 + 91 * DAY) == 3
    msgs = outbox(w)
    by = {m.recipient: m for m in msgs}
    assert set(by) == {uid(w, "gridworker"), uid(w, "community2")}
    assert by[uid(w, "gridworker")].subject == "您负责的 2 户（家）已逾期未走访"
    assert "H1" in by[uid(w, "gridworker")].body and "H2" in by[uid(w, "gridworker")].body
    assert "H3" in by[uid(w, "community2")].body
    assert all(m.recipient_kind == "user" and m.event_id is None for m in msgs)
    assert all("张三丰" not in m.body and "李四" not in m.body for m in msgs)
    # the same sweep again, and a later one before the escalation: nobody is told twice
    assert sweep(w, T0 + 91 * DAY) == 0
    assert sweep(w, T0 + 119 * DAY) == 0
    assert len(outbox(w)) == 2
    # ESCALATE_AFTER_DAYS later, the community's officers
    assert sweep(w, T0 + (90 + visits.ESCALATE_AFTER_DAYS + 1) * DAY) == 3
    new = outbox(w)[2:]
    assert {m.recipient for m in new} == {uid(w, "community"), uid(w, "community2")}
    h3 = next(m for m in new if "H3" in m.body)
    assert h3.recipient == uid(w, "community2")  # town 2's household, town 2's community only
    assert all(m.subject.startswith("本社区") for m in new)
    # and then never again
    assert sweep(w, T0 + 400 * DAY) == 0
    rows = list(w.session.scalars(select(VisitAssignment).where(visits.open_clause())))
    assert {r.notified for r in rows} == {visits.Notified.COMMUNITY} and {r.sweep_at for r in rows} == {None}


def test_a_visit_starts_the_clock_over(visiting: World) -> None:
    w = visiting
    assert sweep(w, T0 + 91 * DAY) == 3
    at = T0 + 95 * DAY
    vs.record_visit(w.session, w["gridworker"], vs.VisitIn("H1", "door", at=at), now=at)
    h1 = w.session.scalar(select(Household.id).where(Household.code == "H1"))
    row = w.session.scalar(select(VisitAssignment).where(VisitAssignment.household_id == h1, visits.open_clause()))
    assert row is not None and row.notified == 0 and row.sweep_at == row.due_at == at + 90 * DAY
    # H2 and H3 escalate; H1 (visited) is not told about again until its new due moment
    assert sweep(w, T0 + 125 * DAY) == 2
    assert all("H1" not in m.body for m in outbox(w)[2:])
    assert sweep(w, at + 91 * DAY) == 1
    assert "H1" in outbox(w)[-1].body


def test_a_reassigned_household_leaves_nothing_to_sweep(visiting: World) -> None:
    w = visiting
    vs.assign(w.session, w["community"], "H1", "community", now=T0 + DAY)
    ended = w.session.scalars(select(VisitAssignment).where(VisitAssignment.ended_at.is_not(None))).all()
    assert len(ended) == 1 and ended[0].sweep_at is None
    assert sweep(w, T0 + 92 * DAY) == 3  # H1 (new cadre), H2, H3 once each


def test_a_sweep_keeps_up_with_history_as_the_demo_loads_it() -> None:
    due = T0
    assert visits.swept_until(due, T0 - DAY) == (0, due)
    assert visits.swept_until(due, T0 + DAY) == (1, due + visits.ESCALATE_AFTER_DAYS * DAY)
    assert visits.swept_until(due, T0 + 31 * DAY) == (2, None)
