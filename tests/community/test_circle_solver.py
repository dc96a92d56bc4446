"""The circle's pure core: coverage counted exactly, the location problem solved to its
optimum (checked by enumerating every choice), greedy never above it, network walks equal to a
plain Floyd–Warshall."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pulp
import pytest

from huying.community import circle_cover as cover
from huying.community.circle_walk import Network, Walking, network_nearest_m, node_distances

W = Walking(detour=1.3, speed_kmh=4.5, threshold_min=10)


def world(seed: int, n: int = 300, m: int = 14, c: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    homes = rng.uniform(0, 4000, (n, 2))
    sites = rng.uniform(0, 4000, (m, 2))
    centres = rng.uniform(0, 4000, (c, 2))
    return homes, sites, centres


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_coverage_equals_a_recount_over_every_household_and_centre(seed: int) -> None:
    homes, _, centres = world(seed)
    got = cover.covered(homes, centres, W)
    for i, (hx, hy) in enumerate(homes.tolist()):
        within = any(math.sqrt((hx - cx) * (hx - cx) + (hy - cy) * (hy - cy)) * W.detour <= W.reach_m
                     for cx, cy in centres.tolist())
        assert got[i] == within


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_milp_optimum_equals_brute_force_over_every_choice_and_greedy_is_not_above(seed: int) -> None:
    homes, sites, centres = world(seed)
    outside = homes[~cover.covered(homes, centres, W)]
    a = cover.coverage_sets(outside, sites, W)
    # the sets themselves, recounted pair by pair
    for i, (hx, hy) in enumerate(outside.tolist()):
        want = {j for j, (sx, sy) in enumerate(sites.tolist())
                if math.sqrt((hx - sx) * (hx - sx) + (hy - sy) * (hy - sy)) * W.detour <= W.reach_m}
        assert set(a.indices[a.indptr[i]:a.indptr[i + 1]].tolist()) == want
    for p in (1, 2, 3):
        best, _ = cover.brute_force(a, p)
        demand = cover.aggregate(a)
        sol = cover.solve(demand, p)
        assert sol.value == best and sol.optimal and sol.gap == 0.0
        assert demand.weight.sum() == (np.diff(a.indptr) > 0).sum()
        g = cover.greedy(demand, p)
        assert g.value <= sol.value


def test_pulp_with_highs_finds_the_same_optimum() -> None:
    homes, sites, centres = world(9, n=200, m=12)
    a = cover.coverage_sets(homes[~cover.covered(homes, centres, W)], sites, W)
    d = cover.aggregate(a)
    prob = pulp.LpProblem("mclp", pulp.LpMaximize)
    y = [prob.add_variable(f"y{j}", cat="Binary") for j in range(a.shape[1])]
    z = [prob.add_variable(f"z{k}", 0, 1) for k in range(d.a.shape[0])]
    prob += pulp.lpSum(w * zk for w, zk in zip(d.weight, z, strict=True))
    for k in range(d.a.shape[0]):
        prob += z[k] <= pulp.lpSum(y[j] for j in d.a.indices[d.a.indptr[k]:d.a.indptr[k + 1]])
    prob += pulp.lpSum(y) == 3
    prob.solve(pulp.HiGHS(msg=False))
    assert pulp.value(prob.objective) == pytest.approx(cover.solve(d, 3).value)


def floyd(n: int, edges: list[tuple[int, int, float]]) -> list[list[float]]:
    d = [[0.0 if i == j else math.inf for j in range(n)] for i in range(n)]
    for u, v, w in edges:
        d[u][v] = d[v][u] = min(d[u][v], w)
    for k, i, j in itertools.product(range(n), range(n), range(n)):
        if d[i][k] + d[k][j] < d[i][j]:
            d[i][j] = d[i][k] + d[k][j]
    return d


def test_network_walks_equal_floyd_warshall_on_a_tiny_graph() -> None:
    rng = np.random.default_rng(5)
    n = 30
    lon, lat = 113.7 + rng.random(n) * 0.03, 23.0 + rng.random(n) * 0.03
    pairs = {(int(a), int(b)) for a, b in rng.integers(0, n, (70, 2)) if a != b}
    u = np.array([a for a, _ in pairs])
    v = np.array([b for _, b in pairs])
    length = rng.uniform(50, 900, len(u))
    net = Network(lon, lat, u, v, length)
    d = floyd(n, list(zip(u.tolist(), v.tolist(), length.tolist(), strict=True)))
    sites = net.xy[[2, 11]] + [[3.0, 4.0], [0.0, 0.0]]  # a site 5 m off node 2, one on node 11
    homes = net.xy[rng.integers(0, n, 40)] + rng.normal(0, 20, (40, 2))
    got = network_nearest_m(net, homes, sites)
    hn, hs = net.snap(homes)
    for i in range(len(homes)):
        want = min(hs[i] + d[hn[i]][2] + 5.0, hs[i] + d[hn[i]][11])
        assert got[i] == pytest.approx(want, rel=1e-12, abs=1e-9)
    to_site = node_distances(net, sites)
    assert to_site[2] == pytest.approx(5.0) and to_site[11] == 0.0
    # the coverage sets over the network agree with the same brute force
    cands = net.xy[[0, 5, 20]]
    a = cover.coverage_sets(homes, cands, W, net)
    cn_, cs = net.snap(cands)
    for i in range(len(homes)):
        want = {j for j in range(3) if hs[i] + d[hn[i]][cn_[j]] + cs[j] <= W.reach_m}
        assert set(a.indices[a.indptr[i]:a.indptr[i + 1]].tolist()) == want
