"""Coverage of the 10-minute service circle and new sites to widen it, pure and vectorised.

* :func:`covered` — which households are within the circle of an existing centre;
* :func:`coverage_sets` — which uncovered households each candidate site would bring in
  (a sparse households × candidates matrix, exact: a k-d tree finds the candidates near a
  household, the same float formula as :func:`huying.community.circle_walk.straight_m`
  decides);
* :func:`solve` — the maximal covering location problem (Church & ReVelle 1974): choose ``p``
  sites to bring the most households into the circle, **solved exactly** as a MILP by HiGHS
  (``scipy.optimize.milp``: binary ``y_j`` per site, ``0 ≤ z_k ≤ 1`` per demand point,
  ``z_k ≤ Σ_{j covers k} y_j``, ``Σ y_j = p``, maximise ``Σ w_k z_k``) with the gap from the
  solver's own dual bound; households with the same set of covering candidates are first
  merged into one weighted demand point (the same optimum, far fewer rows);
* :func:`greedy` — the classic baseline (each step the site adding the most), beside it.

Why not spopt's ``MCLP`` or a PuLP model here (measured on the 2-core machine at the
benchmark's size, 300,000 households × 1,000 candidates, 227,625 of them outside the circle):
``import spopt.locate`` alone takes 9–17 s (geopandas, matplotlib, libpysal: 22 more packages)
and its ``MCLP.from_cost_matrix`` wants the dense households × sites matrix (2.4 GB of
float64); PuLP builds its model constraint by constraint in Python, ~2.9 s per 50,000 rows,
~13 s for the whole before HiGHS starts. Merging identical coverage sets leaves ~2,000 demand
points, and the whole here (sets, merge, solve) takes under a second. PuLP + HiGHS stays the
independent cross-check on small instances (tests).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix, hstack, identity
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from huying.community.circle_walk import (
    Array,
    Network,
    Walking,
    nearest_straight,
    network_nearest_m,
    straight_m,
)

Ints = NDArray[np.int64]


def walk_to_nearest(points_xy: Array, centres_xy: Array, walking: Walking, net: Network | None = None) -> Array:
    """The walk in metres from each point to its nearest centre: over the network when one
    is given, else the straight line × the detour (``inf`` with no centre)."""
    if net is not None:
        return network_nearest_m(net, points_xy, centres_xy)
    _, d = nearest_straight(points_xy, centres_xy)
    return d * walking.detour


def covered(points_xy: Array, centres_xy: Array, walking: Walking, net: Network | None = None) -> NDArray[np.bool_]:
    """Which points are within the circle (walk ≤ ``walking.reach_m``)."""
    return walk_to_nearest(points_xy, centres_xy, walking, net) <= walking.reach_m


def coverage_sets(points_xy: Array, sites_xy: Array, walking: Walking, net: Network | None = None) -> csr_matrix:
    """A boolean ``points × sites`` CSR matrix: site ``j`` would bring point ``i`` within the
    circle. Straight line: the exact test ``straight_m × detour ≤ reach`` on the pairs a k-d
    tree finds within a slightly wider radius. Network: a Dijkstra bounded by the reach from
    each site."""
    n, m = len(points_xy), len(sites_xy)
    if n == 0 or m == 0:
        return csr_matrix((n, m), dtype=bool)
    reach = walking.reach_m
    if net is None:
        radius = reach / walking.detour * (1 + 1e-9) + 1e-6
        pairs = cKDTree(points_xy).query_ball_tree(cKDTree(sites_xy), r=radius)
        lens = np.fromiter((len(p) for p in pairs), dtype=np.int64, count=n)
        rows = np.repeat(np.arange(n, dtype=np.int64), lens)
        cols = np.fromiter((j for p in pairs for j in p), dtype=np.int64, count=int(lens.sum()))
        d = straight_m(points_xy[rows, 0], points_xy[rows, 1], sites_xy[cols, 0], sites_xy[cols, 1])
        ok = d * walking.detour <= reach
        rows, cols = rows[ok], cols[ok]
    else:
        rows, cols = _network_pairs(net, points_xy, sites_xy, reach)
    data = np.ones(len(rows), dtype=bool)
    a = csr_matrix((data, (rows, cols)), shape=(n, m))
    a.sort_indices()
    return a


def _network_pairs(net: Network, points_xy: Array, sites_xy: Array, reach: float) -> tuple[Ints, Ints]:
    pn, ps = net.snap(points_xy)
    sn, ss = net.snap(sites_xy)
    order = np.argsort(pn, kind="stable")
    sorted_nodes = pn[order]
    g = net.graph()
    rows: list[Ints] = []
    cols: list[Ints] = []
    chunk = 64
    for start in range(0, len(sites_xy), chunk):
        idx = np.arange(start, min(start + chunk, len(sites_xy)))
        dist = dijkstra(g, directed=False, indices=sn[idx], limit=reach)
        for r, j in enumerate(idx):
            nodes = np.flatnonzero(dist[r] <= reach - ss[j])
            lo = np.searchsorted(sorted_nodes, nodes, side="left")
            hi = np.searchsorted(sorted_nodes, nodes, side="right")
            pts = np.concatenate([order[a:b] for a, b in zip(lo, hi, strict=True)]) if len(nodes) else order[:0]
            if len(pts) == 0:
                continue
            walk = ps[pts] + dist[r][pn[pts]] + ss[j]
            pts = pts[walk <= reach]
            rows.append(pts.astype(np.int64))
            cols.append(np.full(len(pts), j, dtype=np.int64))
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows), np.concatenate(cols)


# --------------------------------------------------------------------------- the location problem
@dataclass(frozen=True)
class Demand:
    """Demand points merged from households with identical coverage sets: ``a`` is
    ``points × sites`` (one row per distinct set), ``weight`` how many households share it."""

    a: csr_matrix
    weight: NDArray[np.float64]
    households: int


def aggregate(a: csr_matrix, weight: Array | None = None) -> Demand:
    """Merge rows with the same set of sites (rows covered by no site are dropped: no choice
    changes them). Exact: the MCLP's optimum and its choice are the same."""
    a = a.tocsr()
    a.sort_indices()
    w = np.ones(a.shape[0]) if weight is None else np.asarray(weight, dtype=float)
    keys: dict[bytes, int] = {}
    first: list[int] = []
    merged: list[float] = []
    ptr, ind = a.indptr, a.indices.astype(np.int32)
    for i in range(a.shape[0]):
        s, e = ptr[i], ptr[i + 1]
        if s == e:
            continue
        k = ind[s:e].tobytes()
        at = keys.get(k)
        if at is None:
            keys[k] = len(first)
            first.append(i)
            merged.append(float(w[i]))
        else:
            merged[at] += float(w[i])
    rows = a[np.asarray(first, dtype=np.int64)] if first else csr_matrix((0, a.shape[1]), dtype=bool)
    return Demand(rows.tocsr(), np.asarray(merged, dtype=float), int(a.shape[0]))


@dataclass(frozen=True)
class Solution:
    """A choice of sites: the indices, the households they bring within the circle, and for
    the exact solve the solver's bound and gap (``(bound - value) / bound``)."""

    sites: tuple[int, ...]
    value: float
    bound: float
    gap: float
    optimal: bool
    seconds: float
    method: str
    demand_points: int = 0


def solve(demand: Demand, p: int, *, time_limit: float = 300.0) -> Solution:
    """The MCLP solved to a 0 % gap by HiGHS (``scipy.optimize.milp``)."""
    t0 = time.perf_counter()
    a = demand.a
    k, m = a.shape
    p = min(p, m)
    if k == 0 or p <= 0:  # nobody a new site could bring in: no site is proposed
        return Solution((), 0.0, 0.0, 0.0, True, time.perf_counter() - t0, "milp", k)
    # variables: y (m sites, binary) then z (k demand points, continuous in [0, 1])
    c = np.concatenate([np.zeros(m), -demand.weight])
    cover = hstack([-a.astype(float), identity(k, format="csr")], format="csr")  # z_k - Σ y_j ≤ 0
    budget = csr_matrix(np.concatenate([np.ones(m), np.zeros(k)]).reshape(1, -1))
    cons = [LinearConstraint(cover, -np.inf, 0.0), LinearConstraint(budget, p, p)]
    integrality = np.concatenate([np.ones(m), np.zeros(k)])
    res = milp(c, constraints=cons, integrality=integrality, bounds=Bounds(0, 1),
               options={"mip_rel_gap": 0.0, "time_limit": time_limit, "disp": False})
    if res.x is None:
        raise RuntimeError(f"HiGHS found no solution: {res.message}")
    y = res.x[:m]
    chosen = tuple(int(j) for j in np.argsort(-y, kind="stable")[:p])
    value = _value(demand, chosen)
    bound = -float(res.mip_dual_bound) if getattr(res, "mip_dual_bound", None) is not None else value
    bound = max(bound, value)
    gap = 0.0 if bound <= 0 else max(0.0, (bound - value) / bound)
    optimal = res.status == 0 and gap <= 1e-9 + 1e-9 * bound
    return Solution(chosen, value, bound, gap, optimal, time.perf_counter() - t0, "milp", k)


def _value(demand: Demand, chosen: tuple[int, ...]) -> float:
    if not chosen or demand.a.shape[0] == 0:
        return 0.0
    hit = np.asarray(demand.a[:, list(chosen)].sum(axis=1)).ravel() > 0
    return float(demand.weight[hit].sum())


def greedy(demand: Demand, p: int) -> Solution:
    """Each step the site that brings in the most households not yet brought in."""
    t0 = time.perf_counter()
    a = demand.a.tocsc().astype(float)
    left = demand.weight.copy()
    chosen: list[int] = []
    taken = np.zeros(a.shape[1], dtype=bool)
    for _ in range(min(p, a.shape[1])):
        gain = a.T @ left
        gain[taken] = -1.0
        j = int(np.argmax(gain))
        chosen.append(j)
        taken[j] = True
        rows = a.indices[a.indptr[j]:a.indptr[j + 1]]
        left[rows] = 0.0
    value = _value(demand, tuple(chosen))
    return Solution(tuple(chosen), value, value, 0.0, False, time.perf_counter() - t0, "greedy",
                    demand.a.shape[0])


def brute_force(a: csr_matrix, p: int, weight: Array | None = None) -> tuple[float, tuple[int, ...]]:
    """Every ``p``-subset of the sites, counted in plain Python (small instances only)."""
    lil = a.tolil()
    w = [1.0] * a.shape[0] if weight is None else [float(x) for x in weight]
    sets = [set(r) for r in lil.rows]
    best = -1.0
    arg: tuple[int, ...] = ()
    for combo in combinations(range(a.shape[1]), min(p, a.shape[1])):
        s = set(combo)
        v = sum(w[i] for i, row in enumerate(sets) if row & s)
        if v > best:
            best, arg = v, combo
    return best, arg
