"""The report of a node for a period, in the article's style (issue #18): the node's figures
this period and the same period a year before, its four sections (减负强能 · 一贯到底 ·
强化联动 · 统筹服务) filled from them, its children ranked, the months of the trend, and the
responsibility items with their evidence when given.

Data only, no words: :mod:`huying.web.report_doc` turns a :class:`Report` into sentences,
SVG charts, HTML and PDF. The figures come through ONE function, :func:`tree_values` (every
node of the city for a period, read once); a batch of reports reads it once per period
(:func:`batch_context`) and builds each report from it (:func:`build`, pure)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.accountability import indicators
from huying.errors import InvalidInput
from huying.geo.models import Level, Node
from huying.metrics import rollup
from huying.metrics.cockpit import RANKED_LEVEL
from huying.metrics.period import KINDS, Period, bounds, of_days, parse_period


# ----------------------------------------------------------------------------- figures
#: One figure of one node (the catalogue's: value, num, den, per 10,000 residents).
Figure = indicators.Value
Values = dict[str, Figure]

Kind = Literal["count", "rate", "mean", "composite", "now"]
#: The catalogue's counts that are a state at the moment the report is made (never compared
#: with the year before: "now" is the same moment for both).
NOW_KEYS = frozenset({"open_now", "overdue_now"})


def kind_of(key: str) -> Kind:
    return "now" if key in NOW_KEYS else indicators.get(key).kind  # type: ignore[return-value]


def tree_values(session: Session, city_id: int, *, now: dt.datetime, since: dt.datetime | None,
                until: dt.datetime | None) -> dict[str, Values]:
    """The figures of every node of the city for ``[since, until)``, by node code: the one
    place the report reads its figures from (the indicator catalogue)."""
    return indicators.tree_values(session, city_id, now=now, since=since, until=until)


def has_data(v: Values | None) -> bool:
    """Anything counted in the period (a year before the first case has no data to compare)."""
    if not v:
        return False
    return any((f.value or 0) for k, f in v.items() if k not in NOW_KEYS and kind_of(k) == "count")


# ----------------------------------------------------------------------------- comparisons
Direction = Literal["up", "down", "flat", "none"]


@dataclass(frozen=True)
class Change:
    """How a figure moved from the year before: ``amount`` is the count's difference, the
    rate's difference in percentage points, or the hours' difference; ``share`` the count's
    relative change (None from zero)."""

    direction: Direction
    amount: float | None = None
    share: float | None = None


def change(kind: Kind, value: float | None, previous: float | None) -> Change:
    """Pure. ``none`` when either side is missing (or for a ``now`` figure); ``flat`` when the
    difference rounds to nothing at the precision shown (0.1 point, 0.1 hour, one case)."""
    if kind == "now" or value is None or previous is None:
        return Change("none")
    if kind in ("rate", "composite"):
        amount = round((value - previous) * 100, 1)
    elif kind == "mean":
        amount = round(value - previous, 1)
    else:
        amount = round(value - previous)
    if amount == 0:
        return Change("flat", 0.0)
    share = round((value - previous) / previous, 3) if kind == "count" and previous else None
    return Change("up" if amount > 0 else "down", abs(amount), None if share is None else abs(share))


# ----------------------------------------------------------------------------- periods
_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def report_period(period: str, from_: str = "", to: str = "", *, now: dt.datetime) -> Period:
    """The period of a report: ``2026`` (a year), ``2026Q3`` (a quarter), ``2026-07`` (a
    month), ``from``/``to`` alone (custom days), or the leader's words (``year`` with a day of
    it in ``from`` …, see :func:`parse_period`); nothing at all: this year. Raises
    :class:`InvalidInput` naming the field."""
    text = (period or "").strip()
    if not text:
        return parse_period("custom" if (from_ or to) else "year", from_, to, now=now)
    if text in KINDS:
        return parse_period(text, from_, to, now=now)
    for pattern, kind in ((_YEAR, "year"), (_QUARTER, "quarter"), (_MONTH, "month")):
        m = pattern.match(text)
        if m:
            year = int(m.group(1))
            month = 1 if kind == "year" else (3 * int(m.group(2)) - 2 if kind == "quarter" else int(m.group(2)))
            if not 1 <= month <= 12:
                raise InvalidInput(f"no month {month} in {text!r}", field="period")
            return parse_period(kind, f"{year:04d}-{month:02d}-01", now=now)
    raise InvalidInput(f"{text[:20]!r} is not a period (2026, 2026Q3, 2026-07, or from/to)", field="period")


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def year_before(p: Period, *, now: dt.datetime) -> Period | None:
    """The same period a year before (None for all time)."""
    if p.start is None or p.end is None:
        return None
    if p.kind in ("month", "quarter", "year"):
        start, end = bounds(p.kind, _year_before(p.start))
        return of_days(p.kind, start, end, now=now)
    return of_days(p.kind, _year_before(p.start), _year_before(p.end), now=now)


@dataclass(frozen=True)
class Month:
    key: str  # YYYY-MM
    since: dt.datetime
    until: dt.datetime
    partial: bool


def months_of(p: Period, *, now: dt.datetime) -> list[Month]:
    """The calendar months of the period, cut to it (a custom period starts and ends inside
    months); the months after ``now`` are left out."""
    if p.start is None or p.end is None:
        return []
    out = []
    day = p.start.replace(day=1)
    while day <= p.end:
        first, last = bounds("month", day)
        part = of_days("month", max(first, p.start), min(last, p.end), now=now)
        assert part.since is not None and part.until is not None
        if part.since >= now:
            break
        out.append(Month(f"{day.year:04d}-{day.month:02d}", part.since, part.until, part.partial))
        day = last + dt.timedelta(days=1)
    return out


# ----------------------------------------------------------------------------- the report
@dataclass(frozen=True)
class NodeRef:
    code: str
    name_zh: str
    name_en: str
    level: str
    path: str
    parent: str | None


@dataclass(frozen=True)
class DutyLine:
    """A responsibility item and its evidence, as the responsibility lists give it."""

    item: str
    status: str = ""
    score: float | None = None
    evidence: int = 0
    titles: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChildRow:
    rank: int | None  # None: nothing to rank it by this period
    node: NodeRef
    values: Values


@dataclass(frozen=True)
class Trend:
    months: list[str]
    received: list[int]
    closed: list[int]
    partial: list[bool]


@dataclass(frozen=True)
class Statement:
    """One figure to say something about: this period and the year before."""

    key: str
    figure: Figure
    previous: Figure | None

    @property
    def kind(self) -> Kind:
        return kind_of(self.key)

    @property
    def change(self) -> Change:
        return change(self.kind, self.figure.value, None if self.previous is None else self.previous.value)


@dataclass(frozen=True)
class Section:
    key: str  # load · through · linkage · service
    statements: list[Statement]


#: The four sections of the article and the figures each speaks of, in order.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("load", ("received", "closed", "on_time_rate", "response_rate", "mean_hours_to_close", "open_now",
              "overdue_now")),
    ("through", ("walks", "walk_problems", "walk_fixed", "walk_closed", "households_visited", "visit_coverage",
                 "visit_requests", "visit_requests_closed", "escalations")),
    ("linkage", ("fixed_on_spot", "dispatch_accuracy", "on_time_handling_rate", "on_time_close_rate",
                 "rework_rate", "composite", "projects_done", "projects_active")),
    ("service", ("service_requests", "service_requests_handled", "satisfaction_rate", "solved_rate")),
)
#: The figure the units below are ranked by (the 数字城管 综合指标), and the columns beside it.
RANK_KEY = "composite"
CHILD_COLUMNS = ("received", "on_time_rate", "satisfaction_rate", "composite", "overdue_now")


@dataclass(frozen=True)
class Report:
    node: NodeRef
    trail: list[NodeRef]
    period: Period
    previous: Period | None
    now: dt.datetime
    values: Values
    before: Values | None  # None: no data the year before (nothing is compared)
    sections: list[Section]
    children: list[ChildRow]
    trend: Trend
    duties: list[DutyLine] | None = None
    rank_key: str = RANK_KEY

    def figure(self, key: str) -> Figure:
        return self.values[key]


def rank(rows: Iterable[tuple[NodeRef, Values]], key: str) -> list[ChildRow]:
    """Best first by ``key``, by the catalogue's rule (``indicators.rank``: equal scores rank
    equal, counts per 10,000 residents); rows with nothing to compare after them, unranked,
    by code."""
    rows = list(rows)
    by_code = {n.code: (n, v) for n, v in rows}
    ranked = indicators.rank(indicators.get(key), [(n, v[key]) for n, v in rows])
    seen = {r.code for r in ranked}
    rest = sorted((n.code for n, _ in rows if n.code not in seen))
    return ([ChildRow(r.rank, *by_code[r.code]) for r in ranked]
            + [ChildRow(None, *by_code[c]) for c in rest])


def sections_of(values: Values, before: Values | None) -> list[Section]:
    return [Section(key, [Statement(k, values[k], None if before is None else before.get(k)) for k in keys])
            for key, keys in SECTIONS]


@dataclass
class Context:
    """What a batch of reports of one city and period shares: every node, the figures of
    every node this period and the year before, and the months of the trend."""

    city_id: int
    period: Period
    previous: Period | None
    now: dt.datetime
    nodes: dict[str, NodeRef]
    children: dict[str, list[str]]
    values: dict[str, Values]
    before: dict[str, Values]
    months: list[Month]
    #: per node code: (received, closed) of each month
    monthly: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    #: per node code: the nodes ranked in its report (``ranked_codes``)
    ranked: dict[str, list[str]] = field(default_factory=dict)


def _nodes(session: Session, city_id: int) -> tuple[dict[str, NodeRef], dict[str, list[str]]]:
    rows = session.execute(select(Node.id, Node.parent_id, Node.code, Node.name_zh, Node.name_en, Node.level,
                                  Node.path).where(Node.city_id == city_id).order_by(Node.code)).all()
    code_of = {r.id: r.code for r in rows}
    nodes = {r.code: NodeRef(r.code, r.name_zh, r.name_en or r.name_zh, r.level, r.path,
                             code_of.get(r.parent_id)) for r in rows}
    children: dict[str, list[str]] = {c: [] for c in nodes}
    for n in nodes.values():
        if n.parent is not None:
            children[n.parent].append(n.code)
    return nodes, children


def ranked_codes(nodes: dict[str, NodeRef], children: dict[str, list[str]]) -> dict[str, list[str]]:
    """The nodes each node's report ranks: those of the level the cockpit ranks under it
    (``cockpit.RANKED_LEVEL``: the towns under the city, the communities under a town …)."""
    out: dict[str, list[str]] = {}
    for code, node in nodes.items():
        level = RANKED_LEVEL.get(Level(node.level))
        found: list[str] = []
        todo = list(children[code])
        while level is not None and todo:
            c = todo.pop(0)
            if nodes[c].level == level.value:
                found.append(c)
            else:
                todo.extend(children[c])
        out[code] = sorted(found)
    return out


def batch_context(session: Session, city_id: int, period: Period, *, now: dt.datetime) -> Context:
    """Read once what every report of the city for ``period`` needs (a few queries per month
    of the period, whatever the number of nodes)."""
    nodes, children = _nodes(session, city_id)
    previous = year_before(period, now=now)
    values = tree_values(session, city_id, now=now, since=period.since, until=period.until)
    before = ({} if previous is None else
              tree_values(session, city_id, now=now, since=previous.since, until=previous.until))
    months = months_of(period, now=now)
    monthly: dict[str, list[tuple[int, int]]] = {c: [] for c in nodes}
    by_path = {n.path: n.code for n in nodes.values()}
    for m in months:
        per_grid = rollup.grid_counts(session, city_id, now=now, since=m.since, until=m.until)
        totals = rollup.roll_up(per_grid, {p: rollup.Counts() for p in by_path})
        for p, c in totals.items():
            monthly[by_path[p]].append((c.received, c.closed))
    return Context(city_id, period, previous, now, nodes, children, values, before, months, monthly,
                   ranked_codes(nodes, children))


def _trail(ctx: Context, node: NodeRef) -> list[NodeRef]:
    out = [node]
    while out[-1].parent is not None:
        out.append(ctx.nodes[out[-1].parent])  # type: ignore[index]
    return out[::-1]


def build(ctx: Context, code: str, duties: Sequence[DutyLine] | None = None) -> Report:
    """The report of node ``code`` from the shared context (pure)."""
    node = ctx.nodes.get(code)
    if node is None:
        raise InvalidInput(f"no node {code[:40]!r} in this city", field="node")
    values = ctx.values[code]
    prev = ctx.before.get(code)
    before = prev if has_data(prev) else None
    kids = rank(((ctx.nodes[c], ctx.values[c]) for c in ctx.ranked.get(code, ctx.children[code])), RANK_KEY)
    pairs = ctx.monthly.get(code, [])
    trend = Trend([m.key for m in ctx.months], [r for r, _ in pairs], [c for _, c in pairs],
                  [m.partial for m in ctx.months])
    return Report(node, _trail(ctx, node), ctx.period, ctx.previous, ctx.now, values, before,
                  sections_of(values, before), kids, trend, None if duties is None else list(duties))


def node_report(session: Session, city_id: int, code: str, period: Period, *, now: dt.datetime,
                duties: Sequence[DutyLine] | None = None) -> Report:
    """The report of one node (the city's tree read once, as for a batch)."""
    return build(batch_context(session, city_id, period, now=now), code, duties)


def level_codes(ctx: Context, level: str) -> list[str]:
    """The nodes of a level (``all``: every node), by code."""
    return [c for c, n in ctx.nodes.items() if level == "all" or n.level == level]
