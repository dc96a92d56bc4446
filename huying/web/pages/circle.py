"""The 10-minute service circle's pages.

* ``/centres/find`` — for residents, public and phone-first: choose what you need in plain
  words, then "use my location" (``js/circle_find.js`` asks the browser, then fetches the
  results fragment ``/web/centres/nearest``) or choose your town and community (a plain GET
  form, no script needed): the nearest centres offering it, with the walk in minutes, the
  address and the opening hours. No personal data; the point given is used for the answer
  and stored nowhere.
* ``/circle`` — for officers and leaders: the share of households within the circle per
  node and item, the map (``js/circle_map.js``: grids coloured by that share, the households
  outside as dots from a community down, proposed sites as stars) and "propose N sites".

Thin: parse, call :mod:`huying.community.circle_service`, render."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select

from huying.community import centres as centres_svc
from huying.community import circle_service as cs
from huying.community.catalogue import CATEGORIES
from huying.community.circle_walk import Walking
from huying.deps import SessionDep
from huying.geo import service as geo
from huying.geo.models import Level, Node
from huying.web.deps import PageActor
from huying.web.maps import map_config
from huying.web.templating import render

router = APIRouter()


#: The colour scale of the circle map: the share of a grid's households within the circle
#: (the visit coverage map's idea, read from the other end: more is better).
SCALE: tuple[tuple[str, str, float | None], ...] = (
    ("none", "#e0e6ea", None),  # no household with a point
    ("under_50", "#a50026", 0.50),
    ("under_75", "#f46d43", 0.75),
    ("under_90", "#fee08b", 0.90),
    ("under_100", "#a6d96a", 1.0),
    ("all", "#1a9850", None),
)


def grade(households: int, within: int) -> int:
    """The index in :data:`SCALE` of a grid: none, < 50 %, < 75 %, < 90 %, < 100 %, all."""
    if households <= 0:
        return 0
    if within >= households:
        return len(SCALE) - 1
    share = within / households
    for i, (_, _, high) in enumerate(SCALE[1:-1], start=1):
        if high is not None and share < high:
            return i
    return len(SCALE) - 2


#: Opening hours in plain words (the one wording, in the centres' service).
hours_text = centres_svc.describe_hours


def _choices(session: SessionDep, city_id: int) -> list[tuple[str, list[Any]]]:
    """The items offered, grouped by the catalogue's categories in their order."""
    groups: dict[str, list[Any]] = {}
    for item in cs.items_offered(session, city_id):
        groups.setdefault(item.category, []).append(item)
    order = list(CATEGORIES)
    return sorted(groups.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))


def _places(session: SessionDep, city_id: int) -> list[tuple[Node, list[Node]]]:
    towns = list(session.scalars(select(Node).where(Node.city_id == city_id, Node.level == Level.TOWN.value)
                                 .order_by(Node.code)))
    comms = list(session.scalars(select(Node).where(Node.city_id == city_id, Node.level == Level.COMMUNITY.value)
                                 .order_by(Node.code)))
    by_town: dict[int, list[Node]] = {}
    for c in comms:
        if c.parent_id is not None:
            by_town.setdefault(c.parent_id, []).append(c)
    return [(t, by_town.get(t.id, [])) for t in towns]


@router.get("/centres/find", response_class=HTMLResponse)
def find(request: Request, session: SessionDep, item: str = Query("", max_length=40),
         node: str = Query("", max_length=60)) -> Response:
    """The centre finder (public)."""
    city = geo.get_city(session)
    choices = _choices(session, city.id)
    codes = {i.code for _, items in choices for i in items}
    chosen = item if item in codes else ""
    results = None
    place = None
    if chosen and node:
        _, place, results = cs.nearest_to_node(session, city.id, chosen, node, 3)
    return render(request, "circle_find.html", {
        "choices": choices, "categories": CATEGORIES, "item": chosen, "node": node, "place": place,
        "places": _places(session, city.id), "results": results, "hours_text": hours_text,
        "minutes": Walking.from_settings().threshold_min})


@router.get("/web/centres/nearest", response_class=HTMLResponse)
def nearest_fragment(request: Request, session: SessionDep, item: str = Query(..., max_length=40),
                     lon: float = Query(..., ge=-180, le=180), lat: float = Query(..., ge=-90, le=90)) -> Response:
    """The finder's results for a point, as the page's fragment (the point is not stored)."""
    city = geo.get_city(session)
    _, rows = cs.nearest(session, city.id, item, lon, lat, 3)
    return render(request, "_circle_results.html", {"results": rows, "place": None, "hours_text": hours_text,
                                                     "minutes": Walking.from_settings().threshold_min},
                  headers={"Cache-Control": "no-store"})


# --------------------------------------------------------------------------- leaders and officers
@router.get("/circle", response_class=HTMLResponse)
def circle(request: Request, session: SessionDep, actor: PageActor, node: str = Query("", max_length=60),
           item: str = Query("", max_length=40), p: int = Query(0, ge=0, le=cs.MAX_SITES)) -> Response:
    """Coverage of the circle under a node for an item, its map, and proposed sites."""
    target = cs.node_of(session, actor, node)
    choices = _choices(session, actor.city_id)
    codes = [i.code for _, items in choices for i in items]
    chosen = item if item in codes else ("elder_canteen" if "elder_canteen" in codes else (codes[0] if codes else ""))
    cov = cs.coverage(session, actor, target, chosen) if chosen else None
    if cov is None:
        cs.check_reader(actor, target)
    proposal = cs.propose(session, actor, target, chosen, p) if chosen and p else None
    return render(request, "circle.html", {
        "cov": cov, "node": target, "trail": geo.ancestors(session, target), "choices": choices,
        "categories": CATEGORIES, "item": chosen, "p": p, "proposal": proposal, "scale": SCALE,
        "map_config": map_config(session), "shows_households": target.level in cs.HOUSEHOLD_LEVELS})


@router.get("/web/circle/map.json")
def circle_map(session: SessionDep, actor: PageActor, node: str = Query("", max_length=60),
               item: str = Query(..., max_length=40), p: int = Query(0, ge=0, le=cs.MAX_SITES)) -> Response:
    """Per grid under the node: households and those within the circle, with the class of
    the scale; the households outside (from a community down, staff within scope); the
    centres offering the item; and the proposed sites when ``p`` is given."""
    target = cs.node_of(session, actor, node)
    cov = cs.coverage(session, actor, target, item)
    proposal = cs.propose(session, actor, target, item, p) if p else None
    box = (target.min_lon, target.min_lat, target.max_lon, target.max_lat)
    centres = cs.centres_offering(session, actor.city_id, cov.item)
    if None not in box:
        w, s, e, n = (float(v) for v in box)  # type: ignore[arg-type]
        centres = [c for c in centres if w - 0.05 <= c.lon <= e + 0.05 and s - 0.05 <= c.lat <= n + 0.05]
    return JSONResponse({
        "node": target.code,
        "items": {g: {"households": t.households, "within": t.within, "grade": grade(t.households, t.within)}
                  for g, t in cov.by_grid.items()},
        "scale": [{"key": k, "colour": c} for k, c, _ in SCALE],
        "outside": [{"code": h.code, "lon": h.lon, "lat": h.lat, "minutes": h.minutes} for h in cov.outside],
        "more": cov.more_outside,
        "centres": [{"name_zh": c.name_zh, "name_en": c.name_en, "lon": c.lon, "lat": c.lat} for c in centres],
        "sites": [] if proposal is None else [{"lon": s.lon, "lat": s.lat, "label": s.label,
                                               "newly_covered": s.newly} for s in proposal.sites],
    }, headers={"Cache-Control": "private, no-store"})
