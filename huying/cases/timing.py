"""When a case is overdue: the one rule, as a function of the row and as its SQL clause,
for every list, page, figure and the sweeper. A case is overdue while it is open and its
deadline has passed; a command that comes after the deadline marks it overdue first
(``kernel.catch_up``), so "on time" in the figures (no overdue event) agrees with the lists.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from huying.cases.models import Case
from huying.cases.workflow import FINAL_VALUES, OPEN_VALUES, Kind


def is_overdue(case: Any, now: dt.datetime) -> bool:
    """Open and past its deadline (``case``: a row or anything with ``status`` and ``due_at``)."""
    return case.due_at is not None and case.due_at < now and case.status not in FINAL_VALUES


def overdue_clause(now: dt.datetime) -> ColumnElement[bool]:
    """:func:`is_overdue` as SQL over ``cases``."""
    return and_(Case.due_at < now, Case.status.in_(OPEN_VALUES))


def due_soon(case: Any, now: dt.datetime) -> bool:
    """Open, not overdue, and past the step's warning moment: only the SLA's warning fraction
    of its allowed time is left (``sla.warn_at``). The warning moment is the row's own: the
    scheduler stores it in ``sweep_at`` and the sweeper, once it has warned, sets ``warned``.
    (A fixed "due within 24 hours" badged every new case, whose dispatch step is 2 working
    hours long, as about to be overdue the moment it arrived.)"""
    return (case.due_at is not None and case.status not in FINAL_VALUES and now <= case.due_at
            and (bool(case.warned) or (case.sweep_at is not None and case.sweep_at <= now)))


def milestone_overdue(milestone: Any, now: dt.datetime) -> bool:
    """A ledger milestone not done by its date."""
    return milestone.done_at is None and milestone.due_at <= now


def needs_attention_clause(now: dt.datetime) -> ColumnElement[bool]:
    """Overdue or due soon (:func:`is_overdue` or :func:`due_soon`) as SQL: the work list's
    "overdue" tab."""
    return and_(Case.status.in_(OPEN_VALUES), Case.due_at.is_not(None),
                or_(Case.due_at < now, Case.warned.is_(True), Case.sweep_at <= now))


def urgency_order() -> tuple[Any, ...]:
    """Most urgent first: the longest overdue, then the soonest due; cases without a
    deadline last (newest first among them)."""
    return (Case.due_at.is_(None), Case.due_at.asc(), Case.id.desc())


def open_clause() -> ColumnElement[bool]:
    return Case.status.in_(OPEN_VALUES)


def in_figures(case: Any) -> bool:
    """Whether a case counts in the figures of the closed loop (received, closed, on time,
    open, overdue...): problems do; service requests accepted at centres do not (they are
    counted apart, per centre and item, by the community domain). The one rule, with its SQL
    twin :func:`figures_clause`, for the rollup, the figures, the drill and the cockpit."""
    return (case.kind or Kind.PROBLEM.value) == Kind.PROBLEM.value


def figures_clause() -> ColumnElement[bool]:
    """:func:`in_figures` as SQL over ``cases``."""
    return Case.kind == Kind.PROBLEM.value
