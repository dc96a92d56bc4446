"""Import of a walking network (nothing is downloaded: the city gives the file).

Two formats, one result (:class:`huying.community.circle_walk.Network`):

* **GeoJSON**: a FeatureCollection of ``LineString`` / ``MultiLineString`` features in the
  city's coordinates (lon, lat); each segment between consecutive vertices is an edge;
* **OSM XML** (``.osm``): ``<node id lat lon>`` and ``<way>`` elements with ``<nd ref>``; only
  ways with a ``highway`` tag that people may walk (not ``motorway``/``trunk`` and their links,
  not ``foot=no``/``access=private``) are kept.

Vertices at the same point (to 1e-7°, about 1 cm) are one node, so lines that meet at their
ends are joined. Edge lengths are metres on the city's local projection. A bad file is refused
with the feature (GeoJSON: its index) or the line (OSM: its line number) named, and nothing is
stored. :func:`import_network` stores the result as the city's one
:class:`huying.community.circle_models.WalkNetwork`."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from typing import Any
from xml.parsers import expat

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, defer

from huying.community import events
from huying.community.circle_models import WalkNetwork
from huying.community.circle_walk import Network, straight_m
from huying.contact.linking import project
from huying.errors import InvalidInput

#: Ways that people do not walk on.
NOT_WALKED = frozenset({"motorway", "motorway_link", "trunk", "trunk_link", "construction", "proposed", "raceway"})
#: The most nodes an import may hold (a city's walking network has far fewer).
MAX_NODES = 5_000_000
ROUND = 7  # decimals of a degree: vertices closer than ~1 cm are one node


class _Builder:
    """Collects polylines, merging vertices at the same point."""

    def __init__(self) -> None:
        self.index: dict[tuple[float, float], int] = {}
        self.lon: list[float] = []
        self.lat: list[float] = []
        self.u: list[int] = []
        self.v: list[int] = []

    def node(self, lon: float, lat: float) -> int:
        key = (round(lon, ROUND), round(lat, ROUND))
        got = self.index.get(key)
        if got is None:
            got = self.index[key] = len(self.lon)
            if got >= MAX_NODES:
                raise InvalidInput(f"more than {MAX_NODES} nodes", "network")
            self.lon.append(key[0])
            self.lat.append(key[1])
        return got

    def line(self, points: list[tuple[float, float]]) -> None:
        ids = [self.node(x, y) for x, y in points]
        for a, b in zip(ids, ids[1:], strict=False):
            if a != b:
                self.u.append(a)
                self.v.append(b)

    def network(self) -> Network:
        if not self.u:
            raise InvalidInput("the file holds no walkable line", "network")
        lon, lat = np.asarray(self.lon), np.asarray(self.lat)
        u, v = np.asarray(self.u, dtype=np.int64), np.asarray(self.v, dtype=np.int64)
        xy = project(lon, lat)
        length = straight_m(xy[u, 0], xy[u, 1], xy[v, 0], xy[v, 1])
        return Network(lon, lat, u, v, length)


def _point(value: Any, where: str) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) < 2:
        raise InvalidInput("a position must be [lon, lat]", where)
    x, y = value[0], value[1]
    if isinstance(x, bool) or isinstance(y, bool) or not isinstance(x, int | float) or not isinstance(y, int | float):
        raise InvalidInput("a position must be two numbers", where)
    lon, lat = float(x), float(y)
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(f"({lon}, {lat}) is not a longitude and latitude", where)
    return lon, lat


def _line(coords: Any, where: str) -> list[tuple[float, float]]:
    if not isinstance(coords, list) or len(coords) < 2:
        raise InvalidInput("a line needs at least two positions", where)
    return [_point(c, where) for c in coords]


def parse_geojson(text: str | bytes) -> Network:
    """A network from a GeoJSON FeatureCollection (or one Feature / geometry) of lines."""
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"not JSON ({exc})", "network") from None
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        feats = doc.get("features")
        if not isinstance(feats, list):
            raise InvalidInput("a FeatureCollection needs a list of features", "network")
    elif isinstance(doc, dict) and doc.get("type") == "Feature":
        feats = [doc]
    elif isinstance(doc, dict) and doc.get("type") in ("LineString", "MultiLineString"):
        feats = [{"type": "Feature", "geometry": doc}]
    else:
        raise InvalidInput("expected a GeoJSON FeatureCollection of LineStrings", "network")
    b = _Builder()
    for i, f in enumerate(feats):
        where = f"feature {i + 1}"
        geom = f.get("geometry") if isinstance(f, dict) else None
        if not isinstance(geom, dict):
            raise InvalidInput("has no geometry", where)
        kind = geom.get("type")
        if kind == "LineString":
            b.line(_line(geom.get("coordinates"), where))
        elif kind == "MultiLineString":
            parts = geom.get("coordinates")
            if not isinstance(parts, list) or not parts:
                raise InvalidInput("a MultiLineString needs lines", where)
            for part in parts:
                b.line(_line(part, where))
        else:
            raise InvalidInput(f"a {kind!s} is not a line (LineString or MultiLineString)", where)
    return b.network()


def parse_osm(data: str | bytes) -> Network:
    """A network from OSM XML: its walkable ``highway`` ways."""
    points: dict[str, tuple[float, float]] = {}
    ways: list[tuple[int, list[str], dict[str, str]]] = []
    parser = expat.ParserCreate()
    current: list[Any] = []  # [line, refs, tags] of the open way
    seen_osm = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal seen_osm
        line = parser.CurrentLineNumber
        if name == "osm":
            seen_osm = True
        elif name == "node":
            nid, lat, lon = attrs.get("id"), attrs.get("lat"), attrs.get("lon")
            if not nid or lat is None or lon is None:
                raise InvalidInput("a node needs id, lat and lon", f"line {line}")
            try:
                points[nid] = _point([float(lon), float(lat)], f"line {line}")
            except ValueError:
                raise InvalidInput(f"lat={lat!r} lon={lon!r} are not numbers", f"line {line}") from None
        elif name == "way":
            current[:] = [line, [], {}]
        elif name == "nd" and current:
            ref = attrs.get("ref")
            if not ref:
                raise InvalidInput("a way's nd needs ref", f"line {line}")
            current[1].append(ref)
        elif name == "tag" and current:
            current[2][attrs.get("k", "")] = attrs.get("v", "")

    def end(name: str) -> None:
        if name == "way" and current:
            ways.append((current[0], current[1], current[2]))
            current.clear()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data.encode() if isinstance(data, str) else data, True)
    except expat.ExpatError as exc:
        raise InvalidInput(f"not well-formed XML ({expat.errors.messages[exc.code]})",
                           f"line {exc.lineno}") from None
    if not seen_osm:
        raise InvalidInput("not an OSM file (no <osm> element)", "network")
    b = _Builder()
    for line, refs, tags in ways:
        hw = tags.get("highway")
        if not hw or hw in NOT_WALKED or tags.get("foot") == "no" or tags.get("access") in ("private", "no"):
            continue
        pts: list[tuple[float, float]] = []
        for r in refs:
            if r not in points:
                raise InvalidInput(f"the way refers to node {r}, which the file does not hold", f"line {line}")
            pts.append(points[r])
        if len(pts) >= 2:
            b.line(pts)
    return b.network()


def parse(data: str | bytes, name: str = "") -> tuple[str, Network]:
    """Either format, told by the name's extension or else by the first character."""
    head = (data[:200].decode("utf-8", "replace") if isinstance(data, bytes) else data[:200]).lstrip("\ufeff \t\r\n")
    lower = name.lower()
    if lower.endswith((".osm", ".xml")) or (not lower.endswith((".geojson", ".json")) and head.startswith("<")):
        return "osm", parse_osm(data)
    return "geojson", parse_geojson(data)


# --------------------------------------------------------------------------- storage
def _pack(net: Network) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, lon=net.lon, lat=net.lat, u=net.u.astype(np.int32), v=net.v.astype(np.int32),
                        length_m=net.length_m.astype(np.float32))
    return buf.getvalue()


def _unpack(data: bytes) -> Network:
    with np.load(io.BytesIO(data)) as z:
        return Network(z["lon"].astype(float), z["lat"].astype(float), z["u"].astype(np.int64),
                       z["v"].astype(np.int64), z["length_m"].astype(float))


def store(session: Session, city_id: int, source: str, net: Network, *, name: str, actor_id: int | None,
          now: dt.datetime) -> WalkNetwork:
    """Keep ``net`` as the city's network (replacing the one before), with its event; not
    committed (the caller's command commits)."""
    session.execute(delete(WalkNetwork).where(WalkNetwork.city_id == city_id))
    row = WalkNetwork(city_id=city_id, source=source, name=name[:200], nodes=net.n_nodes, edges=net.n_edges,
                      length_m=int(round(float(net.length_m.sum()))), data=_pack(net), actor_id=actor_id,
                      imported_at=now)
    session.add(row)
    session.flush()
    events.record(session, city_id, "walk_network", row.id, "imported", actor_id=actor_id, now=now, source=source,
                  name=row.name, nodes=row.nodes, edges=row.edges, length_m=row.length_m)
    _cache.pop((_where(session), city_id), None)
    return row


_cache: dict[tuple[str, int], tuple[int, dt.datetime, Network]] = {}


def _where(session: Session) -> str:
    """Which database (a process may serve several, e.g. the tests)."""
    return str(session.get_bind().engine.url)


def load(session: Session, city_id: int) -> tuple[WalkNetwork, Network] | None:
    """The city's imported network, or None (the straight line × detour is used)."""
    head = session.execute(select(WalkNetwork.id, WalkNetwork.imported_at).where(
        WalkNetwork.city_id == city_id)).first()
    if head is None:
        return None
    row = session.get(WalkNetwork, head[0], options=[defer(WalkNetwork.data)])
    assert row is not None
    key = (_where(session), city_id)
    got = _cache.get(key)
    if got is not None and got[0] == row.id and got[1] == row.imported_at:
        return row, got[2]
    net = _unpack(row.data)
    _cache[key] = (row.id, row.imported_at, net)
    return row, net
