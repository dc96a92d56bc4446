"""A small city to run the closed loop in, with one named persona per seat.

    city 441900 ── area 441900-A1 ─┬─ town 441900101 ── community 441900101001 ── grids 001, 002
                                   └─ town 441900102 ── community 441900102001 ── grids 001, 002

Personas: resident, gridworker (grid 441900101001001), community (441900101001),
town (441900101), town2 (441900102, the outsider), city, handler (town 101's urban
management department), leader (city), admin (city).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import box
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.cases import service as svc
from huying.cityconfig import categories
from huying.db import Base, make_engine
from huying.geo import service as geo
from huying.geo.models import City, Level, Node
from huying.orgs import tokens
from huying.orgs.actor import Actor
from huying.orgs.models import Department, Organisation, OrgKind, Role, User
from huying.orgs.service import create_user, hash_password
from tests.conftest import Databases

#: A Monday morning in Dongguan (01:30 UTC = 09:30 CST), no holiday near.
T0 = dt.datetime(2025, 3, 3, 1, 30, tzinfo=dt.UTC)
_HASH = hash_password("secret-pass")


@dataclass
class World:
    session: Session
    city_id: int
    nodes: dict[str, Node]
    units: dict[str, Organisation]
    actors: dict[str, Actor] = field(default_factory=dict)

    def __getitem__(self, persona: str) -> Actor:
        return self.actors[persona]

    def report(self, persona: str = "resident", *, now: dt.datetime = T0, lon: float = 113.05,
               lat: float = 23.05, **kw: Any) -> Any:
        kw.setdefault("title", "路灯不亮")
        kw.setdefault("description", "小区门口的路灯坏了三天")
        channel = kw.pop("channel", "resident_web")
        return svc.report(self.session, self.actors[persona], svc.ReportIn(lon=lon, lat=lat, **kw),
                          channel=channel, now=now)


#: The personas: role, node and unit of each seat.
SEATS = {
    "resident": (Role.RESIDENT, "grid1a", None),
    "resident2": (Role.RESIDENT, "grid1a", None),
    "gridworker": (Role.GRID_WORKER, "grid1a", "grid1a_team"),
    "community": (Role.COMMUNITY_OFFICER, "comm1", "comm1_party"),
    "community2": (Role.COMMUNITY_OFFICER, "comm2", "comm2_party"),
    "town": (Role.TOWN_OFFICER, "town1", "town1_party"),
    "town2": (Role.TOWN_OFFICER, "town2", "town2_party"),
    "city": (Role.CITY_OFFICER, "city", "city_party"),
    "handler": (Role.DEPARTMENT_HANDLER, "town1", "town1_urban"),
    "handler2": (Role.DEPARTMENT_HANDLER, "town2", "town2_urban"),
    "cityhandler": (Role.DEPARTMENT_HANDLER, "city", "city_urban"),
    "leader": (Role.LEADER, "city", None),
    "admin": (Role.ADMIN, "city", None),
    "client": (Role.CLIENT, "city", None),  # an application filing through Open311
}


def build_world(session: Session) -> World:
    city = geo.create_city(session, "441900", "东莞市", "Dongguan", geometry=box(113.0, 23.0, 113.4, 23.2))
    area = geo.add_node(session, city, Level.AREA, "441900-A1", session.get(Node, _root(session, city.id)),
                        "测试片区", "Test Area", box(113.0, 23.0, 113.4, 23.2), bump=False)
    nodes: dict[str, Node] = {"city": session.get(Node, _root(session, city.id)), "area": area}  # type: ignore[dict-item]
    for t, x0 in ((1, 113.0), (2, 113.2)):
        town = geo.add_node(session, city, Level.TOWN, f"44190010{t}", area, f"测试{t}镇", f"Town {t}",
                            box(x0, 23.0, x0 + 0.2, 23.2), bump=False)
        comm = geo.add_node(session, city, Level.COMMUNITY, f"{town.code}001", town, f"测试{t}社区",
                            f"Community {t}", box(x0, 23.0, x0 + 0.2, 23.2), bump=False)
        g1 = geo.add_node(session, city, Level.GRID, f"{comm.code}001", comm, f"测试{t}网格1", "Grid 1",
                          box(x0, 23.0, x0 + 0.1, 23.2), bump=False)
        g2 = geo.add_node(session, city, Level.GRID, f"{comm.code}002", comm, f"测试{t}网格2", "Grid 2",
                          box(x0 + 0.1, 23.0, x0 + 0.2, 23.2), bump=False)
        nodes.update({f"town{t}": town, f"comm{t}": comm, f"grid{t}a": g1, f"grid{t}b": g2})
    geo.bump_map_version(session, city.id)

    units: dict[str, Organisation] = {}

    def org(key: str, code: str, kind: OrgKind, node: Node, dept: Department | None = None) -> None:
        o = Organisation(city_id=city.id, code=code, kind=kind.value, node_id=node.id,
                         department=dept.value if dept else None, name_zh=code, name_en=code)
        session.add(o)
        units[key] = o

    org("city_party", "441900-party", OrgKind.PARTY_COMMITTEE, nodes["city"])
    org("city_urban", "441900-dept-urban_management", OrgKind.DEPARTMENT, nodes["city"], Department.URBAN_MANAGEMENT)
    for t in (1, 2):
        org(f"town{t}_party", f"44190010{t}-party", OrgKind.PARTY_COMMITTEE, nodes[f"town{t}"])
        org(f"town{t}_urban", f"44190010{t}-dept-urban_management", OrgKind.DEPARTMENT, nodes[f"town{t}"],
            Department.URBAN_MANAGEMENT)
        org(f"town{t}_housing", f"44190010{t}-dept-housing", OrgKind.DEPARTMENT, nodes[f"town{t}"],
            Department.HOUSING)
        org(f"comm{t}_party", f"44190010{t}001-party", OrgKind.PARTY_ORGANISATION, nodes[f"comm{t}"])
        org(f"grid{t}a_team", f"44190010{t}001001-team", OrgKind.GRID_TEAM, nodes[f"grid{t}a"])
    session.flush()
    categories.load_tree(session, city.id)

    world = World(session, city.id, nodes, units)
    for name, (role, node_key, unit_key) in SEATS.items():
        user = create_user(session, username=name, password="", password_hash=_HASH, role=role,
                           node=nodes[node_key], organisation=units.get(unit_key) if unit_key else None)
        world.actors[name] = Actor.of(session, user)
    session.commit()
    return world


def _root(session: Session, city_id: int) -> int:
    from sqlalchemy import select

    return session.scalar(select(Node.id).where(Node.city_id == city_id, Node.level == "city"))  # type: ignore[return-value]


def load_world(session: Session, nodes: dict[str, str], units: dict[str, str]) -> World:
    """The world :func:`build_world` stored, read back from the database (for a copy of it):
    ``nodes`` and ``units`` are the codes of the built world's, by key (:func:`world_codes`)."""
    from sqlalchemy import select

    city = session.scalar(select(City).where(City.code == nodes["city"]))
    assert city is not None
    node_by = {n.code: n for n in session.scalars(select(Node).where(Node.city_id == city.id))}
    unit_by = {o.code: o for o in session.scalars(select(Organisation).where(Organisation.city_id == city.id))}
    world = World(session, city.id, {k: node_by[c] for k, c in nodes.items()}, {k: unit_by[c] for k, c in units.items()})
    users = {u.username: u for u in session.scalars(select(User).where(User.username.in_(list(SEATS))))}
    world.actors = {name: Actor.of(session, users[name]) for name in SEATS}
    return world


def world_codes(world: World) -> tuple[dict[str, str], dict[str, str]]:
    """The codes of a world's nodes and units, by key (what :func:`load_world` reads back)."""
    return {k: n.code for k, n in world.nodes.items()}, {k: o.code for k, o in world.units.items()}


@pytest.fixture
def world(session: Session) -> World:
    geo.clear_index_cache()
    return build_world(session)


@pytest.fixture
def at() -> Callable[..., dt.datetime]:
    """``at(hours=3)``: T0 plus a duration."""
    return lambda **kw: T0 + dt.timedelta(**kw)


def _reset_caches() -> None:
    """Forget the settings, engines and map caches of this process (a test points them elsewhere)."""
    from huying import config, db
    from huying.geo import service as geo

    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
    db._factory.cache_clear()
    geo.clear_index_cache()


def _build_api_world(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as s:
        world = build_world(s)
        headers = {}
        for name, actor in world.actors.items():
            user = s.get(User, actor.user_id)
            assert user is not None
            _, token = tokens.create(s, user, "test", now=T0)
            headers[name] = {"Authorization": f"Bearer {token}"}
        s.commit()
        nodes, units = world_codes(world)
    engine.dispose()
    return {"headers": headers, "nodes": nodes, "units": units}


@pytest.fixture
def api_db(backend: str, databases: Databases) -> Iterator[tuple[str, dict[str, Any]]]:
    """A committed database with the world and a token per persona (a copy of one built once
    per process), and what is known of it: each persona's ``Authorization`` header, the codes
    of the world's nodes and units."""
    url, known = databases.copy_of(backend, "cases-api", _build_api_world)
    yield url, known
    databases.release(url)


@pytest.fixture
def api_engine(api_db: tuple[str, dict[str, Any]]) -> Iterator[Engine]:
    """The engine of :func:`api`'s database."""
    engine = make_engine(api_db[0])
    yield engine
    engine.dispose()


@pytest.fixture
def api(api_engine: Engine, api_db: tuple[str, dict[str, Any]],
        monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], World]]:
    _reset_caches()
    known = api_db[1]
    headers = {name: dict(h) for name, h in known["headers"].items()}
    with Session(api_engine, expire_on_commit=False) as s:
        world = load_world(s, known["nodes"], known["units"])
    monkeypatch.setenv("HUYING_DATABASE_URL", api_engine.url.render_as_string(hide_password=False))
    _reset_caches()
    from huying.app import create_app
    from huying.http import clock as routes

    app = create_app()
    clock = {"now": T0}
    app.dependency_overrides[routes.clock] = lambda: clock["now"]
    with TestClient(app) as client:
        client.clock = clock  # type: ignore[attr-defined]
        yield client, headers, world
    _reset_caches()
