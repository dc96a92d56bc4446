"""Partitions tile their parent exactly: union equals the parent, no sibling overlaps, all
pieces valid, and the same seed gives the same pieces."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry

from huying.apportion import allocate
from huying.demo.partition import GRID_SIZE, partition, partition_many, round_coverage
from tests.conftest import SHARED_DATA


def _towns() -> dict[str, BaseGeometry]:
    data = json.loads((SHARED_DATA / "dongguan-towns.geojson").read_text(encoding="utf-8"))
    return {f["properties"]["name"]: shape(f["geometry"]) for f in data["features"]}


TOWNS = _towns()


def assert_tiles(parent: BaseGeometry, pieces: list[BaseGeometry], n: int) -> None:
    assert len(pieces) == n
    assert all(p.is_valid and not p.is_empty for p in pieces)
    assert all(p.geom_type in ("Polygon", "MultiPolygon") for p in pieces)
    arr = np.array(pieces, dtype=object)
    # No overlaps, and neighbours share their edges vertex for vertex.
    assert shapely.coverage_is_valid(arr)
    overlap = sum(a.intersection(b).area for i, a in enumerate(pieces) for b in pieces[i + 1 :])
    assert overlap < 1e-12
    union = shapely.coverage_union_all(arr)
    # Equal to the parent up to the rounding of its coordinates (6 decimals).
    assert union.symmetric_difference(parent).area <= 1e-5 * parent.area + parent.length * GRID_SIZE
    coords = shapely.get_coordinates(arr)
    assert np.abs(coords / GRID_SIZE - np.round(coords / GRID_SIZE)).max() < 1e-6


@pytest.mark.parametrize(
    ("town", "n"), [("虎门镇", 42), ("莞城街道", 8), ("石碣镇", 5), ("塘厦镇", 31)]
)
def test_it_tiles_a_real_town(town: str, n: int) -> None:
    parent = shapely.set_precision(TOWNS[town], GRID_SIZE)
    assert_tiles(parent, partition(parent, n, 7), n)


def test_the_same_seed_gives_the_same_pieces_and_another_seed_others() -> None:
    parent = shapely.set_precision(TOWNS["长安镇"], GRID_SIZE)
    a = partition(parent, 12, 1)
    b = partition(parent, 12, 1)
    c = partition(parent, 12, 2)
    assert [p.wkb for p in a] == [p.wkb for p in b]
    assert [p.wkb for p in a] != [p.wkb for p in c]


def test_one_piece_is_the_parent() -> None:
    parent = shapely.set_precision(TOWNS["洪梅镇"], GRID_SIZE)
    (piece,) = partition(parent, 1, 3)
    assert piece.symmetric_difference(parent).area < 1e-12


def test_pieces_of_neighbouring_parents_tile_across_the_shared_border() -> None:
    left = shapely.box(0, 0, 0.0123456789, 0.01)
    right = shapely.box(0.0123456789, 0, 0.03, 0.01)
    parents = round_coverage([left, right])
    assert all(p is not None for p in parents)
    pieces = partition_many(parents, [5, 7], np.random.default_rng(0))  # type: ignore[arg-type]
    flat = [p for ps in pieces for p in ps]
    assert shapely.coverage_is_valid(np.array(flat, dtype=object))
    union = shapely.coverage_union_all(np.array(flat, dtype=object))
    assert abs(union.area - 0.03 * 0.01) < 1e-9


def test_round_coverage_keeps_shared_edges_shared() -> None:
    a = Polygon([(0, 0), (0.1234567891, 0.05), (0.1, 0.1), (0, 0.1)])
    b = Polygon([(0.1234567891, 0.05), (0, 0), (0.2, 0), (0.2, 0.1), (0.1, 0.1)])
    ra, rb = round_coverage([a, b])
    assert ra is not None and rb is not None
    assert shapely.coverage_is_valid(np.array([ra, rb], dtype=object))
    assert ra.intersection(rb).area == 0


@st.composite
def star_polygons(draw: st.DrawFn) -> Polygon:
    """Random star-shaped polygons (valid by construction), ~1 km across, near Dongguan."""
    k = draw(st.integers(5, 30))
    degrees = draw(st.lists(st.integers(0, 359), min_size=k, max_size=k, unique=True))
    angles = [math.radians(d) for d in sorted(degrees)]
    radii = draw(st.lists(st.floats(0.2, 1.0), min_size=k, max_size=k))
    cx, cy, scale = 113.75, 22.95, 0.01
    pts = [
        (cx + scale * r * math.cos(t), cy + scale * r * math.sin(t))
        for t, r in zip(angles, radii, strict=True)
    ]
    poly = shapely.set_precision(shapely.make_valid(Polygon(pts)), GRID_SIZE)
    if not isinstance(poly, Polygon):
        poly = max(shapely.get_parts(poly), key=lambda p: p.area)
    return poly


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(poly=star_polygons(), n=st.integers(1, 15), seed=st.integers(0, 2**32 - 1))
def test_it_tiles_any_polygon(poly: Polygon, n: int, seed: int) -> None:
    pieces = partition(poly, n, seed)
    assert_tiles(poly, pieces, n)
    assert [p.wkb for p in partition(poly, n, seed)] == [p.wkb for p in pieces]


def test_allocate_is_proportional_with_a_minimum() -> None:
    assert allocate([1, 1, 1], 10) == [4, 3, 3]
    assert allocate([100, 1, 1], 10) == [8, 1, 1]
    counts = allocate([5.0, 3.0, 0.001, 2.0], 593)
    assert sum(counts) == 593 and min(counts) >= 1
    with pytest.raises(ValueError):
        allocate([1, 1, 1], 2)


@given(weights=st.lists(st.floats(0, 1e6), min_size=1, max_size=50), extra=st.integers(0, 2000))
def test_allocate_always_sums_to_the_total(weights: list[float], extra: int) -> None:
    total = len(weights) + extra
    counts = allocate(weights, total)
    assert sum(counts) == total
    assert min(counts) >= 1
