"""When a household's visit is due and overdue (驻点联系): the one rule, as functions of the
assignment row and as their SQL clauses, for every list, page and figure (as
``huying.cases.timing`` is for cases).

A household under an open assignment is next due at its last visit (by anyone) plus the
city's cycle (``HUYING_VISIT_CYCLE_DAYS``, default 90: once a quarter), or at its assignment
plus the cycle when it has not been visited. The moment is stored on the assignment
(``due_at``, indexed) and recomputed on every visit, so lists and figures compare a column
with ``now``. It is overdue once that moment has passed; *due* within the last
:data:`DUE_SOON_DAYS` days before it.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from huying.config import get_settings
from huying.contact.models import VisitAssignment

#: Days before its due moment from which a household is shown as due.
DUE_SOON_DAYS = 14
#: Days a household stays overdue before its community's officers are told (the cadre is
#: told at once): the second of the visits' escalation levels.
ESCALATE_AFTER_DAYS = 30


class Notified(enum.IntEnum):
    """How far the sweeper has gone with an overdue household (``VisitAssignment.notified``)."""

    NONE = 0  # not overdue, or not yet seen overdue
    CADRE = 1  # its cadre was told
    COMMUNITY = 2  # its community's officers were told too


class VisitState(enum.StrEnum):
    OVERDUE = "overdue"
    DUE = "due"
    OK = "ok"


def cycle_days() -> int:
    return get_settings().visit_cycle_days


def next_due(last_visit_at: dt.datetime | None, assigned_at: dt.datetime, cycle: int | None = None) -> dt.datetime:
    """The next visit's due moment: the last visit (else the assignment) plus the cycle."""
    start = last_visit_at if last_visit_at is not None else assigned_at
    return start + dt.timedelta(days=cycle if cycle is not None else cycle_days())


def sweep_at(due_at: dt.datetime, notified: int) -> dt.datetime | None:
    """When the sweeper must look at an assignment next (stored, indexed, as a case's
    ``sweep_at``): at its due moment to tell the cadre, :data:`ESCALATE_AFTER_DAYS` later to
    tell the community, then never (until the next visit sets a new due moment)."""
    if notified <= Notified.NONE:
        return due_at
    if notified == Notified.CADRE:
        return due_at + dt.timedelta(days=ESCALATE_AFTER_DAYS)
    return None


def set_due(assignment: Any, due_at: dt.datetime) -> None:
    """A new due moment (a visit, an assignment): the sweeper starts over."""
    assignment.due_at = due_at
    assignment.notified = Notified.NONE.value
    assignment.sweep_at = due_at


def swept_until(due_at: dt.datetime, now: dt.datetime) -> tuple[int, dt.datetime | None]:
    """(``notified``, ``sweep_at``) of an assignment the sweeper has kept up with until
    ``now`` (rows loaded in bulk with their history, as the demo's)."""
    notified = Notified.NONE.value
    at = sweep_at(due_at, notified)
    while at is not None and at <= now:
        notified += 1
        at = sweep_at(due_at, notified)
    return notified, at


def end(assignment: Any, at: dt.datetime) -> None:
    """The assignment ends (reassigned, moved out): no longer due, nothing left to sweep."""
    assignment.ended_at = at
    assignment.sweep_at = None


def is_open(assignment: Any) -> bool:
    return assignment.ended_at is None


def is_overdue(assignment: Any, now: dt.datetime) -> bool:
    """An open assignment whose household's visit is past due."""
    return is_open(assignment) and assignment.due_at < now


def is_due(assignment: Any, now: dt.datetime) -> bool:
    """Open, not overdue, due within :data:`DUE_SOON_DAYS` days."""
    return (is_open(assignment) and now <= assignment.due_at
            and assignment.due_at <= now + dt.timedelta(days=DUE_SOON_DAYS))


def state(assignment: Any, now: dt.datetime) -> VisitState:
    if is_overdue(assignment, now):
        return VisitState.OVERDUE
    if is_due(assignment, now):
        return VisitState.DUE
    return VisitState.OK


def open_clause() -> ColumnElement[bool]:
    """:func:`is_open` as SQL over ``visit_assignments``."""
    return VisitAssignment.ended_at.is_(None)


def assignment_of(session: Session, household_id: int) -> VisitAssignment | None:
    """The household's open assignment, if any."""
    return session.scalar(select(VisitAssignment).where(
        VisitAssignment.household_id == household_id, open_clause()))


def overdue_clause(now: dt.datetime) -> ColumnElement[bool]:
    """:func:`is_overdue` as SQL over ``visit_assignments``."""
    return and_(open_clause(), VisitAssignment.due_at < now)


def due_clause(now: dt.datetime) -> ColumnElement[bool]:
    """:func:`is_due` as SQL over ``visit_assignments``."""
    return and_(open_clause(), VisitAssignment.due_at >= now,
                VisitAssignment.due_at <= now + dt.timedelta(days=DUE_SOON_DAYS))


def urgency_order() -> tuple[Any, ...]:
    """Most urgent first: the longest overdue, then the soonest due."""
    return (VisitAssignment.due_at.asc(), VisitAssignment.id.asc())


def end_assignments(session: Session, household_id: int, at: dt.datetime) -> None:
    """A household that moved out is no longer visited: its open assignment ends."""
    for row in session.scalars(select(VisitAssignment).where(
            VisitAssignment.household_id == household_id, open_clause())):
        end(row, at)


# --------------------------------------------------------------------------- the coverage map
@dataclass(frozen=True)
class Grade:
    """A class of the coverage map's colour scale: the share of a grid's assigned households
    not visited in the period, in ``(low, high]`` (``key`` names it for the legend)."""

    key: str
    colour: str
    low: float | None
    high: float | None


COVERAGE_SCALE: tuple[Grade, ...] = (
    Grade("none_assigned", "#e0e6ea", None, None),
    Grade("all_visited", "#1a9850", None, 0.0),
    Grade("upto_10", "#a6d96a", 0.0, 0.10),
    Grade("upto_25", "#fee08b", 0.10, 0.25),
    Grade("upto_50", "#f46d43", 0.25, 0.50),
    Grade("over_50", "#a50026", 0.50, None),
)


def grade(assigned: int, unvisited: int) -> int:
    """The index in :data:`COVERAGE_SCALE` of a grid with these households."""
    if assigned <= 0:
        return 0
    share = unvisited / assigned
    for i, g in enumerate(COVERAGE_SCALE[1:], start=1):
        if (g.low is None or share > g.low) and (g.high is None or share <= g.high):
            return i
    return len(COVERAGE_SCALE) - 1
