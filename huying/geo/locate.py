"""Locate a point: the grid (and the path city → grid) that covers it, from a per-process
index of the city's grids that is rebuilt when the map's version moves."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sqlalchemy import String, bindparam, cast, null, select, union_all
from sqlalchemy.orm import Session

from huying import freshness
from huying.cityconfig import config_cache
from huying.db import db_key, rows
from huying.geo.index import GridIndex
from huying.geo.models import City, Level, MapVersion, Node
from huying.geo.tree import MAP_SEEN, OutsideCity, city_code, path_codes


# ---------------------------------------------------------------------------- locate
@dataclass
class _Cached:
    token: tuple[Any, ...]
    index: GridIndex
    paths: dict[int, str]


#: (database, city id) -> index; at most this many kept (least recently built dropped).
_CACHE_SIZE = 16
_cache: dict[tuple[str, int], _Cached] = {}
_cache_lock = threading.Lock()
_build_locks: dict[tuple[str, int], threading.Lock] = {}


def clear_index_cache(session: Session | None = None) -> None:
    with _cache_lock:
        _cache.clear()
    if session is not None:
        freshness.forget(session, MAP_SEEN)


_MAP_VERSION = select(MapVersion.version, MapVersion.changed_at).where(MapVersion.city_id == bindparam("city"))


def map_token(session: Session, city_id: int) -> tuple[Any, ...]:
    """What identifies the current state of a city's map (version and when it changed)."""
    found = rows(session, _MAP_VERSION, {"city": city_id})
    row = found[0] if found else None
    return (0, None) if row is None else (row[0], row[1])




#: The map's version (topic NULL) and the city's configuration versions in one statement:
#: the first thing a report reads, so that classifying it reads no version again.
_MAP_AND_CONFIG = union_all(
    select(cast(null(), String).label("topic"), MapVersion.version, MapVersion.changed_at)
    .where(MapVersion.city_id == bindparam("city")),
    config_cache.VERSIONS)


def _map_token_and_config(session: Session, city_id: int) -> tuple[Any, ...]:
    """:func:`map_token`, the city's configuration versions handed to ``config_cache``."""
    got = rows(session, _MAP_AND_CONFIG, {"city": city_id})
    config_cache.remember_versions(session, city_id, [r for r in got if r[0] is not None])
    found = [r for r in got if r[0] is None]
    return (0, None) if not found else (found[0][1], found[0][2])


def _cached_index(session: Session, city_id: int) -> _Cached:
    key = (db_key(session), city_id)
    # The map version is read at a session's first locate and then at most once a second
    # (huying.freshness), so a hot path costs no query.
    recent: _Cached | None = freshness.recall(session, MAP_SEEN, key)
    if recent is not None:
        return recent
    token = _map_token_and_config(session, city_id)
    with _cache_lock:
        hit = _cache.get(key)
        build_lock = _build_locks.setdefault(key, threading.Lock())
    if hit is not None and hit.token == token:
        freshness.remember(session, MAP_SEEN, key, hit)
        return hit
    # One build per key at a time: requests arriving together at a cold worker wait for
    # the first one's index instead of each building their own.
    with build_lock:
        with _cache_lock:
            hit = _cache.get(key)
        if hit is not None and hit.token == token:
            freshness.remember(session, MAP_SEEN, key, hit)
            return hit
        entry = _build_index(session, city_id, token)
    freshness.remember(session, MAP_SEEN, key, entry)
    return entry


def _build_index(session: Session, city_id: int, token: tuple[Any, ...]) -> _Cached:
    key = (db_key(session), city_id)
    rows = session.execute(
        select(Node.id, Node.code, Node.geometry, Node.path).where(
            Node.city_id == city_id, Node.level == Level.GRID.value, Node.geometry.is_not(None)
        )
    ).all()
    index = GridIndex.build([(r[0], r[1], r[2]) for r in rows])
    entry = _Cached(token=token, index=index, paths={r[0]: r[3] for r in rows})
    with _cache_lock:
        freshness.keep(_cache, key, entry, _CACHE_SIZE)
    return entry


def current_map_token(session: Session, city_id: int) -> tuple[Any, ...]:
    """The city's map version as this session's locate index has it (read at most once a
    second, :mod:`huying.freshness`): what a cache of something drawn on the map (the units
    along a place) compares, at no query on a report's path."""
    return _cached_index(session, city_id).token


def warm(session: Session) -> int:
    """Build the locate index of every city now (a server worker at start-up, so that its
    first reports do not wait for it); returns how many."""
    ids = list(session.scalars(select(City.id)))
    for city_id in ids:
        _cached_index(session, city_id)
    return len(ids)


def grid_index(session: Session, city_id: int) -> GridIndex:
    """The locate index of the city's grids, built once and rebuilt when the map changes."""
    return _cached_index(session, city_id).index


def locate_grid(session: Session, city_id: int, lon: float, lat: float) -> tuple[int, str]:
    """(id, path) of the grid covering (lon, lat), without loading any node: the hot path of
    every report. Raises :class:`OutsideCity`."""
    entry = _cached_index(session, city_id)
    node_id = entry.index.locate(lon, lat)
    if node_id is None:
        code = city_code(session, city_id) or ""
        raise OutsideCity(lon, lat, code)
    return node_id, entry.paths[node_id]


def locate(session: Session, city_id: int, lon: float, lat: float) -> list[Node]:
    """The path city → … → grid of the grid covering (lon, lat); on a shared border, the
    grid with the smallest code. Raises :class:`OutsideCity`."""
    entry = _cached_index(session, city_id)
    node_id = entry.index.locate(lon, lat)
    if node_id is None:
        code = city_code(session, city_id) or ""
        raise OutsideCity(lon, lat, code)
    codes = path_codes(entry.paths[node_id])
    rows = session.scalars(select(Node).where(Node.city_id == city_id, Node.code.in_(codes))).all()
    by_code = {n.code: n for n in rows}
    return [by_code[c] for c in codes if c in by_code]


def locate_many(
    session: Session, city_id: int, lons: ArrayLike, lats: ArrayLike
) -> NDArray[np.int64]:
    """Grid node ids for many points at once (-1 outside every grid)."""
    return grid_index(session, city_id).locate_many(lons, lats)


def grid_paths(session: Session, city_id: int) -> dict[int, str]:
    """The path of each grid of the city by node id (what :func:`locate_many` answers)."""
    return _cached_index(session, city_id).paths
