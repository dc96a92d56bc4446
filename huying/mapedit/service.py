"""Redrawing the map and renaming its places, with what lives there (issue 22).

The tree's part is :mod:`huying.geo.edit` (checks, codes kept by overlap, new and retired
nodes). This module sits above the cases and the register, so that a redraw moves what
lies in a redrawn grid in the same transaction:

- each open case of a redrawn grid whose point now lies in another grid moves there by the
  declared ``regrid`` action of its workflow (an event through the cases kernel);
- each household of a redrawn grid moves likewise, with a ``regridded`` row in its history
  (the register's own); addresses and units follow their point;
- whatever else hangs on a retired grid (organisations, accounts, lists …) goes to its
  successor, the new grid that covers most of it;
- the figures' rollup is rebuilt for the grids cases left and joined
  (:func:`huying.metrics.rollup.rebuild` with ``paths``), the map version is bumped (the
  locate index and the outline tiles rebuild from it), and every change is an audit row.

A point without a grid (no point, or on a sliver the tolerance forgave) goes to the successor
of its old grid.

Communities merged or split: a grid that lies in another community now goes there with its
code (:mod:`huying.geo.edit`); each of its open cases gets a ``regrid`` event (same grid, new
path), its households stay in it (they store no path); every stored copy of a moved path
(cases' grid and unit paths, routing rules' places) is rewritten, a retired community's to
its successor's; the rollup is rebuilt for the old and new paths; each re-parented grid is
an audit row with its parent before and after. Only an administrator whose scope holds the node edits it
(:func:`huying.orgs.scope.check_administers`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Table, func, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huying import audit
from huying.cases import kernel
from huying.cases import service as cases
from huying.cases.models import Case
from huying.cases.workflow import OPEN_VALUES
from huying.contact import service as register
from huying.contact.models import Address, Household
from huying.db import Base
from huying.errors import InvalidInput
from huying.geo import edit
from huying.geo import service as geo
from huying.geo.models import Level, Node
from huying.metrics import rollup
from huying.orgs.actor import Actor
from huying.orgs.scope import check_administers
from huying.triage.models import RoutingRule

__all__ = ["Applied", "Move", "Preview", "apply", "preview", "rename"]

#: The audit subject of the map's changes.
SUBJECT = "node"
#: Not moved with a retired node: open cases move one by one (their events); a closed case
#: keeps the grid path it was reported in (its grid becomes null with the node).
_HANDLED = {("cases", "grid_id"), ("geo_nodes", "parent_id")}


@dataclass(frozen=True)
class Move:
    """A case or a household that a redraw moves: from one grid's code to another's."""

    kind: str  # "case" or "household"
    id: int
    code: str
    from_code: str
    to_code: str
    #: Communities redrawn: the code of the grid (which keeps it) that changes community.
    grid: str = ""


@dataclass
class Preview:
    """What a redraw would do: the plan of the tree and what moves."""

    plan: edit.Plan
    #: Grid redraws: moved to another grid (codes of grids). Communities redrawn: in a grid
    #: that changes community (codes of communities).
    cases: list[Move] = field(default_factory=list)
    households: list[Move] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = self.plan.to_dict()
        out["cases"] = [m.__dict__ for m in self.cases]
        out["households"] = [m.__dict__ for m in self.households]
        return out


@dataclass(frozen=True)
class Applied:
    preview: Preview
    map_version: int


def _node(session: Session, actor: Actor, code: str, what: str) -> Node:
    node = geo.get_node(session, actor.city_id, code)
    check_administers(actor, node.path, what)
    return node


class _Locator:
    """Which new grid holds a point, among the polygons a plan draws."""

    def __init__(self, polygons: list[tuple[str, BaseGeometry]]) -> None:
        self.codes = [c for c, _ in polygons]
        self.tree = shapely.STRtree([g for _, g in polygons])

    def code_at(self, lon: float | None, lat: float | None) -> str | None:
        if lon is None or lat is None:
            return None
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        return self.codes[int(min(hits))] if len(hits) else None


def _regrouped_moves(session: Session, plan: edit.Plan) -> tuple[list[Move], list[Move]]:
    """(open cases, households) in the grids that change community, from one community's
    code to the other's."""
    where = {r.grid.id: r for r in plan.regrouped}
    if not where:
        return [], []
    def move(kind: str, id_: int, code: str, grid_id: int) -> Move:
        r = where[grid_id]
        return Move(kind, id_, code, r.from_code, r.to_code, r.grid.code)

    case_moves = [move("case", c.id, c.code, int(c.grid_id or 0))
                  for c in session.scalars(select(Case).where(Case.city_id == plan.city.id, Case.grid_id.in_(list(where)),
                                                              Case.status.in_(OPEN_VALUES)).order_by(Case.id))]
    hh_moves = [move("household", h.id, h.code, h.grid_id)
                for h in session.scalars(select(Household).where(Household.city_id == plan.city.id,
                                                                 Household.grid_id.in_(list(where)))
                                         .order_by(Household.id))]
    return case_moves, hh_moves


def _moves(session: Session, plan: edit.Plan) -> tuple[list[Move], list[Move], dict[int, str]]:
    """(open cases, households, address id → new grid code) of a grid redraw, or of the
    grids that change community when communities are redrawn."""
    if plan.level is Level.COMMUNITY:
        return (*_regrouped_moves(session, plan), {})
    if plan.level is not Level.GRID or not plan.replaced:
        return [], [], {}
    old = {n.id: n.code for n in plan.replaced}
    successor = plan.successor_of()
    where = _Locator(plan.new_polygons())

    def target(old_id: int, lon: float | None, lat: float | None) -> str:
        return where.code_at(lon, lat) or successor[old[old_id]]

    case_moves = []
    for c in session.scalars(select(Case).where(Case.city_id == plan.city.id, Case.grid_id.in_(list(old)),
                                                Case.status.in_(OPEN_VALUES)).order_by(Case.id)):
        gid = int(c.grid_id or 0)
        t = target(gid, c.lon, c.lat)
        if t != old[gid]:
            case_moves.append(Move("case", c.id, c.code, old[gid], t))
    points: dict[int, tuple[float | None, float | None]] = {}
    addr_grid: dict[int, str] = {}
    for a in session.scalars(select(Address).where(Address.city_id == plan.city.id, Address.grid_id.in_(list(old)))):
        points[a.id] = (a.lon, a.lat)
        addr_grid[a.id] = target(a.grid_id, a.lon, a.lat)
    hh_moves = []
    for h in session.scalars(select(Household).where(Household.city_id == plan.city.id,
                                                     Household.grid_id.in_(list(old))).order_by(Household.id)):
        lon, lat = (h.lon, h.lat) if h.lon is not None else points.get(h.address_id or -1, (None, None))
        t = target(h.grid_id, lon, lat)
        if t != old[h.grid_id]:
            hh_moves.append(Move("household", h.id, h.code, old[h.grid_id], t))
    return case_moves, hh_moves, addr_grid


def preview(session: Session, actor: Actor, parent_code: str, path_or_fc: str | Path | dict[str, Any],
            tolerance: float = 1.0) -> Preview:
    """What redrawing the children of ``parent_code`` from the FeatureCollection would do;
    nothing is written. ``ImportRejected`` with every reason when the file is refused."""
    _node(session, actor, parent_code, "redraw the map")
    plan = edit.plan_children(session, actor.city_id, parent_code, path_or_fc, tolerance)
    cases_, households, _ = _moves(session, plan)
    return Preview(plan, cases_, households)


def _shape_of(node_or_geom: Node | BaseGeometry) -> dict[str, Any]:
    if isinstance(node_or_geom, Node):
        return {"name_zh": node_or_geom.name_zh, "name_en": node_or_geom.name_en,
                "area_km2": node_or_geom.area_km2,
                "geometry": json.loads(node_or_geom.geometry) if node_or_geom.geometry else None}
    return {"geometry": json.loads(shapely.to_geojson(node_or_geom))}


def _node_fks() -> list[tuple[Table, str]]:
    """Every (table, column) that points at a node, but those a redraw moves one by one."""
    out = []
    for table in Base.metadata.sorted_tables:
        for col in table.columns:
            if any(fk.column.table.name == "geo_nodes" for fk in col.foreign_keys) \
                    and (table.name, col.name) not in _HANDLED:
                out.append((table, col.name))
    return out


def apply(session: Session, actor: Actor, parent_code: str, path_or_fc: str | Path | dict[str, Any], *,
          now: dt.datetime, expected_version: int | None = None, tolerance: float = 1.0) -> Applied:
    """Redraw the children of ``parent_code`` from the FeatureCollection, in one transaction
    (committed here): the tree, the open cases and households that move (each with its
    event), what hung on the retired nodes, the rollup, the map version and the audit.
    ``expected_version``: the map version the preview was made on (a map changed since is
    refused: preview again). Nothing is stored on a refusal."""
    kernel.require_aware(now)
    parent = _node(session, actor, parent_code, "redraw the map")
    with kernel.one_transaction(session):
        plan = edit.plan_children(session, actor.city_id, parent_code, path_or_fc, tolerance)
        if expected_version is not None and expected_version != plan.map_version:
            raise InvalidInput("the map changed since the preview: preview again", "map_version")
        case_moves, hh_moves, addr_grid = _moves(session, plan)
        before = {n.code: _shape_of(n) for n in plan.replaced}
        # the paths that move: each regrouped grid's, each retired community's to its successor's
        old_paths = {g.grid.code: g.grid.path for g in plan.regrouped}
        retired_paths = {r.node.code: r.node.path for r in plan.retired} if plan.level is Level.COMMUNITY else {}
        nodes = edit.apply_plan(session, plan)
        by_code = {**nodes, **{r.node.code: r.node for r in plan.retired}}
        for k in plan.kept:
            b, a = audit.changes(before[k.node.code], _shape_of(k.node))
            audit.record(session, actor.city_id, SUBJECT, k.node.id, "redraw", actor_id=actor.user_id, now=now,
                         before=b, after=a, code=k.node.code, parent=parent.code, iou=round(k.iou, 3))
        for ad in plan.added:
            n = nodes[ad.code]
            audit.record(session, actor.city_id, SUBJECT, n.id, "add", actor_id=actor.user_id, now=now,
                         after=_shape_of(n), code=n.code, parent=parent.code)
        for g in plan.regrouped:
            audit.record(session, actor.city_id, SUBJECT, g.grid.id, "reparent", actor_id=actor.user_id, now=now,
                         before={"parent": g.from_code, "path": old_paths[g.grid.code]},
                         after={"parent": g.to_code, "path": g.grid.path}, code=g.grid.code)
        moved_paths = {old_paths[g.grid.code]: g.grid.path for g in plan.regrouped}
        moved_paths.update({p: by_code[plan.successor_of()[c]].path for c, p in retired_paths.items()})
        if plan.level is Level.COMMUNITY:
            grid_of = {g.grid.id: g.grid for g in plan.regrouped}
            for m in case_moves:  # same grid, another community: the declared regrid action
                case = session.get(Case, m.id)
                grid = grid_of[int(case.grid_id or 0)]  # type: ignore[union-attr]
                cases.regrid(session, case, actor, grid_id=grid.id, grid_path=grid.path, now=now,  # type: ignore[arg-type]
                             extra={"grid": grid.code, "from_community": m.from_code, "to_community": m.to_code})
            case_moves_grid: list[Move] = []
        else:
            case_moves_grid = case_moves
        stale_paths = _rewrite_paths(session, actor.city_id, moved_paths)
        # what lives there: open cases through the kernel, households through the register
        for m in case_moves_grid:
            case = session.get(Case, m.id)
            grid = by_code[m.to_code]
            cases.regrid(session, case, actor, grid_id=grid.id, grid_path=grid.path, now=now,  # type: ignore[arg-type]
                         extra={"from_code": m.from_code, "to_code": m.to_code})
        for m in (hh_moves if plan.level is Level.GRID else []):
            hh = session.get(Household, m.id)
            register.regrid_household(session, actor, hh, by_code[m.to_code].id,  # type: ignore[arg-type]
                                      from_code=m.from_code, to_code=m.to_code, at=now)
        register.regrid_places(session, actor.city_id, {a: by_code[c].id for a, c in addr_grid.items()})
        # whatever else hangs on a retired node goes to its successor, then the node goes
        for r in plan.retired:
            succ = by_code[r.successor]
            for table, col in _node_fks():
                try:
                    with session.begin_nested():
                        session.execute(update(table).where(table.c[col] == r.node.id).values({col: succ.id}))
                except IntegrityError:
                    raise InvalidInput(f"{r.node.code} cannot be retired: its {table.name} would clash with "
                                       f"those of {succ.code}", "file") from None
            audit.record(session, actor.city_id, SUBJECT, r.node.id, "retire", actor_id=actor.user_id, now=now,
                         before=before[r.node.code], after={"successor": r.successor}, code=r.node.code,
                         parent=parent.code)
            edit.retire(session, r.node)
        paths = {by_code[c].path for m in case_moves_grid for c in (m.from_code, m.to_code)} | stale_paths
        paths |= {p for g in plan.regrouped for p in (old_paths[g.grid.code], g.grid.path)}
        if paths:
            rollup.rebuild(session, actor.city_id, paths=paths)
        version = int(geo.map_token(session, actor.city_id)[0])
        audit.record(session, actor.city_id, SUBJECT, parent.id, "redraw_children", actor_id=actor.user_id,
                     now=now, code=parent.code, kept=[k.node.code for k in plan.kept],
                     added=[a.code for a in plan.added],
                     retired=[{"code": r.node.code, "successor": r.successor} for r in plan.retired],
                     cases=[[m.code, m.from_code, m.to_code] for m in case_moves],
                     households=[[m.code, m.from_code, m.to_code] for m in hh_moves],
                     regrouped=[[g.grid.code, g.from_code, g.to_code] for g in plan.regrouped], map_version=version)
    return Applied(Preview(plan, case_moves, hh_moves), version)


#: Every stored copy of a node's path (scope checks are prefix matches on them): rewritten
#: when communities are merged or split. ``geo_nodes.path`` is the tree's own (geo.edit).
_PATH_COLUMNS = (Case.grid_path, Case.unit_path, RoutingRule.node_path)


def _rewrite_paths(session: Session, city_id: int, moved: dict[str, str]) -> set[str]:
    """Rewrite every stored path below an old path in ``moved`` (old → new) to the new one.
    Returns the cases' grid paths before and after (the rollup's rows to rebuild)."""
    touched: set[str] = set()
    session.flush()
    # the longest first: a regrouped grid's path before its retired community's
    for old, new in sorted(moved.items(), key=lambda kv: -len(kv[0])):
        if old == new:
            continue
        for col in _PATH_COLUMNS:
            table = col.class_
            below = col.startswith(old, autoescape=True)
            if col is Case.grid_path:
                for p in session.scalars(select(Case.grid_path).distinct().where(Case.city_id == city_id, below)):
                    touched |= {p, new + p[len(old):]}
            session.execute(update(table).where(table.city_id == city_id, below)
                            .values({col.key: literal(new) + func.substr(col, len(old) + 1)})
                            .execution_options(synchronize_session=False))
    if moved:
        session.expire_all()
    return touched


def rename(session: Session, actor: Actor, code: str, name_zh: str, name_en: str, *, now: dt.datetime) -> Node:
    """Rename a node (Chinese and English names), with its audit row. Committed."""
    node = _node(session, actor, code, "rename a place")
    changed = edit.rename(node, name_zh, name_en)
    if changed:
        audit.record(session, actor.city_id, SUBJECT, node.id, "rename", actor_id=actor.user_id, now=now,
                     before={k: v[0] for k, v in changed.items()}, after={k: v[1] for k, v in changed.items()},
                     code=node.code)
        if node.geometry:  # the outlines carry the names
            geo.bump_map_version(session, actor.city_id)
    session.commit()
    return node


def load_geojson_text(text: str | bytes) -> dict[str, Any]:
    """An uploaded file's text as a FeatureCollection dict (``InvalidInput`` when it is not JSON)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidInput("the file is not GeoJSON (not JSON)", "file") from None
    if not isinstance(data, dict):
        raise InvalidInput("the file is not a GeoJSON FeatureCollection", "file")
    return data
