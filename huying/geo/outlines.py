"""The outlines of towns, communities and grids as a map draws them at one zoom: square tiles
of the map (so that a phone fetches only the part of the city it shows), each the features
whose box meets the tile, simplified to half a pixel at that zoom, with a point inside each
where its name goes. Built once per (database, city, level, zoom) and map version.

A tile is addressed as the web's map tiles are (``z/x/y``, Web Mercator), but spans
:data:`TILE_PX` pixels at zoom ``z``, not 256: a phone's screen needs one to four of them.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.ops import polylabel
from sqlalchemy.orm import Session

from huying.db import db_key
from huying.geo.geojson import export_geojson
from huying.geo.locate import map_token
from huying.geo.models import City, Level
from huying.geo.shapes import to_shape

#: The side of an outline tile, in pixels at its zoom.
TILE_PX = 1024
#: The zooms at which each level is served: below them its outlines would be a smudge (the
#: maps draw the level from its first zoom on); above the last one the last one is used.
ZOOMS: dict[Level, range] = {
    Level.TOWN: range(7, 17),
    Level.COMMUNITY: range(11, 17),
    Level.GRID: range(13, 17),
}
#: Simplification: this fraction of a pixel at the tile's zoom.
PIXEL_TOLERANCE = 0.5


class BadTile(ValueError):
    """A tile that does not exist for the level (zoom out of its range, index off the grid)."""


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees of outline tile ``x, y`` at zoom ``z``."""
    n = 2 ** z * 256 / TILE_PX  # tiles across the world at this zoom

    def lat(row: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The outline tile (x, y) at zoom ``z`` holding the point (as ``js/outlines.js`` finds it)."""
    n = 2 ** z * 256 / TILE_PX
    r = math.radians(lat)
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)
    return x, y


def tolerance(z: int) -> float:
    """Degrees of longitude in :data:`PIXEL_TOLERANCE` of a pixel at zoom ``z``."""
    return PIXEL_TOLERANCE * 360 / (256 * 2 ** z)


@dataclass(frozen=True)
class _Level:
    """One level of a city at one zoom: the features (properties and simplified geometry as
    GeoJSON text) and their boxes."""

    token: Any
    props: list[dict[str, Any]]
    geoms: list[str]
    boxes: NDArray[np.float64]  # (n, 4): west, south, east, north


_cache: dict[tuple[str, int, str, int], _Level] = {}
_lock = threading.Lock()


def _label_points(geoms: NDArray[Any]) -> list[tuple[float, float]]:
    """Where each name goes: the pole of inaccessibility (the point farthest inside), to a
    twentieth of the feature's size; a point on the surface when that fails."""
    out = []
    for g in geoms:
        try:
            part = max(shapely.get_parts(g), key=lambda p: p.area)
            size = math.sqrt(max(part.area, 1e-12))
            p = polylabel(part, tolerance=size / 20)
        except Exception:  # noqa: BLE001 - a degenerate polygon still gets a point
            p = shapely.point_on_surface(g)
        out.append((round(p.x, 6), round(p.y, 6)))
    return out


def _build(session: Session, city: City, level: Level, z: int, token: Any) -> _Level:
    fc = export_geojson(session, city.id, level)
    feats = [f for f in fc["features"] if f["geometry"] is not None]
    if not feats:
        return _Level(token, [], [], np.zeros((0, 4)))
    geoms = np.array([to_shape(f["geometry"]) for f in feats], dtype=object)
    tol = tolerance(z)
    simple = shapely.set_precision(  # coordinates to the power of ten under the tolerance
        shapely.simplify(geoms, tol, preserve_topology=True), 10 ** math.floor(math.log10(tol)))
    labels = _label_points(geoms)
    props = [{
        "code": f["properties"]["code"], "level": level.value,
        "name_zh": f["properties"]["name_zh"], "name_en": f["properties"]["name_en"],
        "parent_code": f["properties"]["parent_code"], "label": list(lab),
    } for f, lab in zip(feats, labels, strict=True)]
    return _Level(token, props, [shapely.to_geojson(g) for g in simple],
                  shapely.bounds(geoms).astype(np.float64))


def _level(session: Session, city: City, level: Level, z: int) -> _Level:
    key = (db_key(session), city.id, level.value, z)
    token = map_token(session, city.id)
    with _lock:
        hit = _cache.get(key)
    if hit is not None and hit.token == token:
        return hit
    built = _build(session, city, level, z, token)
    with _lock:
        _cache[key] = built
    return built


def serving_zoom(level: Level, z: int) -> int:
    """The zoom whose outlines answer a tile at ``z`` (above the level's range: its last)."""
    zooms = ZOOMS.get(level)
    if zooms is None or z < zooms.start:
        raise BadTile(f"no {level.value} outlines at zoom {z}")
    return min(z, zooms.stop - 1)


def tile(session: Session, city: City, level: Level, z: int, x: int, y: int) -> tuple[bytes, str]:
    """The GeoJSON FeatureCollection of one outline tile and its entity tag."""
    if not 0 <= z <= 22:  # checked first: 2 ** z of a huge z overflows
        raise BadTile(f"no tile {z}/{x}/{y}")
    serve = serving_zoom(level, z)
    n = int(2 ** z * 256 / TILE_PX)
    if not (0 <= x < max(n, 1) and 0 <= y < max(n, 1)):
        raise BadTile(f"no tile {z}/{x}/{y}")
    data = _level(session, city, level, serve)
    w, s, e, n_ = tile_bounds(z, x, y)
    b = data.boxes
    hits: list[int] = np.nonzero(
        (b[:, 0] <= e) & (b[:, 2] >= w) & (b[:, 1] <= n_) & (b[:, 3] >= s))[0].tolist() if len(b) else []
    body = ",".join(
        '{"type":"Feature","properties":'
        + json.dumps(data.props[i], ensure_ascii=False, separators=(",", ":"))
        + ',"geometry":' + data.geoms[i] + "}" for i in hits)
    raw = ('{"type":"FeatureCollection","huying:tile":' + json.dumps([z, x, y])
           + ',"features":[' + body + "]}").encode()
    etag = f'"{city.code}-{level.value}-{z}-{x}-{y}-{data.token[0]}"'
    return raw, etag
