"""Benchmark: deployments (下沉) — staff sent to grids as three-person teams, the certified
optimum next to a greedy baseline in the same run, as JSON lines.

    .venv/bin/python bench/deploy.py            # 39,000 staff, 1,000 grids, 13,000 teams
    .venv/bin/python bench/deploy.py --smoke    # 3,000 staff (seconds)

Data (``bench/_contact_city.py``): the article's scale — 4,200 city-department and 34,800
town/enterprise staff (2020) — living spread over the demo city's 1,000 grids like its
population (seed 1 map, seed 3 points); teams per grid by population (largest remainder).

Lines:
1. the optimum (``huying.contact.deploy.solve``: candidate arcs, OR-Tools min-cost flow,
   certified by the LP dual bound over every staff × grid pair), wall seconds, with the
   bound, the gap and the peak RSS; goal ≤ 60 s with the gap printed;
2. its total travel next to the greedy baseline's (local places first, then the others, by
   increasing distance), with the greedy's gap to the bound;
3. a second solver: HiGHS (``scipy.optimize.linprog``) on the LP of the *complete* problem
   (every staff × grid) for the grids of the first towns, equal to the flow's cost.
"""

from __future__ import annotations

import resource
import sys
import time

import _common  # noqa: F401 - puts the repository on sys.path
import numpy as np
from _common import emit, parser
from _contact_city import City, demo_city, spread
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from huying.contact import deploy as D
from huying.contact.flow import Infeasible
from huying.contact.linking import project

BENCH = "deploy"
CITY_STAFF, TOWN_STAFF = 4_200, 34_800


def make_problem(city: City, staff: int, seed: int) -> D.DeployProblem:
    rng = np.random.default_rng(seed)
    sxy, grid = spread(city, staff, rng)
    c = city.centroids
    return D.DeployProblem.build(project(sxy[:, 0], sxy[:, 1]), grid, project(c[:, 0], c[:, 1]), city.weights)


def first_grids(city: City, n: int) -> City:
    return City(city.grid_codes[:n], city.grid_names[:n], city.grid_geoms[:n], city.grid_town[:n],
                city.grid_community[:n], city.weights[:n])


def highs_complete(p: D.DeployProblem) -> tuple[float, float]:
    teams = D.teams_per_grid(p)
    ls, lg = D.locals_of(p, teams)
    n, g = p.n_staff, p.n_grids
    s_all, g_all = np.repeat(np.arange(n), g), np.tile(np.arange(g), n)
    src, sink = np.concatenate([ls, s_all]), np.concatenate([lg, g + g_all])
    cost = np.concatenate([p.cost(ls, lg), p.cost(s_all, g_all)]).astype(float)
    nv = len(cost)
    a_eq = coo_matrix((np.ones(nv), (src, np.arange(nv))), shape=(n, nv))
    a_ub = coo_matrix((np.ones(nv), (sink, np.arange(nv))), shape=(2 * g, nv))
    t0 = time.perf_counter()
    res = linprog(cost, A_ub=a_ub, b_ub=np.concatenate([teams, 2 * teams]).astype(float), A_eq=a_eq,
                  b_eq=np.ones(n), bounds=(0, None), method="highs")
    if res.status != 0:
        raise RuntimeError(f"HiGHS: {res.message}")
    return float(res.fun), time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = parser(__doc__)
    ap.add_argument("--staff", type=int, default=None)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args(argv)
    smoke = args.smoke
    staff = args.staff or (3_000 if smoke else CITY_STAFF + TOWN_STAFF)
    city = demo_city(1)
    p = make_problem(city, staff, args.seed)
    sizes = {"staff": staff, "grids": p.n_grids, "teams": p.n_teams}
    ok = True

    t0 = time.perf_counter()
    dep = D.solve(p)
    solve_s = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    D.check(p, dep)
    cert = dep.certificate
    assert cert is not None
    sent = dep.grid_of >= 0
    emit(BENCH, "deployment: three-person teams, certified optimum", solve_s, "s", baseline=None, ratio=None,
         sizes=sizes, goal="<= 60 s with the gap to the LP bound printed",
         met=bool(solve_s <= 60) if not smoke else None, smoke=smoke,
         cost_m=dep.cost, lower_bound=cert.lower_bound, gap=cert.gap, certified=cert.optimal,
         rounds=dep.rounds, certificate_s=round(cert.seconds, 3), peak_rss_mb=round(rss, 1),
         mean_travel_m=round(dep.cost / max(1, int(sent.sum())), 1),
         locals_in_own_grid=int((dep.local & (dep.grid_of == p.staff_grid)).sum()))
    ok &= cert.optimal

    t0 = time.perf_counter()
    try:
        g = D.greedy(p)
        greedy_s = time.perf_counter() - t0
        D.check(p, g)
        ok &= g.cost >= dep.cost
        emit(BENCH, "deployment: optimum travel vs greedy", dep.cost, "m",
             baseline=("greedy: local places then the others, by increasing distance", g.cost),
             ratio=g.cost / dep.cost, sizes=sizes, smoke=smoke, greedy_gap_to_bound=(g.cost - cert.lower_bound)
             / max(1, cert.lower_bound), greedy_s=round(greedy_s, 3))
    except Infeasible as exc:
        emit(BENCH, "deployment: optimum travel vs greedy", dep.cost, "m", baseline=None, ratio=None,
             sizes=sizes, smoke=smoke, greedy_failed=str(exc))

    small = make_problem(first_grids(city, 40 if smoke else 80), 600 if smoke else 2_400, args.seed + 1)
    sdep = D.solve(small)
    lp, lp_s = highs_complete(small)
    agree = abs(lp - sdep.cost) < 1e-6 * max(1.0, lp)
    ok &= agree
    emit(BENCH, "deployment: second solver (HiGHS LP, complete problem)", sdep.cost, "m",
         baseline=("HiGHS LP optimum, every staff × grid", lp), ratio=None,
         sizes={"staff": small.n_staff, "grids": small.n_grids, "teams": small.n_teams}, smoke=smoke,
         agree=agree, highs_s=round(lp_s, 2), flow_s=round(sdep.seconds, 3),
         certified=bool(sdep.certificate and sdep.certificate.optimal))
    if not ok:
        print("# deploy: a check failed (certificate, greedy or HiGHS)", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
