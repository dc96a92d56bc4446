"""HTTP: the map layers, locate and the nodes of the tree (``/api/v1/geo``)."""

from __future__ import annotations

import gzip
import json
import threading
from typing import Annotated, Any

import numpy as np
import shapely
from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.db import db_key
from huying.deps import SessionDep
from huying.geo import outlines, service
from huying.geo.models import City, Level, Node
from huying.geo.shapes import to_shape

router = APIRouter(prefix="/api/v1/geo", tags=["geo"])

#: Display simplification per level, in degrees (~1e-5 degree ≈ 1 m).
SIMPLIFY = {
    Level.CITY: 5e-4,
    Level.AREA: 3e-4,
    Level.TOWN: 2e-4,
    Level.COMMUNITY: 5e-5,
    Level.GRID: 2e-5,
}

CityQuery = Annotated[str | None, Query(description="City code (default: the only city).")]


def _city(session: Session, code: str | None) -> City:
    try:
        return service.get_city(session, code)
    except service.CityNotFound as exc:
        raise HTTPException(404, detail=str(exc)) from None


def _node_brief(n: Node) -> dict[str, Any]:
    return {"code": n.code, "name": n.name_zh, "name_en": n.name_en, "level": n.level}


# (database, city id, level) -> (map token, raw bytes, gzipped bytes, etag)
_layers: dict[tuple[str, int, str], tuple[Any, bytes, bytes, str]] = {}
_layers_lock = threading.Lock()


def layer_bytes(session: Session, city: City, level: Level) -> tuple[bytes, bytes, str]:
    """The GeoJSON of one level, simplified for display; cached per map version."""
    key = (db_key(session), city.id, level.value)
    token = service.map_token(session, city.id)
    with _layers_lock:
        hit = _layers.get(key)
    if hit is not None and hit[0] == token:
        return hit[1], hit[2], hit[3]
    fc = service.export_geojson(session, city.id, level)
    feats = [f for f in fc["features"] if f["geometry"] is not None]
    if feats:
        geoms = np.array([to_shape(f["geometry"]) for f in feats], dtype=object)
        simple = shapely.simplify(geoms, SIMPLIFY[level], preserve_topology=True)
        simple = shapely.set_precision(simple, 1e-6)
        for f, g in zip(feats, simple, strict=True):
            f["geometry"] = json.loads(shapely.to_geojson(g))
    fc["features"] = feats
    raw = json.dumps(fc, ensure_ascii=False, separators=(",", ":")).encode()
    gz = gzip.compress(raw, compresslevel=6, mtime=0)
    etag = f'"{city.code}-{level.value}-{token[0]}"'
    with _layers_lock:
        _layers[key] = (token, raw, gz, etag)
    return raw, gz, etag


@router.get("/layers/{level}")
def layer(level: Level, request: Request, session: SessionDep, city: CityQuery = None) -> Response:
    """All polygons of one level as a GeoJSON FeatureCollection, simplified for display."""
    c = _city(session, city)
    raw, gz, etag = layer_bytes(session, c, level)
    headers = {"ETag": etag, "Vary": "Accept-Encoding", "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(gz, media_type="application/geo+json", headers=headers)
    return Response(raw, media_type="application/geo+json", headers=headers)


#: Outline tiles change only with the map (their tag names its version): a browser keeps one
#: for ten minutes, then asks again with the tag.
OUTLINE_CACHE = "public, max-age=600"


@router.get("/outlines/{level}/{z}/{x}/{y}")
def outline_tile(level: Level, z: int, x: int, y: int, request: Request, session: SessionDep,
                 city: CityQuery = None) -> Response:
    """The outlines of one level in one square of the map, simplified for zoom ``z``, each
    feature with its names and a ``label`` point inside it (``huying.geo.outlines``): the
    maps fetch the squares they show, so a phone never downloads the whole city."""
    c = _city(session, city)
    try:
        raw, etag = outlines.tile(session, c, level, z, x, y)
    except outlines.BadTile as exc:
        raise HTTPException(404, detail=str(exc)) from None
    headers = {"ETag": etag, "Vary": "Accept-Encoding", "Cache-Control": OUTLINE_CACHE}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", "") and len(raw) > 1024:
        headers["Content-Encoding"] = "gzip"
        return Response(gzip.compress(raw, compresslevel=5, mtime=0),
                        media_type="application/geo+json", headers=headers)
    return Response(raw, media_type="application/geo+json", headers=headers)


@router.get("/locate", response_model=None)
def locate(
    session: SessionDep,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    city: CityQuery = None,
) -> dict[str, Any] | JSONResponse:
    """The path city → … → grid of the point; 422 with reason ``outside_city`` outside."""
    c = _city(session, city)
    try:
        path = service.locate(session, c.id, lon, lat)
    except service.OutsideCity as exc:
        return JSONResponse(
            status_code=422,
            content={"detail": {"reason": "outside_city", "message": str(exc)}},
        )
    return {"lon": lon, "lat": lat, "path": [_node_brief(n) for n in path]}


@router.get("/nodes/{code}")
def node(code: str, session: SessionDep, city: CityQuery = None) -> dict[str, Any]:
    """A node with its path from the city and the codes of its children."""
    c = _city(session, city)
    try:
        n = service.get_node(session, c.id, code)
    except service.NodeNotFound as exc:
        raise HTTPException(404, detail=str(exc)) from None
    path = service.ancestors(session, n)
    kids = session.scalars(select(Node.code).where(Node.parent_id == n.id).order_by(Node.code))
    return {
        **_node_brief(n),
        "parent_code": path[-2].code if len(path) > 1 else None,
        "centroid": [n.centroid_lon, n.centroid_lat] if n.centroid_lon is not None else None,
        "bbox": [n.min_lon, n.min_lat, n.max_lon, n.max_lat] if n.min_lon is not None else None,
        "area_km2": n.area_km2,
        "path": [_node_brief(p) for p in path],
        "children": list(kids),
    }
