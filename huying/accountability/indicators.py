"""The indicator catalogue: one definition of every figure a leader compares, and its values
at every node of the tree (and per unit) for any period.

- :data:`CATALOGUE` holds the definitions (:class:`Indicator`): the 12345 hotline's 三率, the
  数字城管 evaluation's indicators (GB/T 30428.4), the closed loop's own figures and the
  article's contact and community figures. ``docs/indicators.md`` gives each one's numerator,
  denominator, the events counted and the source.
- The case-based values come from the rollup (``huying.metrics.rollup``): the counters of
  :data:`huying.metrics.rollup.COUNTERS` and :data:`~huying.metrics.rollup.INDICATOR_COUNTERS`,
  read once for the whole city (``rollup.grid_counts``: cost follows the period's events, not
  all cases) and summed along the tree. :func:`counts_of` turns a node's counters into the
  named counts (:data:`COUNTS`) that indicators are ratios of.
- The contact and community values (walks, households visited, service requests, exchange
  projects) are counted by their own domains' rules (:mod:`huying.accountability.figures`).
- Per unit (:func:`unit_values`): the same counters over the period's events grouped by the
  unit that holds the case *now* (``Case.unit_id``), by the rollup's own grouped query
  (``rollup.grouped_events`` keyed by unit). Chosen over a second rollup table keyed by the
  unit at each event: a case's unit is not kept on its events (only in their payloads), so a
  rebuild could not give a unit rollup back from the events alone without parsing every
  payload; grouped by the case's unit, a department answers for the cases it holds — the ones
  it closed, and the ones it still has — and a misrouted case (returned or transferred away)
  counts against the unit it ended with, through 派遣准确率. Rebuild identity holds trivially
  (it is the events). Cost: the period's events, one grouped query.
- Every listable indicator knows its records (:func:`records`): the cases its numerator
  counts (``part="den"``: its denominator's), through the drill's clauses
  (``huying.metrics.drill.cases_clause``), scoped by the one policy.

Values: rates are fractions 0..1 (None when the denominator is 0); counts are ints with their
value per 10,000 residents of the node (None without a population)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from huying.accountability import figures as extra
from huying.cases import policy
from huying.cases.models import Case
from huying.config import get_settings
from huying.errors import InvalidInput
from huying.geo import service as geo
from huying.geo.models import Level, Node
from huying.metrics import cockpit, drill, rollup
from huying.metrics import service as msvc
from huying.metrics.rollup import Counts
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation

GROUPS = ("hotline", "city_management", "loop", "contact", "community")
KINDS = ("count", "rate", "mean", "composite")


@dataclass(frozen=True)
class Indicator:
    key: str
    #: "hotline" (12345 三率) | "city_management" (数字城管) | "loop" | "contact" | "community"
    group: str
    #: "count" | "rate" | "mean" | "composite"
    kind: str
    #: English msgid, translated through the gettext catalogue by the pages
    label: str
    #: "%", "件", "h"... (an English msgid too where it is a word)
    unit: str
    higher_is_better: bool
    #: the count it is a ratio of (a key of :data:`COUNTS`); None for counts
    numerator: str | None
    denominator: str | None
    #: normalised per 10,000 residents when compared
    per_10k: bool
    #: where the definition comes from
    source: str
    #: the records behind it can be listed (figure ↔ list)
    listable: bool


@dataclass(frozen=True)
class Value:
    key: str
    #: rates as fractions 0..1, counts as int, None when the denominator is 0
    value: float | int | None
    num: int | None
    den: int | None
    #: count per 10,000 residents of the node (None when no population)
    per_10k: float | None


@dataclass(frozen=True)
class Ranked:
    rank: int
    code: str
    name_zh: str
    name_en: str
    value: Value
    #: what was compared: the rate, or the count per 10,000 residents
    score: float


# ----------------------------------------------------------------------------- counts
#: The named counts indicators are ratios of: the rollup's counters (cases, each counted
#: once, see ``huying.metrics.drill``) and three sums of them.
#: rated = follow-ups answered (satisfied or basically satisfied, or first dissatisfied);
#: solved = satisfied follow-ups whose reporter did not answer "not solved";
#: due_to_close (应结案数) = cases closed on time in the period + cases whose deadline passed
#: in the period (their first overdue mark): every case once, in the period it fell due.
DERIVED: dict[str, Callable[[Counts], int]] = {
    "rated": lambda c: c.satisfied + c.dissatisfied,
    "solved": lambda c: c.satisfied - c.unsolved,
    "due_to_close": lambda c: c.on_time + c.went_overdue,
}
#: Counts whose records are the cases of drill figures: name → the figures whose cases make
#: it ("-": without those cases; several without "-": any of them — the parts are disjoint).
_LISTS: dict[str, tuple[str, ...]] = {
    **{name: (name,) for name in drill.LISTED},
    "solved": ("satisfied", "-unsolved"),
    "due_to_close": ("on_time", "went_overdue"),
}
COUNTS = (*(k for k in rollup.ALL if k != "close_seconds"), "open_now", "overdue_now", *DERIVED)


def counts_of(c: Counts) -> dict[str, int]:
    """The named counts (:data:`COUNTS`) of a node's counters."""
    out = {k: int(getattr(c, k)) for k in COUNTS if k not in DERIVED}
    out.update({k: int(fn(c)) for k, fn in DERIVED.items()})
    return out


# ----------------------------------------------------------------------------- catalogue
_12345 = "12345 hotline practice (三率: 响应率, 解决率, 满意率)"
_GBT = "GB/T 30428.4 数字化城市管理信息系统 第4部分: 绩效评价 (CJ/T 292 before it)"
_LOOP = "huying's closed loop (docs/indicators.md)"
_ARTICLE = "the article: 一贯到底 · 统筹服务 (household contact, walks, one-stop services, projects)"


def _count(key: str, group: str, label: str, source: str, *, unit: str = "件", higher: bool = True,
           per_10k: bool = True, listable: bool = True) -> Indicator:
    return Indicator(key, group, "count", label, unit, higher, None, None, per_10k, source, listable)


def _rate(key: str, group: str, label: str, num: str, den: str, source: str, *, higher: bool = True) -> Indicator:
    return Indicator(key, group, "rate", label, "%", higher, num, den, False, source, True)


CATALOGUE: tuple[Indicator, ...] = (
    # 12345 三率
    _rate("response_rate", "hotline", "Response rate", "responded_on_time", "responded", _12345),
    _rate("solved_rate", "hotline", "Solved rate", "solved", "rated", _12345),
    _rate("satisfaction_rate", "hotline", "Satisfaction rate", "satisfied", "rated", _12345),
    # 数字城管
    _count("registered", "city_management", "Cases registered", _GBT),
    _rate("close_rate", "city_management", "Close rate", "dispatch_closed", "registered", _GBT),
    _rate("on_time_close_rate", "city_management", "On-time close rate", "on_time", "due_to_close", _GBT),
    _rate("dispatch_accuracy", "city_management", "Dispatch accuracy", "dispatch_accurate", "dispatch_closed", _GBT),
    _rate("on_time_handling_rate", "city_management", "On-time handling rate", "handled_on_time", "handled", _GBT),
    _rate("rework_rate", "city_management", "Rework rate", "reworked", "closed", _GBT, higher=False),
    Indicator("composite", "city_management", "composite", "Composite score", "%", True, None, None, False,
              _GBT + "; weights: HUYING_COMPOSITE_WEIGHTS", False),
    # the closed loop
    _count("received", "loop", "Received", _LOOP),
    _count("closed", "loop", "Closed", _LOOP),
    _count("fixed_on_spot", "loop", "Fixed on the spot", _LOOP),
    _count("on_time", "loop", "Closed on time", _LOOP),
    _rate("on_time_rate", "loop", "On-time rate", "on_time", "closed", _LOOP),
    _count("reworked", "loop", "Reworked", _LOOP, higher=False),
    _count("satisfied", "loop", "Satisfied follow-ups", _LOOP),
    _count("dissatisfied", "loop", "Dissatisfied follow-ups", _LOOP, higher=False),
    Indicator("mean_hours_to_close", "loop", "mean", "Mean hours to close", "h", False, "close_seconds", "closed",
              False, _LOOP, False),
    _count("escalations", "loop", "Escalations", _LOOP, higher=False),
    _count("open_now", "loop", "Open now", _LOOP, higher=False),
    _count("overdue_now", "loop", "Overdue now", _LOOP, higher=False),
    # contact (一贯到底)
    _count("walks", "contact", "Inspection walks", _ARTICLE, unit="times", listable=False),
    _count("walk_problems", "contact", "Problems found on walks", _ARTICLE),
    _count("walk_fixed", "contact", "Problems fixed on the spot on walks", _ARTICLE),
    _count("walk_closed", "contact", "Walk problems closed", _ARTICLE),
    _count("visit_requests", "contact", "Requests collected on visits", _ARTICLE),
    _count("visit_requests_closed", "contact", "Visit requests closed", _ARTICLE),
    _count("households_visited", "contact", "Households visited", _ARTICLE, unit="households", listable=False),
    Indicator("visit_coverage", "contact", "rate", "Visit coverage", "%", True, "households_visited",
              "households", False, _ARTICLE, False),
    # community (统筹服务)
    _count("service_requests", "community", "Service requests accepted", _ARTICLE),
    _count("service_requests_handled", "community", "Service requests handled", _ARTICLE),
    _count("projects_done", "community", "Exchange projects done", _ARTICLE, unit="projects", listable=False),
    _count("projects_active", "community", "Exchange projects under way", _ARTICLE, unit="projects",
           listable=False),
)
BY_KEY: dict[str, Indicator] = {i.key: i for i in CATALOGUE}
#: The rates the 综合指标 weighs, in this order.
COMPOSITE_PARTS = ("dispatch_accuracy", "on_time_handling_rate", "on_time_close_rate")


def composite_weights() -> dict[str, float]:
    """The weights of the 数字城管 综合指标 (``HUYING_COMPOSITE_WEIGHTS``, JSON; default
    30/35/35 over :data:`COMPOSITE_PARTS`). A key that is not a rate of the catalogue is an
    error naming it."""
    weights = dict(get_settings().composite_weights)
    for k, w in weights.items():
        if k not in BY_KEY or BY_KEY[k].kind != "rate":
            raise InvalidInput(f"composite_weights: {k!r} is not a rate of the catalogue")
        if w < 0:
            raise InvalidInput(f"composite_weights: the weight of {k} is negative")
    return weights


#: The default weights (the setting's default; read the live ones with :func:`composite_weights`).
COMPOSITE_WEIGHTS: Mapping[str, float] = {"dispatch_accuracy": 30.0, "on_time_handling_rate": 35.0,
                                          "on_time_close_rate": 35.0}


subject = msvc.subject


def get(key: str) -> Indicator:
    """The indicator ``key``; :class:`InvalidInput` naming the keys otherwise."""
    ind = BY_KEY.get(key)
    if ind is None:
        raise InvalidInput(f"no indicator {key[:40]!r}: one of {', '.join(BY_KEY)}", "key")
    return ind


# ----------------------------------------------------------------------------- values
def _per_10k(n: int, population: int | None) -> float | None:
    return round(n * 10_000 / population, 2) if population else None


def values_of(counts: Mapping[str, int | float], population: int | None,
              weights: Mapping[str, float] | None = None) -> dict[str, Value]:
    """Every indicator's value from a node's named counts (:func:`counts_of` plus the
    contact and community counts and ``close_seconds``)."""
    out: dict[str, Value] = {}
    for ind in CATALOGUE:
        if ind.kind == "count":
            n = int(counts.get(ind.key, 0))
            out[ind.key] = Value(ind.key, n, n, None, _per_10k(n, population) if ind.per_10k else None)
        elif ind.kind in ("rate", "mean"):
            num = counts.get(ind.numerator or "", 0)
            den = int(counts.get(ind.denominator or "", 0))
            if ind.kind == "rate":
                v: float | None = round(num / den, 4) if den else None
                out[ind.key] = Value(ind.key, v, int(num), den, None)
            else:
                v = round(float(num) / 3600 / den, 2) if den else None
                out[ind.key] = Value(ind.key, v, None, den, None)
    w = dict(weights if weights is not None else composite_weights())
    parts = [(float(v), wk) for k, wk in w.items() if (v := out[k].value) is not None and wk > 0]
    total = sum(wk for _, wk in parts)
    score = round(sum(v * wk for v, wk in parts) / total, 4) if total else None
    out["composite"] = Value("composite", score, None, None, None)
    return out


def _populations(nodes: list[Any]) -> dict[str, int | None]:
    """A node's population: its own, else the sum of its children's (None when none is known)."""
    out: dict[str, int | None] = {}
    below: dict[str, int] = {}
    for n in sorted(nodes, key=lambda n: -n.path.count("/")):
        pop = n.population or below.get(n.path) or None
        out[n.path] = pop
        parent = n.path[: n.path.rstrip("/").rfind("/") + 1]
        if pop and parent:
            below[parent] = below.get(parent, 0) + pop
    return out


def _tree_counts(session: Session, city_id: int, *, now: dt.datetime, since: dt.datetime | None,
                 until: dt.datetime | None) -> tuple[list[Any], dict[str, dict[str, float]]]:
    nodes = session.execute(select(Node.code, Node.path, Node.level, Node.name_zh, Node.name_en, Node.population)
                            .where(Node.city_id == city_id)).all()
    per_grid = rollup.grid_counts(session, city_id, now=now, since=since, until=until)
    totals = rollup.roll_up(per_grid, {n.path: Counts() for n in nodes})
    counts: dict[str, dict[str, float]] = {}
    for path, c in totals.items():
        counts[path] = {**counts_of(c), "close_seconds": c.close_seconds}
    for name, per_path in extra.tree_counts(session, city_id, [n.path for n in nodes], now=now,
                                            since=since, until=until).items():
        for path, n in per_path.items():
            counts[path][name] = n
    return list(nodes), counts


def tree_values(session: Session, city_id: int, *, now: dt.datetime, since: dt.datetime | None = None,
                until: dt.datetime | None = None) -> dict[str, dict[str, Value]]:
    """Every node of the city: node code → indicator key → :class:`Value`."""
    nodes, counts = _tree_counts(session, city_id, now=now, since=since, until=until)
    pops = _populations(nodes)
    weights = composite_weights()
    return {n.code: values_of(counts[n.path], pops[n.path], weights) for n in nodes}


def node_values(session: Session, node: Node, *, now: dt.datetime, since: dt.datetime | None = None,
                until: dt.datetime | None = None) -> dict[str, Value]:
    """One node's values (the whole tree costs the same few queries)."""
    return tree_values(session, node.city_id, now=now, since=since, until=until)[node.code]


def unit_values(session: Session, city_id: int, *, now: dt.datetime, since: dt.datetime | None = None,
                until: dt.datetime | None = None, under: str | None = None) -> dict[str, dict[str, Value]]:
    """Organisation code → key → :class:`Value`: the case-based indicators of each unit over
    the cases it holds (see the module's docstring), the units whose node is under ``under``
    (a node path; None: all); the contact and community counts are the nodes', not the
    units' (0 here), and no per-10k (a unit has no population)."""
    per_unit = rollup.unit_counts(session, city_id, now=now, since=since, until=until)
    q = (select(Organisation.id, Organisation.code).join(Node, Node.id == Organisation.node_id)
         .where(Organisation.city_id == city_id, Organisation.id.in_(list(per_unit))))
    if under is not None:
        q = q.where(Node.path.startswith(under, autoescape=True))
    codes = dict(session.execute(q).tuples().all())
    weights = composite_weights()
    return {codes[uid]: values_of({**counts_of(c), "close_seconds": c.close_seconds}, None, weights)
            for uid, c in per_unit.items() if uid in codes}


# ----------------------------------------------------------------------------- rankings
def ranked_nodes(session: Session, node: Node) -> list[Node]:
    """The nodes ranked under ``node``: those of the level the cockpit ranks
    (``cockpit.RANKED_LEVEL``), else its children."""
    level = cockpit.RANKED_LEVEL.get(Level(node.level))
    if level is None:
        return []
    return list(session.scalars(geo.descendants_query(node, level).order_by(Node.code)))


def score_of(ind: Indicator, v: Value) -> float | None:
    """What a ranking compares: a rate (None when its denominator is 0), a count per 10,000
    residents when the indicator is normalised (None without a population), else the value."""
    if ind.kind == "count" and ind.per_10k:
        return v.per_10k
    return None if v.value is None else float(v.value)


def rank(ind: Indicator, rows: list[tuple[Any, Value]]) -> list[Ranked]:
    """``rows`` (node, value) best first; rows with nothing to compare left out; equal
    scores rank equal (1, 2, 2, 4)."""
    scored = [(n, v, s) for n, v in rows if (s := score_of(ind, v)) is not None]
    sign = -1 if ind.higher_is_better else 1
    scored.sort(key=lambda t: (sign * t[2], t[0].code))
    out: list[Ranked] = []
    for i, (n, v, s) in enumerate(scored):
        same = out and out[-1].score == s
        out.append(Ranked(out[-1].rank if same else i + 1, n.code, n.name_zh, n.name_en or n.name_zh, v, s))
    return out


def rank_children(session: Session, node: Node, key: str, *, now: dt.datetime, since: dt.datetime | None = None,
                  until: dt.datetime | None = None) -> list[Ranked]:
    """The nodes under ``node`` (:func:`ranked_nodes`) ranked by indicator ``key``, best first."""
    ind = get(key)
    tree = tree_values(session, node.city_id, now=now, since=since, until=until)
    return rank(ind, [(n, tree[n.code][key]) for n in ranked_nodes(session, node)])


# ----------------------------------------------------------------------------- records
PARTS = ("num", "den")


def list_of(ind: Indicator, part: str = "num") -> str:
    """The count whose records a figure lists: a count's own, a rate's numerator (or
    denominator); :class:`InvalidInput` when the figure has no list."""
    if part not in PARTS:
        raise InvalidInput(f"one of {', '.join(PARTS)}", "part")
    name = ind.key if ind.kind == "count" else (ind.numerator if part == "num" else ind.denominator)
    if not ind.listable or name is None or name not in _LISTS:
        raise InvalidInput(f"{ind.key}: its records are not listed here", "key")
    return name


def records_clause(ind: Indicator, *, city_id: int, node_path: str, now: dt.datetime,
                   since: dt.datetime | None, until: dt.datetime | None, part: str = "num") -> Any:
    """The cases a figure of ``node_path`` counts (see :func:`list_of`)."""
    def clause(fig: str) -> Any:
        return drill.cases_clause(fig, city_id=city_id, node_path=node_path, now=now, since=since, until=until)

    figs = _LISTS[list_of(ind, part)]
    wanted = or_(*[clause(f) for f in figs if not f.startswith("-")])
    return and_(wanted, *[~clause(f[1:]) for f in figs if f.startswith("-")])


def records(session: Session, actor: Actor | None, node: Node, key: str, *, now: dt.datetime,
            since: dt.datetime | None = None, until: dt.datetime | None = None, limit: int = 50, offset: int = 0,
            part: str = "num") -> tuple[list[Case], int]:
    """The cases behind a figure of ``node`` (newest first) and their number, which equals the
    figure. The actor must be allowed the node's figures (``policy.check_node``)."""
    policy.check_node(actor, node.path, "figures")
    ind = get(key)
    if limit < 1 or limit > 500:
        raise InvalidInput("between 1 and 500", "limit")
    if offset < 0:
        raise InvalidInput("not negative", "offset")
    where = records_clause(ind, city_id=node.city_id, node_path=node.path, now=now, since=since, until=until,
                           part=part)
    total = int(session.scalar(select(func.count()).select_from(Case).where(where)) or 0)
    rows = list(session.scalars(select(Case).where(where).order_by(Case.id.desc()).limit(limit).offset(offset)))
    return rows, total
