"""The staff work list: one component for every queue.

:class:`Filters` is what the URL says (parsed and checked once, and written back with
:meth:`Filters.to_query` for paging, sorting, exports and the language switch); the
workbench's tabs are presets of it. :func:`cases_query` is the one SELECT over ``Case``
behind the page and both exports, always through ``policy.visible_filter``: a page, a CSV
and an XLSX made from the same filters hold the same cases. :func:`rows_of` names the grid,
unit and category of a page of cases in a few batched queries.

A figure of the leader's page links here with ``fig``, ``period``, ``from`` and ``to``: the
list is then exactly the cases the figure counts (``metrics.drill.cases_clause``) that the
person may see. Without ``fig``, ``from`` and ``to`` are a range of reporting days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from huying.cases.models import Case, SupervisionNotice
from huying.cases.policy import covers_node, visible_filter
from huying.cases.reports import Channel
from huying.cases.timing import (
    due_soon,
    is_overdue,
    needs_attention_clause,
    overdue_clause,
    urgency_order,
)
from huying.cases.workflow import FINAL_VALUES, Status
from huying.cityconfig import deadlines
from huying.cityconfig.models import Category
from huying.db import under
from huying.errors import InvalidInput
from huying.geo import service as geo
from huying.geo.models import Node
from huying.metrics.drill import FIGURES, cases_clause
from huying.metrics.period import Period, parse_period
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation, Role, is_staff

#: The workbench tabs (presets of the filters), in order.
TABS = ("new", "mine", "overdue", "handled", "all")
UNIT_OPEN = (Status.DISPATCHED.value, Status.IN_PROGRESS.value, Status.EXTENSION_REQUESTED.value)
STATUSES = tuple(s.value for s in Status if s is not Status.START)
CHANNELS = tuple(c.value for c in Channel)
#: Sort keys the list offers, with the direction each starts in.
SORTS = {"urgency": "asc", "reported": "desc", "due": "asc", "code": "asc"}
#: Tabs sorted by urgency unless asked otherwise; the others show the newest first.
URGENT_TABS = ("mine", "overdue")
PAGE = 50
MAX_PAGE = 10_000
#: The most rows an export holds: beyond it the person narrows the filters.
EXPORT_MAX = 20_000
TRUE = ("1", "on", "true", "yes")


class FilterError(InvalidInput):
    """A filter of the URL that cannot be used; ``field`` names it and ``reason`` is a key
    the page words in the person's language."""

    def __init__(self, message: str, field: str, reason: str) -> None:
        self.reason = reason
        super().__init__(message, field)


def tabs_for(actor: Actor) -> tuple[str, ...]:
    """Department handlers do not dispatch: no "to dispatch" tab for them."""
    if actor.role == Role.DEPARTMENT_HANDLER:
        return tuple(t for t in TABS if t != "new")
    return TABS


@dataclass(frozen=True)
class Filters:
    """What the work list shows, as the URL says it (every field checked)."""

    tab: str = "all"
    q: str = ""
    node: str = ""
    unit: str = ""
    category: str = ""
    channel: str = ""
    status: str = ""
    #: ``YYYY-MM-DD``: reporting days (no ``fig``) or the figure's period (with ``fig``)
    date_from: str = ""
    date_to: str = ""
    overdue: bool = False
    sort: str = ""
    dir: str = ""
    page: int = 1
    fig: str = ""
    period: str = ""

    @property
    def sort_key(self) -> str:
        return self.sort or ("urgency" if self.tab in URGENT_TABS else "reported")

    @property
    def direction(self) -> str:
        return self.dir or SORTS[self.sort_key]

    def to_query(self, **changes: Any) -> str:
        """The URL query of these filters (with ``changes``), defaults left out."""
        f = replace(self, **changes) if changes else self
        pairs = [("tab", f.tab), ("q", f.q), ("node", f.node), ("unit", f.unit), ("category", f.category),
                 ("channel", f.channel), ("status", f.status), ("fig", f.fig), ("period", f.period),
                 ("from", f.date_from), ("to", f.date_to), ("overdue", "1" if f.overdue else ""),
                 ("sort", f.sort), ("dir", f.dir), ("page", str(f.page) if f.page > 1 else "")]
        return urlencode([(k, v) for k, v in pairs if v])

    def sort_query(self, key: str) -> str:
        """The URL sorting by ``key`` (again: the other way round), from the first page."""
        if key == self.sort_key:
            flip = "desc" if self.direction == "asc" else "asc"
            return self.to_query(sort=key, dir=flip, page=1)
        return self.to_query(sort=key, dir="", page=1)

    @property
    def secondary(self) -> int:
        """How many of the less used filters (folded on a phone) are set."""
        dates = [] if self.fig else [self.date_from, self.date_to]
        return sum(1 for v in (self.category, self.channel, self.status, *dates, self.overdue) if v)

    @property
    def narrowed(self) -> bool:
        """Whether a filter beyond the tab is set."""
        return bool(self.q or self.node or self.unit or self.category or self.channel or self.status
                    or self.date_from or self.date_to or self.overdue or self.fig)


def _date(value: str, name: str) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise FilterError(f"not a date (YYYY-MM-DD): {value[:20]!r}", name, "date") from None


def parse(params: Mapping[str, str], actor: Actor, figures: tuple[str, ...] = ()) -> Filters:
    """The filters of a URL's query, or :class:`FilterError` naming the first bad one.
    ``figures``: the figure names ``fig`` may take."""

    def get(name: str) -> str:
        return (params.get(name) or "").strip()

    tabs = tabs_for(actor)
    tab = get("tab")
    if tab and tab not in TABS:
        raise FilterError(f"no tab {tab[:20]!r}", "tab", "tab")
    if tab not in tabs:  # none, or one the role does not have: the role's first
        tab = tabs[0]
    q = get("q")
    if len(q) > 100:
        raise FilterError("at most 100 characters", "q", "q")
    status, channel = get("status"), get("channel")
    if status and status not in STATUSES:
        raise FilterError(f"no status {status[:30]!r}", "status", "status")
    if channel and channel not in CHANNELS:
        raise FilterError(f"no channel {channel[:30]!r}", "channel", "channel")
    date_from, date_to = get("from"), get("to")
    date_from = _date(date_from, "from") if date_from else ""
    date_to = _date(date_to, "to") if date_to else ""
    if date_from and date_to and date_to < date_from:
        raise FilterError("the end is before the start", "to", "range")
    overdue = get("overdue").lower()
    if overdue and overdue not in (*TRUE, "0", "false", "off", "no"):
        raise FilterError("1 or 0", "overdue", "flag")
    sort, direction = get("sort"), get("dir")
    if sort and sort not in SORTS:
        raise FilterError(f"no sort {sort[:20]!r}", "sort", "sort")
    if direction and direction not in ("asc", "desc"):
        raise FilterError("asc or desc", "dir", "sort")
    page_raw = get("page") or "1"
    if not page_raw.isdigit() or not 1 <= int(page_raw) <= MAX_PAGE:
        raise FilterError(f"a page number from 1 to {MAX_PAGE}", "page", "page")
    fig, period = get("fig"), get("period")
    if fig and fig not in figures:
        raise FilterError(f"no figure {fig[:30]!r}", "fig", "fig")
    if period and not fig:
        raise FilterError("a period goes with a figure", "period", "period")
    return Filters(tab=tab, q=q, node=get("node")[:20], unit=get("unit")[:80], category=get("category")[:20],
                   channel=channel, status=status, date_from=date_from, date_to=date_to,
                   overdue=overdue in TRUE, sort=sort, dir=direction, page=int(page_raw), fig=fig,
                   period=period)


# --------------------------------------------------------------------------- the query


def mine_clause(actor: Actor) -> ColumnElement[bool]:
    """Cases with my unit: my organisation, or (officers) a unit at or below my node."""
    conds = []
    if actor.organisation_id is not None:
        conds.append(Case.unit_id == actor.organisation_id)
    if is_staff(actor.role) and actor.role != Role.DEPARTMENT_HANDLER:
        conds.append(Case.unit_path.startswith(actor.node_path))
    return or_(*conds) if conds else Case.id.is_(None)


def tab_clause(actor: Actor, tab: str, now: dt.datetime) -> ColumnElement[bool] | None:
    """The preset of a tab (None: every visible case)."""
    if tab == "new":
        return and_(Case.status == Status.NEW.value, Case.grid_path.startswith(actor.node_path))
    if tab == "mine":
        return and_(Case.status.in_(UNIT_OPEN), mine_clause(actor))
    if tab == "overdue":
        return needs_attention_clause(now)
    if tab == "handled":
        return Case.status.in_((Status.HANDLED.value, Status.FOLLOWED_UP.value))
    return None


@dataclass(frozen=True)
class Drill:
    """The figure a list shows the cases of: its name, node and period, and its clause."""

    figure: str
    node: Node
    period: Period
    clause: ColumnElement[bool]


@dataclass(frozen=True)
class Scope:
    """The objects the filters name, looked up once: the node, unit and category, and the
    figure (``fig``)."""

    node: Node | None = None
    unit: Organisation | None = None
    category: Category | None = None
    drill: Drill | None = None


def load(session: Session, actor: Actor, params: Mapping[str, str], now: dt.datetime) -> tuple[Filters, Scope]:
    """The filters of a URL and what they name, or :class:`FilterError`."""
    f = parse(params, actor, figures=FIGURES)
    return f, resolve(session, actor, f, now)


def resolve(session: Session, actor: Actor, f: Filters, now: dt.datetime) -> Scope:
    """The node, unit and category the filters name, checked: each must exist in the
    actor's city, and the node must lie in the actor's scope. With ``fig``, the figure over
    that node (the actor's own when none is named) and the period."""
    node = unit = category = None
    if f.node:
        try:
            node = geo.get_node(session, actor.city_id, f.node)
        except geo.NodeNotFound:
            raise FilterError(f"no node {f.node!r}", "node", "node") from None
        if not covers_node(actor, node.path):
            raise FilterError(f"node {f.node!r} is outside your scope", "node", "node_scope")
    if f.unit:
        unit = session.scalar(select(Organisation).where(Organisation.city_id == actor.city_id,
                                                         Organisation.code == f.unit))
        if unit is None:
            raise FilterError(f"no unit {f.unit!r}", "unit", "unit")
    if f.category:
        category = session.scalar(select(Category).where(Category.city_id == actor.city_id,
                                                         Category.code == f.category))
        if category is None:
            raise FilterError(f"no category {f.category!r}", "category", "category")
    return Scope(node, unit, category, _drill(session, actor, f, node, now) if f.fig else None)


def _drill(session: Session, actor: Actor, f: Filters, node: Node | None, now: dt.datetime) -> Drill:
    if node is None:
        node = session.scalar(select(Node).where(Node.city_id == actor.city_id, Node.path == actor.node_path))
        if node is None:
            raise FilterError("your node is not in the tree", "node", "node")
    try:
        period = parse_period(f.period or "all", f.date_from, f.date_to, now=now)
    except InvalidInput as exc:
        raise FilterError(str(exc), "period", "period") from None
    return Drill(f.fig, node, period, cases_clause(f.fig, city_id=actor.city_id, node_path=node.path, now=now,
                                                   since=period.since, until=period.until))


def local_day_start(day: str) -> dt.datetime:
    """Midnight (the city's time zone) starting ``day`` (``YYYY-MM-DD``)."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), deadlines.zone())


def cases_query(actor: Actor, f: Filters, scope: Scope, now: dt.datetime) -> Select[Any]:
    """The cases of the list, unsorted: visible to ``actor`` and matching every filter."""
    where: list[ColumnElement[bool]] = [visible_filter(actor)]
    preset = tab_clause(actor, f.tab, now)
    if preset is not None:
        where.append(preset)
    if scope.drill is not None:
        where.append(scope.drill.clause)
    if scope.node is not None:
        where.append(under(Case.grid_path, scope.node.path))
    if scope.unit is not None:
        where.append(Case.unit_id == scope.unit.id)
    if scope.category is not None:
        in_category = select(Category.id).where(Category.city_id == actor.city_id,
                                                under(Category.path, scope.category.path))
        where.append(Case.category_id.in_(in_category))
    if f.channel:
        where.append(Case.channel == f.channel)
    if f.status:
        where.append(Case.status == f.status)
    if not f.fig:
        if f.date_from:
            where.append(Case.created_at >= local_day_start(f.date_from))
        if f.date_to:
            after = (dt.date.fromisoformat(f.date_to) + dt.timedelta(days=1)).isoformat()
            where.append(Case.created_at < local_day_start(after))
    if f.overdue:
        where.append(overdue_clause(now))
    search = f.q.replace("%", "").replace("_", "").strip()
    if search:
        like = f"%{search}%"
        where.append(or_(Case.code.like(like), Case.title.like(like)))
    return select(Case).where(*where)


def ordered(q: Select[Any], f: Filters) -> Select[Any]:
    """``q`` in the order the filters ask (each with a tie-breaker: pages do not overlap)."""
    key, desc = f.sort_key, f.direction == "desc"
    if key == "urgency":
        order = urgency_order()
        if desc:  # the least urgent first: no deadline, then the latest
            order = (Case.due_at.is_(None).desc(), Case.due_at.desc(), Case.id.asc())
        return q.order_by(*order)
    if key == "due":
        return q.order_by(Case.due_at.is_(None), Case.due_at.desc() if desc else Case.due_at.asc(), Case.id.desc())
    if key == "reported":  # imported history may come after newer cases: the time, not the id
        return q.order_by(*((Case.created_at.desc(), Case.id.desc()) if desc else (Case.created_at.asc(), Case.id.asc())))
    return q.order_by(Case.code.desc() if desc else Case.code.asc())


def count(session: Session, q: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(q.order_by(None).subquery())) or 0)


def page_of(session: Session, actor: Actor, f: Filters, scope: Scope, now: dt.datetime) -> tuple[list[Row], int]:
    """The rows of the page ``f.page`` asks for, and how many cases the list holds."""
    q = cases_query(actor, f, scope, now)
    total = count(session, q)
    cases = list(session.scalars(ordered(q, f).limit(PAGE).offset((f.page - 1) * PAGE)))
    return rows_of(session, cases, now), total


def export_rows(session: Session, actor: Actor, f: Filters, scope: Scope, now: dt.datetime) -> list[Row]:
    """Every row of the list (all its pages, in its order), or :class:`FilterError` when
    there are more than :data:`EXPORT_MAX`."""
    q = cases_query(actor, f, scope, now)
    total = count(session, q)
    if total > EXPORT_MAX:
        raise FilterError(f"{total} rows: at most {EXPORT_MAX} in an export", "export", "too_many")
    return rows_of(session, list(session.scalars(ordered(q, f))), now)


def tab_counts(session: Session, actor: Actor, now: dt.datetime) -> dict[str, int]:
    """How many cases each tab holds (no other filter)."""
    out = {}
    for tab in tabs_for(actor):
        preset = tab_clause(actor, tab, now)
        if preset is None:
            continue
        q = select(func.count()).select_from(Case).where(visible_filter(actor), preset)
        out[tab] = int(session.scalar(q) or 0)
    return out


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class Named:
    """A name in both languages (the page picks one), with its code for a tooltip."""

    code: str
    name_zh: str
    name_en: str

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_zh


@dataclass(frozen=True)
class Row:
    code: str
    #: problem, or service (a request accepted at a centre): a badge on the row
    kind: str
    title: str
    status: str
    channel: str
    priority: str
    created_at: dt.datetime
    due_at: dt.datetime | None
    grid: Named | None
    community: Named | None
    unit: Named | None
    category: Named | None
    #: supervision notices: how many, and how many still wait for their reply
    notices: int
    notices_open: int
    overdue: bool
    due_soon: bool
    #: time to the deadline (negative: overdue by), None without a deadline
    left: dt.timedelta | None


def rows_of(session: Session, cases: list[Case], now: dt.datetime) -> list[Row]:
    """The list's rows of ``cases``: four batched queries for the names and notices."""
    if not cases:
        return []
    place_codes = set()
    for c in cases:
        codes = geo.path_codes(c.grid_path or "")
        place_codes.update(codes[-2:])
    city_id = cases[0].city_id
    nodes = {code: Named(code, zh, en) for code, zh, en in session.execute(
        select(Node.code, Node.name_zh, Node.name_en).where(Node.city_id == city_id,
                                                            Node.code.in_(place_codes)))}
    units = {i: Named(code, zh, en) for i, code, zh, en in session.execute(
        select(Organisation.id, Organisation.code, Organisation.name_zh, Organisation.name_en)
        .where(Organisation.id.in_({c.unit_id for c in cases if c.unit_id})))}
    cats = {i: Named(code, zh, en) for i, code, zh, en in session.execute(
        select(Category.id, Category.code, Category.name_zh, Category.name_en)
        .where(Category.id.in_({c.category_id for c in cases if c.category_id})))}
    notices: dict[int, tuple[int, int]] = {
        case_id: (int(n), int(n_open or 0)) for case_id, n, n_open in session.execute(
            select(SupervisionNotice.case_id, func.count(),
                   func.sum(sql_case((SupervisionNotice.open_clause(), 1), else_=0)))
            .where(SupervisionNotice.case_id.in_([c.id for c in cases]))
            .group_by(SupervisionNotice.case_id))}
    out = []
    for c in cases:
        codes = geo.path_codes(c.grid_path or "")
        n, n_open = notices.get(c.id, (0, 0))
        out.append(Row(
            code=c.code, kind=c.kind, title=c.title, status=c.status, channel=c.channel, priority=c.priority,
            created_at=c.created_at, due_at=c.due_at,
            grid=nodes.get(codes[-1]) if codes else None,
            community=nodes.get(codes[-2]) if len(codes) > 1 else None,
            unit=units.get(c.unit_id) if c.unit_id else None,
            category=cats.get(c.category_id) if c.category_id else None,
            notices=n, notices_open=n_open, overdue=is_overdue(c, now), due_soon=due_soon(c, now),
            left=(c.due_at - now) if c.due_at is not None and c.status not in FINAL_VALUES else None))
    return out


def days_hours(delta: dt.timedelta) -> tuple[int, int, int]:
    """``|delta|`` as whole days, hours and (under an hour) minutes."""
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    return days, hours, (rest // 60 if not days and not hours else 0)
