"""Deployments (下沉): staff sent down to grids as three-person teams (三人小组).

The model (pure, no database; points in metres, see :func:`huying.contact.linking.project`):

1. **Teams per grid** (:func:`teams_per_grid`): ``n_teams`` (default: staff // 3) split over
   the grids in proportion to their population by the largest-remainder method, at least one
   team per grid when there are as many teams as grids (``huying.apportion.allocate``).
2. **Who is local to a grid** (:func:`locals_of`): the staff who live in it; when fewer
   than ``2 × teams`` of them do, the ``2 × teams`` staff living nearest its centre as well
   ("living in or nearest the grid"; the factor doubled where neighbouring grids would
   otherwise share too few).
3. **Assignment**: every member of staff to one grid, each grid receiving exactly
   ``3 × teams`` staff of whom at least ``teams`` are local to it, the total distance from
   home to the grid's centre (integer metres) minimised. A grid's staff then form its teams,
   one local in each (:attr:`Deployment.teams`): any assignment meeting the counts can be
   formed into teams and every team formation is such an assignment, so the assignment
   problem is the team problem, exactly. It is a transportation problem with two sinks per
   grid (its local places, capacity ``teams``, reached only from its locals; its other
   places, capacity ``2 × teams``), solved by min-cost flow (:mod:`huying.contact.flow`)
   over candidate arcs: every local arc and each member's ``k`` nearest grids (doubled while
   the candidates leave the flow infeasible, up to every grid). Staff beyond
   ``3 × n_teams`` stay home (a sink at cost 0).

What is certified (:func:`certify`): the LP dual bound with the sinks' prices from the flow,
computed over **every** staff × grid pair (enumerated in blocks): every local arc is a
candidate already, and for the other places the minimum over all grids is taken. When it
equals the cost, the deployment is optimal for the complete problem; otherwise the gap is
reported (and pairs with a negative reduced cost are added to the candidates and the flow
solved again, ``max_rounds``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.spatial import cKDTree

from huying.apportion import allocate
from huying.contact import flow
from huying.contact.flow import Bounded, Transport

Array = np.ndarray

TEAM_SIZE = 3


@dataclass(frozen=True)
class DeployProblem:
    staff_xy: Array  # (n, 2) metres: where each member of staff lives
    staff_grid: Array  # grid index each lives in, -1 outside every grid
    grid_xy: Array  # (g, 2) metres: the grids' centres
    grid_population: Array
    n_teams: int

    @staticmethod
    def build(staff_xy: ArrayLike, staff_grid: ArrayLike, grid_xy: ArrayLike, grid_population: ArrayLike,
              n_teams: int | None = None) -> DeployProblem:
        """From array-likes; ``n_teams`` defaults to the staff // 3."""
        s = np.asarray(staff_xy, dtype=float).reshape(-1, 2)
        return DeployProblem(s, np.asarray(staff_grid, dtype=np.int64), np.asarray(grid_xy, dtype=float).reshape(-1, 2),
                             np.asarray(grid_population, dtype=float),
                             len(s) // TEAM_SIZE if n_teams is None else n_teams)

    @property
    def n_staff(self) -> int:
        return len(self.staff_xy)

    @property
    def n_grids(self) -> int:
        return len(self.grid_xy)

    def cost(self, s: Array, g: Array) -> Array:
        return np.rint(np.hypot(*(self.staff_xy[s] - self.grid_xy[g]).T)).astype(np.int64)


def teams_per_grid(p: DeployProblem) -> Array:
    """Teams of each grid: proportional to population, largest remainder, at least one (when
    there are fewer teams than grids, the least populous grids get none)."""
    minimum = 1 if p.n_teams >= p.n_grids else 0
    return np.array(allocate(list(p.grid_population), p.n_teams, minimum=minimum), dtype=np.int64)


def locals_of(p: DeployProblem, teams: Array) -> tuple[Array, Array]:
    """(staff, grid) pairs: who is local to which grid. The staff living in a grid are its
    locals; a grid with fewer than ``f × teams`` of them also counts the ``f × teams`` staff
    living nearest its centre, with ``f = 2`` doubled until every team can have a local of
    its own (a local is in one team only; checked by a flow), or every member of staff is
    local."""
    f = 2
    while True:
        ls, lg = _locals(p, teams, f)
        if f * int(teams.max(initial=0)) >= p.n_staff or _locals_suffice(p, teams, ls, lg):
            return ls, lg
        f *= 2


def _locals(p: DeployProblem, teams: Array, f: int) -> tuple[Array, Array]:
    s = np.flatnonzero(p.staff_grid >= 0)
    ls, lg = [s], [p.staff_grid[s]]
    count = np.bincount(p.staff_grid[s], minlength=p.n_grids)
    short = np.flatnonzero(count < f * teams)
    if len(short):
        tree = cKDTree(p.staff_xy)
        for g in short:
            k = int(min(f * teams[g], p.n_staff))
            _, idx = tree.query(p.grid_xy[g], k=k)
            idx = np.atleast_1d(idx)
            ls.append(idx.astype(np.int64))
            lg.append(np.full(len(idx), g, dtype=np.int64))
    key = np.unique(np.concatenate(ls) * p.n_grids + np.concatenate(lg))
    return key // p.n_grids, key % p.n_grids


def _locals_suffice(p: DeployProblem, teams: Array, ls: Array, lg: Array) -> bool:
    """Whether every grid's local places can be filled by distinct locals (a max flow: local
    arcs cost 0, "elsewhere" costs 1)."""
    n = p.n_staff
    t = Transport(n, np.append(teams, n).astype(np.int64), np.concatenate([ls, np.arange(n)]),
                  np.concatenate([lg, np.full(n, p.n_grids)]),
                  np.concatenate([np.zeros(len(ls), dtype=np.int64), np.ones(n, dtype=np.int64)]))
    chosen = flow.solve(t)
    return n - flow.assignment_cost(t, chosen) == int(teams.sum())


@dataclass
class Deployment:
    grid_of: Array  # grid of each member of staff, -1: stays home
    local: Array  # bool: sent to a local place
    teams: Array  # (n_teams, 3) staff indices; column 0 is the team's local
    team_grid: Array
    cost: int
    certificate: Certificate | None = None
    rounds: int = 1
    seconds: float = 0.0


@dataclass(frozen=True)
class Certificate(Bounded):
    """The LP dual bound of the complete problem; equal to ``cost``: optimal."""

    seconds: float


@dataclass
class _Instance:
    transport: Transport
    teams: Array
    arc_grid: Array  # grid of each arc, -1 for "stays home"
    arc_local: Array


def _instance(p: DeployProblem, teams: Array, extra: tuple[Array, Array] | None, k: int) -> _Instance:
    g_n = p.n_grids
    home = p.n_staff - TEAM_SIZE * int(teams.sum())
    if home < 0:
        raise flow.Infeasible(f"{TEAM_SIZE * int(teams.sum())} places for {p.n_staff} staff")
    ls, lg = locals_of(p, teams)
    kk = min(k, g_n)
    _, near = cKDTree(p.grid_xy).query(p.staff_xy, k=kk, workers=2)
    near = np.asarray(near).reshape(p.n_staff, kk)
    gs = [np.repeat(np.arange(p.n_staff), kk), ls]
    gg = [near.ravel().astype(np.int64), lg]
    if extra is not None:
        gs.append(extra[0])
        gg.append(extra[1])
    key = np.unique(np.concatenate(gs) * g_n + np.concatenate(gg))
    os_, og = key // g_n, key % g_n
    src = [ls, os_]
    sink = [lg, g_n + og]
    grid = [lg, og]
    local = [np.ones(len(ls), dtype=bool), np.zeros(len(os_), dtype=bool)]
    cap = np.concatenate([teams, (TEAM_SIZE - 1) * teams])
    if home:
        src.append(np.arange(p.n_staff))
        sink.append(np.full(p.n_staff, 2 * g_n))
        grid.append(np.full(p.n_staff, -1))
        local.append(np.zeros(p.n_staff, dtype=bool))
        cap = np.append(cap, home)
    a_s, a_g = np.concatenate(src), np.concatenate(grid)
    cost = np.where(a_g >= 0, p.cost(a_s, np.maximum(a_g, 0)), 0)
    t = Transport(p.n_staff, cap.astype(np.int64), a_s, np.concatenate(sink), cost)
    return _Instance(t, teams, a_g, np.concatenate(local))


def solve(p: DeployProblem, k: int = 12, max_rounds: int = 5) -> Deployment:
    """The optimal deployment over candidate arcs, certified for the complete problem (or
    its gap reported)."""
    t0 = time.perf_counter()
    teams = teams_per_grid(p)
    extra: tuple[Array, Array] | None = None
    rounds = 0
    while True:
        rounds += 1
        inst = _instance(p, teams, extra, k)
        try:
            chosen = flow.solve(inst.transport)
        except flow.Infeasible:
            if k >= p.n_grids:
                raise  # the complete problem is infeasible
            k = min(2 * k, p.n_grids)  # too few candidate arcs: more, up to every grid
            rounds -= 1
            continue
        cost = flow.assignment_cost(inst.transport, chosen)
        dep = _deployment(p, inst, chosen, cost)
        cert, improving = certify(p, inst, chosen)
        dep.certificate, dep.rounds = cert, rounds
        if cert.optimal or rounds >= max_rounds or not len(improving[0]):
            dep.seconds = time.perf_counter() - t0
            return dep
        if extra is not None:
            improving = (np.concatenate([extra[0], improving[0]]), np.concatenate([extra[1], improving[1]]))
        extra = improving


def _deployment(p: DeployProblem, inst: _Instance, chosen: Array, cost: int) -> Deployment:
    grid_of = inst.arc_grid[chosen]
    local = inst.arc_local[chosen]
    return Deployment(grid_of, local, *form_teams(p.n_grids, inst.teams, grid_of, local), cost=cost)


def form_teams(n_grids: int, teams: Array, grid_of: Array, local: Array) -> tuple[Array, Array]:
    """Teams of three per grid, a local first in each: ``(n_teams, 3)`` staff, team grids."""
    out = np.full((int(teams.sum()), TEAM_SIZE), -1, dtype=np.int64)
    team_grid = np.repeat(np.arange(n_grids), teams)
    first = np.concatenate([[0], np.cumsum(teams)[:-1]])
    sent = np.flatnonzero(grid_of >= 0)
    # locals first, then the others, grid by grid
    order = sent[np.lexsort((~local[sent], grid_of[sent]))]
    g = grid_of[order]
    rank = np.arange(len(order)) - np.searchsorted(g, g)  # position within its grid
    t = teams[g]
    team = first[g] + np.where(rank < t, rank, (rank - t) % np.maximum(t, 1))
    slot = np.where(rank < t, 0, 1 + (rank - t) // np.maximum(t, 1))
    out[team, slot] = order
    return out, team_grid


def certify(p: DeployProblem, inst: _Instance, chosen: Array, block: int = 2_000) -> tuple[Certificate, tuple[Array, Array]]:
    """The LP dual bound over every staff × grid pair at the flow's prices, and the pairs
    outside the candidates with a negative reduced cost."""
    t0 = time.perf_counter()
    t = inst.transport
    v = flow.sink_prices(t, chosen)
    if v is None:
        return Certificate(flow.assignment_cost(t, chosen), -(2**62), time.perf_counter() - t0), (
            np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    _, u = flow.dual_bound(t, v)  # over the candidates
    u_full = u.copy()
    g_n = p.n_grids
    v_other = v[g_n:2 * g_n]
    imp_s: list[Array] = []
    imp_g: list[Array] = []
    for lo in range(0, p.n_staff, block):
        hi = min(lo + block, p.n_staff)
        d = np.rint(np.hypot(p.staff_xy[lo:hi, 0, None] - p.grid_xy[None, :, 0],
                             p.staff_xy[lo:hi, 1, None] - p.grid_xy[None, :, 1])).astype(np.int64)
        val = d + v_other[None, :]
        best = val.min(axis=1)
        u_full[lo:hi] = np.minimum(u_full[lo:hi], best)
        bad_s, bad_g = np.nonzero(val < u[lo:hi, None])
        imp_s.append(bad_s + lo)
        imp_g.append(bad_g)
    bound = int(u_full.sum()) - int((t.capacity * v).sum())
    cost = flow.assignment_cost(t, chosen)
    return Certificate(cost, bound, time.perf_counter() - t0), (np.concatenate(imp_s), np.concatenate(imp_g))


def check(p: DeployProblem, dep: Deployment) -> None:
    """Raise unless every team has three distinct staff, one of them local to its grid,
    and the cost is the sum of the distances."""
    teams = teams_per_grid(p)
    if dep.teams.shape != (int(teams.sum()), TEAM_SIZE) or (dep.teams < 0).any():
        raise ValueError("a team is not complete")
    if len(np.unique(dep.teams)) != dep.teams.size:
        raise ValueError("a member of staff is in two teams")
    ls, lg = locals_of(p, teams)
    local_pairs = set(zip(ls.tolist(), lg.tolist(), strict=True))
    for row, g in zip(dep.teams.tolist(), dep.team_grid.tolist(), strict=True):
        if not any((s, g) in local_pairs for s in row):
            raise ValueError(f"a team of grid {g} has no local")
    s = dep.teams.ravel()
    if int(p.cost(s, np.repeat(dep.team_grid, TEAM_SIZE)).sum()) != dep.cost:
        raise ValueError("the cost is not the sum of the distances")


def greedy(p: DeployProblem, k: int = 12) -> Deployment:
    """The baseline: the local places first, every (local, grid) pair in increasing distance,
    taken while the staff is free and the grid has local places left; then the other places
    the same way over each member's ``k`` nearest grids; anyone left goes to the nearest grid
    with a place (a loop)."""
    teams = teams_per_grid(p)
    inst = _instance(p, teams, None, k)
    t = inst.transport
    room = t.capacity.copy()
    sent = np.full(p.n_staff, -1, dtype=np.int64)  # arc index
    home_sink = 2 * p.n_grids
    for want_local in (True, False):
        sel = np.flatnonzero((inst.arc_local == want_local) & (t.arc_sink != home_sink))
        sel = sel[np.argsort(t.arc_cost[sel], kind="stable")]
        for a, s, j in zip(sel.tolist(), t.arc_source[sel].tolist(), t.arc_sink[sel].tolist(), strict=True):
            if sent[s] < 0 and room[j] > 0:
                sent[s] = a
                room[j] -= 1
    # whoever is left: the nearest grid with a place, else home
    grid_of = np.where(sent >= 0, inst.arc_grid[np.maximum(sent, 0)], -1)
    local = np.where(sent >= 0, inst.arc_local[np.maximum(sent, 0)], False)
    left = np.flatnonzero(sent < 0)
    others = room[p.n_grids:2 * p.n_grids]
    for s in left.tolist():
        open_ = np.flatnonzero(others > 0)
        if not len(open_):
            break
        d = np.hypot(*(p.grid_xy[open_] - p.staff_xy[s]).T)
        g = int(open_[int(d.argmin())])
        others[g] -= 1
        grid_of[s] = g
    # local places still empty: the grid's teams lack a local; the greedy fails there
    cost = int(p.cost(np.flatnonzero(grid_of >= 0), grid_of[grid_of >= 0]).sum())
    missing = int(room[: p.n_grids].sum())
    if missing:
        raise flow.Infeasible(f"greedy: {missing} teams without a local")
    tm, tg = form_teams(p.n_grids, teams, grid_of, local)
    return Deployment(grid_of, local, tm, tg, cost)
