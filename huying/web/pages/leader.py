"""Leaders: the figures of a node and of every node below it for a period (drill-down along
the tree, every count a link to its cases), rankings of the nodes and units below, a map
coloured by the share of open cases that are overdue, and monthly trends."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from huying.accountability import indicators
from huying.cases.policy import check_node
from huying.config import get_settings
from huying.contact import visit_service as vs
from huying.contact import walk_service as ws
from huying.deps import ReadSessionDep
from huying.errors import InvalidInput
from huying.geo import service as geo
from huying.geo.models import Level, Node
from huying.http.clock import Now
from huying.metrics import cockpit
from huying.metrics.period import Period, parse_period
from huying.orgs.actor import Actor
from huying.web import downloads, queries, tables
from huying.web.deps import PageActor
from huying.web.links import drill_url
from huying.web.pages.work import _node_in_scope
from huying.web.templating import render, request_lang

router = APIRouter()

#: The level a node's map is coloured by.
MAP_LEVEL = {Level.CITY: Level.TOWN, Level.AREA: Level.TOWN, Level.TOWN: Level.COMMUNITY,
             Level.COMMUNITY: Level.GRID, Level.GRID: Level.GRID}
#: The periods the selector offers, in order.
PERIODS = ("month", "quarter", "year", "custom", "all")
DEFAULT_PERIOD = "year"
#: Cases listed on a grid's page (the rest through the work list).
GRID_CASES = 20


def _node(session: ReadSessionDep, actor: Actor, code: str) -> Node:
    node = _node_in_scope(session, actor, code)
    check_node(actor, node.path, "figures")
    return node


def _period_key(p: Period) -> str:
    return f"{p.kind}:{p.since}:{p.until}"


def _steps(p: Period) -> dict[str, dict[str, str]]:
    """The URL parameters of the month / quarter / year before this one and (when this one
    is over) after it."""
    if p.kind not in ("month", "quarter", "year") or p.start is None or p.end is None:
        return {}
    out = {"prev": {"period": p.kind, "from": (p.start - dt.timedelta(days=1)).isoformat()}}
    if not p.partial:
        out["next"] = {"period": p.kind, "from": (p.end + dt.timedelta(days=1)).isoformat()}
    return out


def _reason(exc: InvalidInput) -> str:
    """What the page says is wrong with a period: its kind, or its dates."""
    field = exc.field or str(exc).split(":", 1)[0]
    return "period" if field == "period" else "dates"


@dataclass(frozen=True)
class Figures:
    """What the leader's page shows of a node for a period: its board (the node, its
    children, the nodes ranked), the rankings, the units' loads, the catalogue's indicators
    of the node and the nodes below ranked by one of them (``rank_key``)."""

    board: cockpit.Board
    rankings: dict[str, list[cockpit.Ranked]]
    units: list[cockpit.UnitLoad]
    values: dict[str, indicators.Value]
    rank_key: str
    ranked: list[indicators.Ranked]


#: The indicator the nodes below are ranked by unless the page asks for another.
DEFAULT_RANK = "composite"


def indicator_tree(session: ReadSessionDep, here: Node, p: Period, t: dt.datetime) -> dict[str, dict[str, indicators.Value]]:
    """The catalogue's values of every node of the city for ``p`` (cached per period)."""
    return queries.cached(session, "indicators", here, lambda: indicators.tree_values(
        session, here.city_id, now=t, since=p.since, until=p.until), period=_period_key(p))


def ranked_by(session: ReadSessionDep, here: Node, tree: dict[str, dict[str, indicators.Value]],
              key: str) -> list[indicators.Ranked]:
    """The nodes below ``here`` (the level the cockpit ranks) by indicator ``key``, best first."""
    ind = indicators.get(key)
    return indicators.rank(ind, [(n, tree[n.code][key]) for n in indicators.ranked_nodes(session, here)])


def figures(session: ReadSessionDep, here: Node, p: Period, t: dt.datetime, rank_key: str = DEFAULT_RANK) -> Figures:
    """The leader's figures of ``here`` for ``p`` (cached per node and period): the page,
    its downloads and the wall screen read them from here."""
    board = queries.cached(session, "board", here,
                           lambda: cockpit.board(session, here, now=t, since=p.since, until=p.until),
                           period=_period_key(p))
    units = queries.cached(session, "units", here,
                           lambda: cockpit.unit_loads(session, here, now=t, since=p.since, until=p.until),
                           period=_period_key(p))
    tree = indicator_tree(session, here, p, t)
    return Figures(board, cockpit.rankings(board.ranked), units, tree[here.code], rank_key,
                   ranked_by(session, here, tree, rank_key))


def figures_sheet(here: Node, fig: Figures, table: str, lang: str) -> downloads.Sheet:
    """One of the leader's tables (``tables.LEADER_TABLES``) as a sheet."""
    stem = f"figures-{here.code}"
    which = tables.choose(table, tables.LEADER_TABLES)
    if which == "rankings":
        return tables.leader_rankings(fig.rankings, lang, stem)
    if which == "units":
        return tables.leader_units(fig.units, lang, stem)
    if which == "indicators":
        return tables.indicators_sheet(fig.values, lang, stem)
    if which == "ranking":
        return tables.indicator_ranking(indicators.get(fig.rank_key), fig.ranked, lang, stem)
    return tables.leader_children(fig.board, lang, stem)


def _rank_key(key: str) -> str:
    """The indicator asked for by ``?rank=`` (the default when none); an unknown one is bad input."""
    return indicators.get(key).key if key else DEFAULT_RANK


@router.get("/leader", response_class=HTMLResponse)
def leader(request: Request, session: ReadSessionDep, actor: PageActor, t: Now, node: str = "",
           period: str = DEFAULT_PERIOD, from_: str = Query("", alias="from", max_length=20),
           to: str = Query("", max_length=20), table: str = Query("", max_length=20),
           rank: str = Query("", max_length=40)) -> Response:
    kind = downloads.wanted(request)
    here = _node(session, actor, node)
    rank_key = _rank_key(rank)
    trail = geo.ancestors(session, here)
    form = {"period": period if period in PERIODS else "", "from": from_, "to": to}
    try:
        p = parse_period(period, from_, to, now=t)
    except InvalidInput as exc:
        if kind:
            raise
        return render(request, "leader.html", {
            "node": here, "trail": trail, "periods": PERIODS, "form": form, "period_error": _reason(exc),
        }, status_code=400)
    fig = figures(session, here, p, t, rank_key)
    if kind:
        return downloads.answer(request, kind, lambda: figures_sheet(here, fig, table, request_lang(request)), t)
    board = fig.board
    query = p.query()
    # visit coverage is the visits' own figure (households visited at least once in the
    # period: a distinct count, not a sum of the rollup's rows); seen by those who see visits
    contact = (vs.coverage(session, actor, here, p, now=t).total
               if actor.role in vs.READ_ROLES else None)
    walks = ws.figures(session, actor, here, p).total if actor.role in ws.READERS else None
    grid_cases, grid_open = (queries.cases_at(session, actor, here, limit=GRID_CASES)
                             if here.level == Level.GRID else ([], 0))
    return render(request, "leader.html", {
        "node": here, "trail": trail, "periods": PERIODS, "period_error": None, "p": p,
        "form": {"period": p.kind, "from": query.get("from", ""), "to": query.get("to", "")},
        "period_query": query, "board": board, "row": board.node, "children": board.children,
        "rankings": fig.rankings, "ranked_level": board.ranked_level, "units": fig.units,
        "steps": _steps(p),
        "drill": lambda code, figure: drill_url(code, figure, query),
        "map_level": MAP_LEVEL[Level(here.level)].value, "scale": cockpit.MAP_SCALE,
        "grid_cases": grid_cases, "grid_open": grid_open, "now": t, "contact": contact, "walks": walks,
        "catalogue": indicators.CATALOGUE, "values": fig.values, "rank_key": rank_key,
        "rank_ind": indicators.get(rank_key), "ranked": fig.ranked, "number": tables.indicator_number,
        "parts": tables.indicator_parts,
        "rankable": [i for i in indicators.CATALOGUE if i.kind != "count" or i.per_10k],
    })


# ----------------------------------------------------------------------------- the wall screen
#: The wall screen's headline indicators (the 三率, 按期结案率 and the 综合指标), in order.
WALL_HEADLINE = ("response_rate", "solved_rate", "satisfaction_rate", "on_time_close_rate", "composite")
#: The counts it shows for this year and this month.
WALL_COUNTS = ("received", "closed", "open_now", "overdue_now")
#: The indicators it ranks the nodes below by, and how many of them it lists.
WALL_RANKINGS = ("composite", "on_time_close_rate")
WALL_TOP = 5


@dataclass(frozen=True)
class Wall:
    """What the wall screen shows of a node: this year's and this month's values, and the
    nodes below ranked for the year."""

    year: Period
    month: Period
    year_values: dict[str, indicators.Value]
    month_values: dict[str, indicators.Value]
    rankings: list[tuple[indicators.Indicator, list[indicators.Ranked]]]


def wall_of(session: ReadSessionDep, here: Node, t: dt.datetime) -> Wall:
    year, month = parse_period("year", now=t), parse_period("month", now=t)
    tree = indicator_tree(session, here, year, t)
    month_tree = indicator_tree(session, here, month, t)
    ranks = [(indicators.get(k), ranked_by(session, here, tree, k)[:WALL_TOP]) for k in WALL_RANKINGS]
    return Wall(year, month, tree[here.code], month_tree[here.code], ranks)


@router.get("/leader/wall", response_class=HTMLResponse)
def wall(request: Request, session: ReadSessionDep, actor: PageActor, t: Now, node: str = Query("", max_length=40)) -> Response:
    """The wall screen of a node (大屏, 1920×1080, for an operations room): this year's and
    this month's headline indicators, the nodes below ranked, the map and the monthly trend,
    in large type on a dark ground, reloading itself every ``wall_refresh_seconds``; no
    controls."""
    here = _node(session, actor, node)
    w = wall_of(session, here, t)
    return render(request, "leader_wall.html", {
        "node": here, "w": w, "by_key": indicators.BY_KEY, "headline": WALL_HEADLINE, "counts": WALL_COUNTS,
        "number": tables.indicator_number, "refresh": get_settings().wall_refresh_seconds,
        "scale": cockpit.MAP_SCALE, "map_level": MAP_LEVEL[Level(here.level)].value, "now": t,
        "ranked_level": cockpit.RANKED_LEVEL[Level(here.level)],
    })


@router.get("/web/stats/map.json")
def map_counts(session: ReadSessionDep, actor: PageActor, t: Now, node: str = "") -> Response:
    """Open and overdue cases now per node of the map's level under ``node``, each with its
    class of the map's colour scale (``cockpit.MAP_SCALE``, sent along)."""
    here = _node(session, actor, node)
    level = MAP_LEVEL[Level(here.level)]
    counts = queries.map_counts(session, here, level.value, t)
    if here.level == Level.GRID:
        codes = [here.code]
    else:
        codes = list(session.scalars(geo.descendants_query(here, level).with_only_columns(Node.code)))
    items: dict[str, Any] = {}
    for c in codes:
        item = counts.get(c, {"open": 0, "overdue": 0})
        items[c] = {**item, "grade": cockpit.grade(item["open"], item["overdue"])}
    return JSONResponse({"node": here.code, "level": level.value, "items": items,
                         "scale": [{"key": g.key, "colour": g.colour} for g in cockpit.MAP_SCALE]},
                        headers={"Cache-Control": "private, no-cache"})


def trend_series(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The chart's series (ECharts), straight lines between the months, no smoothing: per
    measure the complete months as a solid line, and the running month apart, dashed from
    the last complete month to a hollow point (the page labels it "month to date")."""
    partial = data["partial"]
    out: list[dict[str, Any]] = []
    for measure in ("received", "closed"):
        values = data[measure]
        solid = [None if part else v for v, part in zip(values, partial, strict=True)]
        out.append({"measure": measure, "type": "line", "smooth": False, "data": solid,
                    "symbol": "circle", "partial": False})
        if any(partial):
            i = partial.index(True)
            dashed: list[int | None] = [None] * len(values)
            if i > 0:
                dashed[i - 1] = values[i - 1]
            dashed[i] = values[i]
            out.append({"measure": measure, "type": "line", "smooth": False, "data": dashed,
                        "symbol": "emptyCircle", "symbolSize": 8, "partial": True,
                        "lineStyle": {"type": "dashed"}})
    return out


@router.get("/web/stats/trend.json")
def trend(session: ReadSessionDep, actor: PageActor, t: Now, node: str = "") -> Response:
    """Cases received and closed per month: the complete months and the running one, marked."""
    here = _node(session, actor, node)
    month = cockpit.months_to(t, queries.city_zone(), 1)[0].key
    data = queries.cached(session, "trend", here, lambda: queries.trend(session, here, t), period=month)
    return JSONResponse({"node": here.code, **data, "series": trend_series(data)},
                        headers={"Cache-Control": "private, no-cache"})

