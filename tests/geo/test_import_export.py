"""import_geojson: every bad feature named by index and name, all or nothing; export and
the round trip."""

from __future__ import annotations

import json
from typing import Any

import pytest
import shapely
from shapely.geometry import mapping
from sqlalchemy.orm import Session

from huying.geo import service
from huying.geo.models import Level
from tests.geo.factories import COMMUNITY, STEP, X0, Y0, square_city

NEW_COMMUNITY = "441900003002"


def feature(code: str | None, name: str | None, geom: Any, **extra: Any) -> dict[str, Any]:
    props: dict[str, Any] = dict(extra)
    if code is not None:
        props["code"] = code
    if name is not None:
        props["name_zh"] = name
    g = geom if isinstance(geom, dict) or geom is None else mapping(geom)
    return {"type": "Feature", "properties": props, "geometry": g}


def fc(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def half(k: int) -> shapely.Polygon:
    """Vertical strips of the town (0.03° wide): k = 0, 1, 2."""
    return shapely.box(X0 + k * STEP, Y0, X0 + (k + 1) * STEP, Y0 + 3 * STEP)


def kinds(report: service.ImportReport) -> list[tuple[int, str, str]]:
    return [(e.index, e.name, e.kind) for e in report.errors]


def test_a_good_file_imports_every_feature(session: Session) -> None:
    sc = square_city(session)
    # A second community (overlapping the first: communities are not checked here).
    comm = service.add_node(
        session, sc.city, Level.COMMUNITY, NEW_COMMUNITY, sc.town, "新社区", "New", half(0)
    )
    data = fc(
        feature(f"{NEW_COMMUNITY}001", "北", shapely.box(X0, Y0 + STEP, X0 + STEP, Y0 + 3 * STEP)),
        {
            "type": "Feature",
            "properties": {"code": f"{NEW_COMMUNITY}002", "name": "南", "name_en": "South"},
            "geometry": mapping(shapely.box(X0, Y0, X0 + STEP, Y0 + STEP)),
        },
    )
    report = service.import_geojson(session, sc.city.id, data, Level.GRID, NEW_COMMUNITY)
    assert report.ok and report.imported == [f"{NEW_COMMUNITY}001", f"{NEW_COMMUNITY}002"]
    kids = service.children(session, comm)
    assert [(k.code, k.name_zh, k.name_en) for k in kids] == [
        (f"{NEW_COMMUNITY}001", "北", ""),
        (f"{NEW_COMMUNITY}002", "南", "South"),
    ]


def test_every_bad_feature_is_named_and_nothing_is_imported(session: Session) -> None:
    sc = square_city(session)
    service.add_node(
        session, sc.city, Level.COMMUNITY, NEW_COMMUNITY, sc.town, "新社区", "New", half(0)
    )
    c = NEW_COMMUNITY
    inside = shapely.box(X0 + 0.001, Y0 + 0.001, X0 + 0.002, Y0 + 0.002)
    data = fc(
        feature(f"{c}001", "好的", inside),  # 0: good
        feature(None, "无编码", inside),  # 1: missing code
        feature(f"{c}003", None, inside),  # 2: missing name
        feature("441900003002x", "坏编码", inside),  # 3: bad code
        feature(f"{c}001", "重复", shapely.box(X0, Y0 + 0.02, X0 + 0.001, Y0 + 0.021)),  # 4
        feature(f"{c}006", "点", shapely.Point(X0, Y0)),  # 5: not a polygon
        feature(f"{c}007", "出界", shapely.box(X0, Y0, X0 + 2 * STEP, Y0 + STEP)),  # 6
        feature(f"{c}008", "无几何", None),  # 7: no geometry
        {"type": "Nope"},  # 8: not a feature
        feature(COMMUNITY + "001", "已存在", inside),  # 9: code of another community's grid
    )
    with pytest.raises(service.ImportRejected) as exc:
        service.import_geojson(session, sc.city.id, data, Level.GRID, NEW_COMMUNITY)
    report = exc.value.report
    assert kinds(report) == [
        (1, "无编码", "missing_code"),
        (2, "", "missing_name"),
        (3, "坏编码", "bad_code"),
        (4, "重复", "duplicate_code"),
        (5, "点", "not_polygon"),
        (6, "出界", "outside_parent"),
        (7, "无几何", "missing_geometry"),
        (8, "", "not_a_feature"),
        (9, "已存在", "bad_code"),
    ]
    text = str(exc.value)
    assert "REJECTED, nothing imported" in text
    assert "feature 6 (出界)" in text and "outside" in text
    assert service.node_count(session, sc.city.id, Level.GRID) == 9


def test_a_code_already_in_the_city_is_an_error(session: Session) -> None:
    sc = square_city(session)
    service.add_node(
        session, sc.city, Level.COMMUNITY, NEW_COMMUNITY, sc.town, "新社区", "N", half(0)
    )
    service.add_node(
        session,
        sc.city,
        Level.GRID,
        f"{NEW_COMMUNITY}001",
        service.get_node(session, sc.city.id, NEW_COMMUNITY),
        "旧",
        "Old",
        shapely.box(X0, Y0, X0 + 0.001, Y0 + 0.001),
    )
    data = fc(
        feature(f"{NEW_COMMUNITY}001", "新", shapely.box(X0, Y0 + 0.01, X0 + 0.001, Y0 + 0.011))
    )
    with pytest.raises(service.ImportRejected) as exc:
        service.import_geojson(session, sc.city.id, data, Level.GRID, NEW_COMMUNITY)
    assert kinds(exc.value.report) == [(0, "新", "code_exists")]


def test_overlaps_with_file_siblings_and_existing_siblings_are_errors(session: Session) -> None:
    sc = square_city(session)
    comm = service.add_node(
        session, sc.city, Level.COMMUNITY, NEW_COMMUNITY, sc.town, "新社区", "N", half(0)
    )
    service.add_node(
        session,
        sc.city,
        Level.GRID,
        f"{NEW_COMMUNITY}001",
        comm,
        "旧",
        "Old",
        shapely.box(X0, Y0, X0 + STEP, Y0 + STEP),
    )
    data = fc(
        # overlaps the existing grid 001 by half
        feature(
            f"{NEW_COMMUNITY}002",
            "压旧",
            shapely.box(X0, Y0 + STEP / 2, X0 + STEP, Y0 + 1.5 * STEP),
        ),
        feature(
            f"{NEW_COMMUNITY}003", "甲", shapely.box(X0, Y0 + 2 * STEP, X0 + STEP, Y0 + 3 * STEP)
        ),
        # overlaps feature 1 ("甲") in the file
        feature(
            f"{NEW_COMMUNITY}004", "乙", shapely.box(X0, Y0 + 2.5 * STEP, X0 + STEP, Y0 + 3 * STEP)
        ),
    )
    with pytest.raises(service.ImportRejected) as exc:
        service.import_geojson(session, sc.city.id, data, Level.GRID, NEW_COMMUNITY)
    errs = exc.value.report.errors
    assert [(e.index, e.kind) for e in errs] == [(0, "overlap"), (1, "overlap")]
    assert f"existing {NEW_COMMUNITY}001 (旧)" in errs[0].message
    assert "feature 2 (乙)" in errs[1].message


def test_slivers_within_the_tolerance_are_forgiven(session: Session) -> None:
    sc = square_city(session)
    service.add_node(
        session, sc.city, Level.COMMUNITY, NEW_COMMUNITY, sc.town, "新社区", "N", half(0)
    )
    eps = 2e-6  # about 0.2 m
    data = fc(
        feature(
            f"{NEW_COMMUNITY}001", "甲", shapely.box(X0 - eps, Y0, X0 + STEP / 2 + eps, Y0 + STEP)
        ),
        feature(f"{NEW_COMMUNITY}002", "乙", shapely.box(X0 + STEP / 2, Y0, X0 + STEP, Y0 + STEP)),
    )
    report = service.import_geojson(
        session, sc.city.id, data, Level.GRID, NEW_COMMUNITY, tolerance=1.0
    )
    assert report.ok and len(report.imported) == 2
    data2 = fc(
        feature(f"{NEW_COMMUNITY}003", "丙", shapely.box(X0, Y0 + 0.0105, X0 + STEP, Y0 + 0.02)),
        feature(f"{NEW_COMMUNITY}004", "丁", shapely.box(X0, Y0 + 0.0100, X0 + STEP, Y0 + 0.0106)),
    )
    with pytest.raises(service.ImportRejected, match="overlap"):
        service.import_geojson(session, sc.city.id, data2, Level.GRID, NEW_COMMUNITY, tolerance=1.0)


def test_make_valid_repairs_are_reported_as_warnings(session: Session) -> None:
    sc = square_city(session)
    service.add_node(
        session, sc.city, Level.COMMUNITY, NEW_COMMUNITY, sc.town, "新社区", "N", half(0)
    )
    a, b = X0 + 0.001, X0 + 0.009
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[a, Y0 + 0.001], [b, Y0 + 0.009], [b, Y0 + 0.001], [a, Y0 + 0.009], [a, Y0 + 0.001]]
        ],
    }
    unclosed = {
        "type": "Polygon",
        "coordinates": [[[a, Y0 + 0.011], [b, Y0 + 0.011], [b, Y0 + 0.019], [a, Y0 + 0.019]]],
    }
    data = fc(
        feature(f"{NEW_COMMUNITY}001", "蝴蝶", bowtie),
        feature(f"{NEW_COMMUNITY}002", "未闭合", unclosed),
    )
    report = service.import_geojson(session, sc.city.id, data, Level.GRID, NEW_COMMUNITY)
    assert report.ok
    assert [(w.index, w.name, w.kind) for w in report.warnings] == [
        (0, "蝴蝶", "repaired"),
        (1, "未闭合", "ring_closed"),
    ]
    assert "Self-intersection" in report.warnings[0].message
    node = service.get_node(session, sc.city.id, f"{NEW_COMMUNITY}001")
    assert node.geometry is not None and json.loads(node.geometry)["type"] == "MultiPolygon"


def test_a_level_that_is_not_the_parents_child_level_is_rejected(session: Session) -> None:
    sc = square_city(session)
    with pytest.raises(service.ImportRejected, match="has no grid children"):
        service.import_geojson(session, sc.city.id, fc(), Level.GRID, sc.town.code)


def test_export_records_the_crs_and_the_tree(session: Session) -> None:
    sc = square_city(session)
    out = service.export_geojson(session, sc.city.id, Level.GRID)
    assert out["crs"] == {"type": "name", "properties": {"name": "GCJ-02"}}
    assert out["huying:crs"] == "GCJ-02"
    assert [f["properties"]["code"] for f in out["features"]] == sorted(sc.grids)
    assert out["features"][0]["properties"] == {
        "code": f"{COMMUNITY}001",
        "level": "grid",
        "name_zh": "网格1",
        "name_en": "Grid 1",
        "parent_code": COMMUNITY,
    }
    under = service.export_geojson(session, sc.city.id, under=sc.town.code)
    assert [f["properties"]["level"] for f in under["features"]] == ["community"] + ["grid"] * 9


def test_export_then_import_round_trips(session: Session) -> None:
    sc = square_city(session)
    exported = service.export_geojson(session, sc.city.id, Level.GRID)
    # A second city with the same tree above the grids, and no grids.
    city2 = service.create_city(
        session, "441800", "副本市", "Copy", geometry=shapely.box(X0, Y0, X0 + 0.03, Y0 + 0.03)
    )
    root = service.get_node(session, city2.id, "441800")
    area = service.add_node(session, city2, Level.AREA, "441800-A1", root, "片区", "A")
    town = service.add_node(
        session,
        city2,
        Level.TOWN,
        "441800003",
        area,
        "镇",
        "T",
        half(0).union(half(1)).union(half(2)),
    )
    service.add_node(
        session, city2, Level.COMMUNITY, "441800003001", town, "社区", "C", town.geometry
    )
    renamed = json.loads(json.dumps(exported).replace(COMMUNITY, "441800003001"))
    report = service.import_geojson(session, city2.id, renamed, Level.GRID, "441800003001")
    assert report.ok and report.warnings == []
    again = service.export_geojson(session, city2.id, Level.GRID)
    props = [f["properties"] for f in again["features"]]
    assert json.loads(json.dumps(props).replace("441800003001", COMMUNITY)) == [
        f["properties"] for f in exported["features"]
    ]
    # The same polygons (``to_geojson`` may start a ring at another vertex).
    for f, g in zip(again["features"], exported["features"], strict=True):
        a, b = shapely.geometry.shape(f["geometry"]), shapely.geometry.shape(g["geometry"])
        assert shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), tolerance=0)


def test_non_finite_or_out_of_range_coordinates_and_deep_nesting_are_named(session: Session, tmp_path: Any) -> None:
    """Issue 19's probe: ``1e309`` coordinates and deeply nested JSON gave tracebacks."""
    sc = square_city(session)
    service.add_node(session, sc.city, Level.COMMUNITY, NEW_COMMUNITY, sc.town, "新社区", "New", half(0))
    c = NEW_COMMUNITY
    inf = {"type": "Polygon", "coordinates": [[[float("inf"), Y0], [X0, Y0 + STEP], [X0 + STEP, Y0], [float("inf"), Y0]]]}
    far = {"type": "Polygon", "coordinates": [[[200.0, Y0], [X0, Y0 + STEP], [X0 + STEP, Y0], [200.0, Y0]]]}
    data = fc(feature(f"{c}001", "无穷", inf), feature(f"{c}002", "越界", far))
    with pytest.raises(service.ImportRejected) as exc:
        service.import_geojson(session, sc.city.id, data, Level.GRID, NEW_COMMUNITY)
    assert kinds(exc.value.report) == [(0, "无穷", "bad_coordinates"), (1, "越界", "bad_coordinates")]
    path = tmp_path / "x.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [1e309]}', encoding="utf-8")
    with pytest.raises(service.ImportRejected):
        service.import_geojson(session, sc.city.id, path, Level.GRID, NEW_COMMUNITY)
    path.write_text('{"type":' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    with pytest.raises(service.GeoError, match="nested too deeply"):
        service.import_geojson(session, sc.city.id, path, Level.GRID, NEW_COMMUNITY)
