"""The city's tree: cities, areas, towns, communities and grids; their codes; adding nodes.

Commands flush and leave the commit to the caller (one command, one transaction). Every
command that changes polygons calls :func:`bump_map_version`, which is how the in-process
locate index of a city (``huying.geo.locate``) knows to rebuild.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import Session

from huying import freshness
from huying.db import read, utcnow
from huying.errors import InvalidInput
from huying.geo.models import LEVELS, City, Level, MapVersion, Node
from huying.geo.shapes import node_shape, to_shape


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


#: The session's memory of its cities' codes (a city's code never changes).
_CITY_CODES = "huying.city_codes"
_CITY_CODE = select(City.code).where(City.id == bindparam("id"))


def city_code(session: Session, city_id: int) -> str | None:
    """The city's code (None: no such city), remembered by the session."""
    codes: dict[int, str | None] = session.info.setdefault(_CITY_CODES, {})
    if city_id not in codes:
        codes[city_id] = read(session, _CITY_CODE, {"id": city_id}).scalar()
    return codes[city_id]


def remember_city_code(session: Session, city_id: int, code: str) -> None:
    """Tell the session a city's code that the caller read with something else (the API
    token's look-up), so that :func:`city_code` need not read it again in this request."""
    session.info.setdefault(_CITY_CODES, {})[city_id] = code


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
#: ``session.info`` key of the map version a session last saw (``huying.freshness``).
MAP_SEEN = "huying.map_seen"


def bump_map_version(session: Session, city_id: int) -> int:
    """Record that the city's polygons changed; returns the new version. Flushes."""
    session.flush()
    freshness.forget(session, MAP_SEEN)
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



def node_count(session: Session, city_id: int, level: Level | str | None = None) -> int:
    q = select(func.count(Node.id)).where(Node.city_id == city_id)
    if level is not None:
        q = q.where(Node.level == Level(level).value)
    return int(session.scalar(q) or 0)
