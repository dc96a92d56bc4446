"""Leaders: the figures of a node and of every node below it (drill-down along the tree),
a map coloured by open / overdue cases per town, community or grid, and monthly trends."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select

from huying.cases.policy import check_node
from huying.deps import SessionDep
from huying.geo import service as geo
from huying.geo.models import Level, Node
from huying.http.clock import Now
from huying.metrics import rollup
from huying.orgs.actor import Actor
from huying.web import queries
from huying.web.deps import PageActor
from huying.web.pages.work import _node_in_scope
from huying.web.templating import render

router = APIRouter()

#: The level a node's map is coloured by.
MAP_LEVEL = {Level.CITY: Level.TOWN, Level.AREA: Level.TOWN, Level.TOWN: Level.COMMUNITY,
             Level.COMMUNITY: Level.GRID, Level.GRID: Level.GRID}


def _node(session: SessionDep, actor: Actor, code: str) -> Node:
    node = _node_in_scope(session, actor, code)
    check_node(actor, node.path, "figures")
    return node


@router.get("/leader", response_class=HTMLResponse)
def leader(request: Request, session: SessionDep, actor: PageActor, t: Now, node: str = "") -> Response:
    here = _node(session, actor, node)
    data = queries.cached(session, "figures", here,
                          lambda: rollup.figures(session, here.city_id, here.code, now=t))
    return render(request, "leader.html", {
        "node": here, "trail": geo.ancestors(session, here), "figures": data["node"],
        "children": data["children"], "map_level": MAP_LEVEL[Level(here.level)].value,
        "names_en": dict(session.execute(select(Node.code, Node.name_en).where(
            Node.parent_id == here.id)).all()),
    })


@router.get("/web/stats/map.json")
def map_counts(session: SessionDep, actor: PageActor, t: Now, node: str = "") -> Response:
    """Open and overdue cases now per node of the map's level under ``node``."""
    here = _node(session, actor, node)
    level = MAP_LEVEL[Level(here.level)]
    counts = queries.map_counts(session, here, level.value, t)
    if here.level == Level.GRID:
        codes = [here.code]
    else:
        codes = list(session.scalars(geo.descendants_query(here, level).with_only_columns(Node.code)))
    items: dict[str, Any] = {c: counts.get(c, {"open": 0, "overdue": 0}) for c in codes}
    return JSONResponse({"node": here.code, "level": level.value, "items": items},
                        headers={"Cache-Control": "private, no-cache"})


@router.get("/web/stats/trend.json")
def trend(session: SessionDep, actor: PageActor, t: Now, node: str = "") -> Response:
    here = _node(session, actor, node)
    data = queries.cached(session, "trend", here, lambda: queries.trend(session, here, t))
    return JSONResponse({"node": here.code, **data},
                        headers={"Cache-Control": "private, no-cache"})
