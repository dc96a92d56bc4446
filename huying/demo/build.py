"""Build the synthetic demo city of Dongguan, deterministically from a seed.

Real: the city outline, the 33 towns (街道, 镇 and 松山湖) with their statistical codes, their
grouping into the 6 areas (片区), and the 606 communities and villages (社区 / 村) of those
towns with their names and 12-digit statistical codes (:func:`demo_divisions`). Generated,
obviously synthetic: the polygons of the communities (a partition of each real town, one
piece per real community) and about 1,000 grids below them, the organisations of every node,
people (居民000001, masked phone numbers), households, enterprises and the demo accounts.

The same seed gives the same database: every random draw comes from generators derived from
the seed (one per step, so that a change in one step does not shift the others), every
timestamp is :data:`BUILD_DATE`, and :func:`export_hash` checks it.

The year of cases runs afterwards, once the city is committed, through the service
(:func:`huying.demo.cases.run_cases`, called by ``huying demo build --cases N``).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, cast

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import bindparam, delete, func, insert, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import Table

from huying.apportion import allocate
from huying.cityconfig import holidays
from huying.contact.address import parse
from huying.contact.models import Address, AddressKind, Household
from huying.db import Base, import_all_models
from huying.demo.partition import dissolve, partition_many, round_coverage, sample_points
from huying.geo.divisions import Division, english_name, load_shipped, town_short_en
from huying.geo.models import City, Level, Node
from huying.geo.service import add_node, bump_map_version, code_problem, create_city, path_codes
from huying.geo.shapes import node_shape
from huying.orgs.models import (
    DEPARTMENT_NAMES,
    ContactAddress,
    Department,
    Organisation,
    OrgKind,
    Person,
    Role,
    TeamKind,
    User,
    organisations_changed,
)
from huying.orgs.service import create_user, hash_password

CITY_CODE = "441900"
CITY_NAME_ZH = "东莞市"
CITY_NAME_EN = "Dongguan"
#: Every ``created_at`` / ``updated_at`` the demo writes: a fixed build date.
BUILD_DATE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
#: Coordinates are rounded to this grid (6 decimals of a degree, ~0.1 m).
GRID_SIZE = 1e-6
#: Gaps between neighbouring town polygons narrower than this (degrees, ~50 m) are closed.
TOWN_GAP_WIDTH = 5e-4

#: English names of the towns, by statistical code.
TOWN_NAMES_EN: dict[str, str] = {
    "441900003": "Dongcheng Subdistrict",
    "441900004": "Nancheng Subdistrict",
    "441900005": "Wanjiang Subdistrict",
    "441900006": "Guancheng Subdistrict",
    "441900101": "Shijie Town",
    "441900102": "Shilong Town",
    "441900103": "Chashan Town",
    "441900104": "Shipai Town",
    "441900105": "Qishi Town",
    "441900106": "Hengli Town",
    "441900107": "Qiaotou Town",
    "441900108": "Xiegang Town",
    "441900109": "Dongkeng Town",
    "441900110": "Changping Town",
    "441900111": "Liaobu Town",
    "441900112": "Zhangmutou Town",
    "441900113": "Dalang Town",
    "441900114": "Huangjiang Town",
    "441900115": "Qingxi Town",
    "441900116": "Tangxia Town",
    "441900117": "Fenggang Town",
    "441900118": "Dalingshan Town",
    "441900119": "Chang'an Town",
    "441900121": "Humen Town",
    "441900122": "Houjie Town",
    "441900123": "Shatian Town",
    "441900124": "Daojiao Town",
    "441900125": "Hongmei Town",
    "441900126": "Machong Town",
    "441900127": "Wangniudun Town",
    "441900128": "Zhongtang Town",
    "441900129": "Gaobu Town",
    "441900401": "Songshan Lake",
}

#: Polygon names of the towns file that differ from the code list's names.
POLYGON_NAME_TO_CODE_NAME = {"松山湖管委会": "松山湖"}

#: The six areas (片区) of the 2019 "园区统筹组团发展" arrangement and their towns.
AREAS: list[tuple[str, str, str, list[str]]] = [
    (
        "A1",
        "城区片区",
        "Urban Area",
        ["莞城街道", "东城街道", "南城街道", "万江街道", "石碣镇", "高埗镇"],
    ),
    (
        "A2",
        "松山湖片区",
        "Songshan Lake Area",
        [
            "松山湖",
            "石龙镇",
            "茶山镇",
            "石排镇",
            "寮步镇",
            "大朗镇",
            "大岭山镇",
            "横沥镇",
            "东坑镇",
            "企石镇",
        ],
    ),
    (
        "A3",
        "水乡新城片区",
        "Waterfront New Town Area",
        ["麻涌镇", "中堂镇", "望牛墩镇", "洪梅镇", "道滘镇"],
    ),
    ("A4", "滨海湾片区", "Binhai Bay Area", ["虎门镇", "长安镇", "厚街镇", "沙田镇"]),
    (
        "A5",
        "东部产业园片区",
        "Eastern Industrial Park Area",
        ["常平镇", "桥头镇", "谢岗镇", "黄江镇", "樟木头镇"],
    ),
    ("A6", "东南临深片区", "Southeast Shenzhen-Bordering Area", ["塘厦镇", "凤岗镇", "清溪镇"]),
]

#: Departments every town has (all line departments).
TOWN_DEPARTMENTS: list[Department] = list(Department)
_TOWN_DEPT_SUFFIX: dict[Department, str] = {
    Department.PUBLIC_SECURITY: "分局",
    Department.MARKET_REGULATION: "分局",
    Department.ENVIRONMENT: "分局",
    Department.URBAN_MANAGEMENT: "分局",
    Department.FIRE: "站",
}
TEAM_NAMES: dict[TeamKind, tuple[str, str]] = {
    TeamKind.DISPUTE_MEDIATION: ("纠纷调解队", "Dispute Mediation Team"),
    TeamKind.SECURITY_PATROL: ("治安巡防队", "Security Patrol Team"),
    TeamKind.FACILITY_MAINTENANCE: ("设施维护队", "Facility Maintenance Team"),
}

HUMEN = "441900121"
CHANGAN = "441900119"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    #: Where the account acts: a node code.
    node_code: str
    #: Its organisation (code), if any.
    organisation_code: str | None
    display_name: str
    note: str

    @property
    def password(self) -> str:
        return demo_password(self.username)


def demo_password(username: str) -> str:
    """The documented demo password of a demo account."""
    return f"demo-{username}"


#: The communities of the seed article, whose stories the demo tells where the article does:
#: 岗贝社区 (东城街道, its 长者饭堂), 石美社区 (万江街道, the city leader's walk by its market),
#: 茶山圩社区 (茶山镇, its service centre) and 中围村 (沙田镇, the 长者饭堂 that social
#: organisations funded through 党群公益汇).
GANGBEI = "441900003001"
SHIMEI = "441900005003"
CHASHANXU = "441900103002"
ZHONGWEI = "441900123200"
ARTICLE_COMMUNITIES = (GANGBEI, SHIMEI, CHASHANXU, ZHONGWEI)
#: The first community of 虎门镇 (东方社区) and its first grid: home of the demo accounts.
HUMEN_COMMUNITY = f"{HUMEN}004"
HUMEN_GRID = f"{HUMEN_COMMUNITY}001"
#: Communities every build has when their town is built, whatever its size.
ALWAYS_BUILT = (*ARTICLE_COMMUNITIES, HUMEN_COMMUNITY)

DEMO_ACCOUNTS: list[DemoAccount] = [
    DemoAccount(
        "resident", Role.RESIDENT, HUMEN_GRID, None, "演示居民", "a resident of 东方社区第1网格 (虎门镇)"
    ),
    DemoAccount(
        "gridworker",
        Role.GRID_WORKER,
        HUMEN_GRID,
        f"{HUMEN_GRID}-team",
        "演示网格员",
        "grid worker of that grid",
    ),
    DemoAccount(
        "community",
        Role.COMMUNITY_OFFICER,
        HUMEN_COMMUNITY,
        f"{HUMEN_COMMUNITY}-party",
        "演示社区干部",
        "officer of 东方社区 (虎门镇)",
    ),
    DemoAccount(
        "town", Role.TOWN_OFFICER, HUMEN, f"{HUMEN}-party", "演示镇街干部", "officer of 虎门镇"
    ),
    DemoAccount(
        "town2",
        Role.TOWN_OFFICER,
        CHANGAN,
        f"{CHANGAN}-party",
        "演示镇街干部二",
        "officer of 长安镇 (for scope tests)",
    ),
    DemoAccount(
        "city", Role.CITY_OFFICER, CITY_CODE, f"{CITY_CODE}-party", "演示市级干部", "city officer"
    ),
    DemoAccount(
        "handler",
        Role.DEPARTMENT_HANDLER,
        HUMEN,
        f"{HUMEN}-dept-urban_management",
        "演示部门处置员",
        "handler of 虎门镇 urban management",
    ),
    DemoAccount(
        "leader", Role.LEADER, CITY_CODE, f"{CITY_CODE}-party", "演示市领导", "city leader"
    ),
    DemoAccount("admin", Role.ADMIN, CITY_CODE, None, "演示管理员", "administrator of the city"),
    DemoAccount(
        "partner",
        Role.PARTNER,
        CITY_CODE,
        f"{CITY_CODE}-ent-0001",
        "演示共建单位联络员",
        "account of 企业0001有限公司, a co-building organisation (claims and funds projects)",
    ),
]


@dataclass
class Sizes:
    """How big the generated city is. The defaults are the demo's."""

    #: None: every real community of the towns (606); a number: that many, a deterministic
    #: subset of the real ones (:func:`choose_communities`).
    communities: int | None = None
    grids: int = 1000
    households_per_grid: float = 20.0
    #: Household size is 1 + Poisson(this), capped at 8: about 2.5 people on average.
    extra_people_per_household: float = 1.5
    enterprises_per_community: float = 3.0
    party_member_rate: float = 0.07
    migrant_rate: float = 0.6
    lloyd_iterations: int = 4


@dataclass
class DemoCity:
    """What the build made: the ids of its nodes, organisations and accounts."""

    seed: int
    city_id: int
    node_ids: dict[str, int]
    org_ids: dict[str, int]
    user_ids: dict[str, int]
    grid_codes: list[str]


@dataclass
class BuildSummary:
    seed: int
    city_id: int
    nodes: dict[str, int]
    rows: dict[str, int]
    seconds: float
    hash: str
    demo: DemoCity = field(repr=False)

    def render(self) -> str:
        lines = [f"demo city {CITY_CODE} {CITY_NAME_ZH} / {CITY_NAME_EN}, seed {self.seed}"]
        lines.append("nodes: " + ", ".join(f"{k} {v}" for k, v in self.nodes.items()))
        lines.append("rows:  " + ", ".join(f"{k} {v}" for k, v in self.rows.items()))
        lines.append(f"hash:  {self.hash}")
        lines.append(f"built in {self.seconds:.1f} s")
        return "\n".join(lines)


def step_rng(seed: int, step: str) -> np.random.Generator:
    """A generator for step ``step`` of the build with ``seed`` (independent of other steps)."""
    key = int.from_bytes(hashlib.sha256(step.encode()).digest()[:8], "big")
    return np.random.default_rng(np.random.SeedSequence([seed, key]))


# --------------------------------------------------------------------------- real data


@dataclass
class TownData:
    code: str
    name_zh: str
    name_en: str
    short_zh: str
    short_en: str
    geom: BaseGeometry


def _data_text(name: str) -> str:
    return resources.files("huying").joinpath("data", name).read_text(encoding="utf-8")


def load_outline() -> BaseGeometry:
    """The city outline (GCJ-02)."""
    return shape(json.loads(_data_text("dongguan-441900.geojson")))


def load_towns() -> list[TownData]:
    """The 33 town polygons with their codes and names, in code order (raw geometry)."""
    codes = {
        row["name"]: row["code"]
        for row in csv.DictReader(_data_text("dongguan-town-codes.csv").splitlines())
    }
    towns: list[TownData] = []
    for feat in json.loads(_data_text("dongguan-towns.geojson"))["features"]:
        name = POLYGON_NAME_TO_CODE_NAME.get(feat["properties"]["name"], feat["properties"]["name"])
        code = codes[name]
        en = TOWN_NAMES_EN[code]
        short_zh = name.removesuffix("街道").removesuffix("镇") if len(name) > 2 else name
        short_en = town_short_en(en)
        towns.append(TownData(code, name, en, short_zh, short_en, shape(feat["geometry"])))
    towns.sort(key=lambda t: t.code)
    return towns


def clean_towns(towns: list[TownData], outline: BaseGeometry) -> list[BaseGeometry]:
    """Town polygons as an exact coverage on the 6-decimal grid: clipped to the city outline,
    overlaps between neighbours given to one of them, slivers narrower than
    :data:`TOWN_GAP_WIDTH` between them closed."""
    raw = np.array([t.geom for t in towns], dtype=object)
    clipped = shapely.intersection(raw, outline, grid_size=GRID_SIZE)
    cleaned = shapely.coverage_clean(clipped, gap_width=TOWN_GAP_WIDTH)
    rounded = round_coverage(list(cleaned), GRID_SIZE)
    out: list[BaseGeometry] = []
    for t, g in zip(towns, rounded, strict=True):
        if g is None:
            raise ValueError(f"town {t.code} vanished while cleaning")
        out.append(g)
    return out


def demo_divisions(towns: list[TownData]) -> dict[str, list[Division]]:
    """The real communities of each town on the demo map (town code → units in code order),
    from the shipped division list.

    The rule for the units whose town has no polygon: the list has one unit for 松山湖 and
    one for each functional area without a polygon of its own (东莞港, 东莞生态园,
    滨海湾新区), each a 虚拟社区 (a statistical placeholder, no residents' committee).
    松山湖 has its polygon, so its unit is its one community. The three others are left off
    the map: a community's code begins with its town's code (``geo.tree.code_problem``), so
    they cannot stand in the town their area was carved from without a code that is not
    theirs, and there is no polygon to give them. The division import refuses them in the
    same way (their town is not in the city)."""
    on_map = {t.code for t in towns}
    out: dict[str, list[Division]] = {t.code: [] for t in towns}
    for d in load_shipped():
        if d.town_code in on_map:
            out[d.town_code].append(d)
    empty = [c for c, units in out.items() if not units]
    if empty:
        raise ValueError(f"towns without a community in {empty}")
    return out


def choose_communities(
    towns: list[TownData], units: dict[str, list[Division]], total: int | None
) -> dict[str, list[Division]]:
    """The communities a build makes, per town: all of them (``total`` None), or about
    ``total`` of them shared among the towns in proportion to their real counts (at least
    one a town, at most all) and taken in code order after :data:`ALWAYS_BUILT`, which every
    build has when their town is built (so a town may get one or two more than its share)."""
    if total is None:
        return {t.code: list(units[t.code]) for t in towns}
    counts = allocate([len(units[t.code]) for t in towns], total)
    out: dict[str, list[Division]] = {}
    for t, n in zip(towns, counts, strict=True):
        must = [d for d in units[t.code] if d.code in ALWAYS_BUILT]
        rest = [d for d in units[t.code] if d.code not in ALWAYS_BUILT]
        out[t.code] = sorted(must + rest[: max(0, min(n, len(units[t.code])) - len(must))], key=lambda d: d.code)
    return out


# --------------------------------------------------------------------------- the map


@dataclass
class MapPlan:
    """Every node of the map: code → (level, parent code, name_zh, name_en, geometry)."""

    nodes: dict[str, tuple[Level, str | None, str, str, BaseGeometry]]
    towns: list[TownData]
    communities_of: dict[str, list[str]]
    grids_of: dict[str, list[str]]


def plan_map(seed: int, sizes: Sizes, progress: _Progress | None = None) -> MapPlan:
    """Every node of the demo map for ``seed`` (no database); ``progress``: bars or none."""
    progress = progress if progress is not None else _Progress(False)
    towns = load_towns()
    outline = load_outline()
    by_name = {t.name_zh: t for t in towns}
    rng = step_rng(seed, "map")
    with progress.step("towns: clean the real polygons", 1):
        town_geoms = clean_towns(towns, outline)
        progress.advance()
    chosen = choose_communities(towns, demo_divisions(towns), sizes.communities)
    with progress.step("communities: partition the towns", len(town_geoms)):
        c_counts = [len(chosen[t.code]) for t in towns]
        c_pieces = partition_many(
            town_geoms,
            c_counts,
            rng,
            lloyd_iterations=sizes.lloyd_iterations,
            on_parent=lambda _i: progress.advance(),
        )
    flat_c = [p for pieces in c_pieces for p in pieces]
    with progress.step("grids: partition the communities", len(flat_c)):
        g_counts = allocate([g.area for g in flat_c], sizes.grids)
        g_pieces = partition_many(
            flat_c,
            g_counts,
            rng,
            lloyd_iterations=sizes.lloyd_iterations,
            on_parent=lambda _i: progress.advance(),
        )

    nodes: dict[str, tuple[Level, str | None, str, str, BaseGeometry]] = {}
    communities_of: dict[str, list[str]] = {}
    grids_of: dict[str, list[str]] = {}
    area_of = {name: a for a in AREAS for name in a[3]}
    k = 0
    town_final: dict[str, BaseGeometry] = {}
    for town, pieces in zip(towns, c_pieces, strict=True):
        area_code = f"{CITY_CODE}-{area_of[town.name_zh][0]}"
        comm_geoms = []
        communities_of[town.code] = []
        for unit, _piece in zip(chosen[town.code], pieces, strict=True):
            c_code = unit.code
            # The community is the exact union of its grids: an exact hierarchy.
            grid_geoms = g_pieces[k]
            k += 1
            c_geom = dissolve(grid_geoms)
            comm_geoms.append(c_geom)
            communities_of[town.code].append(c_code)
            c_zh = unit.short
            nodes[c_code] = (
                Level.COMMUNITY,
                town.code,
                c_zh,
                english_name(town.name_en, c_code, c_zh),
                c_geom,
            )
            grids_of[c_code] = []
            for j, g_geom in enumerate(grid_geoms, start=1):
                g_code = f"{c_code}{j:03d}"
                grids_of[c_code].append(g_code)
                nodes[g_code] = (
                    Level.GRID,
                    c_code,
                    f"{c_zh}第{j}网格",
                    f"{town.short_en} {c_code[-3:]} Grid {j}",
                    g_geom,
                )
        t_geom = dissolve(comm_geoms)
        town_final[town.code] = t_geom
        nodes[town.code] = (Level.TOWN, area_code, town.name_zh, town.name_en, t_geom)
    for a_key, a_zh, a_en, names in AREAS:
        a_geom = dissolve([town_final[by_name[n].code] for n in names])
        nodes[f"{CITY_CODE}-{a_key}"] = (Level.AREA, CITY_CODE, a_zh, a_en, a_geom)
    city_geom = shapely.set_precision(outline, GRID_SIZE)
    nodes[CITY_CODE] = (Level.CITY, None, CITY_NAME_ZH, CITY_NAME_EN, city_geom)
    return MapPlan(nodes, towns, communities_of, grids_of)


# --------------------------------------------------------------------------- writing


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


def _insert(
    session: Session,
    model: type[Base],
    rows: list[dict[str, Any]],
    key: str = "code",
    batch: int = 10_000,
    progress: _Progress | None = None,
) -> list[int]:
    """Bulk insert (executemany, no RETURNING: SQLite would then go row by row), then read
    the new ids back by the natural key ``key`` (unique within the city). Ids in row order."""
    if not rows:
        return []
    table = _table(model)
    for start in range(0, len(rows), batch):
        session.execute(insert(table), rows[start : start + batch])
        if progress is not None:
            progress.advance(len(rows[start : start + batch]))
    if model is Organisation:  # plain statements: no flush tells the organisations' caches
        organisations_changed(session, rows[0]["city_id"])
    by_key = dict(
        session.execute(
            select(table.c[key], table.c.id).where(table.c.city_id == rows[0]["city_id"])
        ).all()
    )
    return [int(by_key[r[key]]) for r in rows]


def _write_nodes(
    session: Session, plan: MapPlan, progress: _Progress
) -> tuple[City, dict[str, int]]:
    """The city (geo's ``create_city``), its areas and towns (geo's ``add_node``, which
    checks codes and geometry), then the communities and grids in one bulk insert per
    level (same checks on codes, same path convention, same geometry columns)."""
    ids: dict[str, int] = {}
    paths: dict[str, str] = {}
    with progress.step("map: write nodes", len(plan.nodes)):
        city = create_city(
            session,
            CITY_CODE,
            CITY_NAME_ZH,
            CITY_NAME_EN,
            crs="GCJ-02",
            geometry=plan.nodes[CITY_CODE][4],
        )
        city.created_at = BUILD_DATE
        made: dict[str, Node] = {
            n.code: n for n in session.scalars(select(Node).where(Node.city_id == city.id))
        }
        progress.advance()
        for level in (Level.AREA, Level.TOWN):
            for code in sorted(c for c, n in plan.nodes.items() if n[0] is level):
                _lvl, parent, name_zh, name_en, geom = plan.nodes[code]
                assert parent is not None
                made[code] = add_node(
                    session, city, level, code, made[parent], name_zh, name_en, geom, bump=False
                )
                progress.advance()
        for code, node in made.items():
            node.created_at = node.updated_at = BUILD_DATE
            ids[code] = node.id
            paths[code] = node.path
        session.flush()
        for level in (Level.COMMUNITY, Level.GRID):
            rows = []
            codes = sorted(c for c, n in plan.nodes.items() if n[0] is level)
            for code in codes:
                _lvl, parent, name_zh, name_en, geom = plan.nodes[code]
                assert parent is not None
                problem = code_problem(level, code, path_codes(paths[parent]))
                if problem:
                    raise ValueError(problem)
                paths[code] = paths[parent] + code + "/"
                rows.append(
                    {
                        "city_id": city.id,
                        "code": code,
                        "level": level.value,
                        "parent_id": ids[parent],
                        "path": paths[code],
                        "name_zh": name_zh,
                        "name_en": name_en,
                        **node_shape(geom).columns(),
                        "created_at": BUILD_DATE,
                        "updated_at": BUILD_DATE,
                    }
                )
            ids.update(zip(codes, _insert(session, Node, rows), strict=True))
            progress.advance(len(rows))
    return city, ids


def _org(
    city_id: int,
    code: str,
    kind: OrgKind,
    node_id: int,
    parent_id: int | None,
    zh: str,
    en: str,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "city_id": city_id,
        "code": code,
        "kind": kind.value,
        "department": None,
        "team_kind": None,
        "node_id": node_id,
        "parent_id": parent_id,
        "name_zh": zh,
        "name_en": en,
        "phone_masked": None,
        "active": True,
        "created_at": BUILD_DATE,
        **extra,
    }


def _write_organisations(
    session: Session, city_id: int, plan: MapPlan, node_ids: dict[str, int], progress: _Progress
) -> dict[str, int]:
    """Organisations of every node, written generation by generation (parents first)."""
    ids: dict[str, int] = {}

    def flush(rows: list[dict[str, Any]]) -> None:
        ids.update(
            zip([r["code"] for r in rows], _insert(session, Organisation, rows), strict=True)
        )
        progress.advance(len(rows))

    c = CITY_CODE
    city_node = node_ids[c]
    towns = plan.towns
    area_of = {name: a[0] for a in AREAS for name in a[3]}
    n_comm = sum(len(v) for v in plan.communities_of.values())
    n_grid = sum(len(v) for v in plan.grids_of.values())
    total = (
        1
        + len(Department)
        + len(AREAS)
        + len(towns) * (1 + len(TOWN_DEPARTMENTS))
        + n_comm * 5
        + n_grid
    )
    with progress.step("organisations", total):
        rows = [
            _org(
                city_id,
                f"{c}-party",
                OrgKind.PARTY_COMMITTEE,
                city_node,
                None,
                "中共东莞市委员会",
                "Dongguan Municipal Party Committee",
            )
        ]
        flush(rows)
        rows = []
        for d in Department:
            zh, en = DEPARTMENT_NAMES[d]
            name_zh = "东莞市消防救援支队" if d is Department.FIRE else f"东莞市{zh}局"
            rows.append(
                _org(
                    city_id,
                    f"{c}-dept-{d.value}",
                    OrgKind.DEPARTMENT,
                    city_node,
                    None,
                    name_zh,
                    f"Dongguan {en} Bureau",
                    department=d.value,
                )
            )
        for a_key, a_zh, a_en, _names in AREAS:
            rows.append(
                _org(
                    city_id,
                    f"{c}-{a_key}-party",
                    OrgKind.PARTY_COMMITTEE,
                    node_ids[f"{c}-{a_key}"],
                    ids[f"{c}-party"],
                    f"{a_zh}党工委",
                    f"{a_en} Party Working Committee",
                )
            )
        flush(rows)
        rows = []
        for t in towns:
            node = node_ids[t.code]
            rows.append(
                _org(
                    city_id,
                    f"{t.code}-party",
                    OrgKind.PARTY_COMMITTEE,
                    node,
                    ids[f"{c}-{area_of[t.name_zh]}-party"],
                    f"中共{t.name_zh}委员会",
                    f"{t.name_en} Party Committee",
                )
            )
            for d in TOWN_DEPARTMENTS:
                zh, en = DEPARTMENT_NAMES[d]
                suffix = _TOWN_DEPT_SUFFIX.get(d, "办公室")
                rows.append(
                    _org(
                        city_id,
                        f"{t.code}-dept-{d.value}",
                        OrgKind.DEPARTMENT,
                        node,
                        ids[f"{c}-dept-{d.value}"],
                        f"{t.name_zh}{zh}{suffix}",
                        f"{t.short_en} {en} Office",
                        department=d.value,
                    )
                )
        flush(rows)
        rows = []
        for t in towns:
            for cc in plan.communities_of[t.code]:
                zh = plan.nodes[cc][2]
                en = plan.nodes[cc][3]
                rows.append(
                    _org(
                        city_id,
                        f"{cc}-party",
                        OrgKind.PARTY_ORGANISATION,
                        node_ids[cc],
                        ids[f"{t.code}-party"],
                        f"{zh}党委",
                        f"{en} Party Committee",
                    )
                )
        flush(rows)
        rows = []
        for t in towns:
            for cc in plan.communities_of[t.code]:
                zh, en = plan.nodes[cc][2], plan.nodes[cc][3]
                rows.append(
                    _org(
                        city_id,
                        f"{cc}-alliance",
                        OrgKind.SERVICE_ALLIANCE,
                        node_ids[cc],
                        ids[f"{cc}-party"],
                        f"{zh}党群服务联盟",
                        f"{en} Service Alliance",
                    )
                )
                for gc in plan.grids_of[cc]:
                    g_zh, g_en = plan.nodes[gc][2], plan.nodes[gc][3]
                    rows.append(
                        _org(
                            city_id,
                            f"{gc}-team",
                            OrgKind.GRID_TEAM,
                            node_ids[gc],
                            ids[f"{cc}-party"],
                            f"{g_zh}党建协作组",
                            f"{g_en} Party-Building Team",
                        )
                    )
        flush(rows)
        rows = []
        for t in towns:
            for cc in plan.communities_of[t.code]:
                zh, en = plan.nodes[cc][2], plan.nodes[cc][3]
                for tk, (t_zh, t_en) in TEAM_NAMES.items():
                    rows.append(
                        _org(
                            city_id,
                            f"{cc}-team-{tk.value}",
                            OrgKind.ALLIANCE_TEAM,
                            node_ids[cc],
                            ids[f"{cc}-alliance"],
                            f"{zh}{t_zh}",
                            f"{en} {t_en}",
                            team_kind=tk.value,
                        )
                    )
        flush(rows)
    return ids


def _phone(rng: np.random.Generator, n: int) -> list[str]:
    prefixes = np.array(
        ["134", "135", "136", "137", "138", "139", "150", "158", "186", "188", "189"]
    )
    pre = prefixes[rng.integers(0, len(prefixes), n)]
    last = rng.integers(0, 10_000, n)
    return [f"{p}****{x:04d}" for p, x in zip(pre, last, strict=True)]


#: Households a building of the demo (each in a room of it, at the building's point).
HOUSEHOLDS_PER_BUILDING = 4
#: The demo's road names: the grids of a community each get their own road.
DEMO_ROADS = ("人民路", "建设路", "工业路", "新华路", "兴业路", "东风路", "解放路", "育才路", "环城路", "振兴路")


def _demo_road(plan: MapPlan, grid_code: str) -> str:
    """The standard address of a demo grid's road: town, community, road (unique per grid)."""
    community = plan.nodes[grid_code][1]
    assert community is not None
    town = plan.nodes[community][1]
    assert town is not None
    g = plan.grids_of[community].index(grid_code)
    road = DEMO_ROADS[g % len(DEMO_ROADS)] if g < len(DEMO_ROADS) else f"第{g + 1}路"
    return f"{plan.nodes[town][2]}{plan.nodes[community][2]}{road}"


def _demo_address(city_id: int, text: str, grid_id: int, lon: float, lat: float,
                  room: bool = False) -> dict[str, Any]:
    p = parse(text)
    return {"city_id": city_id, "text": text, "kind": AddressKind.ROOM.value if room else AddressKind.BUILDING.value,
            "parent_id": None, "grid_id": grid_id, "lon": lon, "lat": lat, "created_at": BUILD_DATE,
            **{name: getattr(p, name) for name in ("town", "community", "road", "number", "estate", "building",
                                                   "unit", "room")}}


def _write_population(
    session: Session,
    city_id: int,
    plan: MapPlan,
    node_ids: dict[str, int],
    org_ids: dict[str, int],
    sizes: Sizes,
    seed: int,
    progress: _Progress,
) -> dict[str, int]:
    """Households, residents, grid workers and enterprises. Returns the ids of the first
    resident (``resident:<grid>``) and of the grid worker (``worker:<grid>``) of each grid."""
    rng = step_rng(seed, "population")
    grid_codes = [
        gc for t in plan.towns for cc in plan.communities_of[t.code] for gc in plan.grids_of[cc]
    ]
    n_households = rng.poisson(sizes.households_per_grid, len(grid_codes)).clip(min=1)
    households: list[dict[str, Any]] = []
    hh_grid: list[str] = []
    population: dict[str, int] = {}
    buildings: list[dict[str, Any]] = []
    rooms: list[dict[str, Any]] = []
    room_building: list[str] = []
    with progress.step("households: place them in the grids", len(grid_codes)):
        for gc, k in zip(grid_codes, n_households, strict=True):
            geom = plan.nodes[gc][4]
            pts = np.round(sample_points(geom, int(k), rng), 6)
            hh_sizes = 1 + np.minimum(rng.poisson(sizes.extra_people_per_household, int(k)), 7)
            migrant = rng.random(int(k)) < sizes.migrant_rate
            # drawn as before, so that the draws after them (people, enterprises) are unchanged
            rng.integers(1, 10, int(k))
            rng.integers(1, 200, int(k))
            road = _demo_road(plan, gc)
            for i in range(int(k)):
                n = len(households) + 1
                # HOUSEHOLDS_PER_BUILDING households a building (the point of its first), one a room
                b = i // HOUSEHOLDS_PER_BUILDING
                lon, lat = float(pts[b * HOUSEHOLDS_PER_BUILDING, 0]), float(pts[b * HOUSEHOLDS_PER_BUILDING, 1])
                building = f"{road}{2 * b + 1}号"
                if i % HOUSEHOLDS_PER_BUILDING == 0:
                    buildings.append(_demo_address(city_id, building, node_ids[gc], lon, lat))
                room = f"{building}{101 + i % HOUSEHOLDS_PER_BUILDING}室"
                rooms.append(_demo_address(city_id, room, node_ids[gc], lon, lat, room=True))
                room_building.append(building)
                households.append(
                    {
                        "city_id": city_id,
                        "code": f"H{n:07d}",
                        "grid_id": node_ids[gc],
                        "address": room,
                        "size": int(hh_sizes[i]),
                        "is_migrant": bool(migrant[i]),
                        "needs": "",
                        "lon": lon,
                        "lat": lat,
                        "created_at": BUILD_DATE,
                    }
                )
                hh_grid.append(gc)
            population[gc] = int(hh_sizes.sum())
            progress.advance()
    with progress.step("addresses: write", len(buildings) + len(rooms)):
        b_ids = dict(zip((b["text"] for b in buildings), _insert(session, Address, buildings, key="text"),
                         strict=True))
        for r, btext in zip(rooms, room_building, strict=True):
            r["parent_id"] = b_ids[btext]
        r_ids = _insert(session, Address, rooms, key="text")
        progress.advance(len(buildings) + len(rooms))
    for hh, aid in zip(households, r_ids, strict=True):
        hh["address_id"] = aid
    with progress.step("households: write", len(households)):
        hh_ids = _insert(session, Household, households, progress=progress)

    people: list[dict[str, Any]] = []
    first_resident: dict[str, int] = {}
    total_people = sum(h["size"] for h in households)
    phones = _phone(rng, total_people + len(grid_codes))
    members = rng.random(total_people) < sizes.party_member_rate
    for hh, hid, gc in zip(households, hh_ids, hh_grid, strict=True):
        for _ in range(hh["size"]):
            n = len(people)
            people.append(
                {
                    "city_id": city_id,
                    "name": f"居民{n + 1:06d}",
                    "phone_masked": phones[n],
                    "node_id": node_ids[gc],
                    "household_id": hid,
                    "organisation_id": None,
                    "is_party_member": bool(members[n]),
                    "created_at": BUILD_DATE,
                }
            )
    workers: list[dict[str, Any]] = []
    for i, gc in enumerate(grid_codes):
        workers.append(
            {
                "city_id": city_id,
                "name": f"网格员{i + 1:04d}",
                "phone_masked": phones[total_people + i],
                "node_id": node_ids[gc],
                "household_id": None,
                "organisation_id": org_ids[f"{gc}-team"],
                "is_party_member": True,
                "created_at": BUILD_DATE,
            }
        )
    person_ids: dict[str, int] = {}
    with progress.step("people: write", len(people) + len(workers)):
        ids = _insert(session, Person, people, key="name", progress=progress)
        for row, pid in zip(people, ids, strict=True):
            first_resident.setdefault(str(row["node_id"]), pid)
        w_ids = _insert(session, Person, workers, key="name")
        progress.advance(len(workers))
    for gc in grid_codes:
        person_ids[f"resident:{gc}"] = first_resident[str(node_ids[gc])]
    for gc, wid in zip(grid_codes, w_ids, strict=True):
        person_ids[f"worker:{gc}"] = wid

    enterprises: list[dict[str, Any]] = []
    comm_codes = [cc for t in plan.towns for cc in plan.communities_of[t.code]]
    n_ent = rng.poisson(sizes.enterprises_per_community, len(comm_codes))
    for cc, k in zip(comm_codes, n_ent, strict=True):
        grids = plan.grids_of[cc]
        where = rng.integers(0, len(grids), int(k))
        for gi in where:
            n = len(enterprises) + 1
            enterprises.append(
                _org(
                    city_id,
                    f"{CITY_CODE}-ent-{n:04d}",
                    OrgKind.ENTERPRISE,
                    node_ids[grids[int(gi)]],
                    None,
                    f"企业{n:04d}有限公司",
                    f"Enterprise {n:04d} Co., Ltd.",
                    phone_masked=f"0769-{int(rng.integers(2000, 9000))}****",
                )
            )
    with progress.step("enterprises: write", len(enterprises)):
        ent_ids = _insert(session, Organisation, enterprises)
        org_ids.update(zip([e["code"] for e in enterprises], ent_ids, strict=True))
        progress.advance(len(enterprises))

    # Populations of the nodes, summed up the tree.
    totals: dict[str, int] = dict(population)
    for t in plan.towns:
        t_total = 0
        for cc in plan.communities_of[t.code]:
            c_total = sum(population[g] for g in plan.grids_of[cc])
            totals[cc] = c_total
            t_total += c_total
        totals[t.code] = t_total
    for a_key, _zh, _en, names in AREAS:
        codes = [t.code for t in plan.towns if t.name_zh in names]
        totals[f"{CITY_CODE}-{a_key}"] = sum(totals[c] for c in codes)
    totals[CITY_CODE] = sum(totals[t.code] for t in plan.towns)
    session.execute(
        update(_table(Node))
        .where(_table(Node).c.id == bindparam("nid"))
        .values(population=bindparam("pop"), updated_at=BUILD_DATE),
        [{"nid": node_ids[code], "pop": pop} for code, pop in sorted(totals.items())],
    )
    return person_ids


def _write_accounts(
    session: Session,
    city_id: int,
    person_ids: dict[str, int],
) -> dict[str, int]:
    """The demo accounts (:data:`DEMO_ACCOUNTS`), through ``orgs.service.create_user``."""
    hashes: dict[str, str] = {}
    out: dict[str, int] = {}
    nodes = {
        n.code: n
        for n in session.scalars(
            select(Node).where(
                Node.city_id == city_id, Node.code.in_({a.node_code for a in DEMO_ACCOUNTS})
            )
        )
    }
    orgs = {
        o.code: o
        for o in session.scalars(
            select(Organisation).where(
                Organisation.city_id == city_id,
                Organisation.code.in_(
                    {a.organisation_code for a in DEMO_ACCOUNTS if a.organisation_code}
                ),
            )
        )
    }
    for acc in DEMO_ACCOUNTS:
        if acc.organisation_code and acc.organisation_code not in orgs:
            # a city built without enterprises (a test of the map) has no partner to act for
            continue
        if acc.password not in hashes:  # argon2 is slow on purpose: once per password
            hashes[acc.password] = hash_password(acc.password)
        person = None
        if acc.role is Role.RESIDENT:
            person = person_ids[f"resident:{acc.node_code}"]
        elif acc.role is Role.GRID_WORKER:
            person = person_ids[f"worker:{acc.node_code}"]
        user = create_user(
            session,
            username=acc.username,
            password=acc.password,
            password_hash=hashes[acc.password],
            role=acc.role,
            node=nodes[acc.node_code],
            display_name=acc.display_name,
            organisation=orgs.get(acc.organisation_code) if acc.organisation_code else None,
            person_id=person,
        )
        user.created_at = BUILD_DATE
        out[acc.username] = user.id
    session.flush()
    # synthetic contact details: an example.org e-mail (verified, switched on) and a number of
    # the 1380013xxxx test range (verified, off), so the settings page and the e-mail channel
    # can be tried; a handful of rows, nothing to slow the build
    session.add_all(
        row
        for i, (username, uid) in enumerate(sorted(out.items()))
        for row in (
            ContactAddress(city_id=city_id, user_id=uid, channel="email", address=f"{username}@example.org",
                           verified_at=BUILD_DATE, enabled=True, code_tries=0, codes_sent=0, created_at=BUILD_DATE),
            ContactAddress(city_id=city_id, user_id=uid, channel="sms", address=f"1380013{i:04d}",
                           verified_at=BUILD_DATE, enabled=False, code_tries=0, codes_sent=0, created_at=BUILD_DATE),
        )
    )
    session.flush()
    return out


# --------------------------------------------------------------------------- build


def city_exists(session: Session, code: str = CITY_CODE) -> bool:
    return session.scalar(select(City.id).where(City.code == code)) is not None


def delete_city(session: Session, code: str = CITY_CODE) -> bool:
    """Delete a city and every row that belongs to it (all tables carry ``city_id``).
    Rows are deleted table by table, dependants first, so that no foreign key (``RESTRICT``
    ones included) is in the way. Returns False if there was no such city."""
    city_id = session.scalar(select(City.id).where(City.code == code))
    if city_id is None:
        return False
    import_all_models()
    existing = set(inspect(session.connection()).get_table_names())
    for table in reversed(Base.metadata.sorted_tables):
        if table.name in existing and "city_id" in table.c and table.name != City.__tablename__:
            session.execute(delete(table).where(table.c.city_id == city_id))
    session.execute(delete(_table(City)).where(_table(City).c.id == city_id))
    session.flush()
    return True


def build(
    session: Session,
    seed: int,
    *,
    progress: bool = True,
    sizes: Sizes | None = None,
) -> BuildSummary:
    """Build the demo city into ``session`` (flushed, not committed: the caller commits)."""
    started = time.perf_counter()
    sizes = sizes or Sizes()
    if city_exists(session):
        raise ValueError(
            f"city {CITY_CODE} already exists; delete it first (huying demo build --reset)"
        )
    bar = _Progress(progress)
    with bar:
        plan = plan_map(seed, sizes, bar)
        city, node_ids = _write_nodes(session, plan, bar)
        org_ids = _write_organisations(session, city.id, plan, node_ids, bar)
        person_ids = _write_population(session, city.id, plan, node_ids, org_ids, sizes, seed, bar)
        user_ids = _write_accounts(session, city.id, person_ids)
        from huying.api.open311 import install_demo_api_key

        install_demo_api_key(session, city.id, now=BUILD_DATE)
        holidays.seed(session, city.id)  # the city's own calendar, editable on the admin pages
        bump_map_version(session, city.id)
        grid_codes = sorted(c for c, n in plan.nodes.items() if n[0] is Level.GRID)
        demo = DemoCity(seed, city.id, node_ids, org_ids, user_ids, grid_codes)
        session.flush()
    nodes = {
        lvl.value: int(
            session.scalar(
                select(func.count())
                .select_from(Node)
                .where(Node.city_id == city.id, Node.level == lvl.value)
            )
            or 0
        )
        for lvl in Level
    }
    rows = count_rows(session, city.id)
    return BuildSummary(
        seed, city.id, nodes, rows, time.perf_counter() - started, export_hash(session), demo
    )


def count_rows(session: Session, city_id: int) -> dict[str, int]:
    """Rows per table that belong to the city (tables the demo fills)."""
    out: dict[str, int] = {}
    for model in (Node, Organisation, Person, Household, Address, User):
        out[model.__tablename__] = int(
            session.scalar(select(func.count()).select_from(model).where(model.city_id == city_id))
            or 0
        )
    return out


# --------------------------------------------------------------------------- hashing


def export_rows(session: Session, code: str = CITY_CODE) -> Iterator[tuple[str, list[Any]]]:
    """A canonical export of the demo city: every row of every table the demo fills, with
    foreign keys written as natural keys (codes, names) instead of ids, in a fixed order.
    Password hashes (random argon2 salts) and the map version counter are left out."""
    city = session.scalar(select(City).where(City.code == code))
    if city is None:
        return
    cid = city.id
    yield (
        "cities",
        [city.code, city.name_zh, city.name_en, city.crs, city.timezone, _ts(city.created_at)],
    )
    node_code = dict(session.execute(select(Node.id, Node.code).where(Node.city_id == cid)).all())
    org_code = dict(
        session.execute(
            select(Organisation.id, Organisation.code).where(Organisation.city_id == cid)
        ).all()
    )
    hh_code = dict(
        session.execute(select(Household.id, Household.code).where(Household.city_id == cid)).all()
    )
    person_name = dict(
        session.execute(select(Person.id, Person.name).where(Person.city_id == cid)).all()
    )
    n = Node
    for nr in session.execute(
        select(
            n.code,
            n.level,
            n.parent_id,
            n.path,
            n.name_zh,
            n.name_en,
            n.geometry,
            n.centroid_lon,
            n.centroid_lat,
            n.min_lon,
            n.min_lat,
            n.max_lon,
            n.max_lat,
            n.area_km2,
            n.population,
            n.created_at,
            n.updated_at,
        )
        .where(n.city_id == cid)
        .order_by(n.code)
    ):
        row: list[Any] = list(nr)
        row[2] = node_code.get(row[2]) if row[2] else None
        row[-2], row[-1] = _ts(row[-2]), _ts(row[-1])
        yield "geo_nodes", row
    o = Organisation
    for ore in session.execute(
        select(
            o.code,
            o.kind,
            o.department,
            o.team_kind,
            o.node_id,
            o.parent_id,
            o.name_zh,
            o.name_en,
            o.phone_masked,
            o.active,
            o.created_at,
        )
        .where(o.city_id == cid)
        .order_by(o.code)
    ):
        row = list(ore)
        row[4] = node_code[row[4]]
        row[5] = org_code.get(row[5]) if row[5] else None
        row[-1] = _ts(row[-1])
        yield "organisations", row
    a = Address
    addr_text = dict(session.execute(select(a.id, a.text).where(a.city_id == cid)).all())
    # sorted here, not by the database: PostgreSQL's collation of Chinese text is not SQLite's
    for ar in sorted(session.execute(
        select(a.text, a.kind, a.parent_id, a.grid_id, a.lon, a.lat, a.created_at).where(a.city_id == cid)
    ).all(), key=lambda r: r[0]):
        row = list(ar)
        row[2] = addr_text.get(row[2]) if row[2] else None
        row[3] = node_code[row[3]]
        row[-1] = _ts(row[-1])
        yield "addresses", row
    h = Household
    for hr in session.execute(
        select(h.code, h.grid_id, h.address, h.size, h.is_migrant, h.lon, h.lat, h.created_at)
        .where(h.city_id == cid)
        .order_by(h.code)
    ):
        row = list(hr)
        row[1] = node_code[row[1]]
        row[-1] = _ts(row[-1])
        yield "households", row
    p = Person
    for pr in session.execute(
        select(
            p.name,
            p.phone_masked,
            p.node_id,
            p.household_id,
            p.organisation_id,
            p.is_party_member,
            p.created_at,
        )
        .where(p.city_id == cid)
        .order_by(p.name)
    ):
        row = list(pr)
        row[2] = node_code.get(row[2]) if row[2] else None
        row[3] = hh_code.get(row[3]) if row[3] else None
        row[4] = org_code.get(row[4]) if row[4] else None
        row[-1] = _ts(row[-1])
        yield "people", row
    u = User
    for ur in session.execute(
        select(
            u.username,
            u.display_name,
            u.role,
            u.node_id,
            u.organisation_id,
            u.person_id,
            u.locale,
            u.active,
            u.created_at,
        )
        .where(u.city_id == cid)
        .order_by(u.username)
    ):
        row = list(ur)
        row[3] = node_code[row[3]]
        row[4] = org_code.get(row[4]) if row[4] else None
        row[5] = person_name.get(row[5]) if row[5] else None
        row[-1] = _ts(row[-1])
        yield "users", row


def export_hash(session: Session, code: str = CITY_CODE) -> str:
    """SHA-256 of :func:`export_rows`: equal for equal demo cities, on any backend."""
    digest = hashlib.sha256()
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for table, row in export_rows(session, code):
        digest.update(encode([table, row]).encode())
        digest.update(b"\n")
    return digest.hexdigest()


@lru_cache(maxsize=1024)
def _ts(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


# --------------------------------------------------------------------------- progress


class _Progress:
    """Rich progress bars for the long steps, or nothing."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description:<40}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            )
            self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)
            self._progress = None

    @contextmanager
    def step(self, description: str, total: int) -> Iterator[None]:
        if self._progress is None:
            yield
            return
        self._task = self._progress.add_task(description, total=total)
        try:
            yield
        finally:
            self._progress.update(self._task, completed=total)
            self._task = None

    def advance(self, n: int = 1) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, n)
