"""A fast point-location index over the grid polygons of a city.

``GridIndex`` answers "which polygon covers this point?" for millions of points a second,
with exactly the answer of a brute-force shapely loop:

* a point is in a polygon when the polygon *covers* it (its boundary included);
* a point covered by several polygons (a shared border or vertex, or an overlap) gets the
  covering polygon with the smallest code.

How. A uniform raster of cells is laid over the polygons' bounding box. Every cell is
classified once, at build time, without any shapely call:

* **boundary cells** — a polygon edge passes within ``eps`` of the cell: found by cutting
  every edge into pieces shorter than half a cell and marking the cells each piece's
  bounding box (grown by ``eps``) touches. Each boundary cell keeps its *candidates*: the
  polygons whose edges pass through it, plus the lowest-coded polygon that contains it
  wholly (possible only where polygons overlap).
* every other cell is at least ``eps`` away from all edges, so it is either wholly inside
  or wholly outside each polygon: an even-odd scanline through the cell centres labels it
  with the lowest-coded polygon containing it, or "empty".

``locate_many`` then computes each point's cell with two multiplications, answers the
points of labelled cells with one array lookup, and tests only the points of boundary
cells exactly, with GEOS (``shapely.intersects_xy`` on prepared polygons; for a point,
"intersects" is "covered by"), candidates taken in code order so that the first hit is the
answer. The cell size is chosen from the polygons' mean size so that only a few per cent of
the points land in boundary cells, within a memory budget.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

from huying.geo.shapes import to_shape

#: Empty cell (no polygon covers any point of it).
_EMPTY = -1
#: Labels at or below this are boundary cells: ``bid = -label + _BOUNDARY``.
_BOUNDARY = -2
#: Default memory budget of the raster, in cells (4 bytes each: 64 MiB).
DEFAULT_MAX_CELLS = 1 << 24
#: Default resolution: about this many cells across the side of a mean-sized polygon.
DEFAULT_CELLS_PER_SIDE = 32

Item = tuple[int, str, Any]


def _unique(a: NDArray[np.int64]) -> NDArray[np.int64]:
    """Sorted distinct values (sort-based: faster here than numpy's hash-based unique)."""
    a = np.sort(a)
    if len(a) < 2:
        return a
    keep = np.empty(len(a), dtype=bool)
    keep[0] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]


def _as_polygonal(geometry: Any) -> BaseGeometry:
    geom = geometry if isinstance(geometry, BaseGeometry) else to_shape(geometry)
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"index polygons must be Polygon or MultiPolygon, not {geom.geom_type}")
    if geom.is_empty:
        raise ValueError("index polygons must not be empty")
    if not geom.is_valid:
        # Keep the polygonal part of the repair; the index then answers for the repaired
        # polygon (the import pipeline repairs and reports before anything is stored).
        repaired = shapely.make_valid(geom)
        polys = [
            p
            for p in shapely.get_parts(repaired)
            if p.geom_type in ("Polygon", "MultiPolygon") and not p.is_empty
        ]
        geom = shapely.union_all(polys) if polys else geom
    return geom


@dataclass(frozen=True)
class IndexStats:
    polygons: int
    cells: int
    cell_size: float
    boundary_cells: int
    candidates: int
    max_candidates: int
    nbytes: int
    build_seconds: float


class GridIndex:
    """Point location over polygons ``(node_id, code, geometry)``; see the module doc.

    Build with :meth:`build`; query with :meth:`locate` or :meth:`locate_many`. Immutable
    once built, so it can be shared between threads.
    """

    node_ids: NDArray[np.int64]
    codes: list[str]
    geoms: NDArray[np.object_]
    _ids_ext: NDArray[np.int64]

    def __init__(self) -> None:  # use GridIndex.build
        self.stats: IndexStats | None = None

    # ------------------------------------------------------------------ build
    @classmethod
    def build(
        cls,
        items: Iterable[Item],
        *,
        max_cells: int = DEFAULT_MAX_CELLS,
        cells_per_side: float = DEFAULT_CELLS_PER_SIDE,
    ) -> GridIndex:
        """Index ``items``: ``(node_id, code, geometry)`` with geometry a shapely polygon,
        a GeoJSON dict or GeoJSON text. Codes order the answers on shared borders."""
        import time

        t0 = time.perf_counter()
        rows = sorted(items, key=lambda it: (it[1], it[0]))
        self = cls()
        self.node_ids = np.array([r[0] for r in rows], dtype=np.int64)
        self.codes = [r[1] for r in rows]
        geoms = np.empty(len(rows), dtype=object)
        geoms[:] = [_as_polygonal(r[2]) for r in rows]
        self.geoms = geoms
        shapely.prepare(geoms)
        #: rank -> node id, with -1 appended so that rank -1 maps to -1.
        self._ids_ext = np.append(self.node_ids, np.int64(-1))
        if not rows:
            self._set_empty()
        else:
            self._rasterise(max_cells=max_cells, cells_per_side=cells_per_side)
        self.stats = IndexStats(
            polygons=len(rows),
            cells=int(self.nx * self.ny),
            cell_size=float(self.d),
            boundary_cells=int(len(self.cand_ptr) - 1),
            candidates=int(len(self.cand)),
            max_candidates=int(self.max_cand),
            nbytes=self.nbytes,
            build_seconds=round(time.perf_counter() - t0, 3),
        )
        return self

    def _set_empty(self) -> None:
        self.x0 = self.y0 = 0.0
        self.d = self.inv_d = 1.0
        self.nx = self.ny = 1
        self.label = np.full(1, _EMPTY, dtype=np.int32)
        self.cand_ptr = np.zeros(1, dtype=np.int64)
        self.cand = np.zeros(0, dtype=np.int32)
        self.max_cand = 0

    def _rasterise(self, *, max_cells: int, cells_per_side: float) -> None:
        geoms = self.geoms
        n = len(geoms)
        minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(geoms))
        w, h = max(maxx - minx, 1e-12), max(maxy - miny, 1e-12)
        mean_side = math.sqrt(max(float(shapely.area(geoms).sum()) / n, 1e-24))
        d = mean_side / cells_per_side
        # Finer rasters only cost memory: give small cities at least 2^18 cells.
        target = (w + 2 * d) * (h + 2 * d) / (d * d)
        if target < (1 << 18):
            d = math.sqrt((w * h) / (1 << 18))
        while (w / d + 3) * (h / d + 3) > max_cells:
            d *= 1.05
        # Pad by a cell on each side: points outside the raster are outside every polygon.
        x0, y0 = minx - d, miny - d
        nx = int(math.ceil((maxx + d - x0) / d)) + 1
        ny = int(math.ceil((maxy + d - y0) / d)) + 1
        self.x0, self.y0, self.d, self.inv_d = x0, y0, d, 1.0 / d
        self.nx, self.ny = nx, ny
        scale = max(abs(minx), abs(maxx), abs(miny), abs(maxy), 1.0)
        # Margin around every cell: far above rounding (1e-16 relative), far below a cell.
        eps = max(d * 1e-4, scale * 1e-11)

        # Every edge of every ring, with the rank of its polygon.
        parts, part_poly = shapely.get_parts(geoms, return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
        same = coord_ring[:-1] == coord_ring[1:]
        ex1, ey1 = coords[:-1, 0][same], coords[:-1, 1][same]
        ex2, ey2 = coords[1:, 0][same], coords[1:, 1][same]
        erank = part_poly[ring_part[coord_ring[:-1][same]]].astype(np.int32)

        ncells = nx * ny
        fill, sp_start, sp_len, sp_rank = self._scanline_fill(ex1, ey1, ex2, ey2, erank, ncells)
        bcell, brank = self._boundary_pairs(ex1, ey1, ex2, ey2, erank, eps, n)

        # Boundary cells and their candidates, sorted by (cell, rank), without duplicates:
        # the polygons whose edges come near the cell, and every polygon containing the
        # cell's centre (which includes those containing the cell wholly: only possible
        # where polygons overlap, but then needed).
        is_boundary = np.zeros(ncells, dtype=bool)
        is_boundary[bcell] = True
        cells_b = np.flatnonzero(is_boundary)
        lo = np.searchsorted(cells_b, sp_start)
        hi = np.searchsorted(cells_b, sp_start + sp_len)
        cnt = hi - lo
        pos = np.repeat(lo - np.cumsum(cnt) + cnt, cnt) + np.arange(int(cnt.sum()))
        key = np.concatenate(
            [
                bcell.astype(np.int64) * n + brank,
                cells_b[pos].astype(np.int64) * n + np.repeat(sp_rank, cnt),
            ]
        )
        key = _unique(key)
        kcell, krank = np.divmod(key, n)
        bid_of_cell = np.searchsorted(cells_b, kcell)
        counts = np.bincount(bid_of_cell, minlength=len(cells_b))
        self.cand_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.cand = krank.astype(np.int32)
        self.max_cand = int(counts.max()) if len(counts) else 0

        label = fill
        label[label == np.iinfo(np.int32).max] = _EMPTY
        label[cells_b] = (_BOUNDARY - np.arange(len(cells_b))).astype(np.int32)
        self.label = label

    def _scanline_fill(
        self,
        ex1: NDArray[np.float64],
        ey1: NDArray[np.float64],
        ex2: NDArray[np.float64],
        ey2: NDArray[np.float64],
        erank: NDArray[np.int32],
        ncells: int,
    ) -> tuple[NDArray[np.int32], NDArray[np.int64], NDArray[np.int64], NDArray[np.int32]]:
        """Per cell, the lowest rank of the polygons containing the cell's centre (even-odd
        rule over all rings), or int32 max; exact for every cell no edge comes near. Also
        the spans (first cell, length, rank) of cells whose centre a polygon contains."""
        x0, y0, d, nx, ny = self.x0, self.y0, self.d, self.nx, self.ny
        fill = np.full(ncells, np.iinfo(np.int32).max, dtype=np.int32)
        ylo, yhi = np.minimum(ey1, ey2), np.maximum(ey1, ey2)
        keep = ylo < yhi
        ex1, ey1, ex2, ey2, erank = ex1[keep], ey1[keep], ex2[keep], ey2[keep], erank[keep]
        ylo, yhi = ylo[keep], yhi[keep]
        # Rows whose centre y may lie in [ylo, yhi); widened by one, then checked exactly.
        jlo = np.maximum(np.ceil((ylo - y0) / d - 0.5).astype(np.int64) - 1, 0)
        jhi = np.minimum(np.ceil((yhi - y0) / d - 0.5).astype(np.int64) + 1, ny - 1)
        cnt = np.maximum(jhi - jlo + 1, 0)
        e = np.repeat(np.arange(len(cnt)), cnt)
        j = jlo[e] + (np.arange(len(e)) - np.repeat(np.cumsum(cnt) - cnt, cnt))
        yc = y0 + (j + 0.5) * d
        ok = (ylo[e] <= yc) & (yc < yhi[e])
        e, j, yc = e[ok], j[ok], yc[ok]
        xc = ex1[e] + (yc - ey1[e]) * (ex2[e] - ex1[e]) / (ey2[e] - ey1[e])
        r = erank[e]
        order = np.lexsort((xc, r, j))
        xc, r, j = xc[order], r[order], j[order]
        # Each (row, polygon) group has an even number of crossings: pair them up.
        xa, xb, rs, js = xc[0::2], xc[1::2], r[0::2], j[0::2]
        ia = np.maximum(np.ceil((xa - x0) / d - 0.5).astype(np.int64), 0)
        ib = np.minimum(np.floor((xb - x0) / d - 0.5).astype(np.int64), nx - 1)
        span = np.maximum(ib - ia + 1, 0)
        # Expand the spans in chunks to bound the memory of the build.
        start = js * nx + ia
        csum = np.cumsum(span)
        chunk = 1 << 22
        lo = 0
        while lo < len(span):
            base = csum[lo - 1] if lo else 0
            hi = int(np.searchsorted(csum, base + chunk, side="right"))
            hi = max(hi, lo + 1)
            sp = span[lo:hi]
            tot = int(sp.sum())
            if tot:
                s = np.repeat(start[lo:hi], sp)
                off = np.arange(tot) - np.repeat(np.cumsum(sp) - sp, sp)
                np.minimum.at(fill, s + off, np.repeat(rs[lo:hi], sp))
            lo = hi
        return fill, start, span, rs

    def _boundary_pairs(
        self,
        ex1: NDArray[np.float64],
        ey1: NDArray[np.float64],
        ex2: NDArray[np.float64],
        ey2: NDArray[np.float64],
        erank: NDArray[np.int32],
        eps: float,
        n: int,
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """(cell, rank) of every cell within ``eps`` of an edge of polygon ``rank``."""
        x0, y0, d, nx = self.x0, self.y0, self.d, self.nx
        span = np.maximum(np.abs(ex2 - ex1), np.abs(ey2 - ey1))
        npieces = np.maximum(np.ceil(span / (0.5 * d)).astype(np.int64), 1)
        out_keys: list[NDArray[np.int64]] = []
        # In chunks of edges, to bound the memory of the build.
        csum = np.cumsum(npieces)
        chunk = 1 << 21
        lo = 0
        while lo < len(npieces):
            base = csum[lo - 1] if lo else 0
            hi = max(int(np.searchsorted(csum, base + chunk, side="right")), lo + 1)
            npc = npieces[lo:hi]
            tot = int(npc.sum())
            e = np.repeat(np.arange(lo, hi), npc)
            k = np.arange(tot) - np.repeat(np.cumsum(npc) - npc, npc)
            t0 = k / npieces[e]
            t1 = (k + 1) / npieces[e]
            dx, dy = ex2[e] - ex1[e], ey2[e] - ey1[e]
            ax, bx = ex1[e] + dx * t0, ex1[e] + dx * t1
            ay, by = ey1[e] + dy * t0, ey1[e] + dy * t1
            ix0 = np.floor((np.minimum(ax, bx) - eps - x0) / d).astype(np.int64)
            ix1 = np.floor((np.maximum(ax, bx) + eps - x0) / d).astype(np.int64)
            iy0 = np.floor((np.minimum(ay, by) - eps - y0) / d).astype(np.int64)
            iy1 = np.floor((np.maximum(ay, by) + eps - y0) / d).astype(np.int64)
            r = erank[e].astype(np.int64)
            # A piece is shorter than half a cell: its box meets at most 2x2 cells.
            keys = []
            for ox in (0, 1):
                for oy in (0, 1):
                    m = (ix0 + ox <= ix1) & (iy0 + oy <= iy1)
                    keys.append(((iy0[m] + oy) * nx + ix0[m] + ox) * n + r[m])
            kk = np.concatenate(keys)
            out_keys.append(_unique(kk))
            lo = hi
        key = _unique(np.concatenate(out_keys)) if out_keys else np.zeros(0, np.int64)
        cell, rank = np.divmod(key, n)
        return cell, rank

    # ------------------------------------------------------------------ query
    @property
    def nbytes(self) -> int:
        return int(
            self.label.nbytes + self.cand_ptr.nbytes + self.cand.nbytes + self.node_ids.nbytes
        )

    def __len__(self) -> int:
        return len(self.node_ids)

    def locate(self, lon: float, lat: float) -> int | None:
        """The node id of the polygon covering (lon, lat), lowest code on ties; or None."""
        fx = (lon - self.x0) * self.inv_d
        fy = (lat - self.y0) * self.inv_d
        if not (0.0 <= fx < self.nx and 0.0 <= fy < self.ny):  # NaN fails too
            return None
        lab = int(self.label[int(fy) * self.nx + int(fx)])
        if lab >= 0:
            return int(self.node_ids[lab])
        if lab == _EMPTY:
            return None
        bid = _BOUNDARY - lab
        for r in self.cand[self.cand_ptr[bid] : self.cand_ptr[bid + 1]]:
            if shapely.intersects_xy(self.geoms[r], lon, lat):
                return int(self.node_ids[r])
        return None

    def locate_many(self, lons: ArrayLike, lats: ArrayLike) -> NDArray[np.int64]:
        """Node ids (int64) of the polygons covering each point; -1 where none does."""
        x = np.ascontiguousarray(lons, dtype=np.float64).ravel()
        y = np.ascontiguousarray(lats, dtype=np.float64).ravel()
        if x.shape != y.shape:
            raise ValueError("lons and lats must have the same length")
        rank = self.locate_ranks(x, y)
        return self._ids_ext[rank]

    def locate_ranks(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int32]:
        """Like :meth:`locate_many` but answers ranks (positions in :attr:`codes`)."""
        fx = x - self.x0
        fx *= self.inv_d
        fy = y - self.y0
        fy *= self.inv_d
        inside = (fx >= 0.0) & (fx < self.nx) & (fy >= 0.0) & (fy < self.ny)
        if inside.all():
            cell = fy.astype(np.int64)
            cell *= self.nx
            cell += fx.astype(np.int64)
            rank = self.label[cell]
        else:
            rank = np.full(x.shape, _EMPTY, dtype=np.int32)
            sel = np.flatnonzero(inside)
            cell = fy[sel].astype(np.int64)
            cell *= self.nx
            cell += fx[sel].astype(np.int64)
            rank[sel] = self.label[cell]
        todo = np.flatnonzero(rank <= _BOUNDARY)
        if len(todo):
            rank[todo] = self._exact(todo, rank[todo], x, y)
        return rank

    def _exact(
        self,
        todo: NDArray[np.int64],
        labels: NDArray[np.int32],
        x: NDArray[np.float64],
        y: NDArray[np.float64],
    ) -> NDArray[np.int32]:
        """Exact answers for points in boundary cells: candidates in code order."""
        bid = _BOUNDARY - labels.astype(np.int64)
        start = self.cand_ptr[bid]
        ncand = self.cand_ptr[bid + 1] - start
        px, py = x[todo], y[todo]
        out = np.full(len(todo), _EMPTY, dtype=np.int32)
        active = np.arange(len(todo))
        for k in range(self.max_cand):
            active = active[ncand[active] > k]
            if not len(active):
                break
            r = self.cand[start[active] + k]
            hit = shapely.intersects_xy(self.geoms[r], px[active], py[active])
            out[active[hit]] = r[hit]
            active = active[~hit]
        return out


def brute_force(items: Sequence[Item], lons: ArrayLike, lats: ArrayLike) -> NDArray[np.int64]:
    """The reference answer, one point and one polygon at a time: polygons in code order,
    the first that covers the point. Slow; for tests and benchmarks."""
    rows = sorted(items, key=lambda it: (it[1], it[0]))
    geoms = [_as_polygonal(r[2]) for r in rows]
    out = np.full(len(np.atleast_1d(lons)), -1, dtype=np.int64)
    for i, (lon, lat) in enumerate(zip(np.atleast_1d(lons), np.atleast_1d(lats), strict=True)):
        pt = shapely.Point(float(lon), float(lat))
        for row, g in zip(rows, geoms, strict=True):
            if g.covers(pt):
                out[i] = row[0]
                break
    return out
