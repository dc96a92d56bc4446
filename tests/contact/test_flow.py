"""The transportation core: the min-cost flow equals the LP (HiGHS), the prices certify it,
and a non-optimal assignment gets no prices."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from huying.contact import flow
from huying.contact.flow import Transport


def lp(t: Transport) -> float | None:
    nv = t.n_arcs
    a_eq = coo_matrix((np.ones(nv), (t.arc_source, np.arange(nv))), shape=(t.n_sources, nv))
    a_ub = coo_matrix((np.ones(nv), (t.arc_sink, np.arange(nv))), shape=(t.n_sinks, nv))
    res = linprog(t.arc_cost.astype(float), A_ub=a_ub, b_ub=t.capacity.astype(float), A_eq=a_eq,
                  b_eq=np.ones(t.n_sources), bounds=(0, None), method="highs")
    return float(res.fun) if res.status == 0 else None


@st.composite
def transports(draw: st.DrawFn) -> Transport:
    n = draw(st.integers(1, 12))
    m = draw(st.integers(1, 5))
    cap = np.array([draw(st.integers(0, 4)) for _ in range(m)], dtype=np.int64)
    arcs = draw(st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, m - 1)), min_size=1, max_size=n * m))
    src = np.array([a[0] for a in sorted(arcs)], dtype=np.int64)
    snk = np.array([a[1] for a in sorted(arcs)], dtype=np.int64)
    cost = np.array([draw(st.integers(-50, 500)) for _ in arcs], dtype=np.int64)
    return Transport(n, cap, src, snk, cost)


@settings(max_examples=150, deadline=None)
@given(transports())
def test_the_flow_equals_the_lp_and_its_prices_certify_it(t: Transport) -> None:
    expected = lp(t)
    if expected is None:
        with pytest.raises(flow.Infeasible):
            flow.solve(t)
        return
    chosen = flow.solve(t)
    cost = flow.assignment_cost(t, chosen)
    assert cost == pytest.approx(expected, abs=1e-6)
    assert (flow.loads(t, chosen) <= t.capacity).all()
    v = flow.sink_prices(t, chosen)
    assert v is not None and (v >= 0).all()
    bound, _ = flow.dual_bound(t, v)
    assert bound == cost


@settings(max_examples=100, deadline=None)
@given(transports(), st.integers(0, 10_000))
def test_any_prices_give_a_lower_bound_and_a_worse_assignment_gets_none(t: Transport, seed: int) -> None:
    if lp(t) is None:
        return
    chosen = flow.solve(t)
    cost = flow.assignment_cost(t, chosen)
    rng = np.random.default_rng(seed)
    bound, _ = flow.dual_bound(t, rng.integers(0, 300, t.n_sinks))
    assert bound <= cost
    # move one source to another arc where there is room: if it costs more, no prices
    for a in rng.permutation(t.n_arcs):
        i, j = int(t.arc_source[a]), int(t.arc_sink[a])
        if chosen[i] == a or flow.loads(t, chosen)[j] >= t.capacity[j]:
            continue
        worse = chosen.copy()
        worse[i] = a
        if flow.assignment_cost(t, worse) > cost:
            assert flow.sink_prices(t, worse) is None
        break
