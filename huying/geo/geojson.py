"""The map in and out as GeoJSON: import a FeatureCollection of nodes (checked: valid,
inside its parent, tiling it) and export a city's nodes."""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from huying.geo.models import City, Level, Node
from huying.geo.shapes import M_PER_DEG, to_shape
from huying.geo.tree import (
    CityNotFound,
    GeoError,
    add_node,
    ancestors,
    bump_map_version,
    code_problem,
    descendants_query,
    get_node,
    path_codes,
)


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


def metric(geom: BaseGeometry, lon0: float, lat0: float) -> BaseGeometry:
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
    except RecursionError:
        raise GeoError(f"{path_or_fc}: nested too deeply to be GeoJSON") from None
    return data  # type: ignore[no-any-return]


def _crs_name(fc: dict[str, Any]) -> str | None:
    crs = fc.get("crs")
    if isinstance(crs, dict):
        name = (crs.get("properties") or {}).get("name")
        if isinstance(name, str):
            return name
    name = fc.get("huying:crs")
    return name if isinstance(name, str) else None


def read_collection(path_or_fc: str | Path | dict[str, Any], city: City, parent: Node, level: Level,
                    report: ImportReport) -> list[Any]:
    """The features of a GeoJSON FeatureCollection meant as ``level`` children of ``parent``
    (a file's path or the parsed collection); :class:`ImportRejected` when it is not one or
    the level is wrong; a warning when it declares another CRS than the city's."""
    fc = _load_fc(path_or_fc)
    if not isinstance(fc, dict) or fc.get("type") != "FeatureCollection":
        report.errors.append(
            Issue(-1, "", "", "not_a_feature_collection", "expected a GeoJSON FeatureCollection")
        )
        raise ImportRejected(report)
    features = fc.get("features") or []
    if not isinstance(features, list):
        features = []
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

    return features  # type: ignore[no-any-return]


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
    features = read_collection(path_or_fc, city, parent, level, report)
    goods = check_features(session, city, parent, level, features, report, tolerance)
    report.errors.sort(key=lambda e: e.index)
    if report.errors:
        raise ImportRejected(report)
    for g in goods:
        add_node(session, city, level, g.code, parent, g.name, g.name_en, g.geom, bump=False)
        report.imported.append(g.code)
    if goods:
        bump_map_version(session, city_id)
    return report


@dataclass
class Checked:
    """A feature that passed the checks: its index in the file, its names and code (empty
    when codes are optional and it gave none) and its polygon."""

    index: int
    name: str
    code: str
    name_en: str
    geom: BaseGeometry


def check_features(
    session: Session,
    city: City,
    parent: Node,
    level: Level,
    features: list[Any],
    report: ImportReport,
    tolerance: float = 1.0,
    *,
    siblings: Sequence[Node] | None = None,
    reusable: Collection[str] = (),
    codes_required: bool = True,
    names_required: bool = True,
) -> list[Checked]:
    """The checks of features that are to become children of ``parent`` (the one place
    they are written; :func:`import_geojson` and the map's edits call it): a Feature with a
    ``code`` of the right form, not used in the city (unless in ``reusable``: the codes of
    the nodes an edit replaces) and not twice in the file; a name; a Polygon or MultiPolygon,
    rings closed and repaired where possible (with a warning), finite coordinates, inside the
    nearest ancestor with a polygon; no overlap with each other nor with ``siblings`` (by
    default: every child of ``parent`` with a polygon). Problems go to ``report``; the
    features that passed are returned."""
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
                f"no polygon above {parent.code}: containment not checked",
            )
        )
    existing_codes = set(session.scalars(select(Node.code).where(Node.city_id == city.id)).all())
    existing_codes -= set(reusable)
    goods: list[Checked] = []
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
            if codes_required:
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
        if not name and names_required:
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
        xy = shapely.get_coordinates(geom)
        if not np.isfinite(xy).all():
            err("bad_coordinates", "coordinates must be finite numbers (not 1e309, NaN or Infinity)")
            continue
        if (np.abs(xy[:, 0]) > 180).any() or (np.abs(xy[:, 1]) > 90).any():
            err("bad_coordinates", "coordinates must be longitude in [-180, 180] and latitude in [-90, 90]")
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
            outside = metric(geom.difference(bound), lon0, lat0)
            if not outside.is_empty and not outside.buffer(-tolerance).is_empty:
                err(
                    "outside_parent",
                    f"{outside.area:,.0f} m² lies outside {bound_nodes[-1].code} "
                    f"(beyond the {tolerance:g} m tolerance)",
                )
                bad = True
        if not bad:
            goods.append(Checked(i, name, code, str(props.get("name_en") or "").strip(), geom))

    # Overlaps between siblings: existing ones and the file's own features.
    if siblings is None:
        siblings = list(session.scalars(
            select(Node).where(Node.parent_id == parent.id, Node.geometry.is_not(None)).order_by(Node.code)
        ))
    siblings = [n for n in siblings if n.geometry]
    all_geoms = [g.geom for g in goods] + [to_shape(str(n.geometry)) for n in siblings]
    if all_geoms and goods:
        arr = np.array(all_geoms, dtype=object)
        tree = shapely.STRtree(arr)
        a, b = tree.query(arr[: len(goods)], predicate="intersects")
        lon0, lat0 = shapely.get_coordinates(arr[0])[0]
        for ia, ib in zip(a.tolist(), b.tolist(), strict=True):
            if ia == ib or (ib < len(goods) and ib < ia):
                continue  # itself, or a pair of file features already seen the other way
            ov = metric(shapely.intersection(arr[ia], arr[ib]), lon0, lat0)
            if ov.area == 0 or ov.buffer(-tolerance).is_empty:
                continue
            g = goods[ia]
            if ib < len(goods):
                other = f"feature {goods[ib].index} ({goods[ib].name}) [{goods[ib].code}]"
            else:
                sib = siblings[ib - len(goods)]
                other = f"existing {sib.code} ({sib.name_zh})"
            report.errors.append(
                Issue(g.index, g.name, g.code, "overlap", f"overlaps {other} by {ov.area:,.0f} m²")
            )
    return goods


def check_tiling(region: BaseGeometry, goods: Sequence[Checked], report: ImportReport, what: str,
                 tolerance: float = 1.0) -> None:
    """The features tile ``region`` (a parent's polygon, or the nodes they replace): a part
    of it that no feature covers, wider than twice the tolerance, is an error (``gap``).
    With :func:`check_features` (inside, no overlap) that makes a tiling."""
    if region.is_empty:
        return
    union = shapely.union_all([g.geom for g in goods]) if goods else shapely.Polygon()
    lon0, lat0 = region.centroid.x, region.centroid.y
    gap = metric(region.difference(union), lon0, lat0)
    if not gap.is_empty and not gap.buffer(-tolerance).is_empty:
        report.errors.append(Issue(
            -1, "", "", "gap",
            f"{gap.area:,.0f} m² of {what} is covered by no feature (beyond the {tolerance:g} m tolerance)"))



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
