"""The demo city: built once per backend (module-scoped), then checked: counts, codes, the
tiling of every level, organisations, population, demo accounts, locate and determinism."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from huying import cli as huying_cli
from huying import migrate
from huying.config import get_settings
from huying.contact.models import Household
from huying.db import Base, make_engine, session_scope
from huying.demo import cli as demo_cli
from huying.demo.build import (
    AREAS,
    CITY_CODE,
    DEMO_ACCOUNTS,
    BuildSummary,
    build,
    delete_city,
    export_hash,
)
from huying.geo.models import City, Level, Node
from huying.orgs.models import Department, Organisation, OrgKind, Person, Role, TeamKind, User
from huying.orgs.service import authenticate
from tests.conftest import SHARED_DATA, Databases

#: The functional areas of the division list without a polygon: off the demo map.
FUNCTIONAL_AREAS_OFF_MAP = {"441900402", "441900403", "441900404"}

SEED = 1
_hashes: dict[str, str] = {}


@dataclass
class Built:
    backend: str
    engine: Engine
    summary: BuildSummary


@pytest.fixture(scope="module")
def built(backend: str, databases: Databases) -> Iterator[Built]:
    engine = make_engine(databases.new_url(backend))
    Base.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as s:
        summary = build(s, SEED, progress=False)
        s.commit()
    _hashes[backend] = summary.hash
    yield Built(backend, engine, summary)
    engine.dispose()


@pytest.fixture
def db(built: Built) -> Iterator[Session]:
    with Session(built.engine) as s:
        yield s


def _nodes(db: Session, level: Level) -> list[Node]:
    return list(db.scalars(select(Node).where(Node.level == level.value).order_by(Node.code)))


def _geom(node: Node) -> BaseGeometry:
    assert node.geometry is not None
    return shape(json.loads(node.geometry))


def test_it_has_the_real_towns_six_areas_606_real_communities_and_1000_grids(
    built: Built, db: Session
) -> None:
    assert built.summary.nodes == {"city": 1, "area": 6, "town": 33, "community": 606, "grid": 1000}
    real = {
        r["code"]: r["name"]
        for r in csv.DictReader((SHARED_DATA / "dongguan-town-codes.csv").open(encoding="utf-8"))
    }
    towns = {n.code: n.name_zh for n in _nodes(db, Level.TOWN)}
    assert all(real[c] == name for c, name in towns.items())
    assert towns["441900401"] == "松山湖"
    assert towns["441900121"] == "虎门镇"
    assert {n.code for n in _nodes(db, Level.AREA)} == {f"{CITY_CODE}-A{i}" for i in range(1, 7)}
    assert sorted(sum((a[3] for a in AREAS), [])) == sorted(towns.values())


def test_codes_and_paths_follow_the_tree(db: Session) -> None:
    nodes = {n.id: n for n in db.scalars(select(Node))}
    for n in nodes.values():
        if n.parent_id is None:
            assert n.level == "city" and n.code == CITY_CODE
            continue
        parent = nodes[n.parent_id]
        assert n.path == parent.path + n.code + "/"
        if n.level == "grid":
            assert re.fullmatch(r"\d{15}", n.code) and n.code[:12] == parent.code
        elif n.level == "community":
            assert re.fullmatch(r"\d{12}", n.code) and n.code[:9] == parent.code
        elif n.level == "town":
            assert n.code.startswith(CITY_CODE) and parent.level == "area"
    grid = next(n for n in nodes.values() if n.code == "441900121004001")
    assert grid.name_zh == "东方社区第1网格"


def test_the_communities_are_the_real_ones_with_the_names_people_use(db: Session) -> None:
    real = {
        r["code"]: r
        for r in csv.DictReader((SHARED_DATA / "dongguan-communities.csv").open(encoding="utf-8"))
    }
    communities = {n.code: n for n in _nodes(db, Level.COMMUNITY)}
    towns = {n.id: n.code for n in _nodes(db, Level.TOWN)}
    # every unit of a town on the map, none made up; the functional areas without a polygon
    # (东莞港, 东莞生态园, 滨海湾新区) are off the map
    assert set(communities) == {c for c, r in real.items() if r["town_code"] not in FUNCTIONAL_AREAS_OFF_MAP}
    for code, n in communities.items():
        assert towns[n.parent_id] == real[code]["town_code"]
        assert real[code]["name"].startswith(n.name_zh) and "委员会" not in n.name_zh
        assert re.fullmatch(r"[A-Z][A-Za-z' ]+ (Community|Village|Residential Area) \d{3}", n.name_en), n.name_en
    assert communities["441900003001"].name_zh == "岗贝社区"
    assert communities["441900003001"].name_en == "Dongcheng Community 001"
    assert communities["441900123200"].name_zh == "中围村"
    assert communities["441900123200"].name_en == "Shatian Village 200"
    assert communities["441900103002"].name_zh == "茶山圩社区"
    assert communities["441900005003"].name_zh == "石美社区"
    assert communities["441900401498"].name_zh == "松山湖虚拟社区"  # 松山湖's one unit, its whole polygon


def test_children_tile_their_parent_at_every_level(db: Session) -> None:
    by_parent: dict[int, list[Node]] = defaultdict(list)
    nodes = list(db.scalars(select(Node)))
    for n in nodes:
        if n.parent_id is not None:
            by_parent[n.parent_id].append(n)
    for parent in nodes:
        kids = by_parent.get(parent.id)
        if not kids or parent.level == "city":
            continue
        pieces = np.array([_geom(k) for k in kids], dtype=object)
        assert all(shapely.is_valid(pieces)), parent.code
        assert shapely.coverage_is_valid(pieces), f"children of {parent.code} overlap"
        union = shapely.coverage_union_all(pieces)
        whole = _geom(parent)
        assert union.symmetric_difference(whole).area <= 1e-9 * whole.area, parent.code
    grids = np.array([_geom(n) for n in nodes if n.level == "grid"], dtype=object)
    assert shapely.coverage_is_valid(grids)  # across communities and towns too
    city = next(n for n in nodes if n.level == "city")
    assert shapely.coverage_union_all(grids).difference(_geom(city)).area < 1e-3 * _geom(city).area


def test_every_node_has_its_organisations(db: Session) -> None:
    orgs = list(db.scalars(select(Organisation)))
    by_kind = Counter(o.kind for o in orgs)
    assert by_kind[OrgKind.GRID_TEAM] == 1000
    assert by_kind[OrgKind.SERVICE_ALLIANCE] == 606
    assert by_kind[OrgKind.ALLIANCE_TEAM] == 606 * len(TeamKind)
    assert by_kind[OrgKind.PARTY_ORGANISATION] == 606
    assert by_kind[OrgKind.PARTY_COMMITTEE] == 1 + 6 + 33
    assert by_kind[OrgKind.DEPARTMENT] == len(Department) * (1 + 33)
    assert by_kind[OrgKind.ENTERPRISE] > 1000
    codes = {o.code for o in orgs}
    assert {
        "441900-party",
        "441900121-dept-urban_management",
        "441900121004-party",
        "441900121004001-team",
    } <= codes
    node_ids = set(db.scalars(select(Node.id)))
    covered = {o.node_id for o in orgs}
    assert node_ids == covered


def test_people_and_households_are_synthetic_and_inside_their_grid(db: Session) -> None:
    people = db.execute(select(Person.name, Person.phone_masked)).all()
    assert len(people) > 10_000
    assert all(re.fullmatch(r"(居民\d{6}|网格员\d{4})", p.name) for p in people)
    assert all(re.fullmatch(r"1\d{2}\*{4}\d{4}", p.phone_masked) for p in people)
    assert db.scalar(select(func.count()).select_from(Person).where(Person.is_party_member)) > 1000
    grids = {n.id: _geom(n) for n in _nodes(db, Level.GRID)}
    by_grid: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for gid, lon, lat in db.execute(select(Household.grid_id, Household.lon, Household.lat)):
        by_grid[gid].append((lon, lat))
    assert set(by_grid) == set(grids)
    for gid, pts in by_grid.items():
        xy = np.array(pts)
        assert shapely.intersects_xy(grids[gid], xy[:, 0], xy[:, 1]).all()


def test_demo_accounts_log_in_with_their_documented_passwords(db: Session) -> None:
    # every role a person signs in with; an API client has keys, never a password
    assert {a.role for a in DEMO_ACCOUNTS} == set(Role) - {Role.CLIENT}
    assert db.scalar(select(User.id).where(User.role == Role.CLIENT.value)) is not None  # the Open311 demo client
    for acc in DEMO_ACCOUNTS:
        user = authenticate(db, acc.username, acc.password)
        assert user is not None, acc.username
        assert user.role == acc.role.value
        node = db.get(Node, user.node_id)
        assert node is not None and node.code == acc.node_code
    assert authenticate(db, "resident", "wrong-password") is None
    handler = db.scalar(select(User).where(User.username == "handler"))
    assert handler is not None
    unit = db.get(Organisation, handler.organisation_id)
    assert unit is not None and unit.code == "441900121-dept-urban_management"
    town2 = db.scalar(select(User).where(User.username == "town2"))
    assert town2 is not None and db.get(Node, town2.node_id).name_zh == "长安镇"  # type: ignore[union-attr]


def test_the_representative_point_of_every_grid_locates_to_that_grid(
    built: Built, db: Session
) -> None:
    geo_service = pytest.importorskip("huying.geo.service")
    grids = _nodes(db, Level.GRID)
    lons = np.array([g.centroid_lon for g in grids])
    lats = np.array([g.centroid_lat for g in grids])
    found = geo_service.locate_many(db, built.summary.city_id, lons, lats)
    assert list(found) == [g.id for g in grids]


def test_the_same_seed_gives_the_same_city_on_both_backends(built: Built) -> None:
    other = {"sqlite": "postgresql", "postgresql": "sqlite"}[built.backend]
    if other not in _hashes:
        pytest.skip(f"the {other} build has not run in this session")
    assert _hashes[other] == built.summary.hash


def test_a_rebuild_with_the_same_seed_gives_the_same_hash(built: Built) -> None:
    with Session(built.engine, expire_on_commit=False) as s:
        assert export_hash(s) == built.summary.hash
        assert delete_city(s)
        assert s.scalar(select(func.count()).select_from(Node)) == 0
        again = build(s, SEED, progress=False)
        s.commit()
    assert again.hash == built.summary.hash


def test_the_cli_builds_after_migrations_and_refuses_to_overwrite(
    built: Built, databases: Databases, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if built.backend != "sqlite":
        pytest.skip("the CLI is checked once, on SQLite")
    url = databases.new_url("sqlite")
    migrate.upgrade(url)
    engine = make_engine(url)
    monkeypatch.setattr(demo_cli, "session_scope", lambda: session_scope(engine))
    # a model retrained for an earlier demo city learnt from its cases: the build removes it
    monkeypatch.setattr(get_settings(), "data_dir", tmp_path)
    stale = tmp_path / "models" / "triage" / CITY_CODE / "20260101T000000Z.npz"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"")
    runner = CliRunner()
    try:
        first = runner.invoke(huying_cli.app, ["demo", "build", "--seed", "2", "--no-progress", "--cases", "0"])
        assert first.exit_code == 0, first.output
        assert "community 606" in first.output and "demo-leader" in first.output
        assert not stale.parent.exists() and "removed 1 triage model" in first.output
        with Session(engine) as s:
            assert s.scalar(select(City.code)) == CITY_CODE
            seed2 = export_hash(s)
        assert seed2 != built.summary.hash  # another seed, another city
        again = runner.invoke(huying_cli.app, ["demo", "build", "--seed", "2", "--no-progress", "--cases", "0"])
        assert again.exit_code == 1
        assert "already exists" in again.output and "--reset" in again.output
    finally:
        engine.dispose()
