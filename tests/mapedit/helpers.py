"""Files and rows the map's tests share."""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry import box, mapping
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.audit import AdminEvent
from huying.contact.models import Household
from huying.geo.models import MapVersion, Node
from huying.orgs.actor import Actor
from huying.orgs.models import Role
from huying.orgs.service import create_user
from tests.cases.conftest import World

COMM = "441900101001"
GRID_A, GRID_B = f"{COMM}001", f"{COMM}002"
A = box(113.0, 23.0, 113.1, 23.2)
B = box(113.1, 23.0, 113.2, 23.2)


def feature(geom: Any, code: str | None = None, name: str | None = None, name_en: str = "") -> dict[str, Any]:
    props: dict[str, Any] = {}
    if code:
        props["code"] = code
    if name:
        props["name_zh"] = name
    if name_en:
        props["name_en"] = name_en
    g = geom if isinstance(geom, dict) else mapping(geom)
    return {"type": "Feature", "properties": props, "geometry": g}


def fc(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def split_b() -> dict[str, Any]:
    """Grid A as it is; grid B split: its west 60 % keeps B's place, the east 40 % is new."""
    return fc(feature(A), feature(box(113.1, 23.0, 113.16, 23.2)),
              feature(box(113.16, 23.0, 113.2, 23.2), name="新网格", name_en="New grid"))


def merged() -> dict[str, Any]:
    return fc(feature(shapely.union(A, B), name="合并网格", name_en="Merged grid"))


def household(session: Session, world: World, code: str, grid: str, lon: float, lat: float) -> Household:
    hh = Household(city_id=world.city_id, code=code, grid_id=world.nodes[grid].id, address=f"{code}号",
                   lon=lon, lat=lat)
    session.add(hh)
    session.flush()
    return hh


def town_admin(session: Session, world: World, town: str = "town1") -> Actor:
    user = create_user(session, username=f"admin_{town}", password="", password_hash="x", role=Role.ADMIN,
                       node=world.nodes[town])
    session.flush()
    return Actor.of(session, user)


def snapshot(session: Session, city_id: int) -> tuple[Any, ...]:
    """What a refused edit must leave as it was: nodes, polygons, map version, audit rows."""
    nodes = tuple(session.execute(select(Node.code, Node.path, Node.name_zh, Node.geometry)
                                  .where(Node.city_id == city_id).order_by(Node.code)).all())
    version = session.scalar(select(MapVersion.version).where(MapVersion.city_id == city_id))
    audits = session.scalar(select(func.count()).select_from(AdminEvent))
    return nodes, version, audits
