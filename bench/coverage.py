"""Benchmark: the 10-minute service circle (10分钟服务圈) — new centres chosen exactly, and walking
times over a network, each beside its baseline in the same run, as JSON lines.

    .venv/bin/python bench/coverage.py            # 300,000 households × 1,000 sites; 200,000 nodes
    .venv/bin/python bench/coverage.py --smoke    # 6,000 households × 100 sites; 4,000 nodes

Data (``bench/_contact_city.py``): households spread over the demo city's 1,000 grids like
its population (seed 1 map, seed 11 points); the existing centres are one per community (606, a
household of it drawn at random); the candidate sites are 1,000 buildings where households
outside the circle live (drawn at random, as from the register's addresses). The walking
network is the synthetic jittered lattice of ``huying.demo.network`` over the households' box
(200,000 nodes, about 150 m apart, 12% of block sides missing).

Lines:
1. the maximal covering problem (``huying.community.circle_cover``): coverage sets of the
   households outside the circle × 1,000 candidates, merged into weighted demand points, and
   10 new sites solved by HiGHS (``scipy.optimize.milp``) to a 0% gap: wall seconds of the whole
   (sets + merge + solve), with the solver's bound and gap; goal ≤ 60 s at 0%;
2. the optimum's households brought in next to the greedy baseline's (same run), with the
   greedy's gap;
3. a brute-force check on a small instance (the 1,500 households outside the circle nearest
   to one of them, every 3-subset of 16 candidates among them, plain Python): must equal the
   MILP's optimum exactly;
4. network walking times for every household (snap by k-d tree + one multi-source Dijkstra),
   wall seconds; baseline: the straight line × detour in the same run; goal ≤ 60 s;
5. a brute-force check of the network walks: one Dijkstra per centre and the minimum over them
   (the naive method) for the first 20 centres, on every household: must agree exactly.
"""

from __future__ import annotations

import resource
import sys
import time

import _common  # noqa: F401 - puts the repository on sys.path
import numpy as np
from _common import emit, parser
from _contact_city import demo_city, spread
from scipy.sparse.csgraph import dijkstra

from huying.community import circle_cover as cover
from huying.community.circle_walk import Walking, network_nearest_m
from huying.contact.linking import project
from huying.demo.network import lattice

BENCH = "coverage"


def main(argv: list[str] | None = None) -> int:
    ap = parser(__doc__)
    ap.add_argument("--households", type=int, default=None)
    ap.add_argument("--sites", type=int, default=10)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args(argv)
    smoke = args.smoke
    n = args.households or (6_000 if smoke else 300_000)
    walking = Walking()
    city = demo_city(1)
    rng = np.random.default_rng(args.seed)
    lonlat, grid = spread(city, n, rng)
    homes = project(lonlat[:, 0], lonlat[:, 1])
    comm_names = np.asarray(city.grid_community)
    # one existing centre per community, at one of its households
    centres_ll = np.asarray([lonlat[rng.choice(np.flatnonzero(comm_names[grid] == c))]
                             for c in sorted(set(city.grid_community)) if (comm_names[grid] == c).any()])
    if smoke:
        centres_ll = centres_ll[:: 4]
    centres = project(centres_ll[:, 0], centres_ll[:, 1])
    before = cover.covered(homes, centres, walking)
    cands = homes[rng.choice(np.flatnonzero(~before), size=100 if smoke else 1_000, replace=False)]
    sizes = {"households": n, "candidates": len(cands), "new_sites": args.sites, "centres": len(centres)}
    ok = True

    # 1-2: the location problem
    t0 = time.perf_counter()
    inside = cover.covered(homes, centres, walking)
    a = cover.coverage_sets(homes[~inside], cands, walking)
    t_sets = time.perf_counter() - t0
    demand = cover.aggregate(a)
    t_merge = time.perf_counter() - t0 - t_sets
    best = cover.solve(demand, args.sites)
    total_s = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ok &= best.optimal and best.gap == 0.0
    emit(BENCH, "service circle: 10 new centres, maximal covering, exact (HiGHS MILP)", total_s, "s",
         baseline=None, ratio=None, sizes=sizes, goal="<= 60 s at a 0% gap", met=bool(total_s <= 60 and best.optimal)
         if not smoke else None, smoke=smoke, covered_before=int(inside.sum()), outside_before=int((~inside).sum()),
         newly_covered=best.value, bound=best.bound, gap=best.gap, optimal=best.optimal,
         demand_points=demand.a.shape[0], pairs=int(a.nnz), sets_s=round(t_sets, 2), merge_s=round(t_merge, 2),
         solve_s=round(best.seconds, 2), peak_rss_mb=round(rss, 1))
    g = cover.greedy(demand, args.sites)
    ok &= g.value <= best.value
    emit(BENCH, "service circle: households brought in, optimum vs greedy", best.value, "households",
         baseline=("greedy: each step the site adding the most", g.value),
         ratio=best.value / g.value if g.value else None, sizes=sizes, smoke=smoke,
         greedy_gap=(best.value - g.value) / best.value if best.value else 0.0, greedy_s=round(g.seconds, 3))

    # 3: brute force on a small instance
    small_rng = np.random.default_rng(args.seed + 1)
    out_idx = np.flatnonzero(~inside)
    anchor = homes[small_rng.choice(out_idx)]
    near = np.argsort(((homes[out_idx] - anchor) ** 2).sum(axis=1), kind="stable")[:1500]
    pick = out_idx[near]
    sc = homes[small_rng.choice(pick, size=16, replace=False)]
    sa = cover.coverage_sets(homes[pick], sc, walking)
    t0 = time.perf_counter()
    brute, _ = cover.brute_force(sa, 3)
    brute_s = time.perf_counter() - t0
    small = cover.solve(cover.aggregate(sa), 3)
    agree = small.value == brute
    ok &= agree
    emit(BENCH, "service circle: MILP optimum vs brute force (every 3 of 16 sites)", small.value, "households",
         baseline=("brute force over every 3-subset", brute), ratio=None,
         sizes={"households": len(pick), "candidates": 16, "new_sites": 3}, smoke=smoke, agree=agree,
         brute_s=round(brute_s, 2), milp_s=round(small.seconds, 3))

    # 4-5: walking times over a network
    west, south = lonlat.min(axis=0) - 0.005
    east, north = lonlat.max(axis=0) + 0.005
    box = project(np.array([west, east]), np.array([south, north]))
    area = float((box[1, 0] - box[0, 0]) * (box[1, 1] - box[0, 1]))
    spacing = float(np.sqrt(area / (4_000 if smoke else 200_000)))
    net = lattice(float(west), float(south), float(east), float(north), spacing, seed=args.seed)
    net.graph()  # built with the network (the import's work), not timed with the walks
    t0 = time.perf_counter()
    walk = network_nearest_m(net, homes, centres)
    net_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    straight = cover.walk_to_nearest(homes, centres, walking)
    straight_s = time.perf_counter() - t0
    finite = np.isfinite(walk)
    emit(BENCH, "service circle: network walking times, every household", net_s, "s",
         baseline=("straight line × detour, same households", straight_s), ratio=straight_s / net_s,
         sizes={"households": n, "nodes": net.n_nodes, "edges": net.n_edges, "centres": len(centres)},
         goal="<= 60 s", met=bool(net_s <= 60) if not smoke else None, smoke=smoke,
         within_network=int((walk <= walking.reach_m).sum()), within_straight=int((straight <= walking.reach_m).sum()),
         unreachable=int((~finite).sum()),
         median_network_over_straight=round(float(np.median(walk[finite] / np.maximum(straight[finite], 1.0))), 3))
    first = centres[:20]
    t0 = time.perf_counter()
    multi = network_nearest_m(net, homes, first)
    multi_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    hn, hs = net.snap(homes)
    sn, ss = net.snap(first)
    naive = np.full(n, np.inf)
    g_ = net.graph()
    for j in range(len(first)):
        d = dijkstra(g_, directed=False, indices=int(sn[j]))
        naive = np.minimum(naive, hs + d[hn] + ss[j])
    naive_s = time.perf_counter() - t0
    same = bool(np.allclose(multi, naive, rtol=1e-12, atol=1e-6, equal_nan=False)
                and (np.isfinite(multi) == np.isfinite(naive)).all())
    ok &= same
    emit(BENCH, "service circle: multi-source Dijkstra vs one Dijkstra per centre", multi_s, "s",
         baseline=("one Dijkstra per centre, minimum over them", naive_s), ratio=naive_s / multi_s,
         sizes={"households": n, "nodes": net.n_nodes, "centres": len(first)}, smoke=smoke, agree=same,
         max_abs_diff_m=float(np.abs(multi[np.isfinite(multi)] - naive[np.isfinite(multi)]).max(initial=0.0)))
    if not ok:
        print("# coverage: a check failed (gap, greedy, brute force or naive Dijkstra)", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
