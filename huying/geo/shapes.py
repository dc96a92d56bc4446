"""GeoJSON ↔ shapely, and the derived columns of a node (centroid, bbox, area)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

#: Metres per degree of latitude (spherical Earth, good enough for areas and distances at
#: city scale; the demo's GCJ-02 offset does not matter for these).
M_PER_DEG = 111_320.0


def to_shape(geometry: str | dict[str, Any]) -> BaseGeometry:
    """A shapely geometry from a GeoJSON geometry (text or dict)."""
    data = json.loads(geometry) if isinstance(geometry, str) else geometry
    return shape(data)


def to_geojson(geom: BaseGeometry, precision: int = 6) -> str:
    """Compact GeoJSON text with coordinates rounded to ``precision`` decimals (~0.1 m)."""
    rounded = shapely.set_precision(geom, 10**-precision) if precision else geom
    return json.dumps(mapping(rounded), separators=(",", ":"))


def area_km2(geom: BaseGeometry) -> float:
    """Approximate area in km² of a lon/lat geometry (equirectangular at its centroid)."""
    if geom.is_empty:
        return 0.0
    lat = geom.centroid.y
    return geom.area * (M_PER_DEG**2) * math.cos(math.radians(lat)) / 1e6


@dataclass(frozen=True)
class NodeShape:
    geometry: str
    centroid_lon: float
    centroid_lat: float
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float
    area_km2: float

    def columns(self) -> dict[str, Any]:
        return self.__dict__.copy()


def node_shape(geom: BaseGeometry, precision: int = 6) -> NodeShape:
    """The geometry columns of a node. The "centroid" is a representative point, which is
    always inside the polygon (a true centroid may fall outside a concave one)."""
    rep = geom.representative_point()
    minx, miny, maxx, maxy = geom.bounds
    return NodeShape(
        geometry=to_geojson(geom, precision),
        centroid_lon=round(rep.x, 7),
        centroid_lat=round(rep.y, 7),
        min_lon=minx,
        min_lat=miny,
        max_lon=maxx,
        max_lat=maxy,
        area_km2=round(area_km2(geom), 6),
    )


#: The mean radius of the Earth (metres).
EARTH_M = 6_371_008.8


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(min(1.0, math.sqrt(a)))


def haversine_many(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """:func:`haversine_m` from one point to many."""
    p1, p2 = math.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_M * np.arcsin(np.minimum(1.0, np.sqrt(a))))
