"""The due/overdue rule of a household's visit: its next visit is due at its last visit (or
its assignment) plus the cycle; overdue once that has passed. The SQL clauses select exactly
the rows the functions say."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from huying.contact import visit_service as vs
from huying.contact import visits
from huying.contact.models import Household, VisitAssignment
from tests.cases.conftest import T0, World

DAY = dt.timedelta(days=1)


def test_the_next_visit_is_due_a_cycle_after_the_last_visit_or_the_assignment() -> None:
    assert visits.next_due(None, T0, 90) == T0 + 90 * DAY
    assert visits.next_due(T0 + 10 * DAY, T0, 90) == T0 + 100 * DAY


def test_the_cycle_is_the_citys_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUYING_VISIT_CYCLE_DAYS", "30")
    from huying.config import get_settings

    get_settings.cache_clear()
    try:
        assert visits.next_due(None, T0) == T0 + 30 * DAY
    finally:
        monkeypatch.delenv("HUYING_VISIT_CYCLE_DAYS")
        get_settings.cache_clear()
    assert visits.cycle_days() == 90


class Row:
    def __init__(self, due_at: dt.datetime, ended_at: dt.datetime | None = None) -> None:
        self.due_at, self.ended_at = due_at, ended_at


@pytest.mark.parametrize(("due", "ended", "state"), [
    (T0 - DAY, None, visits.VisitState.OVERDUE),
    (T0 + DAY, None, visits.VisitState.DUE),
    (T0 + 14 * DAY, None, visits.VisitState.DUE),
    (T0 + 15 * DAY, None, visits.VisitState.OK),
    (T0 - DAY, T0 - 2 * DAY, visits.VisitState.OK),  # an ended assignment is never overdue
])
def test_the_state_of_an_assignment(due: dt.datetime, ended: dt.datetime | None, state: str) -> None:
    assert visits.state(Row(due, ended), T0) == state


def test_the_sql_clauses_agree_with_the_functions(visiting: World) -> None:
    s = visiting.session
    h1 = s.scalar(select(Household.id).where(Household.code == "H1"))
    vs.record_visit(s, visiting["gridworker"], vs.VisitIn("H1", "door", at=T0 + 10 * DAY), now=T0 + 10 * DAY)
    for now in (T0, T0 + 80 * DAY, T0 + 91 * DAY, T0 + 101 * DAY):
        rows = list(s.scalars(select(VisitAssignment)))
        overdue = {a.id for a in s.scalars(select(VisitAssignment).where(visits.overdue_clause(now)))}
        due = {a.id for a in s.scalars(select(VisitAssignment).where(visits.due_clause(now)))}
        assert overdue == {a.id for a in rows if visits.is_overdue(a, now)}, now
        assert due == {a.id for a in rows if visits.is_due(a, now)}, now
    [a1] = s.scalars(select(VisitAssignment).where(VisitAssignment.household_id == h1))
    assert a1.due_at == T0 + 100 * DAY  # the visit moved H1's next visit
    assert visits.state(a1, T0 + 95 * DAY) == visits.VisitState.DUE
    assert visits.state(a1, T0 + 101 * DAY) == visits.VisitState.OVERDUE
