"""HTTP JSON endpoints of the 10-minute service circle: the public centre finder
(``/api/v1/centres/nearest``, ``/api/v1/circle/items``: no personal data, the point given is not
stored) and, for officers and leaders, coverage per node and item, proposed new sites and the
walking network. Thin: parse, call :mod:`huying.community.circle_service`, present."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Query, UploadFile
from pydantic import BaseModel, Field

from huying.community import circle_service as cs
from huying.community.models import Centre
from huying.deps import SessionDep
from huying.errors import InvalidInput
from huying.http.clock import Now
from huying.http.errors import reject_nul_body
from huying.http.ratelimit import limit_anonymous
from huying.orgs.auth import CurrentActor
from huying.orgs.scope import CityId

#: (``reject_nul_body`` on the JSON command only: the network's upload is multipart, its file
#: read by the parser, and NUL bytes in it are the parser's to refuse.)
router = APIRouter(tags=["service circle"])
#: Largest walking network file accepted, bytes.
MAX_NETWORK_BYTES = 200 * 1024 * 1024


def centre_dict(c: Centre) -> dict[str, Any]:
    return {"code": c.code, "kind": c.kind, "name_zh": c.name_zh, "name_en": c.name_en, "address": c.address,
            "opening_hours": c.opening_hours, "lon": round(c.lon, 6), "lat": round(c.lat, 6)}


@router.get("/api/v1/circle/items", dependencies=[Depends(limit_anonymous)])
def items(session: SessionDep, city_id: CityId) -> dict[str, Any]:
    """The service items offered at a centre (the finder's choice), by category."""
    return {"items": [{"code": i.code, "name_zh": i.name_zh, "name_en": i.name_en, "category": i.category}
                      for i in cs.items_offered(session, city_id)]}


@router.get("/api/v1/centres/nearest", dependencies=[Depends(limit_anonymous)])
def nearest(session: SessionDep, city_id: CityId,
            item: str = Query(..., min_length=1, max_length=40, description="A service item's code."),
            lon: float | None = Query(None, ge=-180, le=180), lat: float | None = Query(None, ge=-90, le=90),
            node: str = Query("", max_length=60, description="A town or community, when no point is given."),
            limit: int = Query(3, ge=1, le=cs.MAX_NEAREST)) -> dict[str, Any]:
    """The centres offering the item nearest to a point (or to the middle of a place), with
    the walk in minutes. The point is used for this answer only and stored nowhere."""
    if lon is not None and lat is not None:
        got, rows = cs.nearest(session, city_id, item, lon, lat, limit)
    elif node:
        got, _, rows = cs.nearest_to_node(session, city_id, item, node, limit)
    else:
        raise InvalidInput("give lon and lat, or a place (node)", "lon")
    walking = cs.walking_of(session, city_id)[0]
    return {"item": {"code": got.code, "name_zh": got.name_zh, "name_en": got.name_en},
            "minutes_circle": walking.threshold_min,
            "centres": [{**centre_dict(r.centre), "walk_m": round(r.walk_m), "minutes": r.minutes, "within": r.within}
                        for r in rows]}


def coverage_dict(cov: cs.Coverage) -> dict[str, Any]:
    return {"node": cov.node.code, "item": cov.item.code, "mode": cov.mode, "minutes": cov.walking.threshold_min,
            "speed_kmh": cov.walking.speed_kmh, "detour": cov.walking.detour if cov.network is None else None,
            "centres": cov.centres, "total": cov.total.as_dict(), "households_without_point": cov.no_point,
            "children": [{"node": n.code, "name_zh": n.name_zh, "name_en": n.name_en, **t.as_dict()}
                         for n, t in cov.by_child]}


@router.get("/api/v1/circle/coverage")
def coverage(session: SessionDep, actor: CurrentActor,
             item: str = Query(..., min_length=1, max_length=40),
             node: str = Query("", max_length=60, description="A node code (default: yours).")) -> dict[str, Any]:
    """The share of the node's households within the circle of a centre offering the item,
    per child node (officers and leaders within their scope)."""
    return coverage_dict(cs.coverage(session, actor, cs.node_of(session, actor, node), item))


class ProposalIn(BaseModel):
    item: str = Field(min_length=1, max_length=40)
    node: str = Field("", max_length=60)
    p: int = Field(3, ge=1, le=cs.MAX_SITES)
    candidates: str = Field("grids", max_length=20)
    #: Candidate sites of your own, [lon, lat, label] each (instead of ``candidates``).
    points: list[tuple[float, float, str]] | None = Field(None, max_length=cs.MAX_CANDIDATES)


def proposal_dict(pr: cs.Proposal) -> dict[str, Any]:
    return {"node": pr.node.code, "item": pr.item.code, "p": pr.p, "candidates": pr.candidates,
            "candidate_kind": pr.candidate_kind, "households": pr.households, "outside_before": pr.outside_before,
            "newly_covered": pr.newly_covered, "greedy_covered": pr.greedy_covered, "bound": pr.bound,
            "gap": pr.gap, "optimal": pr.optimal, "seconds": round(pr.seconds, 3),
            "demand_points": pr.demand_points, "greedy_gap": round(pr.greedy_gap, 4),
            "sites": [{"lon": s.lon, "lat": s.lat, "label": s.label, "newly_covered": s.newly} for s in pr.sites]}


@router.post("/api/v1/circle/proposals", dependencies=[Depends(reject_nul_body)])
def proposals(body: ProposalIn, session: SessionDep, actor: CurrentActor) -> dict[str, Any]:
    """``p`` new sites that bring the most households outside the circle within it (solved
    exactly, with the gap; greedy beside it). Computed, not stored."""
    pts = None
    if body.points is not None:
        pts = [(float(x), float(y), str(label)[:200]) for x, y, label in body.points]
        for i, (x, y, _) in enumerate(pts):
            if not (-180 <= x <= 180 and -90 <= y <= 90):
                raise InvalidInput(f"point {i + 1} is not a longitude and latitude", "points")
    return proposal_dict(cs.propose(session, actor, cs.node_of(session, actor, body.node), body.item, body.p,
                                    candidates=body.candidates, points=pts))


@router.get("/api/v1/circle/network")
def network(session: SessionDep, actor: CurrentActor) -> dict[str, Any]:
    """The city's imported walking network, or none (walks are the straight line × detour)."""
    row = cs.network_info(session, actor)
    return {"network": None if row is None else {
        "source": row.source, "name": row.name, "nodes": row.nodes, "edges": row.edges, "length_m": row.length_m,
        "imported_at": row.imported_at.isoformat()}}


@router.post("/api/v1/circle/network", status_code=201)
async def import_network(session: SessionDep, actor: CurrentActor, now: Now,
                         file: UploadFile = File(..., description="GeoJSON lines or OSM XML")) -> dict[str, Any]:
    """Import a walking network (city officers, administrators): it replaces the one before.
    A bad file is refused with the feature or line named; nothing is stored."""
    cs.check_importer(actor)
    data = await file.read(MAX_NETWORK_BYTES + 1)
    if len(data) > MAX_NETWORK_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_NETWORK_BYTES // 2**20} MiB", "file")
    row = cs.import_network(session, actor, data, file.filename or "", now=now)
    return {"source": row.source, "name": row.name, "nodes": row.nodes, "edges": row.edges, "length_m": row.length_m}
