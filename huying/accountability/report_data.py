"""What a report of a node is made of, and how it is made from figures already read: plain
data and pure functions, no database and no catalogue import, so that the processes that
render a batch of reports carry nothing but these and the renderer (``docs/performance.md``,
reports: a worker's memory). :mod:`huying.accountability.report` reads the figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["count", "rate", "mean", "composite", "now"]
Direction = Literal["up", "down", "flat", "none"]
#: The catalogue's counts that are a state at the moment the report is made (never compared
#: with the year before: "now" is the same moment for both).
NOW_KEYS = frozenset({"open_now", "overdue_now"})


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure of one node, as the indicator catalogue gives it: a count, a rate 0…1, a
    mean in hours or the composite score; ``num`` / ``den`` behind a rate (``value`` None when
    there is nothing to rate); per 10,000 residents for a count when the population is known."""

    value: float | None
    num: int | None = None
    den: int | None = None
    per_10k: float | None = None


Values = dict[str, Figure]


@dataclass(frozen=True, slots=True)
class Span:
    """The period of a report, as the document names it."""

    kind: str
    start: dt.date | None
    end: dt.date | None
    partial: bool


# ----------------------------------------------------------------------------- comparisons
@dataclass(frozen=True, slots=True)
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


def has_data(v: Values | None, kinds: dict[str, Kind]) -> bool:
    """Anything counted in the period (a year before the first case has no data to compare)."""
    return bool(v) and any((f.value or 0) for k, f in v.items()  # type: ignore[union-attr]
                           if kinds.get(k) == "count" and k not in NOW_KEYS)


# ----------------------------------------------------------------------------- the report
@dataclass(frozen=True, slots=True)
class NodeRef:
    code: str
    name_zh: str
    name_en: str
    level: str
    path: str
    parent: str | None


@dataclass(frozen=True, slots=True)
class DutyLine:
    """A responsibility item and its evidence, as the responsibility lists give it."""

    item: str
    status: str = ""
    score: float | None = None
    evidence: int = 0
    titles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChildRow:
    rank: int | None  # None: nothing to rank it by this period
    node: NodeRef
    values: Values


@dataclass(frozen=True, slots=True)
class Trend:
    months: list[str]
    received: list[int]
    closed: list[int]
    partial: list[bool]


@dataclass(frozen=True, slots=True)
class Statement:
    """One figure to say something about: this period and the year before."""

    key: str
    kind: Kind
    figure: Figure
    previous: Figure | None

    @property
    def change(self) -> Change:
        return change(self.kind, self.figure.value, None if self.previous is None else self.previous.value)


@dataclass(frozen=True, slots=True)
class Section:
    key: str  # load · through · linkage · service
    statements: list[Statement]


#: The four sections of the article and the catalogue's figures each speaks of, in order.
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


@dataclass(frozen=True, slots=True)
class Report:
    node: NodeRef
    trail: list[NodeRef]
    period: Span
    previous: Span | None
    now: dt.datetime
    values: Values
    before: Values | None  # None: no data the year before (nothing is compared)
    sections: list[Section]
    children: list[ChildRow]
    trend: Trend
    kinds: dict[str, Kind]
    duties: list[DutyLine] | None = None
    rank_key: str = RANK_KEY

    def kind(self, key: str) -> Kind:
        return self.kinds[key]


@dataclass
class Context:
    """What a batch of reports of one city and period shares: every node, the figures of
    every node this period and the year before, the months of the trend and the ranking of
    the nodes below each node — read once (``report.batch_context``)."""

    period: Span
    previous: Span | None
    now: dt.datetime
    nodes: dict[str, NodeRef]
    children: dict[str, list[str]]
    values: dict[str, Values]
    before: dict[str, Values]
    kinds: dict[str, Kind]
    months: list[tuple[str, bool]]  # (YYYY-MM, still running)
    #: per node code: (received, closed) of each month
    monthly: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    #: per node code: the nodes its report ranks, best first, with their rank (None: unranked)
    ranked: dict[str, list[tuple[int | None, str]]] = field(default_factory=dict)
    #: per node code: the responsibility items of its level with the evidence it cited in the
    #: period's year and their mean score in its published review (absent: its level has no list)
    duties: dict[str, list[DutyLine]] = field(default_factory=dict)


def sections_of(values: Values, before: Values | None, kinds: dict[str, Kind]) -> list[Section]:
    return [Section(key, [Statement(k, kinds[k], values[k], None if before is None else before.get(k))
                          for k in keys]) for key, keys in SECTIONS]


def _trail(ctx: Context, node: NodeRef) -> list[NodeRef]:
    out = [node]
    while out[-1].parent is not None:
        out.append(ctx.nodes[out[-1].parent])  # type: ignore[index]
    return out[::-1]


class UnknownNode(KeyError):
    pass


def build(ctx: Context, code: str, duties: Sequence[DutyLine] | None = None) -> Report:
    """The report of node ``code`` from the shared context (pure)."""
    node = ctx.nodes.get(code)
    if node is None:
        raise UnknownNode(code)
    values = ctx.values[code]
    prev = ctx.before.get(code)
    before = prev if has_data(prev, ctx.kinds) else None
    kids = [ChildRow(rank, ctx.nodes[c], ctx.values[c]) for rank, c in ctx.ranked.get(code, [])]
    pairs = ctx.monthly.get(code, [])
    trend = Trend([m for m, _ in ctx.months], [r for r, _ in pairs], [c for _, c in pairs],
                  [p for _, p in ctx.months])
    return Report(node, _trail(ctx, node), ctx.period, ctx.previous, ctx.now, values, before,
                  sections_of(values, before, ctx.kinds), kids, trend, ctx.kinds,
                  list(duties) if duties is not None else ctx.duties.get(code))


def level_codes(ctx: Context, level: str) -> list[str]:
    """The nodes of a level (``all``: every node), by code."""
    return [c for c, n in ctx.nodes.items() if level == "all" or n.level == level]
