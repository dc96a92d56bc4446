"""Commands and queries on the city map: the tree, locate, import and export.

Commands flush and leave the commit to the caller (one command, one transaction). Every
command that changes polygons calls :func:`bump_map_version`, which is how the in-process
locate index of a city (:func:`grid_index`) knows to rebuild.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from huying import freshness
from huying.db import db_key, utcnow
from huying.errors import InvalidInput
from huying.geo.index import GridIndex
from huying.geo.models import LEVELS, City, Level, MapVersion, Node
from huying.geo.shapes import M_PER_DEG, node_shape, to_shape


class GeoError(InvalidInput):
    """A bad request on the city map (HTTP 422)."""


class CityNotFound(GeoError):
    http_status = 404


class NodeNotFound(GeoError):
    http_status = 404


class InvalidNode(GeoError):
    """A node that may not be added as asked (level, code form, duplicate, geometry)."""


class OutsideCity(GeoError):
    """The point is covered by no grid of the city."""

    def __init__(self, lon: float, lat: float, city_code: str = "") -> None:
        self.lon, self.lat, self.city_code = lon, lat, city_code
        where = f"city {city_code}" if city_code else "the city"
        super().__init__(f"point ({lon}, {lat}) is outside {where}: no grid covers it")


# ---------------------------------------------------------------------------- the tree
def get_city(session: Session, code: str | None = None) -> City:
    """The city with ``code``; with no code, the only city (an error if there are several)."""
    if code is not None:
        city = session.scalar(select(City).where(City.code == code))
        if city is None:
            raise CityNotFound(f"no city with code {code!r}")
        return city
    cities = session.scalars(select(City).order_by(City.code).limit(3)).all()
    if len(cities) == 1:
        return cities[0]
    if not cities:
        raise CityNotFound("no city in the database (build the demo or create one)")
    codes = ", ".join(c.code for c in cities)
    raise CityNotFound(f"several cities ({codes}…): say which one with its code")


def get_node(session: Session, city_id: int, code: str) -> Node:
    node = session.scalar(select(Node).where(Node.city_id == city_id, Node.code == code))
    if node is None:
        raise NodeNotFound(f"no node with code {code!r} in this city")
    return node


def path_codes(path: str) -> list[str]:
    """``"441900/441900-A1/441900003/"`` → ``["441900", "441900-A1", "441900003"]``."""
    return [c for c in path.split("/") if c]


def ancestors(session: Session, node: Node) -> list[Node]:
    """The chain city → … → ``node`` (the node included), from its ``path``."""
    codes = path_codes(node.path)
    rows = session.scalars(
        select(Node).where(Node.city_id == node.city_id, Node.code.in_(codes))
    ).all()
    by_code = {n.code: n for n in rows}
    return [by_code[c] for c in codes if c in by_code]


def children(session: Session, node: Node) -> list[Node]:
    return list(
        session.scalars(select(Node).where(Node.parent_id == node.id).order_by(Node.code)).all()
    )


def descendants_query(node: Node, level: Level | str | None = None) -> Select[Node]:
    """A query for every node below ``node`` (not itself), optionally at one level."""
    q = select(Node).where(
        Node.city_id == node.city_id,
        Node.path.startswith(node.path, autoescape=True),
        Node.id != node.id,
    )
    if level is not None:
        q = q.where(Node.level == Level(level).value)
    return q.order_by(Node.path)


# ---------------------------------------------------------------------------- codes
_CODE_FORMS: dict[Level, tuple[str, str]] = {
    Level.CITY: (r"\d{{6}}", "6 digits"),
    Level.AREA: (r"{city}-A\d+", "the city code, '-A' and a number (e.g. 441900-A1)"),
    Level.TOWN: (r"{city}\d{{3}}", "9 digits starting with the city code"),
    Level.COMMUNITY: (r"{town}\d{{3}}", "the town code and 3 digits (12 digits)"),
    Level.GRID: (r"{community}\d{{3}}", "the community code and 3 digits (15 digits)"),
}


def code_problem(level: Level, code: str, chain: Sequence[str]) -> str | None:
    """Why ``code`` is not a valid code for a node of ``level`` below ``chain`` (the codes
    of its ancestors, city first), or None when it is."""
    pattern, form = _CODE_FORMS[level]
    # The chain follows the levels (city, area, town, community); areas are in the tree
    # but not in the codes below them.
    names = {lv.value: c for lv, c in zip(LEVELS, chain, strict=False)}
    regex = pattern.format(**{k: re.escape(v) for k, v in names.items()})
    if not re.fullmatch(regex, code):
        return f"code {code!r} for a {level.value} must be {form}"
    return None


# ---------------------------------------------------------------------------- commands
def bump_map_version(session: Session, city_id: int) -> int:
    """Record that the city's polygons changed; returns the new version. Flushes."""
    session.flush()
    freshness.forget(session, _MAP_SEEN)
    now = utcnow()
    res = session.execute(
        update(MapVersion)
        .where(MapVersion.city_id == city_id)
        .values(version=MapVersion.version + 1, changed_at=now)
        .returning(MapVersion.version)
    ).scalar_one_or_none()
    if res is None:
        mv = MapVersion(city_id=city_id, version=1, changed_at=now)
        session.add(mv)
        session.flush()
        return 1
    return int(res)


def _polygonal(geometry: BaseGeometry | dict[str, Any] | str) -> BaseGeometry:
    geom = geometry if isinstance(geometry, BaseGeometry) else to_shape(geometry)
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        raise InvalidNode(
            f"a node's geometry must be a Polygon or MultiPolygon, not {geom.geom_type}"
        )
    if not geom.is_valid:
        raise InvalidNode(f"invalid geometry: {shapely.is_valid_reason(geom)}")
    return geom


def create_city(
    session: Session,
    code: str,
    name_zh: str,
    name_en: str,
    *,
    crs: str = "GCJ-02",
    geometry: BaseGeometry | dict[str, Any] | str | None = None,
) -> City:
    """A new city (tenant) with its root node and its map version. Flushes."""
    if session.scalar(select(City.id).where(City.code == code)) is not None:
        raise InvalidNode(f"a city with code {code!r} exists")
    problem = code_problem(Level.CITY, code, [])
    if problem:
        raise InvalidNode(problem)
    city = City(code=code, name_zh=name_zh, name_en=name_en, crs=crs)
    session.add(city)
    session.flush()
    session.add(MapVersion(city_id=city.id, version=1, changed_at=utcnow()))
    add_node(session, city, Level.CITY, code, None, name_zh, name_en, geometry)
    return city


def add_node(
    session: Session,
    city: City,
    level: Level | str,
    code: str,
    parent: Node | None,
    name_zh: str,
    name_en: str,
    geometry: BaseGeometry | dict[str, Any] | str | None = None,
    *,
    bump: bool = True,
) -> Node:
    """Add a node below ``parent`` (None for the city's root), filling ``path`` and the
    geometry columns. The tree is strict: city → area → town → community → grid. Grids
    need a polygon. Flushes; bumps the map version when a polygon is added (pass
    ``bump=False`` when the caller bumps once for many nodes)."""
    level = Level(level)
    if level is Level.CITY:
        if parent is not None:
            raise InvalidNode("the city node has no parent")
        chain: list[str] = []
        if code != city.code:
            raise InvalidNode(f"the city node's code must be the city's code {city.code!r}")
    else:
        if parent is None:
            raise InvalidNode(f"a {level.value} needs a parent")
        if parent.city_id != city.id:
            raise InvalidNode("the parent belongs to another city")
        if parent.level_enum.child is not level:
            want = parent.level_enum.child
            raise InvalidNode(
                f"a {level.value} cannot be the child of a {parent.level} "
                f"({parent.code}); its children are {want.value if want else 'none'}"
            )
        chain = path_codes(parent.path)
    problem = code_problem(level, code, chain)
    if problem:
        raise InvalidNode(problem)
    if session.scalar(select(Node.id).where(Node.city_id == city.id, Node.code == code)):
        raise InvalidNode(f"code {code!r} is already used in this city")
    if not name_zh.strip():
        raise InvalidNode("name_zh must not be empty")
    cols: dict[str, Any] = {}
    if geometry is not None:
        cols = node_shape(_polygonal(geometry)).columns()
    elif level is Level.GRID:
        raise InvalidNode("a grid needs a polygon")
    node = Node(
        city_id=city.id,
        code=code,
        level=level.value,
        parent_id=parent.id if parent else None,
        path=(parent.path if parent else "") + code + "/",
        name_zh=name_zh.strip(),
        name_en=(name_en or "").strip(),
        **cols,
    )
    session.add(node)
    session.flush()
    if geometry is not None and bump:
        bump_map_version(session, city.id)
    return node


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
        freshness.forget(session, _MAP_SEEN)


def map_token(session: Session, city_id: int) -> tuple[Any, ...]:
    """What identifies the current state of a city's map (version and when it changed)."""
    row = session.execute(
        select(MapVersion.version, MapVersion.changed_at).where(MapVersion.city_id == city_id)
    ).first()
    return (0, None) if row is None else (row[0], row[1])


_MAP_SEEN = "huying.map_seen"


def _cached_index(session: Session, city_id: int) -> _Cached:
    key = (db_key(session), city_id)
    # The map version is read at a session's first locate and then at most once a second
    # (huying.freshness), so a hot path costs no query.
    recent: _Cached | None = freshness.recall(session, _MAP_SEEN, key)
    if recent is not None:
        return recent
    token = map_token(session, city_id)
    with _cache_lock:
        hit = _cache.get(key)
        build_lock = _build_locks.setdefault(key, threading.Lock())
    if hit is not None and hit.token == token:
        freshness.remember(session, _MAP_SEEN, key, hit)
        return hit
    # One build per key at a time: requests arriving together at a cold worker wait for
    # the first one's index instead of each building their own.
    with build_lock:
        with _cache_lock:
            hit = _cache.get(key)
        if hit is not None and hit.token == token:
            freshness.remember(session, _MAP_SEEN, key, hit)
            return hit
        entry = _build_index(session, city_id, token)
    freshness.remember(session, _MAP_SEEN, key, entry)
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
        _cache.pop(key, None)
        _cache[key] = entry
        while len(_cache) > _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
    return entry


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
        code = session.scalar(select(City.code).where(City.id == city_id)) or ""
        raise OutsideCity(lon, lat, code)
    return node_id, entry.paths[node_id]


def locate(session: Session, city_id: int, lon: float, lat: float) -> list[Node]:
    """The path city → … → grid of the grid covering (lon, lat); on a shared border, the
    grid with the smallest code. Raises :class:`OutsideCity`."""
    entry = _cached_index(session, city_id)
    node_id = entry.index.locate(lon, lat)
    if node_id is None:
        code = session.scalar(select(City.code).where(City.id == city_id)) or ""
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


# ---------------------------------------------------------------------------- import
@dataclass(frozen=True)
class Issue:
    index: int
    name: str
    code: str
    kind: str
    message: str

    def __str__(self) -> str:
        who = f"feature {self.index}" + (f" ({self.name})" if self.name else "")
        if self.code:
            who += f" [{self.code}]"
        return f"{who}: {self.kind}: {self.message}"


@dataclass
class ImportReport:
    level: str
    parent_code: str
    features: int = 0
    imported: list[str] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        head = (
            f"{self.features} feature(s) at level {self.level} under {self.parent_code}: "
            + (f"{len(self.imported)} imported" if self.ok else "REJECTED, nothing imported")
            + f", {len(self.warnings)} warning(s), {len(self.errors)} error(s)"
        )
        return (
            [head] + [f"warning: {w}" for w in self.warnings] + [f"error: {e}" for e in self.errors]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "parent_code": self.parent_code,
            "features": self.features,
            "imported": self.imported,
            "warnings": [i.__dict__ for i in self.warnings],
            "errors": [i.__dict__ for i in self.errors],
        }


class ImportRejected(GeoError):
    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__("\n".join(report.lines()))


def _metric(geom: BaseGeometry, lon0: float, lat0: float) -> BaseGeometry:
    """Local equirectangular metres around (lon0, lat0), for distances and areas."""
    kx = M_PER_DEG * math.cos(math.radians(lat0))

    def tr(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.c_[(xy[:, 0] - lon0) * kx, (xy[:, 1] - lat0) * M_PER_DEG]

    return shapely.transform(geom, tr)


def _close_rings(geometry: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Close unclosed rings in GeoJSON coordinates; returns the geometry and how many."""
    gtype = geometry.get("type")
    coords = geometry.get("coordinates")
    if gtype not in ("Polygon", "MultiPolygon") or not isinstance(coords, list):
        return geometry, 0
    polys = [coords] if gtype == "Polygon" else coords
    fixed = 0
    new_polys = []
    for poly in polys:
        new_rings = []
        for ring in poly:
            ring = [list(p) for p in ring]
            if len(ring) >= 1 and ring[0] != ring[-1]:
                ring.append(list(ring[0]))
                fixed += 1
            new_rings.append(ring)
        new_polys.append(new_rings)
    out = dict(geometry)
    out["coordinates"] = new_polys[0] if gtype == "Polygon" else new_polys
    return out, fixed


def _load_fc(path_or_fc: str | Path | dict[str, Any]) -> dict[str, Any]:
    if isinstance(path_or_fc, dict):
        return path_or_fc
    text = Path(path_or_fc).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GeoError(f"{path_or_fc}: not JSON: {exc}") from exc
    return data  # type: ignore[no-any-return]


def _crs_name(fc: dict[str, Any]) -> str | None:
    crs = fc.get("crs")
    if isinstance(crs, dict):
        name = (crs.get("properties") or {}).get("name")
        if isinstance(name, str):
            return name
    name = fc.get("huying:crs")
    return name if isinstance(name, str) else None


def import_geojson(
    session: Session,
    city_id: int,
    path_or_fc: str | Path | dict[str, Any],
    level: Level | str,
    parent_code: str,
    tolerance: float = 1.0,
) -> ImportReport:
    """Import the features of a GeoJSON FeatureCollection as nodes of ``level`` below the
    node ``parent_code``, all or nothing.

    Every feature is checked: a Feature with properties ``code`` (of the right form) and
    ``name_zh`` (or ``name``; ``name_en`` optional); a Polygon or MultiPolygon whose rings
    are closed (closed, with a warning) and valid (repaired with ``make_valid`` when
    possible, with a warning); inside the parent; no overlap with its siblings, existing
    or in the file. ``tolerance`` (metres) forgives slivers: a part outside the parent or
    an overlap counts only where it is wider than twice the tolerance.

    On any error nothing is written and :class:`ImportRejected` carries the report. On
    success the nodes are added (flushed, the caller commits) and the map version bumped.
    """
    level = Level(level)
    city = session.get(City, city_id)
    if city is None:
        raise CityNotFound(f"no city with id {city_id}")
    parent = get_node(session, city_id, parent_code)
    report = ImportReport(level=level.value, parent_code=parent_code)
    fc = _load_fc(path_or_fc)
    if not isinstance(fc, dict) or fc.get("type") != "FeatureCollection":
        report.errors.append(
            Issue(-1, "", "", "not_a_feature_collection", "expected a GeoJSON FeatureCollection")
        )
        raise ImportRejected(report)
    features = fc.get("features") or []
    report.features = len(features)
    if parent.level_enum.child is not level:
        report.errors.append(
            Issue(
                -1,
                "",
                "",
                "bad_level",
                f"a {parent.level} ({parent.code}) has no {level.value} children",
            )
        )
        raise ImportRejected(report)
    crs = _crs_name(fc)
    if crs and crs != city.crs:
        report.warnings.append(
            Issue(
                -1,
                "",
                "",
                "crs",
                f"the file declares CRS {crs!r}; coordinates are taken as the city's {city.crs}",
            )
        )

    chain = path_codes(parent.path)
    # The nearest ancestor with a polygon bounds the new nodes.
    bound_nodes = [n for n in ancestors(session, parent) if n.geometry]
    bound = to_shape(bound_nodes[-1].geometry) if bound_nodes else None  # type: ignore[arg-type]
    if bound is None:
        report.warnings.append(
            Issue(
                -1,
                "",
                "",
                "no_parent_polygon",
                f"no polygon above {parent_code}: containment not checked",
            )
        )
    existing_codes = set(session.scalars(select(Node.code).where(Node.city_id == city_id)).all())

    @dataclass
    class Good:
        index: int
        name: str
        code: str
        name_en: str
        geom: BaseGeometry

    goods: list[Good] = []
    seen: dict[str, int] = {}
    for i, feat in enumerate(features):
        props = (feat.get("properties") or {}) if isinstance(feat, dict) else {}
        code = str(props.get("code") or "").strip()
        name = str(props.get("name_zh") or props.get("name") or "").strip()

        def err(kind: str, msg: str, i: int = i, name: str = name, code: str = code) -> None:
            report.errors.append(Issue(i, name, code, kind, msg))

        def warn(kind: str, msg: str, i: int = i, name: str = name, code: str = code) -> None:
            report.warnings.append(Issue(i, name, code, kind, msg))

        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            err("not_a_feature", "expected a GeoJSON Feature")
            continue
        bad = False
        if not code:
            err("missing_code", "property 'code' is required")
            bad = True
        else:
            problem = code_problem(level, code, chain)
            if problem:
                err("bad_code", problem)
                bad = True
            elif code in seen:
                err("duplicate_code", f"code {code!r} is also used by feature {seen[code]}")
                bad = True
            elif code in existing_codes:
                err("code_exists", f"code {code!r} is already used in this city")
                bad = True
            seen.setdefault(code, i)
        if not name:
            err("missing_name", "property 'name_zh' (or 'name') is required")
            bad = True
        gj = feat.get("geometry")
        if not isinstance(gj, dict):
            err("missing_geometry", "the feature has no geometry")
            continue
        if gj.get("type") not in ("Polygon", "MultiPolygon"):
            err("not_polygon", f"geometry must be Polygon or MultiPolygon, not {gj.get('type')}")
            continue
        gj, unclosed = _close_rings(gj)
        if unclosed:
            warn("ring_closed", f"{unclosed} unclosed ring(s) closed")
        try:
            geom = shape(gj)
        except Exception as exc:  # noqa: BLE001 - any parse failure is the feature's fault
            err("bad_geometry", f"cannot read the geometry: {exc}")
            continue
        if geom.is_empty:
            err("empty_geometry", "the geometry is empty")
            continue
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            fixed = shapely.make_valid(geom)
            parts = [
                p for p in shapely.get_parts(fixed) if p.geom_type in ("Polygon", "MultiPolygon")
            ]
            repaired = shapely.union_all(parts) if parts else None
            if repaired is None or repaired.is_empty or not repaired.is_valid:
                err("invalid_geometry", f"invalid ({reason}) and make_valid cannot repair it")
                continue
            dropped = len(parts) != len(shapely.get_parts(fixed))
            warn(
                "repaired",
                f"invalid ({reason}); repaired with make_valid"
                + (" (non-polygon pieces dropped)" if dropped else ""),
            )
            geom = repaired
        if bound is not None:
            lon0, lat0 = bound.centroid.x, bound.centroid.y
            outside = _metric(geom.difference(bound), lon0, lat0)
            if not outside.is_empty and not outside.buffer(-tolerance).is_empty:
                err(
                    "outside_parent",
                    f"{outside.area:,.0f} m² lies outside {bound_nodes[-1].code} "
                    f"(beyond the {tolerance:g} m tolerance)",
                )
                bad = True
        if not bad:
            goods.append(Good(i, name, code, str(props.get("name_en") or ""), geom))

    # Overlaps between siblings: existing ones and the file's own features.
    siblings = session.execute(
        select(Node.code, Node.name_zh, Node.geometry).where(
            Node.parent_id == parent.id, Node.geometry.is_not(None)
        )
    ).all()
    all_geoms = [g.geom for g in goods] + [to_shape(str(s[2])) for s in siblings]
    if all_geoms and goods:
        arr = np.array(all_geoms, dtype=object)
        tree = shapely.STRtree(arr)
        a, b = tree.query(arr[: len(goods)], predicate="intersects")
        lon0, lat0 = shapely.get_coordinates(arr[0])[0]
        for ia, ib in zip(a.tolist(), b.tolist(), strict=True):
            if ia == ib or (ib < len(goods) and ib < ia):
                continue  # itself, or a pair of file features already seen the other way
            ov = _metric(shapely.intersection(arr[ia], arr[ib]), lon0, lat0)
            if ov.area == 0 or ov.buffer(-tolerance).is_empty:
                continue
            g = goods[ia]
            if ib < len(goods):
                other = f"feature {goods[ib].index} ({goods[ib].name}) [{goods[ib].code}]"
            else:
                s = siblings[ib - len(goods)]
                other = f"existing {s[0]} ({s[1]})"
            report.errors.append(
                Issue(g.index, g.name, g.code, "overlap", f"overlaps {other} by {ov.area:,.0f} m²")
            )
    report.errors.sort(key=lambda e: e.index)
    if report.errors:
        raise ImportRejected(report)
    for g in goods:
        add_node(session, city, level, g.code, parent, g.name, g.name_en, g.geom, bump=False)
        report.imported.append(g.code)
    if goods:
        bump_map_version(session, city_id)
    return report


# ---------------------------------------------------------------------------- export
def export_geojson(
    session: Session, city_id: int, level: Level | str | None = None, under: str | None = None
) -> dict[str, Any]:
    """A FeatureCollection of the city's nodes (optionally one level, optionally below the
    node ``under``, itself excluded), in tree order, with the city's CRS recorded."""
    city = session.get(City, city_id)
    if city is None:
        raise CityNotFound(f"no city with id {city_id}")
    q: Select[Node]
    if under is not None:
        q = descendants_query(get_node(session, city_id, under), level)
    else:
        q = select(Node).where(Node.city_id == city_id).order_by(Node.path)
        if level is not None:
            q = q.where(Node.level == Level(level).value)
    nodes = session.scalars(q).all()
    parent_codes = {n.id: n.code for n in nodes}
    missing = {n.parent_id for n in nodes if n.parent_id and n.parent_id not in parent_codes}
    if missing:
        for pid, pcode in session.execute(select(Node.id, Node.code).where(Node.id.in_(missing))):
            parent_codes[pid] = pcode
    features = [
        {
            "type": "Feature",
            "properties": {
                "code": n.code,
                "level": n.level,
                "name_zh": n.name_zh,
                "name_en": n.name_en,
                "parent_code": parent_codes.get(n.parent_id) if n.parent_id else None,
            },
            "geometry": json.loads(n.geometry) if n.geometry else None,
        }
        for n in nodes
    ]
    return {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": city.crs}},
        "huying:crs": city.crs,
        "huying:city": city.code,
        "features": features,
    }


def node_count(session: Session, city_id: int, level: Level | str | None = None) -> int:
    q = select(func.count(Node.id)).where(Node.city_id == city_id)
    if level is not None:
        q = q.where(Node.level == Level(level).value)
    return int(session.scalar(q) or 0)
