"""Member–household links (党员联户) on the web: ``/links``, the link map of a node for
officers and leaders (households coloured by their member, a thin line to the member's
home, the members with their load; linking the node again, a member leaving), and
``/links/mine``, a member's own linked households on a phone. Thin: parse, call
:mod:`huying.contact.link_service` (scope through the one policy), render. Names are masked."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select

from huying.cases.policy import covers_node
from huying.contact import link_service as ls
from huying.deps import SessionDep
from huying.geo.models import Node
from huying.http.clock import Now
from huying.web.deps import PageActor
from huying.web.maps import map_config
from huying.web.pages.common import see_other
from huying.web.templating import render

router = APIRouter()

#: The most households the map draws (a town's; a whole city is chosen town by town).
MAP_LIMIT = 5_000
#: The most members listed beside the map.
MEMBERS_SHOWN = 300
#: The colours of the members on the map and in the list (member ``i``: ``COLOURS[i % 12]``).
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
           "#bcbd22", "#3949ab", "#00897b", "#c2185b")


@router.get("/links", response_class=HTMLResponse)
def links_page(request: Request, session: SessionDep, actor: PageActor,
               node: str = Query("", max_length=60), done: str = Query("", max_length=20),
               changed: int = Query(0, ge=0)) -> Response:
    """The link map of a node (default: mine); a member who reads no node gets their own list."""
    if actor.role not in ls.READERS:
        return see_other("/links/mine")
    here = ls.reader_node(session, actor, node or None)
    figures = ls.figures(session, actor, here)
    children = list(session.scalars(select(Node).where(Node.parent_id == here.id).order_by(Node.code)))
    nm = ls.node_map(session, actor, here, limit=MEMBERS_SHOWN, households=False)
    may_link = actor.role in ls.OFFICERS and here.level in ls.LINK_LEVELS and covers_node(actor, here.path)
    return render(request, "links.html", {
        "node": here, "figures": figures, "children": children, "members": nm.members,
        "members_more": figures.members > len(nm.members), "may_link": may_link,
        "may_leave": actor.role in ls.OFFICERS, "show_map": 0 < figures.households <= MAP_LIMIT,
        "done": done, "changed": changed, "at_home": here.path == actor.node_path, "colours": COLOURS, "map_config": map_config(session),
    })


@router.get("/web/links/map.json")
def links_map(session: SessionDep, actor: PageActor, node: str = Query("", max_length=60)) -> Response:
    """The node's members and households as GeoJSON: households (points) with their member's
    index, the members' homes (points) and a line from each linked household to its member."""
    here = ls.reader_node(session, actor, node or None)
    nm = ls.node_map(session, actor, here, limit=MAP_LIMIT)
    feats: list[dict[str, Any]] = []
    for i, m in enumerate(nm.members):
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(m.lon, 5), round(m.lat, 5)]},
                      "properties": {"kind": "member", "member": i, "name": m.name, "load": m.load,
                                     "capacity": m.capacity}})
    for code, lon, lat, mi, need in nm.households:
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                      "properties": {"kind": "household", "code": code, "member": mi, "need": need}})
        if mi >= 0:
            m = nm.members[mi]
            feats.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [
                [lon, lat], [round(m.lon, 5), round(m.lat, 5)]]}, "properties": {"kind": "link", "member": mi}})
    return JSONResponse({"type": "FeatureCollection", "features": feats},
                        headers={"Cache-Control": "private, no-store"})


@router.post("/links/solve", response_class=HTMLResponse)
def solve(session: SessionDep, actor: PageActor, now: Now, node: Annotated[str, Form(max_length=60)]) -> Response:
    """Link the node again (the same command as ``POST /api/v1/links/solve``)."""
    run = ls.link_node(session, actor, node, now=now)
    session.commit()
    return see_other("/links?" + urlencode({"node": run.node, "done": "solved", "changed": run.changed}))


@router.post("/links/members/{member}/leave", response_class=HTMLResponse)
def leave(session: SessionDep, actor: PageActor, now: Now, member: int,
          node: Annotated[str, Form(max_length=60)] = "") -> Response:
    """A member leaves (the same command as ``POST /api/v1/links/members/{member}/leave``)."""
    runs = ls.member_leaves(session, actor, member, now=now)
    changed = sum(r.changed for r in runs)
    return see_other("/links?" + urlencode({"node": node, "done": "left", "changed": changed}))


@router.get("/links/mine", response_class=HTMLResponse)
def mine(request: Request, session: SessionDep, actor: PageActor) -> Response:
    """我的联系户: the households linked to me, nearest first."""
    member, rows = ls.my_links(session, actor)
    return render(request, "links_mine.html", {"member": member, "rows": rows,
                                                "is_reader": actor.role in ls.READERS})
