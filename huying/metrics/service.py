"""Figures of a node and of each of its children, computed from the events (the append-only
record), so that they can be recomputed for any period and always agree with the timeline.

received · closed · fixed on the spot · on-time rate (closed without ever going overdue) ·
satisfaction rate (follow-ups satisfied or basically satisfied, among them and the cases
first reopened as dissatisfied) · rework rate (closed cases
that were reopened) · mean hours to close · escalations (cases escalated, at their first escalation) · open and overdue now.

And in the article's own terms, the same counts of the cases that came in through the
household-contact channels (:data:`CHANNEL_FIGURES`): requests collected on resident-point
visits and handled; problems found on inspection walks, fixed on the spot, closed."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import ColumnElement

from huying.cases.models import Case, CaseEvent
from huying.cases.timing import figures_clause, open_clause, overdue_clause
from huying.db import under
from huying.geo import service as geo
from huying.geo.models import Node

#: Events that bring a case in (received) and that close it (a history import closes with
#: ``close_imported``).
RECEIVING = ("report", "fix_on_spot")
CLOSING = ("close", "fix_on_spot", "close_imported", "close_with_primary")

#: Figures of the cases of one channel: name → (the channel, the events counted). One rule
#: for the rollup, the direct count and the drill's lists.
CHANNEL_FIGURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "visit_requests": ("resident_point_visit", RECEIVING),  # 收集诉求
    "visit_requests_closed": ("resident_point_visit", CLOSING),  # 办结诉求
    "walk_problems": ("inspection_walk", RECEIVING),  # 发现问题
    "walk_fixed": ("inspection_walk", ("fix_on_spot",)),  # 立行立改
    "walk_closed": ("inspection_walk", CLOSING),  # 整改完成
}


def channel_counts(action: str, channel: str | None) -> dict[str, int]:
    """What one event of a case of ``channel`` adds to each of :data:`CHANNEL_FIGURES`."""
    return {name: int(channel == ch and action in actions) for name, (ch, actions) in CHANNEL_FIGURES.items()}


def channel_clause(name: str) -> ColumnElement[bool]:
    """:func:`channel_counts` of ``name`` as SQL over ``case_events`` joined to ``cases``."""
    ch, actions = CHANNEL_FIGURES[name]
    return and_(Case.channel == ch, CaseEvent.action.in_(actions))


def first_of(action: str) -> ColumnElement[bool]:
    """The event (``CaseEvent``) is its case's first of ``action``: escalations and
    dissatisfied follow-ups count cases, at their first one (see :mod:`huying.metrics.drill`)."""
    earlier = aliased(CaseEvent)
    return ~exists().where(earlier.case_id == CaseEvent.case_id, earlier.action == action,
                           earlier.seq < CaseEvent.seq)


@dataclass
class Figures:
    code: str
    name: str
    level: str
    received: int
    closed: int
    fixed_on_spot: int
    on_time: int
    reworked: int
    satisfied: int
    dissatisfied: int
    on_time_rate: float | None
    satisfaction_rate: float | None
    rework_rate: float | None
    mean_hours_to_close: float | None
    escalations: int
    open_now: int
    overdue_now: int
    visit_requests: int = 0
    visit_requests_closed: int = 0
    walk_problems: int = 0
    walk_fixed: int = 0
    walk_closed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _seconds(later: Any, earlier: Any, dialect: str) -> ColumnElement[float]:
    if dialect == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return func.extract("epoch", later - earlier)  # type: ignore[return-value]


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def node_figures(session: Session, node: Node, *, now: dt.datetime, since: dt.datetime | None = None,
                 until: dt.datetime | None = None) -> Figures:
    dialect = session.get_bind().dialect.name
    e = CaseEvent
    other = aliased(CaseEvent)
    where = [Case.city_id == node.city_id, under(Case.grid_path, node.path), figures_clause()]
    if since is not None:
        where.append(e.at >= since)
    if until is not None:
        where.append(e.at < until)

    def count(cond: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    closing = e.action.in_(CLOSING)
    had = lambda action: exists().where(and_(other.case_id == e.case_id, other.action == action))  # noqa: E731
    row = session.execute(
        select(
            count(e.action.in_(RECEIVING)),
            count(closing),
            count(e.action == "fix_on_spot"),
            count(and_(closing, ~had("overdue"))),
            count(and_(closing, had("reopen"))),
            count(e.action == "follow_up"),
            count(and_(e.action == "reopen", first_of("reopen"))),
            count(and_(e.action == "escalate", first_of("escalate"))),
            func.coalesce(func.sum(case((closing, _seconds(e.at, Case.created_at, dialect)), else_=literal(0.0))), 0.0),
            *[count(channel_clause(name)) for name in CHANNEL_FIGURES],
        ).select_from(e).join(Case, Case.id == e.case_id).where(*where)
    ).one()
    received, closed, fixed, on_time, reworked, satisfied, dissatisfied, escalations, close_s, *by_channel = row
    open_q = select(func.count()).select_from(Case).where(
        Case.city_id == node.city_id, under(Case.grid_path, node.path), open_clause(), figures_clause())
    open_now = session.scalar(open_q) or 0
    overdue_now = session.scalar(open_q.where(overdue_clause(now))) or 0
    return Figures(
        code=node.code, name=node.name_zh, level=node.level, received=int(received), closed=int(closed),
        fixed_on_spot=int(fixed), on_time=int(on_time), reworked=int(reworked), satisfied=int(satisfied),
        dissatisfied=int(dissatisfied), on_time_rate=_ratio(int(on_time), int(closed)),
        satisfaction_rate=_ratio(int(satisfied), int(satisfied) + int(dissatisfied)),
        rework_rate=_ratio(int(reworked), int(closed)),
        mean_hours_to_close=round(float(close_s) / 3600 / int(closed), 2) if closed else None,
        escalations=int(escalations), open_now=int(open_now), overdue_now=int(overdue_now),
        **{name: int(v) for name, v in zip(CHANNEL_FIGURES, by_channel, strict=True)},
    )


def subject(session: Session, city_id: int, code: str | None) -> Node:
    """The node whose figures are asked for: ``code``, or the city's root when None."""
    if code is not None:
        return geo.get_node(session, city_id, code)
    node = session.scalar(select(Node).where(Node.city_id == city_id, Node.level == "city"))
    if node is None:
        raise geo.CityNotFound(f"city {city_id} has no map")
    return node


def figures(session: Session, city_id: int, code: str | None, *, now: dt.datetime,
            since: dt.datetime | None = None, until: dt.datetime | None = None,
            children: bool = True) -> dict[str, Any]:
    """The figures of a node (the city when ``code`` is None) and of each child node."""
    node = subject(session, city_id, code)
    out: dict[str, Any] = {"node": node_figures(session, node, now=now, since=since, until=until).as_dict()}
    if children:
        out["children"] = [node_figures(session, c, now=now, since=since, until=until).as_dict()
                           for c in geo.children(session, node)]
    return out
