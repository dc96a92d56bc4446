"""A clearly **synthetic** walking network: a jittered street lattice over a box, with a
share of its blocks' sides missing (dead ends, blocks of several sizes), written as GeoJSON
LineStrings so that it goes through the same import as a real network
(:func:`huying.community.circle_network.parse_geojson`). No real street is in it.

Used by the tests and ``bench/coverage.py`` (200,000 nodes); the demo city keeps the straight
line × detour (the import of a city-sized network would take the demo step over its ~10 s)."""

from __future__ import annotations

import json
import math

import numpy as np

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
