"""Deployments: three-person teams with a local each, the optimum equals brute force and
HiGHS, the certificate holds, the greedy baseline is feasible and never better."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from huying.contact import deploy as D


def brute_force(p: D.DeployProblem) -> int | None:
    teams = D.teams_per_grid(p)
    ls, lg = D.locals_of(p, teams)
    is_local = np.zeros((p.n_staff, p.n_grids), dtype=bool)
    is_local[ls, lg] = True
    best = None
    for combo in itertools.product(range(p.n_grids), repeat=p.n_staff):
        g = np.array(combo)
        if (np.bincount(g, minlength=p.n_grids) != 3 * teams).any():
            continue
        locals_ = np.bincount(g[is_local[np.arange(p.n_staff), g]], minlength=p.n_grids)
        if (locals_ < teams).any():
            continue
        c = int(p.cost(np.arange(p.n_staff), g).sum())
        best = c if best is None else min(best, c)
    return best


@st.composite
def tiny(draw: st.DrawFn) -> D.DeployProblem:
    g = draw(st.integers(1, 3))
    n = 3 * draw(st.integers(g, 3)) if g > 1 else 3 * draw(st.integers(1, 2))
    n = min(n, 8 if g == 3 else 9)
    n -= n % 3
    coord = st.integers(0, 5_000)
    sxy = np.array([[draw(coord), draw(coord)] for _ in range(n)], dtype=float)
    gxy = np.array([[draw(coord), draw(coord)] for _ in range(g)], dtype=float)
    home = np.array([draw(st.integers(-1, g - 1)) for _ in range(n)])
    pop = np.array([draw(st.integers(1, 100)) for _ in range(g)], dtype=float)
    return D.DeployProblem.build(sxy, home, gxy, pop)


@settings(max_examples=40, deadline=None)
@given(tiny(), st.integers(1, 2))
def test_the_optimum_equals_brute_force(p: D.DeployProblem, k: int) -> None:
    expected = brute_force(p)
    if expected is None:  # no feasible teams at all: the solver says so
        with pytest.raises(D.flow.Infeasible):
            D.solve(p, k=k)
        return
    dep = D.solve(p, k=k, max_rounds=10)
    assert dep.certificate is not None and dep.certificate.optimal
    D.check(p, dep)
    assert dep.cost == expected


def random_problem(seed: int, staff: int = 600, grids: int = 40) -> D.DeployProblem:
    rng = np.random.default_rng(seed)
    gxy = rng.uniform(0, 20_000, (grids, 2))
    sxy = rng.uniform(0, 20_000, (staff, 2))
    home = np.argmin(np.hypot(sxy[:, None, 0] - gxy[None, :, 0], sxy[:, None, 1] - gxy[None, :, 1]), axis=1)
    return D.DeployProblem.build(sxy, home, gxy, rng.integers(100, 5_000, grids))


def lp_optimum(p: D.DeployProblem) -> float:
    """HiGHS on the LP of the complete problem: every staff × grid, local and other places."""
    teams = D.teams_per_grid(p)
    ls, lg = D.locals_of(p, teams)
    n, g = p.n_staff, p.n_grids
    s_all, g_all = np.repeat(np.arange(n), g), np.tile(np.arange(g), n)
    src = np.concatenate([ls, s_all])
    sink = np.concatenate([lg, g + g_all])
    cost = np.concatenate([p.cost(ls, lg), p.cost(s_all, g_all)]).astype(float)
    nv = len(cost)
    a_eq = coo_matrix((np.ones(nv), (src, np.arange(nv))), shape=(n, nv))
    a_ub = coo_matrix((np.ones(nv), (sink, np.arange(nv))), shape=(2 * g, nv))
    cap = np.concatenate([teams, 2 * teams]).astype(float)
    res = linprog(cost, A_ub=a_ub, b_ub=cap, A_eq=a_eq, b_eq=np.ones(n), bounds=(0, None), method="highs")
    assert res.status == 0
    return float(res.fun)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_certified_optimum_equals_the_lp_of_the_complete_problem(seed: int) -> None:
    p = random_problem(seed)
    dep = D.solve(p, k=3)
    assert dep.certificate is not None and dep.certificate.optimal
    D.check(p, dep)
    assert dep.cost == pytest.approx(lp_optimum(p), abs=1e-6)


def test_teams_follow_population_by_largest_remainder() -> None:
    p = D.DeployProblem.build(np.zeros((30, 2)), np.zeros(30), [[0, 0], [1, 0], [2, 0]], [50, 30, 20])
    assert D.teams_per_grid(p).tolist() == [5, 3, 2]


def test_every_team_has_a_local_and_three_members() -> None:
    p = random_problem(3)
    dep = D.solve(p)
    D.check(p, dep)
    assert dep.teams.shape == (200, 3)
    assert dep.local.sum() == 200


def test_staff_beyond_the_teams_stay_home() -> None:
    q = random_problem(4, staff=601)
    p = D.DeployProblem.build(q.staff_xy, q.staff_grid, q.grid_xy, q.grid_population, n_teams=150)
    dep = D.solve(p)
    D.check(p, dep)
    assert (dep.grid_of < 0).sum() == 601 - 450


def test_greedy_is_feasible_and_never_better() -> None:
    p = random_problem(5)
    dep, g = D.solve(p), D.greedy(p)
    D.check(p, g)
    assert g.cost >= dep.cost


def test_with_fewer_teams_than_grids_the_least_populous_grids_get_none() -> None:
    p = D.DeployProblem.build(np.zeros((3, 2)), [0, 0, 0], [[0, 0], [5, 5]], [1, 2])
    assert D.teams_per_grid(p).tolist() == [0, 1]
    dep = D.solve(p)
    D.check(p, dep)
    assert dep.team_grid.tolist() == [1]
