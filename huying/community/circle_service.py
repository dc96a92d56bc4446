"""The 10-minute service circle's commands and queries (10分钟服务圈): the centre finder for
residents (public, no personal data, the point given is not stored), coverage per node and
service item for leaders and officers, proposed new sites, and the import of a walking network.

The rules are the pure modules' (:mod:`huying.community.circle_walk`,
:mod:`huying.community.circle_cover`); who may read what is here, once:
:func:`check_reader` (officers and leaders within their scope, :data:`huying.community.roles.READERS`)
and :func:`check_importer` (city officers and administrators)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases.policy import check_node
from huying.community import centres as centres_svc
from huying.community import circle_cover as cover
from huying.community import circle_network as cn
from huying.community.circle_models import WalkNetwork
from huying.community.circle_walk import Network, Walking, straight_m, walks_from
from huying.community.models import Centre, CentreItem, ServiceItem
from huying.community.roles import READERS
from huying.contact.linking import project
from huying.contact.models import Address, Household
from huying.errors import InvalidInput, NotPermitted, NotVisible
from huying.geo.models import Level, Node
from huying.orgs.actor import Actor
from huying.orgs.models import Role

#: Who imports a city's walking network.
IMPORTERS = frozenset({Role.CITY_OFFICER, Role.ADMIN})
#: The most new sites one proposal chooses, and the most centres the finder lists.
MAX_SITES = 50
MAX_NEAREST = 10
#: The levels whose map shows each household outside the circle (as ``/visits/coverage``).
HOUSEHOLD_LEVELS = frozenset({Level.COMMUNITY.value, Level.GRID.value})
#: The most households outside the circle drawn on one map.
MAX_DOTS = 2_000
#: Where candidate sites come from.
CANDIDATES = ("grids", "addresses")
MAX_CANDIDATES = 5_000


def check_reader(actor: Actor, node: Node) -> None:
    if actor.role not in READERS and not actor.is_system:
        raise NotPermitted("the service circle's coverage is for officers and leaders")
    check_node(actor, node.path, "service circle coverage")


def check_importer(actor: Actor) -> None:
    if actor.role not in IMPORTERS and not actor.is_system:
        raise NotPermitted("only a city officer or an administrator imports the walking network")


# --------------------------------------------------------------------------- the catalogue and centres
def items_offered(session: Session, city_id: int) -> list[ServiceItem]:
    """The active service items offered at an active centre, by category then code."""
    ids = select(CentreItem.item_id).join(Centre, Centre.id == CentreItem.centre_id).where(
        CentreItem.city_id == city_id, Centre.active.is_(True))
    return list(session.scalars(select(ServiceItem).where(
        ServiceItem.city_id == city_id, ServiceItem.active.is_(True), ServiceItem.id.in_(ids))
        .order_by(ServiceItem.category, ServiceItem.code)))


def get_item(session: Session, city_id: int, code: str) -> ServiceItem:
    """The catalogue's item (an unknown code: 404, :func:`huying.community.centres.item`)."""
    return centres_svc.item(session, city_id, code)


def centres_offering(session: Session, city_id: int, item: ServiceItem) -> list[Centre]:
    return centres_svc.offering(session, city_id, item.id)


def walking_of(session: Session, city_id: int) -> tuple[Walking, Network | None, WalkNetwork | None]:
    """The settings' walking, and the city's imported network when there is one."""
    got = cn.load(session, city_id)
    return Walking.from_settings(), (got[1] if got else None), (got[0] if got else None)


def _xy(lon: Any, lat: Any) -> np.ndarray:
    return project(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))


# --------------------------------------------------------------------------- the finder (public)
@dataclass(frozen=True)
class Nearby:
    centre: Centre
    walk_m: float
    minutes: int
    within: bool


def nearest(session: Session, city_id: int, item_code: str, lon: float, lat: float,
            limit: int = 3) -> tuple[ServiceItem, list[Nearby]]:
    """The centres offering the item nearest to a point, by walking time. The point is used
    for this answer only and kept nowhere."""
    item = get_item(session, city_id, item_code)
    limit = max(1, min(limit, MAX_NEAREST))
    centres = centres_offering(session, city_id, item)
    if not centres:
        return item, []
    walking, net, _ = walking_of(session, city_id)
    origin = _xy([lon], [lat])
    sites = _xy([c.lon for c in centres], [c.lat for c in centres])
    if net is not None:
        walk = walks_from(net, origin[0], sites)
    else:
        walk = straight_m(origin[0, 0], origin[0, 1], sites[:, 0], sites[:, 1]) * walking.detour
    order = np.argsort(walk, kind="stable")[:limit]
    return item, [Nearby(centres[i], float(walk[i]), int(np.ceil(walking.minutes(walk[i]))),
                         bool(walk[i] <= walking.reach_m))
                  for i in order if np.isfinite(walk[i])]


def nearest_to_node(session: Session, city_id: int, item_code: str, node_code: str,
                    limit: int = 3) -> tuple[ServiceItem, Node, list[Nearby]]:
    """The finder without a location: from the middle of a town or community."""
    node = session.scalar(select(Node).where(Node.city_id == city_id, Node.code == node_code))
    if node is None or node.centroid_lon is None or node.centroid_lat is None:
        raise InvalidInput(f"no place {node_code!r}", "node")
    item, rows = nearest(session, city_id, item_code, node.centroid_lon, node.centroid_lat, limit)
    return item, node, rows


# --------------------------------------------------------------------------- coverage
@dataclass
class Tally:
    households: int = 0
    within: int = 0

    @property
    def share(self) -> float | None:
        return None if self.households == 0 else self.within / self.households

    @property
    def outside(self) -> int:
        return self.households - self.within

    def as_dict(self) -> dict[str, Any]:
        return {"households": self.households, "within": self.within, "outside": self.outside,
                "share": None if self.share is None else round(self.share, 4)}


@dataclass(frozen=True)
class Outside:
    code: str
    grid: str
    lon: float
    lat: float
    minutes: int | None


@dataclass
class Coverage:
    node: Node
    item: ServiceItem
    walking: Walking
    network: WalkNetwork | None
    centres: int
    total: Tally
    no_point: int
    by_child: list[tuple[Node, Tally]]
    by_grid: dict[str, Tally]
    outside: list[Outside] = field(default_factory=list)
    more_outside: bool = False

    @property
    def mode(self) -> str:
        return "network" if self.network is not None else "straight"


@dataclass(frozen=True)
class _Homes:
    ids: np.ndarray
    codes: list[str]
    grid_path: list[str]
    xy: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    no_point: int


def _homes(session: Session, node: Node) -> _Homes:
    rows = session.execute(select(Household.id, Household.code, Node.path, Household.lon, Household.lat)
                           .join(Node, Node.id == Household.grid_id)
                           .where(Household.city_id == node.city_id, Household.moved_out_at.is_(None),
                                  Node.path.startswith(node.path, autoescape=True))
                           .order_by(Household.id)).all()
    with_point = [r for r in rows if r[3] is not None and r[4] is not None]
    lon = np.asarray([r[3] for r in with_point], dtype=float)
    lat = np.asarray([r[4] for r in with_point], dtype=float)
    return _Homes(np.asarray([r[0] for r in with_point], dtype=np.int64), [r[1] for r in with_point],
                  [r[2] for r in with_point], _xy(lon, lat) if len(lon) else np.zeros((0, 2)), lon, lat,
                  len(rows) - len(with_point))


def coverage(session: Session, actor: Actor, node: Node, item_code: str) -> Coverage:
    """The households under ``node`` within the circle of a centre offering the item, per
    child node and per grid, counted exactly; from a community down, the households outside
    (their code and point: staff within scope only)."""
    check_reader(actor, node)
    item = get_item(session, node.city_id, item_code)
    walking, net, netrow = walking_of(session, node.city_id)
    centres = centres_offering(session, node.city_id, item)
    homes = _homes(session, node)
    cxy = _xy([c.lon for c in centres], [c.lat for c in centres]) if centres else np.zeros((0, 2))
    walk = cover.walk_to_nearest(homes.xy, cxy, walking, net)
    inside = walk <= walking.reach_m
    depth = len([c for c in node.path.split("/") if c])
    children = {n.code: n for n in session.scalars(select(Node).where(Node.parent_id == node.id))}
    by_child: dict[str, Tally] = defaultdict(Tally)
    by_grid: dict[str, Tally] = defaultdict(Tally)
    total = Tally(len(homes.ids), int(inside.sum()))
    for path, ok in zip(homes.grid_path, inside.tolist(), strict=True):
        parts = [c for c in path.split("/") if c]
        grid = parts[-1]
        t = by_grid[grid]
        t.households += 1
        t.within += ok
        if len(parts) > depth:
            c = by_child[parts[depth]]
            c.households += 1
            c.within += ok
    cov = Coverage(node, item, walking, netrow, len(centres), total, homes.no_point,
                   [(children[k], by_child[k]) for k in sorted(children) if k in by_child], dict(by_grid))
    if node.level in HOUSEHOLD_LEVELS:
        out = np.flatnonzero(~inside)
        cov.more_outside = len(out) > MAX_DOTS
        mins = walking.minutes(walk[out[:MAX_DOTS]])
        cov.outside = [Outside(homes.codes[i], [c for c in homes.grid_path[i].split("/") if c][-1],
                               round(float(homes.lon[i]), 6), round(float(homes.lat[i]), 6),
                               int(np.ceil(m)) if np.isfinite(m) else None)
                       for i, m in zip(out[:MAX_DOTS], mins, strict=True)]
    return cov


# --------------------------------------------------------------------------- proposed sites
@dataclass(frozen=True)
class Site:
    lon: float
    lat: float
    label: str
    newly: int  # households this site alone brings in that no earlier chosen site does


@dataclass(frozen=True)
class Proposal:
    node: Node
    item: ServiceItem
    p: int
    candidates: int
    candidate_kind: str
    outside_before: int
    households: int
    sites: list[Site]
    newly_covered: int
    greedy_covered: int
    bound: float
    gap: float
    optimal: bool
    seconds: float
    demand_points: int

    @property
    def greedy_gap(self) -> float:
        return 0.0 if self.newly_covered == 0 else (self.newly_covered - self.greedy_covered) / self.newly_covered


def _candidates(session: Session, node: Node, kind: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The grids' centroids, or the register's buildings (at most :data:`MAX_CANDIDATES`,
    evenly spread over the node's list when it holds more)."""
    if kind == "grids":
        q = select(Node.centroid_lon, Node.centroid_lat, Node.name_zh).where(
            Node.city_id == node.city_id, Node.level == Level.GRID.value, Node.centroid_lon.is_not(None),
            Node.path.startswith(node.path, autoescape=True)).order_by(Node.code)
    else:
        q = (select(Address.lon, Address.lat, Address.text).join(Node, Node.id == Address.grid_id)
             .where(Address.city_id == node.city_id, Address.parent_id.is_(None),
                    Node.path.startswith(node.path, autoescape=True)).order_by(Address.id))
    rows = session.execute(q).all()
    if len(rows) > MAX_CANDIDATES:
        keep = np.linspace(0, len(rows) - 1, MAX_CANDIDATES).round().astype(int)
        rows = [rows[i] for i in keep]
    lon = np.asarray([r[0] for r in rows], dtype=float)
    lat = np.asarray([r[1] for r in rows], dtype=float)
    return lon, lat, [str(r[2]) for r in rows]


def propose(session: Session, actor: Actor, node: Node, item_code: str, p: int, *,
            candidates: str = "grids", points: list[tuple[float, float, str]] | None = None) -> Proposal:
    """``p`` new sites for the item under ``node`` that bring the most of its households now
    outside the circle within it: the maximal covering location problem solved exactly
    (HiGHS), with the gap from the solver's bound, and greedy beside it. Candidates: the
    grids' centroids, the register's building addresses, or a given list of points."""
    check_reader(actor, node)
    if not 1 <= p <= MAX_SITES:
        raise InvalidInput(f"choose between 1 and {MAX_SITES} sites", "p")
    if points is None and candidates not in CANDIDATES:
        raise InvalidInput(f"candidates are one of {', '.join(CANDIDATES)}", "candidates")
    item = get_item(session, node.city_id, item_code)
    walking, net, _ = walking_of(session, node.city_id)
    centres = centres_offering(session, node.city_id, item)
    homes = _homes(session, node)
    cxy = _xy([c.lon for c in centres], [c.lat for c in centres]) if centres else np.zeros((0, 2))
    inside = cover.covered(homes.xy, cxy, walking, net)
    if points is not None:
        if not points:
            raise InvalidInput("give at least one candidate site", "points")
        lon = np.asarray([q[0] for q in points], dtype=float)
        lat = np.asarray([q[1] for q in points], dtype=float)
        labels = [q[2] for q in points]
        kind = "points"
    else:
        lon, lat, labels = _candidates(session, node, candidates)
        kind = candidates
    sxy = _xy(lon, lat) if len(lon) else np.zeros((0, 2))
    outside_xy = homes.xy[~inside]
    a = cover.coverage_sets(outside_xy, sxy, walking, net)
    demand = cover.aggregate(a)
    best = cover.solve(demand, p)
    base = cover.greedy(demand, p)
    # what each chosen site adds, in the order of what it adds most first
    left = np.ones(a.shape[0], dtype=bool)
    sites: list[Site] = []
    acsc = a.tocsc()
    order = sorted(best.sites, key=lambda j: -int(acsc[:, j].sum()))
    for j in order:
        rows = acsc.indices[acsc.indptr[j]:acsc.indptr[j + 1]]
        added = int(left[rows].sum())
        left[rows] = False
        sites.append(Site(round(float(lon[j]), 6), round(float(lat[j]), 6), labels[j], added))
    return Proposal(node, item, p, len(lon), kind, int((~inside).sum()), len(homes.ids), sites, int(best.value),
                    int(base.value), best.bound, best.gap, best.optimal, best.seconds, demand.a.shape[0])


# --------------------------------------------------------------------------- the network
def import_network(session: Session, actor: Actor, data: bytes, name: str, *, now: dt.datetime) -> WalkNetwork:
    """Import a walking network (GeoJSON lines or OSM XML) as the city's, replacing the one
    before: one command, one event, one commit. A bad file stores nothing."""
    check_importer(actor)
    if not data:
        raise InvalidInput("the file is empty", "network")
    source, net = cn.parse(data, name)
    row = cn.store(session, actor.city_id, source, net, name=name, actor_id=actor.user_id, now=now)
    session.commit()
    return row


def network_info(session: Session, actor: Actor) -> WalkNetwork | None:
    """The city's imported network (officers and leaders), or None."""
    if actor.role not in READERS | IMPORTERS and not actor.is_system:
        raise NotPermitted("the walking network is for officers and leaders")
    got = cn.load(session, actor.city_id)
    return got[0] if got else None


def node_of(session: Session, actor: Actor, code: str) -> Node:
    """The node named by code, or the actor's own (for the coverage pages and API)."""
    if code:
        target = session.scalar(select(Node).where(Node.city_id == actor.city_id, Node.code == code))
        if target is None:
            raise InvalidInput(f"no node {code!r}", "node")
        return target
    found = session.scalar(select(Node).where(Node.city_id == actor.city_id, Node.path == actor.node_path))
    if found is None:
        raise NotVisible("your account has no node")
    return found

