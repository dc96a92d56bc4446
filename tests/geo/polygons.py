"""Polygon sets for the index tests: tilings with shared edges and vertices, overlaps,
holes and multipolygons."""

from __future__ import annotations

import numpy as np
import shapely

from huying.geo.index import Item


def squares(n: int = 3, step: float = 0.01, x0: float = 113.7, y0: float = 22.9) -> list[Item]:
    """An n×n block of squares; codes increase row by row from the south-west."""
    out: list[Item] = []
    for j in range(n):
        for i in range(n):
            k = j * n + i
            box = shapely.box(
                x0 + i * step, y0 + j * step, x0 + (i + 1) * step, y0 + (j + 1) * step
            )
            out.append((100 + k, f"G{k:04d}", box))
    return out


def voronoi(n: int, seed: int, densify: int = 25) -> list[Item]:
    """A Voronoi tiling of a 0.1°-square (neighbours share their edges), densified to about
    ``densify`` vertices per cell; codes in a shuffled order."""
    rng = np.random.default_rng(seed)
    box = shapely.box(113.6, 22.8, 113.7, 22.9)
    pts = shapely.multipoints(rng.uniform((113.6, 22.8), (113.7, 22.9), (n, 2)))
    cells = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=box)), box
    )
    per = float(shapely.length(cells).mean())
    cells = shapely.segmentize(cells, per / densify)
    codes = rng.permutation(n)
    return [(1000 + i, f"V{codes[i]:05d}", g) for i, g in enumerate(cells)]


def awkward() -> list[Item]:
    """Overlaps, a hole with a polygon in it, a multipolygon, a thin sliver, a triangle."""
    outer = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (3, 1), (3, 3), (1, 3)]])
    hole_fill = shapely.box(1, 1, 3, 3)
    overlap = shapely.box(3.5, 3.5, 6, 6)  # overlaps ``outer`` in [3.5, 4]²
    multi = shapely.MultiPolygon(
        [shapely.box(5, 0, 6, 1), shapely.box(6, 1, 7, 2)]
    )  # touch at a vertex
    sliver = shapely.Polygon([(0, 4), (4, 4), (4, 4.001)])
    tri = shapely.Polygon([(4, 0), (5, 0), (4.5, 1.7)])
    return [
        (1, "B", outer),
        (2, "A", hole_fill),
        (3, "C", overlap),
        (4, "D", multi),
        (5, "0", sliver),
        (6, "E", tri),
    ]


def exact(items: list[Item], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The exact answer, vectorised (for big samples): for a point, ``intersects`` is
    ``covered by``; the covering polygon with the smallest code wins."""
    rows = sorted(items, key=lambda it: (it[1], it[0]))
    geoms = np.array([r[2] for r in rows], dtype=object)
    ids = np.array([r[0] for r in rows] + [-1], dtype=np.int64)
    tree = shapely.STRtree(geoms)
    pi, gi = tree.query(shapely.points(x, y), predicate="intersects")
    best = np.full(len(x), len(rows), dtype=np.int64)
    np.minimum.at(best, pi, gi)
    best[best == len(rows)] = -1
    return ids[best]


def special_points(
    items: list[Item], rng: np.random.Generator, k: int = 200
) -> tuple[np.ndarray, np.ndarray]:
    """Vertices, points on edges (exact for axis-parallel edges, within rounding otherwise)
    and random points around the polygons."""
    coords = shapely.get_coordinates(np.array([it[2] for it in items], dtype=object))
    a = coords[rng.integers(0, len(coords), k)]
    i = rng.integers(0, len(coords) - 1, k)
    t = np.where(rng.uniform(0, 1, k) < 0.5, 0.5, rng.uniform(0, 1, k))
    on_edge = coords[i] + (coords[i + 1] - coords[i]) * t[:, None]
    minx, miny = coords.min(axis=0)
    maxx, maxy = coords.max(axis=0)
    w, h = maxx - minx, maxy - miny
    rand = np.c_[
        rng.uniform(minx - 0.1 * w, maxx + 0.1 * w, k),
        rng.uniform(miny - 0.1 * h, maxy + 0.1 * h, k),
    ]
    pts = np.vstack([a, on_edge, rand])
    return pts[:, 0].copy(), pts[:, 1].copy()
