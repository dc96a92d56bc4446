"""The locate index answers exactly what a brute-force shapely loop answers."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from huying.geo.index import GridIndex, brute_force
from tests.geo.polygons import awkward, exact, special_points, squares, voronoi

SETS = {
    "squares": squares(),
    "voronoi": voronoi(60, seed=1),
    "awkward": awkward(),
}
# The same polygons at several raster resolutions, including far too coarse ones where
# every cell is a boundary cell with many candidates.
RESOLUTIONS = [
    {},
    {"cells_per_side": 3.0, "max_cells": 5_000},
    {"cells_per_side": 0.5, "max_cells": 64},
]
INDEXES = {
    (name, i): GridIndex.build(items, **res)
    for name, items in SETS.items()
    for i, res in enumerate(RESOLUTIONS)
}


@pytest.mark.parametrize("key", list(INDEXES), ids=lambda k: f"{k[0]}-{k[1]}")
def test_it_equals_brute_force_on_vertices_edges_and_random_points(key: tuple[str, int]) -> None:
    items, index = SETS[key[0]], INDEXES[key]
    x, y = special_points(items, np.random.default_rng(7))
    want = brute_force(items, x, y)
    assert np.array_equal(index.locate_many(x, y), want)
    assert [index.locate(a, b) for a, b in zip(x, y, strict=True)] == [
        None if w < 0 else int(w) for w in want
    ]


@pytest.mark.parametrize("key", list(INDEXES), ids=lambda k: f"{k[0]}-{k[1]}")
def test_it_equals_the_exact_answer_on_many_points(key: tuple[str, int]) -> None:
    items, index = SETS[key[0]], INDEXES[key]
    rng = np.random.default_rng(3)
    minx, miny, maxx, maxy = shapely.total_bounds(np.array([it[2] for it in items]))
    x = rng.uniform(minx - 0.01, maxx + 0.01, 50_000)
    y = rng.uniform(miny - 0.01, maxy + 0.01, 50_000)
    # Snap a fifth of them to the raster's cell lines: the edges of the lookup.
    k = len(x) // 5
    x[:k] = index.x0 + np.round((x[:k] - index.x0) / index.d) * index.d
    assert np.array_equal(index.locate_many(x, y), exact(items, x, y))


coords = st.floats(min_value=-0.2, max_value=1.2, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(sorted(SETS)),
    res=st.integers(0, len(RESOLUTIONS) - 1),
    pick=st.lists(
        st.tuples(
            st.integers(0, 10**6), st.sampled_from(["vertex", "edge", "free"]), coords, coords
        ),
        min_size=1,
        max_size=20,
    ),
)
def test_property_index_equals_brute_force(
    name: str, res: int, pick: list[tuple[int, str, float, float]]
) -> None:
    items, index = SETS[name], INDEXES[(name, res)]
    cs = shapely.get_coordinates(np.array([it[2] for it in items]))
    minx, miny = cs.min(axis=0)
    maxx, maxy = cs.max(axis=0)
    xs, ys = [], []
    for k, kind, u, v in pick:
        i = k % (len(cs) - 1)
        if kind == "vertex":
            px, py = cs[i]
        elif kind == "edge":  # on the segment (exactly when it is axis-parallel)
            px, py = cs[i] + (cs[i + 1] - cs[i]) * min(max(u, 0.0), 1.0)
        else:
            px, py = minx + u * (maxx - minx), miny + v * (maxy - miny)
        xs.append(float(px))
        ys.append(float(py))
    assert np.array_equal(index.locate_many(xs, ys), brute_force(items, xs, ys))


def test_shared_edge_and_vertex_go_to_the_smallest_code() -> None:
    items = squares()
    index = GridIndex.build(items)
    # G0000 | G0001 share x = 113.71; G0000, G0001, G0003, G0004 share (113.71, 22.91).
    edge_x = items[0][2].bounds[2]
    top_y = items[0][2].bounds[3]
    assert index.locate(edge_x, 22.905) == 100
    assert index.locate(edge_x, top_y) == 100
    # G0004's corner shared with G0005, G0007, G0008 (not with G0000).
    x4, y4 = items[4][2].bounds[2], items[4][2].bounds[3]
    assert index.locate(x4, y4) == 104
    # The outer boundary belongs to the polygon; a hair beyond is outside.
    assert index.locate(113.7, 22.905) == 100
    assert index.locate(np.nextafter(113.7, 0), 22.905) is None


def test_points_outside_and_nan_are_minus_one() -> None:
    index = GridIndex.build(squares())
    got = index.locate_many([0.0, np.nan, 113.705, 200.0], [0.0, 22.905, np.nan, 22.905])
    assert got.tolist() == [-1, -1, -1, -1]
    assert index.locate(float("nan"), 22.9) is None


def test_an_empty_index_locates_nothing() -> None:
    index = GridIndex.build([])
    assert index.locate_many([113.7], [22.9]).tolist() == [-1]
    assert index.locate(113.7, 22.9) is None


def test_it_rejects_non_polygons() -> None:
    with pytest.raises(ValueError, match="Polygon"):
        GridIndex.build([(1, "A", shapely.Point(0, 0))])


def test_answers_are_node_ids_in_input_shape_order() -> None:
    items = squares()
    index = GridIndex.build(list(reversed(items)))
    cx = np.array([it[2].centroid.x for it in items])
    cy = np.array([it[2].centroid.y for it in items])
    assert index.locate_many(cx, cy).tolist() == [it[0] for it in items]
    assert index.locate_many(cx, cy).dtype == np.int64
