"""The transportation core shared by member–household links and deployments.

A :class:`Transport` problem: ``n_sources`` sources, each with supply 1 (a household, a
member of staff); sinks with integer capacities (a member's households, a grid's slots); arcs
``(source, sink, cost)`` with integer costs. Every source must be sent along exactly one of
its arcs, no sink above its capacity, total cost minimised:

    min  Σ c_a x_a    s.t.  Σ_{a out of i} x_a = 1 (every source i),
                            Σ_{a into j} x_a ≤ cap_j (every sink j),   x ≥ 0.

The constraint matrix is totally unimodular, so the LP relaxation has an integral optimum and
the min-cost flow optimum (:func:`solve`, OR-Tools' ``SimpleMinCostFlow``, exact on integers)
equals the LP optimum.

What is certified, and how: the LP dual is

    max  Σ_i u_i − Σ_j cap_j v_j    s.t.  u_i − v_j ≤ c_ij,   v_j ≥ 0,

and for **any** sink prices ``v ≥ 0`` the choice ``u_i = min_{a=(i,j)} (c_a + v_j)`` is dual
feasible, so :func:`dual_bound` is a lower bound on every solution's cost (weak duality),
however ``v`` was obtained. :func:`sink_prices` derives the prices from an assignment by
shortest paths over the sinks (the complementary-slackness conditions as difference
constraints, solved by a vectorised Bellman–Ford); when the assignment is optimal the bound
equals its cost, which is the certificate. A solver error can only make the bound fail to meet
the cost (reported as a gap), never certify a wrong optimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

Array = np.ndarray


@dataclass(frozen=True)
class Transport:
    """Sources with supply 1, sinks with capacities, arcs with integer costs."""

    n_sources: int
    capacity: Array  # int64, one per sink
    arc_source: Array  # int64
    arc_sink: Array  # int64
    arc_cost: Array  # int64

    @property
    def n_sinks(self) -> int:
        return len(self.capacity)

    @property
    def n_arcs(self) -> int:
        return len(self.arc_cost)


@dataclass(frozen=True)
class Bounded:
    """A solution's cost next to a lower bound of the complete problem: equal, it is optimal."""

    cost: int
    lower_bound: int

    @property
    def optimal(self) -> bool:
        return self.lower_bound == self.cost

    @property
    def gap(self) -> float:
        return (self.cost - self.lower_bound) / max(1, abs(self.cost))


class Infeasible(ValueError):
    """Some source cannot be sent anywhere within the capacities."""


def solve(t: Transport) -> Array:
    """The optimal arc of every source (an index into the arcs), by OR-Tools' min-cost flow.

    Raises :class:`Infeasible` when the sources cannot all be placed."""
    n, m = t.n_sources, t.n_sinks
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if (np.bincount(t.arc_source, minlength=n) == 0).any():
        raise Infeasible("a source has no arc")
    f = min_cost_flow.SimpleMinCostFlow()
    sink_node = n + m
    f.add_arcs_with_capacity_and_unit_cost(
        np.ascontiguousarray(t.arc_source, dtype=np.int32),
        np.ascontiguousarray(t.arc_sink + n, dtype=np.int32),
        np.ones(t.n_arcs, dtype=np.int64),
        np.ascontiguousarray(t.arc_cost, dtype=np.int64),
    )
    cap = np.minimum(t.capacity.astype(np.int64), n)
    f.add_arcs_with_capacity_and_unit_cost(
        np.arange(n, n + m, dtype=np.int32),
        np.full(m, sink_node, dtype=np.int32),
        cap,
        np.zeros(m, dtype=np.int64),
    )
    supplies = np.ones(n + m + 1, dtype=np.int64)
    supplies[n:] = 0
    supplies[sink_node] = -n
    f.set_nodes_supplies(np.arange(n + m + 1, dtype=np.int32), supplies)
    status = f.solve()
    if status != f.OPTIMAL:
        raise Infeasible(f"min-cost flow: status {status}")
    flows = f.flows(np.arange(t.n_arcs, dtype=np.int32))
    used = np.flatnonzero(flows > 0)
    chosen = np.full(n, -1, dtype=np.int64)
    chosen[t.arc_source[used]] = used
    if (chosen < 0).any():  # pragma: no cover - OPTIMAL implies every source placed
        raise Infeasible("a source was left unplaced")
    return chosen


def assignment_cost(t: Transport, chosen: Array) -> int:
    return int(t.arc_cost[chosen].sum())


def loads(t: Transport, chosen: Array) -> Array:
    return np.bincount(t.arc_sink[chosen], minlength=t.n_sinks)


def sink_prices(t: Transport, chosen: Array, max_rounds: int | None = None) -> Array | None:
    """Prices ``v ≥ 0`` of the sinks that, with ``chosen``, satisfy complementary slackness
    over the arcs of ``t``; ``None`` when there are none (``chosen`` is not optimal: a
    negative cycle).

    The conditions are difference constraints: a source on arc ``(i, j1)`` with another arc
    ``(i, j2)`` needs ``v_j1 − v_j2 ≤ c_ij2 − c_ij1``; ``v ≥ 0``; a sink below capacity has
    ``v = 0``. The largest solution is the shortest-path distance from a root tied to the
    sinks below capacity (or, when every sink is full, from a virtual root, then shifted to
    a minimum of 0). The prices are checked by :func:`dual_bound`, not trusted."""
    m = t.n_sinks
    src = t.arc_source
    mine = chosen[src]  # the chosen arc of each arc's source
    other = t.arc_sink != t.arc_sink[mine]
    # edge j2 -> j1 with weight c_ij2 - c_ij1
    e_from = t.arc_sink[other]
    e_to = t.arc_sink[mine[other]]
    e_w = t.arc_cost[other] - t.arc_cost[mine[other]]
    load = loads(t, chosen)
    spare = np.flatnonzero(load < t.capacity)
    root = m
    if len(spare):
        # root -> spare sink (0) and sink -> root (0): v(spare) = 0, v >= 0. A sink that no
        # path from a spare one reaches (capacity 0, or full with no way out) has no upper
        # limit: root -> every sink at a weight above any path's length gives it a price
        # that high, satisfying the constraints among such sinks too.
        big = 2 * (m + 1) * (int(np.abs(e_w).max(initial=0)) + 1)
        e_from = np.concatenate([e_from, np.full(len(spare) + m, root), np.arange(m)])
        e_to = np.concatenate([e_to, spare, np.arange(m), np.full(m, root)])
        e_w = np.concatenate([e_w, np.zeros(len(spare), dtype=np.int64), np.full(m, big, dtype=np.int64),
                              np.zeros(m, dtype=np.int64)])
    else:
        e_from = np.concatenate([e_from, np.full(m, root)])
        e_to = np.concatenate([e_to, np.arange(m)])
        e_w = np.concatenate([e_w, np.zeros(m, dtype=np.int64)])
    d = _bellman_ford(m + 1, e_from, e_to, e_w.astype(np.int64), root, max_rounds)
    if d is None:
        return None
    v = d[:m]
    if not len(spare):
        v = v - v.min()
    return v.astype(np.int64)


_INF = np.iinfo(np.int64).max // 4


def _bellman_ford(
    n: int, e_from: Array, e_to: Array, e_w: Array, root: int, max_rounds: int | None
) -> Array | None:
    """Shortest distances from ``root`` with negative weights; ``None`` on a negative cycle.

    Label-correcting: each round relaxes only the edges out of the nodes that changed, all at
    once, and records each improved node's predecessor. A cycle among the predecessors (found
    by pointer doubling after every round) proves a negative cycle, so a non-optimal
    assignment is told in a few rounds rather than after ``n``."""
    # a stable sort of 16-bit keys is a radix sort: ~10x faster than of int64 keys
    keys = e_from.astype(np.uint16) if n <= np.iinfo(np.uint16).max else e_from
    order = np.argsort(keys, kind="stable")
    f, to, w = e_from[order], e_to[order], e_w[order]
    start = np.searchsorted(f, np.arange(n + 1))
    d = np.full(n, _INF, dtype=np.int64)
    d[root] = 0
    pred = np.arange(n)  # a node's predecessor on its best path (itself: none yet)
    pred[root] = root
    active = np.array([root])
    rounds = max_rounds if max_rounds is not None else n + 1
    steps = max(1, int(np.ceil(np.log2(n + 1))) + 1)
    for _ in range(rounds):
        lo, hi = start[active], start[active + 1]
        lens = hi - lo
        total = int(lens.sum())
        if total == 0:
            return d
        idx = np.repeat(lo - np.cumsum(lens) + lens, lens) + np.arange(total)
        cand = d[f[idx]] + w[idx]
        tgt = to[idx]
        better = cand < d[tgt]
        if not better.any():
            return d
        tgt, cand, src = tgt[better], cand[better], f[idx][better]
        o = np.lexsort((cand, tgt))
        tgt, cand, src = tgt[o], cand[o], src[o]
        first = np.concatenate([[True], tgt[1:] != tgt[:-1]])
        tgt, cand, src = tgt[first], cand[first], src[first]
        d[tgt] = cand
        pred[tgt] = src
        if d[root] < 0 or _has_cycle(pred, root, steps):
            return None
        active = tgt
    return None


def _has_cycle(pred: Array, root: int, steps: int) -> bool:
    """Whether following predecessors from some reached node never gets to ``root``."""
    p = np.where(pred == np.arange(len(pred)), root, pred)  # unreached: straight to the root
    p[root] = root
    for _ in range(steps):
        p = p[p]
    return bool((p != root).any())


def dual_bound(t: Transport, v: Array) -> tuple[int, Array]:
    """The Lagrangian (LP dual) lower bound ``Σ_i u_i − Σ_j cap_j v_j`` for the prices
    ``v ≥ 0``, over the arcs of ``t``, and the ``u``. Valid for any ``v ≥ 0``."""
    if (v < 0).any():
        raise ValueError("prices must be non-negative")
    u = np.full(t.n_sources, _INF, dtype=np.int64)
    np.minimum.at(u, t.arc_source, t.arc_cost + v[t.arc_sink])
    return int(u.sum() - int((t.capacity.astype(np.int64) * v).sum())), u
