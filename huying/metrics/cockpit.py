"""The leader's cockpit: a node's figures with the counts behind its rates, the rankings of
the nodes and units below it, the map's graded colour scale and the months of the trend.

Everything here is computed from the rollup (:mod:`huying.metrics.rollup`), so the figures
are those of ``service.figures`` for the same period; the pages only present them."""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, and_, case, func, or_, select
from sqlalchemy.orm import Session

from huying.cases.models import Case, CaseEvent
from huying.cases.timing import figures_clause, open_clause, overdue_clause
from huying.db import under
from huying.geo import service as geo
from huying.geo.models import Level, Node
from huying.metrics import rollup
from huying.metrics.models import GridMonth
from huying.metrics.service import CLOSING, RECEIVING
from huying.orgs.models import Organisation


# ----------------------------------------------------------------------------- figures
@dataclass(frozen=True)
class Row:
    """One node's figures (as ``service.figures`` gives them) and the counts behind them."""

    code: str
    name_zh: str
    name_en: str
    level: str
    counts: rollup.Counts
    figures: dict[str, Any]

    def count(self, figure: str) -> int:
        """A count figure (``received``, ``on_time``, ``satisfied`` …) of this node."""
        return int(getattr(self.counts, figure))


@dataclass(frozen=True)
class Board:
    node: Row
    children: list[Row]
    #: the nodes that are ranked: the towns under a city or an area, the communities under a
    #: town, the grids under a community (:data:`RANKED_LEVEL`); empty at a grid
    ranked: list[Row]
    ranked_level: str | None


#: The level whose nodes are ranked under a node of each level (the level the map colours).
RANKED_LEVEL = {Level.CITY: Level.TOWN, Level.AREA: Level.TOWN, Level.TOWN: Level.COMMUNITY,
                Level.COMMUNITY: Level.GRID, Level.GRID: None}


def board(session: Session, node: Node, *, now: dt.datetime, since: dt.datetime | None = None,
          until: dt.datetime | None = None) -> Board:
    """The figures of ``node``, of each child node and of each node to rank for events in
    ``[since, until)``: the rollup read once (``rollup.grid_counts``) and summed along the
    paths in Python."""
    per_grid = rollup.grid_counts(session, node.city_id, now=now, since=since, until=until)
    mine = {path: c for path, c in per_grid.items() if path.startswith(node.path)}
    kids = geo.children(session, node)
    level = RANKED_LEVEL[Level(node.level)]
    if level is None:
        ranked_nodes: list[Node] = []
    elif kids and kids[0].level == level.value:
        ranked_nodes = kids
    else:
        ranked_nodes = list(session.scalars(geo.descendants_query(node, level).order_by(Node.code)))

    wanted = [node, *kids, *(n for n in ranked_nodes if n not in kids)]
    totals = rollup.roll_up(mine, {n.path: rollup.Counts() for n in wanted})

    def row(n: Node) -> Row:
        total = totals[n.path]
        return Row(n.code, n.name_zh, n.name_en or n.name_zh, n.level, total,
                   rollup.figures_of(n, total).as_dict())

    children = [row(k) for k in kids]
    ranked = children if ranked_nodes is kids else [row(n) for n in ranked_nodes]
    return Board(row(node), children, ranked, level.value if level else None)


# ----------------------------------------------------------------------------- rankings
#: The rankings of the nodes below: (key, numerator, denominator, higher is better).
RANKINGS: tuple[tuple[str, str, str, bool], ...] = (
    ("on_time_rate", "on_time", "closed", True),
    ("overdue_share", "overdue_now", "open_now", False),
    ("satisfaction_rate", "satisfied", "rated", True),
)


@dataclass(frozen=True)
class Ranked:
    rank: int
    row: Row
    num: int
    den: int

    @property
    def value(self) -> float:
        return self.num / self.den if self.den else 0.0


def _part(c: rollup.Counts, name: str) -> int:
    if name == "rated":  # follow-ups answered: satisfied or not
        return c.satisfied + c.dissatisfied
    return int(getattr(c, name))


def rankings(rows: list[Row]) -> dict[str, list[Ranked]]:
    """Each ranking of :data:`RANKINGS` over ``rows``, best first; a row with nothing to
    rate (no case closed, none open, no follow-up) is left out. Equal shares rank equal."""
    out: dict[str, list[Ranked]] = {}
    for key, num, den, higher in RANKINGS:
        scored = [(r, _part(r.counts, num), _part(r.counts, den)) for r in rows]
        scored = [s for s in scored if s[2] > 0]
        scored.sort(key=lambda s: ((-1 if higher else 1) * s[1] / s[2], -s[2], s[0].code))
        ranked: list[Ranked] = []
        for i, (r, n, d) in enumerate(scored):
            same = ranked and ranked[-1].num * d == n * ranked[-1].den
            ranked.append(Ranked(ranked[-1].rank if same else i + 1, r, n, d))
        out[key] = ranked
    return out


@dataclass(frozen=True)
class UnitLoad:
    code: str
    name_zh: str
    name_en: str
    open_now: int
    overdue_now: int
    #: closed in the period (None where it is not counted: see ``CLOSED_BY_UNIT_LEVELS``)
    closed: int | None


#: Levels at which the units' table also counts the cases each unit closed in the period
#: (a pass over the node's cases and their closing events: cheap for a town, not for the city).
CLOSED_BY_UNIT_LEVELS = frozenset({"town", "community", "grid"})


def unit_loads(session: Session, node: Node, *, now: dt.datetime, since: dt.datetime | None = None,
               until: dt.datetime | None = None, limit: int = 15) -> list[UnitLoad]:
    """The organisations at or below ``node`` that have cases: open and overdue now, and
    (at :data:`CLOSED_BY_UNIT_LEVELS`; else None) the cases they closed in ``[since,
    until)``; most overdue first, then most open. Two grouped queries."""
    at_node = (select(Organisation.id).join(Node, Node.id == Organisation.node_id)
               .where(Organisation.city_id == node.city_id, Node.path.startswith(node.path)))
    opened = session.execute(
        select(Case.unit_id, func.count(), func.coalesce(func.sum(case((overdue_clause(now), 1), else_=0)), 0))
        .where(Case.city_id == node.city_id, open_clause(), figures_clause(), Case.unit_id.in_(at_node))
        .group_by(Case.unit_id)).all()
    loads: dict[int, list[int | None]] = {uid: [int(o), int(v), None] for uid, o, v in opened if uid is not None}
    if node.level in CLOSED_BY_UNIT_LEVELS:
        # the node's cases first (a range of ix_cases_grid_path), then their closing events
        q = (select(Case.unit_id, func.count(func.distinct(CaseEvent.case_id)))
             .select_from(Case).join(CaseEvent, CaseEvent.case_id == Case.id)
             .where(Case.city_id == node.city_id, under(Case.grid_path, node.path), Case.unit_id.in_(at_node),
                    figures_clause(), CaseEvent.action.in_(CLOSING)))
        if since is not None:
            q = q.where(CaseEvent.at >= since)
        if until is not None:
            q = q.where(CaseEvent.at < until)
        for load in loads.values():
            load[2] = 0
        for uid, n in session.execute(q.group_by(Case.unit_id)).all():
            if uid is not None:
                loads.setdefault(uid, [0, 0, 0])[2] = int(n)
    top = sorted(loads.items(), key=lambda kv: (-(kv[1][1] or 0), -(kv[1][0] or 0), -(kv[1][2] or 0), kv[0]))
    top = top[:limit]
    names = {oid: (code, zh, en) for oid, code, zh, en in session.execute(
        select(Organisation.id, Organisation.code, Organisation.name_zh, Organisation.name_en)
        .where(Organisation.id.in_([uid for uid, _ in top]))).all()}
    return [UnitLoad(names[uid][0], names[uid][1], names[uid][2] or names[uid][1], int(v[0] or 0), int(v[1] or 0), v[2])
            for uid, v in top if uid in names]


# ----------------------------------------------------------------------------- the map's scale
@dataclass(frozen=True)
class Grade:
    """A class of the map's colour scale: the share of open cases that are overdue in
    ``(low, high]`` (``key`` names it for the legend)."""

    key: str
    colour: str
    low: float | None
    high: float | None


#: The map's one colour scale: grey where nothing is open, then five classes of the share
#: of open cases that are overdue (a sequential yellow → red scale). The legend is drawn
#: from this table and the map colours each place by :func:`grade`.
MAP_SCALE: tuple[Grade, ...] = (
    Grade("none_open", "#e0e6ea", None, None),
    Grade("none_overdue", "#ffffcc", None, 0.0),
    Grade("upto_10", "#fed976", 0.0, 0.10),
    Grade("upto_25", "#fd8d3c", 0.10, 0.25),
    Grade("upto_50", "#e31a1c", 0.25, 0.50),
    Grade("over_50", "#800026", 0.50, None),
)


def grade(open_now: int, overdue_now: int) -> int:
    """The index in :data:`MAP_SCALE` of a place with these open and overdue cases."""
    if open_now <= 0:
        return 0
    share = overdue_now / open_now
    for i, g in enumerate(MAP_SCALE[1:], start=1):
        if (g.low is None or share > g.low) and (g.high is None or share <= g.high):
            return i
    return len(MAP_SCALE) - 1


# ----------------------------------------------------------------------------- the trend's months
@dataclass(frozen=True)
class Month:
    key: str  # YYYY-MM in the city's time zone
    start: dt.datetime  # aware, the first instant of the month in the city's zone
    end: dt.datetime  # exclusive
    partial: bool  # the month is still running at ``now``


def months_to(now: dt.datetime, tz: ZoneInfo, count: int = 13) -> list[Month]:
    """The last ``count`` calendar months of the city's zone, the running one last (marked
    partial): exact month arithmetic, no 31-day steps."""
    local = now.astimezone(tz)
    y, m = local.year, local.month
    keys: list[tuple[int, int]] = []
    for _ in range(count):
        keys.append((y, m))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    keys.reverse()
    out = []
    for y, m in keys:
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        start = dt.datetime(y, m, 1, tzinfo=tz)
        end = dt.datetime(ny, nm, 1, tzinfo=tz)
        out.append(Month(f"{y:04d}-{m:02d}", start, end, end > now))
    return out


def monthly(session: Session, node: Node, now: dt.datetime, tz: ZoneInfo, count: int = 13) -> dict[str, Any]:
    """Cases received and closed per calendar month of the city's zone (:func:`months_to`)
    under ``node``, exactly as the events say: the whole UTC days inside one local month from
    the rollup's day rows, the UTC days that a local month starts inside from their events
    (a day each month), so the cost follows the days, not the events of a year."""
    ms = months_to(now, tz, count)
    starts = [m.start.astimezone(dt.UTC) for m in ms]
    lo, hi = starts[0], ms[-1].end.astimezone(dt.UTC)
    first = lo.replace(hour=0, minute=0, second=0, microsecond=0)

    def index_of(at: dt.datetime) -> int:  # the local month of a UTC moment in [lo, hi)
        return bisect.bisect_right(starts, at) - 1

    # the UTC days that a local month begins inside (not at UTC midnight): from the events
    split = sorted({s.replace(hour=0, minute=0, second=0, microsecond=0)
                    for s in [*starts, hi] if s.hour or s.minute or s.second})
    received = [0] * len(ms)
    closed = [0] * len(ms)
    below = node.parent_id is not None  # below the city: only the grids under the node
    t: Table = GridMonth.__table__  # type: ignore[assignment]
    q = (select(t.c.month, t.c.day, func.sum(t.c.received), func.sum(t.c.closed))
         .where(t.c.city_id == node.city_id, t.c.day > 0, t.c.month >= first.year * 100 + first.month,
                t.c.month <= hi.year * 100 + hi.month))
    if below:
        q = q.where(under(t.c.grid_path, node.path))
    for month, day, n_received, n_closed in session.execute(q.group_by(t.c.month, t.c.day)).all():
        d = dt.datetime(month // 100, month % 100, day, tzinfo=dt.UTC)
        if d < first or d >= hi or d in split:
            continue
        i = index_of(max(d, lo))
        if 0 <= i < len(ms):
            received[i] += int(n_received or 0)
            closed[i] += int(n_closed or 0)
    if split:
        within = or_(*[and_(CaseEvent.at >= d, CaseEvent.at < d + dt.timedelta(days=1)) for d in split])
        bucket = case(*[(CaseEvent.at < m.end, i) for i, m in enumerate(ms)], else_=-1)
        e = (select(bucket.label("month"), CaseEvent.action.label("action"))
             .where(CaseEvent.city_id == node.city_id, within, CaseEvent.at >= lo, CaseEvent.at < hi,
                    CaseEvent.action.in_(RECEIVING + CLOSING)))
        e = e.join(Case, Case.id == CaseEvent.case_id).where(figures_clause())
        if below:
            e = e.where(under(Case.grid_path, node.path))
        sub = e.subquery()  # grouped outside: PostgreSQL does not match two bound CASEs
        for i, action, n in session.execute(select(sub.c.month, sub.c.action, func.count())
                                            .group_by(sub.c.month, sub.c.action)).all():
            if i < 0:
                continue
            if action in RECEIVING:
                received[i] += n
            if action in CLOSING:
                closed[i] += n
    return {"months": [m.key for m in ms], "partial": [m.partial for m in ms],
            "received": received, "closed": closed}
