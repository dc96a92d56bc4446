"""Member–household links: the optimum equals brute force and a second solver, the
certificate holds, unlinked households are explicit, re-optimisation equals a fresh optimum."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from huying.contact import linking as L


def brute_force(p: L.LinkingProblem) -> int:
    best = None
    for combo in itertools.product(range(-1, p.n_members), repeat=p.n_households):
        of = np.array(combo, dtype=np.int64)
        load = np.bincount(of[of >= 0], minlength=p.n_members)
        if (load > p.member_capacity).any():
            continue
        c = L.cost_of(p, of)
        best = c if best is None else min(best, c)
    assert best is not None
    return best


@st.composite
def tiny(draw: st.DrawFn) -> L.LinkingProblem:
    m = draw(st.integers(1, 3))
    n = draw(st.integers(1, 5))
    coord = st.integers(0, 4_000)
    mxy = np.array([[draw(coord), draw(coord)] for _ in range(m)], dtype=float)
    hxy = np.array([[draw(coord), draw(coord)] for _ in range(n)], dtype=float)
    cap = np.array([draw(st.integers(0, 2)) for _ in range(m)])
    sk = np.array([draw(st.integers(0, 3)) for _ in range(m)])
    need = np.array([draw(st.integers(-1, 1)) for _ in range(n)])
    return L.LinkingProblem.build(mxy, hxy, cap, sk, need, unlinked_cost=3_000,
                                  need_unlinked_cost=6_000, mismatch_cost=1_000)


@settings(max_examples=60, deadline=None)
@given(tiny(), st.integers(1, 3))
def test_the_optimum_equals_brute_force_whatever_the_candidates(p: L.LinkingProblem, k: int) -> None:
    links = L.solve(p, k=k, k_skill=1, max_rounds=10)
    assert links.certificate is not None and links.certificate.optimal
    L.check_feasible(p, links.member_of)
    assert links.cost == L.cost_of(p, links.member_of) == brute_force(p)


def random_problem(seed: int, m: int = 40, n: int = 600, side: float = 6_000.0) -> L.LinkingProblem:
    rng = np.random.default_rng(seed)
    return L.LinkingProblem.build(
        rng.uniform(0, side, (m, 2)), rng.uniform(0, side, (n, 2)),
        rng.integers(5, 12, m), rng.integers(1, 8, m),
        np.where(rng.random(n) < 0.2, rng.integers(0, 3, n), -1),
    )


def lp_optimum(p: L.LinkingProblem) -> float:
    """The LP relaxation of the complete problem (every member × household), by HiGHS."""
    n, m = p.n_households, p.n_members
    h, mm = np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
    c = np.concatenate([p.link_cost(h, mm), p.unlinked()]).astype(float)
    nv = n * m + n
    from scipy.sparse import coo_matrix

    rows = np.concatenate([h, np.arange(n)])
    cols = np.arange(nv)
    a_eq = coo_matrix((np.ones(nv), (rows, cols)), shape=(n, nv))
    a_ub = coo_matrix((np.ones(n * m), (mm, np.arange(n * m))), shape=(m, nv))
    res = linprog(c, A_ub=a_ub, b_ub=p.member_capacity, A_eq=a_eq, b_eq=np.ones(n),
                  bounds=(0, 1), method="highs")
    assert res.status == 0
    return float(res.fun)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_certified_optimum_equals_the_lp_of_the_complete_problem(seed: int) -> None:
    p = random_problem(seed)
    links = L.solve(p, k=3, k_skill=1)
    assert links.certificate is not None and links.certificate.optimal
    assert links.cost == pytest.approx(lp_optimum(p), abs=1e-6)


def test_households_beyond_the_capacity_stay_unlinked_and_are_counted() -> None:
    p = random_problem(4, m=5, n=200)
    links = L.solve(p)
    got = L.describe(p, links.member_of)
    assert got["linked"] == int(p.member_capacity.sum()) < p.n_households
    assert got["unlinked"] == p.n_households - got["linked"]
    assert links.certificate is not None and links.certificate.optimal


def test_a_household_with_a_need_gets_the_specialist_when_one_is_near() -> None:
    # member 0 next door without the specialty, member 1 300 m away with it
    p = L.LinkingProblem.build([[0, 0], [300, 0]], [[10, 0]], [1, 1], [0b00, 0b10], [1])
    assert L.solve(p).member_of.tolist() == [1]
    # ... but not when the specialist is farther than the mismatch cost allows
    p = L.LinkingProblem.build([[0, 0], [3_000, 0]], [[10, 0]], [1, 1], [0b00, 0b10], [1])
    assert L.solve(p).member_of.tolist() == [0]


def test_greedy_is_feasible_and_never_better() -> None:
    p = random_problem(5)
    links = L.solve(p)
    g = L.greedy(p)
    L.check_feasible(p, g)
    assert L.cost_of(p, g) >= links.cost


@pytest.mark.parametrize("seed", [6, 7, 8])
def test_reoptimising_after_a_member_leaves_equals_a_fresh_optimum(seed: int) -> None:
    p = random_problem(seed, m=60, n=900)
    links = L.solve(p)
    leaving = int(np.bincount(links.member_of[links.member_of >= 0]).argmax())
    q = L.member_leaves(p, leaving)
    r = L.reoptimise(q, links, p.member_xy[[leaving]], radius=800.0)
    assert r.links.certificate is not None and r.links.certificate.optimal
    assert not (r.links.member_of == leaving).any()
    assert r.links.cost == L.solve(q).cost
    # the leaving member's households change, and only a few others
    assert r.changed <= 4 * p.member_capacity[leaving]


def test_reoptimising_after_a_household_moves_equals_a_fresh_optimum() -> None:
    p = random_problem(9, m=60, n=900)
    links = L.solve(p)
    h = int(np.flatnonzero(links.member_of >= 0)[0])
    to = np.array([5_500.0, 200.0])
    q = L.household_moves(p, h, to)
    cand = L.refresh_candidates(q, links.candidates, np.array([h]))  # type: ignore[arg-type]
    r = L.reoptimise(q, links, np.vstack([p.household_xy[h], to]), radius=800.0, cand=cand,
                     households=np.array([h]))
    assert r.links.certificate is not None and r.links.certificate.optimal
    assert r.links.cost == L.solve(q).cost


def test_refreshing_the_candidates_of_moved_households_equals_building_them_again() -> None:
    p = random_problem(10)
    cand = L.candidates(p)
    moved = np.array([3, 250, 599])
    q = p
    for h, xy in zip(moved, [[10.0, 10.0], [5_900.0, 100.0], [3_000.0, 3_000.0]], strict=True):
        q = L.household_moves(q, int(h), np.array(xy))
    got, want = L.refresh_candidates(q, cand, moved), L.candidates(q)
    for a, b in ((got.household, want.household), (got.member, want.member), (got.cost, want.cost)):
        assert a.tolist() == b.tolist()


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 10_000), st.booleans())
def test_any_change_reoptimised_locally_costs_what_a_fresh_optimum_costs(seed: int, leave: bool) -> None:
    p = random_problem(seed, m=30, n=500)
    links = L.solve(p)
    rng = np.random.default_rng(seed)
    if leave:
        who = int(rng.integers(0, p.n_members))
        q = L.member_leaves(p, who)
        r = L.reoptimise(q, links, p.member_xy[[who]], radius=500.0)
    else:
        h = int(rng.integers(0, p.n_households))
        to = rng.uniform(0, 6_000, 2)
        q = L.household_moves(p, h, to)
        cand = L.refresh_candidates(q, links.candidates, np.array([h]))  # type: ignore[arg-type]
        r = L.reoptimise(q, links, np.vstack([p.household_xy[h], to]), radius=500.0, cand=cand,
                         households=np.array([h]))
    assert r.links.certificate is not None and r.links.certificate.optimal
    L.check_feasible(q, r.links.member_of)
    assert r.links.cost == L.cost_of(q, r.links.member_of) == L.solve(q).cost


def test_no_members_leaves_every_household_unlinked_and_no_households_is_nothing() -> None:
    p = L.LinkingProblem.build(np.zeros((0, 2)), [[0, 0], [1, 1]], household_need=[-1, 2])
    links = L.solve(p)
    assert links.member_of.tolist() == [-1, -1] and links.cost == 5_000 + 10_000
    assert links.certificate is not None and links.certificate.optimal
    empty = L.solve(L.LinkingProblem.build([[0, 0]], np.zeros((0, 2))))
    assert empty.member_of.tolist() == [] and empty.cost == 0


def test_points_are_projected_to_metres_around_the_city() -> None:
    xy = L.project(np.array([113.75, 113.75, 113.76]), np.array([22.90, 22.91, 22.90]))
    north = float(np.hypot(*(xy[1] - xy[0])))
    east = float(np.hypot(*(xy[2] - xy[0])))
    assert north == pytest.approx(1_111.95, rel=1e-3)  # 0.01° of latitude
    assert east == pytest.approx(1_111.95 * np.cos(np.radians(22.90)), rel=1e-3)
