"""The cases behind a figure: for every count a leader reads, the clause over ``Case`` that
selects exactly the cases it counts, so that the figure is a link to its list and the
list's length is the figure.

Each clause follows the counter of :mod:`huying.metrics.rollup` (and
:func:`huying.metrics.service.node_figures`) to the letter: an event of the counted kind
in ``[since, until)``, of a case under the node. Every counter counts cases: a case is
received, closed, fixed on the spot and followed up once; escalations and
dissatisfied follow-ups count a case at its *first* escalation / reopening
(``first_of``)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

from sqlalchemy import and_, false, select
from sqlalchemy.sql import ColumnElement

from huying.cases.models import Case, CaseEvent
from huying.cases.timing import figures_clause, open_clause, overdue_clause
from huying.cases.workflow import Kind
from huying.db import under
from huying.errors import InvalidInput
from huying.metrics.rollup import (
    INDICATOR_COUNTERS,
    SERVICE_COUNTERS,
    history_clauses,
    service_clauses,
)
from huying.metrics.service import CHANNEL_FIGURES, CLOSING, RECEIVING, first_of

#: The count figures, in the order a page shows them.
FIGURES = ("received", "closed", "fixed_on_spot", "on_time", "reworked", "satisfied", "dissatisfied",
           "escalations", "open_now", "overdue_now", *CHANNEL_FIGURES)
#: Every count with a list: the figures and the counters of the indicator catalogue.
LISTED = (*FIGURES, *INDICATOR_COUNTERS, *SERVICE_COUNTERS)
#: Counted at the first event of their kind in a case's life only.
FIRST_ONLY = {"escalations": "escalate", "dissatisfied": "reopen"}
#: The rates and the counts they are a ratio of (numerator, denominator figures).
RATES = {"on_time_rate": ("on_time", ("closed",)), "rework_rate": ("reworked", ("closed",)),
         "satisfaction_rate": ("satisfied", ("satisfied", "dissatisfied"))}


def _event(city_id: int, actions: tuple[str, ...], since: dt.datetime | None, until: dt.datetime | None,
           *extra: ColumnElement[bool]) -> ColumnElement[bool]:
    """The case has an event of ``actions`` in ``[since, until)``: a semi-join on the
    city's events of the period (``ix_case_events_city_at``), not a look-up per case."""
    where = [CaseEvent.city_id == city_id, CaseEvent.action.in_(actions), *extra]
    if since is not None:
        where.append(CaseEvent.at >= since)
    if until is not None:
        where.append(CaseEvent.at < until)
    return Case.id.in_(select(CaseEvent.case_id).where(*where))


def _channel(name: str, city_id: int, since: dt.datetime | None, until: dt.datetime | None) -> ColumnElement[bool]:
    ch, actions = CHANNEL_FIGURES[name]
    return and_(Case.channel == ch, _event(city_id, actions, since, until))


def _history(name: str, city_id: int, since: dt.datetime | None, until: dt.datetime | None) -> ColumnElement[bool]:
    """The case has an event in ``[since, until)`` that the rollup's indicator counter
    ``name`` counts (``rollup.history_clauses``: the same SQL as its rebuild)."""
    where = [CaseEvent.city_id == city_id, history_clauses(CaseEvent)[name]]
    if since is not None:
        where.append(CaseEvent.at >= since)
    if until is not None:
        where.append(CaseEvent.at < until)
    return Case.id.in_(select(CaseEvent.case_id).where(*where))


def _service(name: str, city_id: int, since: dt.datetime | None, until: dt.datetime | None) -> ColumnElement[bool]:
    """The service request has an event in ``[since, until)`` that the rollup's service
    counter ``name`` counts (``rollup.service_clauses``)."""
    where = [CaseEvent.city_id == city_id, service_clauses(CaseEvent)[name]]
    if since is not None:
        where.append(CaseEvent.at >= since)
    if until is not None:
        where.append(CaseEvent.at < until)
    return Case.id.in_(select(CaseEvent.case_id).where(*where))


def _counted(figure: str, city_id: int, now: dt.datetime, since: dt.datetime | None,
             until: dt.datetime | None) -> ColumnElement[bool]:
    closed = _event(city_id, CLOSING, since, until)
    rules: dict[str, Callable[[], ColumnElement[bool]]] = {
        "received": lambda: _event(city_id, RECEIVING, since, until),
        "closed": lambda: closed,
        "fixed_on_spot": lambda: _event(city_id, ("fix_on_spot",), since, until),
        "on_time": lambda: and_(closed, Case.ever_overdue.is_(False)),
        "reworked": lambda: and_(closed, Case.rework_count > 0),
        "satisfied": lambda: _event(city_id, ("follow_up",), since, until),
        "dissatisfied": lambda: _event(city_id, ("reopen",), since, until, first_of("reopen")),
        "escalations": lambda: _event(city_id, ("escalate",), since, until, first_of("escalate")),
        **{name: functools.partial(_channel, name, city_id, since, until) for name in CHANNEL_FIGURES},
        **{name: functools.partial(_history, name, city_id, since, until) for name in INDICATOR_COUNTERS},
        **{name: functools.partial(_service, name, city_id, since, until) for name in SERVICE_COUNTERS},
        "open_now": lambda: open_clause(),
        "overdue_now": lambda: and_(open_clause(), overdue_clause(now)),
    }
    rule = rules.get(figure)
    if rule is None:
        raise InvalidInput(f"fig: one of {', '.join(LISTED)}")
    return rule()


def cases_clause(figure: str, *, city_id: int, node_path: str, now: dt.datetime,
                 since: dt.datetime | None = None, until: dt.datetime | None = None) -> ColumnElement[bool]:
    """The cases of the node (``node_path``) that ``figure`` counts over ``[since, until)``
    (open and overdue: now, whatever the period). Raises :class:`InvalidInput` for a name
    not in :data:`LISTED`."""
    if since is not None and until is not None and until <= since:
        return false()
    # service requests are counted apart from the problems (their own cases); every other figure the problems'
    kind = Case.kind == Kind.SERVICE.value if figure in SERVICE_COUNTERS else figures_clause()
    return and_(Case.city_id == city_id, under(Case.grid_path, node_path), kind,
                _counted(figure, city_id, now, since, until))
