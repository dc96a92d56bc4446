"""A clearly **synthetic** walking network: a jittered street lattice over a box, with a
share of its blocks' sides missing (dead ends, blocks of several sizes), written as GeoJSON
LineStrings so that it goes through the same import as a real network
(:func:`huying.community.circle_network.parse_geojson`). No real street is in it.

Used by the tests, ``bench/coverage.py`` (200,000 nodes) and the demo city (a street every
250 m over its households: :func:`build_network`)."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.community.circle_walk import Network
from huying.contact.linking import project


def lattice(west: float, south: float, east: float, north: float, spacing_m: float, *, seed: int = 1,
            jitter: float = 0.2, missing: float = 0.12) -> Network:
    """Nodes every ``spacing_m`` metres (moved by up to ``jitter`` of the spacing), joined to
    their east and north neighbours except a ``missing`` share of those sides."""
    rng = np.random.default_rng(seed)
    lat0 = (south + north) / 2
    dlat = spacing_m / 111_195.0
    dlon = dlat / math.cos(math.radians(lat0))
    nx = max(2, int((east - west) / dlon) + 1)
    ny = max(2, int((north - south) / dlat) + 1)
    ix, iy = np.meshgrid(np.arange(nx), np.arange(ny), indexing="xy")
    lon = west + ix.ravel() * dlon + rng.uniform(-jitter, jitter, nx * ny) * dlon
    lat = south + iy.ravel() * dlat + rng.uniform(-jitter, jitter, nx * ny) * dlat
    ids = np.arange(nx * ny).reshape(ny, nx)
    east_u, east_v = ids[:, :-1].ravel(), ids[:, 1:].ravel()
    north_u, north_v = ids[:-1, :].ravel(), ids[1:, :].ravel()
    u = np.concatenate([east_u, north_u])
    v = np.concatenate([east_v, north_v])
    keep = rng.random(len(u)) >= missing
    u, v = u[keep].astype(np.int64), v[keep].astype(np.int64)
    xy = project(lon, lat)
    length = np.sqrt((xy[u, 0] - xy[v, 0]) ** 2 + (xy[u, 1] - xy[v, 1]) ** 2)
    return Network(lon, lat, u, v, length)


def to_geojson(net: Network) -> str:
    """The network as a GeoJSON FeatureCollection, one LineString per edge."""
    lon, lat = net.lon.tolist(), net.lat.tolist()
    feats = [{"type": "Feature", "properties": {"highway": "footway", "synthetic": True},
              "geometry": {"type": "LineString",
                           "coordinates": [[round(lon[a], 7), round(lat[a], 7)], [round(lon[b], 7), round(lat[b], 7)]]}}
             for a, b in zip(net.u.tolist(), net.v.tolist(), strict=True)]
    return json.dumps({"type": "FeatureCollection", "name": "synthetic walking network (demo, not real streets)",
                       "features": feats}, separators=(",", ":"))


#: The demo city's streets: one every 250 m, over the box of its households (about 67,000
#: nodes); coarse enough to import in a few seconds, fine enough that a household's snap to
#: the nearest street is short.
DEMO_SPACING_M = 250.0
DEMO_NAME = "示例步行路网（合成，非真实道路）"


def build_network(session: Session, city_id: int, seed: int, *, now: dt.datetime) -> dict[str, int]:
    """The demo's synthetic walking network, imported through the same parse and store as a
    real one (flushed, not committed): the 10-minute circle then walks it."""
    from huying.community import circle_network
    from huying.contact.models import Household

    w, s, e, n = session.execute(select(func.min(Household.lon), func.min(Household.lat), func.max(Household.lon),
                                        func.max(Household.lat)).where(Household.city_id == city_id,
                                                                       Household.lon.is_not(None))).one()
    if w is None or s is None or e is None or n is None:
        return {"nodes": 0, "edges": 0}
    pad = 0.005  # about 500 m around the outermost households
    net = lattice(w - pad, s - pad, e + pad, n + pad, DEMO_SPACING_M, seed=seed + 1818)
    source, parsed = circle_network.parse(to_geojson(net).encode(), "demo-network.geojson")
    row = circle_network.store(session, city_id, source, parsed, name=DEMO_NAME, actor_id=None, now=now)
    return {"nodes": row.nodes, "edges": row.edges}
