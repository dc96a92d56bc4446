"""Partitions of polygons into pieces that tile them exactly.

A parent polygon is cut into ``n`` pieces by the Voronoi diagram of ``n`` well-spread seed
points (uniform samples inside the polygon, then a few Lloyd iterations so that the pieces
have similar sizes), clipped to the parent. Everything is deterministic given a numpy
``Generator``.

Rounding is done so that the tiling survives it: all the pieces of a level (over every
parent at once) are rounded together by :func:`round_coverage`, which nodes their linework
with snap-rounding on the grid and rebuilds the faces. Two neighbours therefore share the
very same rounded vertices along their common edge, also across parents, and no gap or
overlap appears. The union of the pieces of a parent equals the parent up to the rounding
(at most one grid cell, ~0.1 m at 6 decimals); :func:`dissolve` rebuilds a parent as the
exact union of its children when an exact hierarchy is wanted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeAlias

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

#: Default coordinate grid: 6 decimals of a degree (~0.1 m).
GRID_SIZE = 1e-6

Polygonal: TypeAlias = Polygon | MultiPolygon


def sample_points(polygon: BaseGeometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` uniform random points inside ``polygon`` (rejection sampling in its bbox)."""
    minx, miny, maxx, maxy = polygon.bounds
    shapely.prepare(polygon)
    found: list[np.ndarray] = []
    have = 0
    fill = max(polygon.area / ((maxx - minx) * (maxy - miny)), 1e-3)
    while have < n:
        k = int((n - have) / fill * 1.5) + 16
        xy = np.column_stack([rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k)])
        inside = xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]
        found.append(inside)
        have += len(inside)
    return np.concatenate(found)[:n]


def voronoi_cells(polygon: BaseGeometry, seeds: np.ndarray) -> np.ndarray:
    """The Voronoi cells of ``seeds`` (in seed order) clipped to ``polygon``, unrounded."""
    if len(seeds) == 1:
        return np.array([polygon], dtype=object)
    minx, miny, maxx, maxy = polygon.bounds
    pad = max(maxx - minx, maxy - miny)
    frame = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    diagram = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=frame, ordered=True)
    cells = np.array(shapely.get_parts(diagram), dtype=object)
    return shapely.intersection(cells, polygon)


def spread_seeds(
    polygon: BaseGeometry, n: int, rng: np.random.Generator, lloyd_iterations: int = 4
) -> np.ndarray:
    """``n`` seed points inside ``polygon``, sampled then relaxed by Lloyd iterations (each
    seed moves to the centroid of its clipped cell, or to a point of the cell that is inside
    when the centroid of a concave cell falls out)."""
    seeds = sample_points(polygon, n, rng)
    if n == 1:
        return seeds
    for _ in range(lloyd_iterations):
        cells = voronoi_cells(polygon, seeds)
        cent = shapely.centroid(cells)
        inside = shapely.contains(cells, cent)
        cent = np.where(inside, cent, shapely.point_on_surface(cells))
        xy = shapely.get_coordinates(cent)
        if len(xy) != n:  # an empty cell (should not happen): keep the last good seeds
            break
        seeds = xy
    return seeds


def round_coverage(
    geoms: Sequence[BaseGeometry], grid_size: float = GRID_SIZE
) -> list[Polygonal | None]:
    """Round a polygonal coverage (pieces that meet edge to edge) to ``grid_size`` so that it
    stays a coverage: the linework of all pieces is noded together with snap-rounding, the
    faces are rebuilt, and each face goes back to the piece that holds most of it (faces held
    by no piece, i.e. real gaps, are dropped). A piece that collapses gives None."""
    arr = np.array(list(geoms), dtype=object)
    lines = shapely.union_all(shapely.boundary(arr), grid_size=grid_size)
    faces = np.array(shapely.get_parts(shapely.polygonize(shapely.get_parts(lines))), dtype=object)
    tree = STRtree(arr)
    reps = shapely.point_on_surface(faces)
    hit_face, hit_geom = tree.query(reps, predicate="intersects")
    hits = np.bincount(hit_face, minlength=len(faces))
    owner = np.full(len(faces), -1)
    single = hits[hit_face] == 1
    owner[hit_face[single]] = hit_geom[single]
    for f in np.flatnonzero(hits != 1):
        cand = tree.query(faces[f])
        if len(cand) == 0:
            continue
        overlap = shapely.area(shapely.intersection(arr[cand], faces[f]))
        best = int(np.argmax(overlap))  # first maximum: deterministic
        if overlap[best] >= 0.5 * faces[f].area:
            owner[f] = cand[best]
    out: list[Polygonal | None] = []
    for i in range(len(arr)):
        mine = faces[owner == i]
        out.append(_as_polygonal(shapely.coverage_union_all(mine)) if len(mine) else None)
    return out


def dissolve(pieces: Sequence[BaseGeometry]) -> Polygonal:
    """The exact union of pieces of a coverage (shared edges disappear, nothing is added)."""
    merged = _as_polygonal(shapely.coverage_union_all(np.array(list(pieces), dtype=object)))
    if merged is None:
        raise ValueError("nothing to dissolve")
    return merged


def partition_many(
    parents: Sequence[BaseGeometry],
    counts: Sequence[int],
    rng: np.random.Generator,
    *,
    lloyd_iterations: int = 4,
    grid_size: float = GRID_SIZE,
    on_parent: Callable[[int], None] | None = None,
) -> list[list[Polygonal]]:
    """Partition each parent of a coverage into ``counts[i]`` pieces, rounding all pieces
    together so that they tile exactly, within and across parents. Parents are handled in
    order with the one ``rng``, so the result depends only on the inputs and the rng state.
    Returns, for each parent, its pieces in seed order. ``on_parent(i)`` is called as each
    parent's cells are made (for progress bars)."""
    if len(parents) != len(counts):
        raise ValueError("one count per parent")
    raw: list[BaseGeometry] = []
    owner: list[int] = []
    for i, (parent, n) in enumerate(zip(parents, counts, strict=True)):
        if n < 1:
            raise ValueError(f"parent {i}: at least one piece")
        if parent.is_empty or not parent.is_valid:
            raise ValueError(f"parent {i} is empty or invalid")
        seeds = spread_seeds(parent, n, rng, lloyd_iterations)
        cells = voronoi_cells(parent, seeds)
        raw.extend(cells)
        owner.extend([i] * len(cells))
        if on_parent is not None:
            on_parent(i)
    rounded = round_coverage(raw, grid_size)
    grouped: list[list[Polygonal]] = [[] for _ in parents]
    for i, piece in zip(owner, rounded, strict=True):
        if piece is not None:
            grouped[i].append(piece)
    return [_merge_fragments(pieces) for pieces in grouped]


def partition(
    polygon: BaseGeometry,
    n: int,
    rng: np.random.Generator | int,
    *,
    lloyd_iterations: int = 4,
    grid_size: float = GRID_SIZE,
) -> list[Polygonal]:
    """Partition one polygon into (at most, see below) ``n`` pieces that tile it.

    A piece disappears only if rounding collapses it (a cell thinner than the grid)."""
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    return partition_many(
        [polygon], [n], gen, lloyd_iterations=lloyd_iterations, grid_size=grid_size
    )[0]


def _merge_fragments(pieces: list[Polygonal]) -> list[Polygonal]:
    """A Voronoi cell clipped to a concave parent can fall apart. Give each part but the
    largest to the sibling with which it shares the longest border; a part that touches no
    sibling (an exclave of the parent) stays where it is."""
    pieces = list(pieces)
    for i in range(len(pieces)):
        parts = list(shapely.get_parts(pieces[i]))
        if len(parts) < 2:
            continue
        parts.sort(key=lambda p: -p.area)
        keep = [parts[0]]
        for frag in parts[1:]:
            best, best_len = -1, 0.0
            for j, other in enumerate(pieces):
                if j == i or not frag.intersects(other):
                    continue
                length = shapely.length(shapely.intersection(frag.boundary, other.boundary))
                if length > best_len:
                    best, best_len = j, float(length)
            if best < 0:
                keep.append(frag)
            else:
                merged = _as_polygonal(shapely.coverage_union_all([pieces[best], frag]))
                assert merged is not None
                pieces[best] = merged
        pieces[i] = _as_polygonal(shapely.coverage_union_all(keep)) or pieces[i]
    return pieces


def _as_polygonal(geom: BaseGeometry | None) -> Polygonal | None:
    """Polygon / MultiPolygon from a (possibly collection) result; None when empty."""
    if geom is None or geom.is_empty:
        return None
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    polys = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and not p.is_empty]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)
