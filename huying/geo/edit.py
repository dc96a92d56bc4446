"""Editing the map: redraw the children of a node (split, merge, redraw, add) from a GeoJSON
FeatureCollection, and rename a node.

A redraw is planned first (:func:`plan_children`: nothing written) and applied after
(:func:`apply_plan`). The new features are checked as ``geo import`` checks them
(:func:`huying.geo.geojson.check_features`: valid, inside the parent, no overlap) and must
tile what they replace (:func:`huying.geo.geojson.check_tiling`): the children of the node
their polygons meet, or the node itself when they replace all of them. Codes are stable
where a node keeps its place: a new polygon whose overlap with an old one is at least
:data:`KEEP_IOU` of their union (intersection over union) keeps the old node (its id, code
and name unless the file renames it); a feature may also name the code it keeps. The other
new polygons get new nodes (the code the file gives, or the next free one); the old nodes
left without a match are retired, each with a successor (the new node that covers most of
it) to which whatever still hangs on them moves.

Communities are merged and split the same way, with their grids: a grid that lies wholly
(within the tolerance) inside one new community goes there, keeping its code
(:class:`Regrouped`, re-parented by :func:`apply_plan`); a grid that would straddle two new
communities is refused (redraw the grids first). A new polygon that no old one keeps by
overlap but that wholly covers old ones (a merge of three or more) keeps the code of the one
it overlaps most.

What lives in a redrawn place (open cases, households) is relocated by the layers above
(``huying.mapedit``): this module knows only the tree.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.geo.geojson import (
    Checked,
    ImportRejected,
    ImportReport,
    Issue,
    check_features,
    check_tiling,
    metric,
    read_collection,
)
from huying.geo.locate import map_token
from huying.geo.models import City, Level, Node
from huying.geo.shapes import node_shape, to_shape
from huying.geo.tree import (
    CityNotFound,
    InvalidNode,
    add_node,
    bump_map_version,
    children,
    code_problem,
    get_node,
    path_codes,
)

#: Intersection over union from which a new polygon keeps an old node's code.
KEEP_IOU = 0.5
#: The levels whose children may be redrawn on the web (a town's communities, a community's grids).
EDITABLE = (Level.TOWN, Level.COMMUNITY)


@dataclass(frozen=True)
class Kept:
    """An old node that keeps its place (and code) with a new polygon."""

    node: Node
    feature: Checked
    iou: float


@dataclass(frozen=True)
class Added:
    """A new node to add: its code (given or the next free one) and its feature."""

    code: str
    feature: Checked


@dataclass(frozen=True)
class Retired:
    """An old node that no new polygon keeps; ``successor``: the code of the new or kept node
    that covers most of it."""

    node: Node
    successor: str


@dataclass(frozen=True)
class Regrouped:
    """A grid of a redrawn community that lies in another community now: it goes there with
    its code (``from_code``, ``to_code``: the communities' codes)."""

    grid: Node
    from_code: str
    to_code: str


@dataclass
class Plan:
    """What a redraw would do to the children of ``parent``."""

    city: City
    parent: Node
    level: Level
    report: ImportReport
    kept: list[Kept] = field(default_factory=list)
    added: list[Added] = field(default_factory=list)
    retired: list[Retired] = field(default_factory=list)
    #: The children the file does not touch.
    untouched: list[Node] = field(default_factory=list)
    #: The grids that change community (communities redrawn).
    regrouped: list[Regrouped] = field(default_factory=list)
    #: The map version the plan was made against.
    map_version: int = 0

    @property
    def replaced(self) -> list[Node]:
        return [k.node for k in self.kept] + [r.node for r in self.retired]

    def new_polygons(self) -> list[tuple[str, BaseGeometry]]:
        """(code, polygon) of every node the plan leaves where it drew: kept and added."""
        return ([(k.node.code, k.feature.geom) for k in self.kept]
                + [(a.code, a.feature.geom) for a in self.added])

    def successor_of(self) -> dict[str, str]:
        """Old code → the code that stands in its place (itself when kept)."""
        out = {k.node.code: k.node.code for k in self.kept}
        out.update({r.node.code: r.successor for r in self.retired})
        return out

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON (the preview): codes kept, new and retired, and the polygons."""
        def feat(code: str, name: str, name_en: str, geom: BaseGeometry, state: str) -> dict[str, Any]:
            return {"type": "Feature", "properties": {"code": code, "name_zh": name, "name_en": name_en,
                                                      "state": state},
                    "geometry": json.loads(node_shape(geom).geometry)}

        new = [feat(k.node.code, k.feature.name or k.node.name_zh, k.feature.name_en or k.node.name_en,
                    k.feature.geom, "kept") for k in self.kept]
        new += [feat(a.code, a.feature.name, a.feature.name_en, a.feature.geom, "new") for a in self.added]
        old = [{"type": "Feature", "properties": {"code": n.code, "name_zh": n.name_zh, "name_en": n.name_en,
                                                  "state": "retired" if n.code in {r.node.code for r in self.retired}
                                                  else "kept"},
                "geometry": json.loads(n.geometry)} for n in self.replaced if n.geometry]
        return {
            "parent": self.parent.code, "level": self.level.value, "map_version": self.map_version,
            "kept": [{"code": k.node.code, "iou": round(k.iou, 3)} for k in self.kept],
            "added": [a.code for a in self.added],
            "retired": [{"code": r.node.code, "successor": r.successor} for r in self.retired],
            "regrouped": [{"code": r.grid.code, "name_zh": r.grid.name_zh, "name_en": r.grid.name_en,
                           "from_code": r.from_code, "to_code": r.to_code} for r in self.regrouped],
            "warnings": [i.__dict__ for i in self.report.warnings],
            "new": {"type": "FeatureCollection", "features": new},
            "old": {"type": "FeatureCollection", "features": old},
        }


def _iou(a: BaseGeometry, b: BaseGeometry) -> float:
    inter = shapely.intersection(a, b).area
    if inter == 0:
        return 0.0
    return float(inter / shapely.union(a, b).area)


def next_codes(session: Session, parent: Node, level: Level, count: int, taken: set[str]) -> list[str]:
    """``count`` free codes for children of ``parent``: the parent's code and the next numbers
    after the highest in use (never a code of the city, nor one in ``taken``)."""
    used = set(session.scalars(select(Node.code).where(Node.city_id == parent.city_id,
                                                       Node.code.startswith(parent.code, autoescape=True))))
    used |= taken
    top = max((int(c[len(parent.code):]) for c in used
               if re.fullmatch(re.escape(parent.code) + r"\d{3}", c)), default=0)
    out = []
    for n in range(top + 1, 1000):
        code = f"{parent.code}{n:03d}"
        if code not in used and not code_problem(level, code, path_codes(parent.path)):
            out.append(code)
            if len(out) == count:
                return out
    raise InvalidNode(f"no free code left below {parent.code}")


def _fail(report: ImportReport, kind: str, message: str, index: int = -1, name: str = "", code: str = "") -> None:
    report.errors.append(Issue(index, name, code, kind, message))


def plan_children(session: Session, city_id: int, parent_code: str,
                  path_or_fc: str | Path | dict[str, Any], tolerance: float = 1.0) -> Plan:
    """Plan the redraw of some or all children of ``parent_code`` from a FeatureCollection
    (nothing is written). :class:`ImportRejected` with every reason when the file is refused."""
    city = session.get(City, city_id)
    if city is None:
        raise CityNotFound(f"no city with id {city_id}")
    parent = get_node(session, city_id, parent_code)
    level = parent.level_enum.child
    report = ImportReport(level=level.value if level else "", parent_code=parent.code)
    if parent.level_enum not in EDITABLE or level is None:
        _fail(report, "bad_level", f"the children of a {parent.level} are not redrawn here: "
                                   "choose a town (its communities) or a community (its grids)")
        raise ImportRejected(report)
    features = read_collection(path_or_fc, city, parent, level, report)
    report.features = len(features)
    if not features:
        _fail(report, "no_features", "the file has no features")
        raise ImportRejected(report)
    kids = [n for n in children(session, parent) if n.geometry]
    kid_shapes = {n.code: to_shape(str(n.geometry)) for n in kids}
    # The children the file touches: those its polygons overlap (beyond slivers).
    raw = []
    for f in features:
        try:
            raw.append(to_shape(f["geometry"]).buffer(0))
        except Exception:  # noqa: BLE001,S112 - check_features names the bad feature
            continue
    drawn = shapely.union_all(raw) if raw else shapely.Polygon()
    def touches(geom: BaseGeometry) -> bool:
        inter = shapely.intersection(geom, drawn)
        if inter.is_empty:
            return False
        c = geom.centroid
        return not metric(inter, c.x, c.y).buffer(-tolerance).is_empty

    replaced = [n for n in kids if touches(kid_shapes[n.code])]
    untouched = [n for n in kids if n not in replaced]
    reusable = {n.code for n in replaced}
    goods = check_features(session, city, parent, level, features, report, tolerance, siblings=untouched,
                           reusable=reusable, codes_required=False, names_required=False)
    if replaced:
        all_replaced = len(replaced) == len(kids)
        if all_replaced and parent.geometry:
            region, what = to_shape(parent.geometry), f"{parent.code} ({parent.name_zh})"
        else:
            region = shapely.union_all([kid_shapes[n.code] for n in replaced])
            what = "the replaced " + ", ".join(n.code for n in replaced)
        if not report.errors:
            check_tiling(region, goods, report, what, tolerance)
    report.errors.sort(key=lambda e: e.index)
    if report.errors:
        raise ImportRejected(report)

    # Matching: a code the file names, then the best overlaps (IoU ≥ KEEP_IOU), one to one.
    by_code = {n.code: n for n in replaced}
    kept: dict[int, Kept] = {}
    used_old: set[str] = set()
    for i, g in enumerate(goods):
        if g.code in by_code:
            node = by_code[g.code]
            kept[i] = Kept(node, g, _iou(g.geom, kid_shapes[node.code]))
            used_old.add(node.code)
    # best overlap first; on a tie the smaller code, then the earlier feature
    pairs = sorted(((_iou(g.geom, kid_shapes[n.code]), i, n.code) for i, g in enumerate(goods) if i not in kept
                    for n in replaced if n.code not in used_old), key=lambda t: (-round(t[0], 6), t[2], t[1]))
    for iou, i, code in pairs:
        if round(iou, 6) < KEEP_IOU:
            break
        if i in kept or code in used_old or goods[i].code:
            continue
        kept[i] = Kept(by_code[code], goods[i], iou)
        used_old.add(code)
    _keep_merged(goods, replaced, kid_shapes, kept, used_old, tolerance)
    fresh = [i for i in range(len(goods)) if i not in kept]
    for i in fresh:
        if not goods[i].name:
            g = goods[i]
            _fail(report, "missing_name", "a new node needs property 'name_zh' (or 'name')", g.index, "", g.code)
    report.errors.sort(key=lambda e: e.index)
    if report.errors:
        raise ImportRejected(report)
    given = {goods[i].code for i in fresh if goods[i].code}
    auto = iter(next_codes(session, parent, level, sum(1 for i in fresh if not goods[i].code), given | reusable)
                if any(not goods[i].code for i in fresh) else [])
    added = [Added(goods[i].code or next(auto), goods[i]) for i in fresh]
    new_polys = [(k.node.code, k.feature.geom) for k in kept.values()] + [(a.code, a.feature.geom) for a in added]
    regrouped: list[Regrouped] = []
    if level is Level.COMMUNITY:
        regrouped = _regroup_grids(session, replaced, new_polys, report, tolerance)
        if report.errors:
            raise ImportRejected(report)
    retired = []
    for n in replaced:
        if n.code in used_old:
            continue
        old = kid_shapes[n.code]
        areas = np.array([shapely.intersection(old, g).area for _, g in new_polys])
        retired.append(Retired(n, new_polys[int(areas.argmax())][0]))
    return Plan(city=city, parent=parent, level=level, report=report,
                kept=[kept[i] for i in sorted(kept)], added=added, retired=retired, untouched=untouched,
                regrouped=regrouped, map_version=int(map_token(session, city_id)[0]))


def _keep_merged(goods: list[Checked], replaced: list[Node], shapes: dict[str, BaseGeometry], kept: dict[int, Kept],
                 used_old: set[str], tolerance: float) -> None:
    """A merge of three or more: a new polygon that no old node keeps by overlap but that
    wholly covers (within the tolerance) old nodes no one keeps keeps the code of the one it
    overlaps most (a code the file gives wins)."""
    for i, g in enumerate(goods):
        if i in kept or g.code:
            continue
        inside = []
        for n in replaced:
            if n.code in used_old:
                continue
            old = shapes[n.code]
            c = old.centroid
            if metric(old.difference(g.geom), c.x, c.y).buffer(-tolerance).is_empty:
                inside.append((-shapely.intersection(old, g.geom).area, n.code))
        if len(inside) < 2:  # one old node inside a larger new one: the overlap rule decided
            continue
        code = min(inside)[1]
        node = next(n for n in replaced if n.code == code)
        kept[i] = Kept(node, g, _iou(g.geom, shapes[code]))
        used_old.add(code)


def _lies_in(g: BaseGeometry, poly: BaseGeometry, tolerance: float) -> bool:
    """``g`` lies wholly inside ``poly``, but for slivers thinner than the tolerance (metres)."""
    c = g.centroid
    return bool(metric(g.difference(poly), c.x, c.y).buffer(-tolerance).is_empty)


def _regroup_grids(session: Session, replaced: list[Node], new_polys: list[tuple[str, BaseGeometry]],
                   report: ImportReport, tolerance: float) -> list[Regrouped]:
    """Communities redrawn: the grids of the replaced communities that now lie in another
    community (they go there with their codes). A grid that lies in no single new community
    (it would straddle two) is an error: redraw the grids first."""
    polys = dict(new_polys)
    out = []
    for comm in replaced:
        for grid in children(session, comm):
            if not grid.geometry:
                continue
            g = to_shape(grid.geometry)
            home = polys.get(comm.code)
            if home is not None and _lies_in(g, home, tolerance):
                continue
            inside = [code for code, p in new_polys if _lies_in(g, p, tolerance)]
            if inside:
                out.append(Regrouped(grid, comm.code, inside[0]))
                continue
            across = [code for code, p in new_polys if shapely.intersection(g, p).area > 0]
            _fail(report, "grid_straddles",
                  f"grid {grid.code} ({grid.name_zh}) of {comm.code} would straddle the new communities "
                  f"{', '.join(across)}: a grid lies in one community; redraw the grids first so that "
                  "each lies on one side of the new boundary", -1, grid.name_zh, grid.code)
    return out


def apply_plan(session: Session, plan: Plan) -> dict[str, Node]:
    """Write the tree's part of a plan: kept nodes get their new polygon (and names, when
    the file gives them), new nodes are added, regrouped grids go to their new community
    with their codes (parent and path); retired nodes stay until the caller has moved what
    hangs on them (:func:`retire`). Bumps the map version. Returns code → node of every
    kept and added node. Flushes."""
    out: dict[str, Node] = {}
    for k in plan.kept:
        for key, value in node_shape(k.feature.geom).columns().items():
            setattr(k.node, key, value)
        if k.feature.name:
            k.node.name_zh = k.feature.name
        if k.feature.name_en:
            k.node.name_en = k.feature.name_en
        out[k.node.code] = k.node
    for a in plan.added:
        out[a.code] = add_node(session, plan.city, plan.level, a.code, plan.parent, a.feature.name,
                               a.feature.name_en, a.feature.geom, bump=False)
    session.flush()
    for r in plan.regrouped:
        home = out[r.to_code]
        r.grid.parent_id, r.grid.path = home.id, f"{home.path}{r.grid.code}/"
    session.flush()
    bump_map_version(session, plan.city.id)
    return out


def retire(session: Session, node: Node) -> None:
    """Remove a retired node (its children first: a retired community's grids have moved or
    go with it). The caller has moved what hangs on it. Flushes."""
    session.delete(node)
    session.flush()


def rename(node: Node, name_zh: str, name_en: str) -> dict[str, tuple[str, str]]:
    """Rename a node (Chinese and English names); returns the changed fields as
    (before, after). :class:`InvalidNode` for an empty Chinese name or names too long."""
    name_zh, name_en = (name_zh or "").strip(), (name_en or "").strip()
    if not name_zh:
        raise InvalidNode("name_zh must not be empty")
    if len(name_zh) > 100 or len(name_en) > 100:
        raise InvalidNode("a name has at most 100 characters")
    changed = {}
    if name_zh != node.name_zh:
        changed["name_zh"] = (node.name_zh, name_zh)
    if name_en != node.name_en:
        changed["name_en"] = (node.name_en, name_en)
    node.name_zh, node.name_en = name_zh, name_en
    return changed
