"""The 33 real town polygons of Dongguan (GCJ-02)."""

from __future__ import annotations

import csv
import json
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy.orm import Session

from huying.geo import service
from huying.geo.index import GridIndex, brute_force
from huying.geo.models import Level
from tests.conftest import SHARED_DATA
from tests.geo.polygons import exact

TOWNS = SHARED_DATA / "dongguan-towns.geojson"
CODES = SHARED_DATA / "dongguan-town-codes.csv"
OUTLINE = SHARED_DATA / "dongguan-441900.geojson"

pytestmark = pytest.mark.skipif(not TOWNS.exists(), reason=f"{TOWNS} not found")


def town_features() -> list[dict[str, Any]]:
    with CODES.open(encoding="utf-8") as f:
        code_of = {row["name"]: row["code"] for row in csv.DictReader(f)}
    fc = json.loads(TOWNS.read_text("utf-8"))
    out = []
    for feat in fc["features"]:
        name = feat["properties"]["name"]
        code = code_of.get(name) or code_of[name.removesuffix("管委会")]  # 松山湖(管委会)
        out.append({**feat, "properties": {"code": code, "name": name}})
    return out


def test_every_town_has_a_code() -> None:
    feats = town_features()
    assert len(feats) == 33
    assert len({f["properties"]["code"] for f in feats}) == 33
    assert {
        f["properties"]["code"] for f in feats if f["properties"]["name"] == "松山湖管委会"
    } == {"441900401"}


def test_the_towns_are_indexed_and_each_representative_point_locates_to_its_town() -> None:
    feats = town_features()
    items = [(i, f["properties"]["code"], shape(f["geometry"])) for i, f in enumerate(feats)]
    index = GridIndex.build(items)
    reps = [g.representative_point() for _, _, g in items]
    got = index.locate_many([p.x for p in reps], [p.y for p in reps])
    assert got.tolist() == [i for i, _, _ in items]
    # And the whole index agrees with the exact answer, random points and vertices alike.
    rng = np.random.default_rng(5)
    minx, miny, maxx, maxy = shapely.total_bounds(np.array([g for _, _, g in items]))
    x = rng.uniform(minx, maxx, 100_000)
    y = rng.uniform(miny, maxy, 100_000)
    assert np.array_equal(index.locate_many(x, y), exact(items, x, y))
    verts = shapely.get_coordinates(np.array([g for _, _, g in items]))[::7]
    assert np.array_equal(
        index.locate_many(verts[:, 0], verts[:, 1]), brute_force(items, verts[:, 0], verts[:, 1])
    )


def test_importing_the_real_towns_reports_their_real_overlaps(session: Session) -> None:
    outline = shape(json.loads(OUTLINE.read_text("utf-8")))
    city = service.create_city(session, "441900", "东莞市", "Dongguan", geometry=outline)
    root = service.get_node(session, city.id, "441900")
    service.add_node(session, city, Level.AREA, "441900-A1", root, "全市", "All")
    fc = json.loads(TOWNS.read_text("utf-8"))
    fc["features"] = town_features()
    with pytest.raises(service.ImportRejected) as exc:
        service.import_geojson(session, city.id, fc, Level.TOWN, "441900-A1", tolerance=5.0)
    report = exc.value.report
    # The file says CRS84 but holds GCJ-02 coordinates: warned, taken as the city's CRS.
    assert [w.kind for w in report.warnings if w.index == -1] == ["crs"]
    assert report.errors and {e.kind for e in report.errors} <= {"overlap", "outside_parent"}
    assert all(e.name for e in report.errors)
    assert service.node_count(session, city.id, Level.TOWN) == 0
