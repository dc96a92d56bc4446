"""Member–household links (党员联户): which member is linked to which household.

The model (pure, no database; points in metres, see :func:`project`):

* each member has a capacity (default 10 households) and a set of specialties (a bit mask);
* a household may have a need (a specialty index) or none (``-1``);
* the cost of a link is the distance in integer metres between the member's and the
  household's points, plus ``mismatch_cost`` when the household has a need that the member's
  specialties do not cover. Specialty matching is a **cost term**, not a hard constraint: a
  household with a need gets a member with the matching specialty whenever one with spare
  capacity is at most ``mismatch_cost`` metres farther than the best other choice, and a
  member without it rather than none at all (a hard constraint would leave a household
  unlinked for want of a specialist next door);
* a household may stay unlinked, at ``unlinked_cost`` (``need_unlinked_cost`` when it has a
  need). These are explicit: when the capacity is short (10,000 members × 10 for 300,000
  households) the households left over are reported as unlinked, and a household is never
  linked to a member farther than its unlinked cost. A household with a need is linked
  before one without when both compete for a member (its unlinked cost is higher).

The optimum (:func:`solve`) is a min-cost flow over **candidate arcs**: each household's
``k`` nearest members (a KD-tree) and, for a household with a need, the ``k_skill`` nearest
members with that specialty, plus its "unlinked" arc. It is then **certified optimal for the
complete problem** (every member × every household, :func:`certify`): with the members'
prices ``v`` from the flow (:func:`huying.contact.flow.sink_prices`), the LP dual bound
``Σ_h min(U_h, min_m (c_hm + v_m)) − Σ_m cap_m v_m`` is computed over *all* pairs that could
lower it — a pair at distance ≥ ``u_max − v_m`` cannot, and the pairs nearer than that are
enumerated by ball queries around each member — and compared with the cost. Where a pair
outside the candidates would improve the solution, it is added and the flow solved again
(column generation) until the bound meets the cost or ``max_rounds`` is spent, which is then
reported (``Certificate.optimal`` false, with the gap).

Incremental re-optimisation (:func:`reoptimise`, after a member leaves or a household
moves) solves only a neighbourhood again, with every other link fixed, and with costs scaled
so that, among the neighbourhood's optimal solutions, the one keeping the most existing links
is chosen (cost × S − 1 per kept link). Whether the neighbourhood was large enough is not
assumed: the result is certified like a fresh one (and the neighbourhood grown when not).
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import ArrayLike
from scipy.spatial import cKDTree

from huying.contact import flow
from huying.contact.flow import Bounded, Transport

Array = np.ndarray

#: Default capacity of a member (households).
DEFAULT_CAPACITY = 10
#: The city's reference point for the local projection (Dongguan).
REF_LON, REF_LAT = 113.75, 22.90
_EARTH_M = 6_371_008.8


def project(lon: Array, lat: Array, ref_lon: float = REF_LON, ref_lat: float = REF_LAT) -> Array:
    """Points (degrees) to metres on a local equirectangular projection around the city's
    reference point: ``(n, 2)``. Over Dongguan (±0.4° of latitude) a distance is off by at
    most ~0.3% (the east–west scale varies with ``cos(lat)``)."""
    k = math.pi / 180 * _EARTH_M
    x = (np.asarray(lon, dtype=float) - ref_lon) * k * math.cos(math.radians(ref_lat))
    y = (np.asarray(lat, dtype=float) - ref_lat) * k
    return np.column_stack([x, y])


@dataclass(frozen=True)
class LinkingProblem:
    """Members and households, in metres. ``member_skills`` is a bit mask per member
    (bit ``s`` = specialty ``s``); ``household_need`` a specialty index or ``-1``."""

    member_xy: Array
    household_xy: Array
    member_capacity: Array
    member_skills: Array
    household_need: Array
    unlinked_cost: int = 5_000
    need_unlinked_cost: int = 10_000
    mismatch_cost: int = 2_000

    @staticmethod
    def build(
        member_xy: ArrayLike,
        household_xy: ArrayLike,
        member_capacity: ArrayLike | None = None,
        member_skills: ArrayLike | None = None,
        household_need: ArrayLike | None = None,
        **costs: int,
    ) -> LinkingProblem:
        """From array-likes; capacity 10, no specialties and no needs by default."""
        mxy = np.asarray(member_xy, dtype=float).reshape(-1, 2)
        hxy = np.asarray(household_xy, dtype=float).reshape(-1, 2)
        m, n = len(mxy), len(hxy)
        return LinkingProblem(
            mxy,
            hxy,
            np.full(m, DEFAULT_CAPACITY, dtype=np.int64)
            if member_capacity is None
            else np.asarray(member_capacity, dtype=np.int64),
            np.zeros(m, dtype=np.int64) if member_skills is None else np.asarray(member_skills, dtype=np.int64),
            np.full(n, -1, dtype=np.int64) if household_need is None else np.asarray(household_need, dtype=np.int64),
            **costs,
        )

    @property
    def n_members(self) -> int:
        return len(self.member_xy)

    @property
    def n_households(self) -> int:
        return len(self.household_xy)

    def unlinked(self) -> Array:
        """The cost of leaving each household unlinked."""
        return np.where(self.household_need >= 0, self.need_unlinked_cost, self.unlinked_cost).astype(np.int64)

    def link_cost(self, h: Array, m: Array) -> Array:
        """The cost of linking households ``h`` to members ``m`` (element-wise)."""
        d = np.rint(np.hypot(*(self.household_xy[h] - self.member_xy[m]).T)).astype(np.int64)
        need = self.household_need[h]
        miss = (need >= 0) & ((self.member_skills[m] >> np.maximum(need, 0)) & 1 == 0)
        return d + np.where(miss, self.mismatch_cost, 0)


@dataclass
class Candidates:
    """The arcs of the sparse instance: household, member (``-1``: unlinked), cost."""

    household: Array
    member: Array
    cost: Array

    def transport(self, p: LinkingProblem) -> Transport:
        sink = np.where(self.member < 0, p.n_members, self.member)
        cap = np.append(p.member_capacity, p.n_households)
        return Transport(p.n_households, cap, self.household, sink, self.cost)

    def add(self, p: LinkingProblem, h: Array, m: Array) -> Candidates:
        hh = np.concatenate([self.household, h])
        mm = np.concatenate([self.member, m])
        key = _sorted_unique(hh * (p.n_members + 1) + (mm + 1))
        hh, mm = key // (p.n_members + 1), key % (p.n_members + 1) - 1
        cost = p.unlinked()[hh]
        link = mm >= 0
        cost[link] = p.link_cost(hh[link], mm[link])
        return Candidates(hh, mm, cost)


def _sorted_unique(a: Array) -> Array:
    """``np.unique`` by sorting (numpy's hash-based ``unique`` is ~5× slower here)."""
    a = np.sort(a)
    return a[np.concatenate([[True], a[1:] != a[:-1]])] if len(a) else a


def candidates(p: LinkingProblem, k: int = 8, k_skill: int = 4) -> Candidates:
    """Each household's ``k`` nearest members, the ``k_skill`` nearest with its need's
    specialty, and its unlinked arc."""
    n, m = p.n_households, p.n_members
    hs: list[Array] = [np.arange(n)]
    ms: list[Array] = [np.full(n, -1, dtype=np.int64)]
    if m:
        kk = min(k, m)
        _, idx = cKDTree(p.member_xy).query(p.household_xy, k=kk, workers=2)
        idx = np.asarray(idx).reshape(n, kk)
        hs.append(np.repeat(np.arange(n), kk))
        ms.append(idx.ravel().astype(np.int64))
        for s in np.unique(p.household_need[p.household_need >= 0]):
            having = np.flatnonzero((p.member_skills >> s) & 1)
            who = np.flatnonzero(p.household_need == s)
            if not len(having) or not len(who):
                continue
            ks = min(k_skill, len(having))
            _, j = cKDTree(p.member_xy[having]).query(p.household_xy[who], k=ks, workers=2)
            j = np.asarray(j).reshape(len(who), ks)
            hs.append(np.repeat(who, ks))
            ms.append(having[j.ravel()].astype(np.int64))
    empty = Candidates(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    return empty.add(p, np.concatenate(hs), np.concatenate(ms))


@dataclass(frozen=True)
class Certificate(Bounded):
    """What is proven about a solution of the complete problem (every member × household).

    ``lower_bound`` is the LP dual bound computed over every pair that could lower it; when
    it equals ``cost`` the solution is optimal for the complete problem."""

    pairs_checked: int
    improving_pairs: int
    seconds: float


@dataclass
class Links:
    """A solution: the member of each household (``-1``: unlinked), its cost and prices."""

    member_of: Array
    cost: int
    prices: Array | None = None  # per member, from the flow's dual
    candidates: Candidates | None = field(default=None, repr=False)
    certificate: Certificate | None = None
    rounds: int = 1
    solve_seconds: float = 0.0

    @property
    def n_linked(self) -> int:
        return int((self.member_of >= 0).sum())


def cost_of(p: LinkingProblem, member_of: Array) -> int:
    """The total cost of an assignment (distance, mismatches, unlinked households)."""
    linked = member_of >= 0
    h = np.flatnonzero(linked)
    total = int(p.link_cost(h, member_of[h]).sum()) + int(p.unlinked()[~linked].sum())
    return total


def check_feasible(p: LinkingProblem, member_of: Array) -> None:
    """Raise when an assignment exceeds a member's capacity."""
    load = np.bincount(member_of[member_of >= 0], minlength=p.n_members)
    if (load > p.member_capacity).any():
        raise ValueError("a member is linked to more households than its capacity")


def describe(p: LinkingProblem, member_of: Array) -> dict[str, int]:
    """Counts for a report: linked, unlinked (with a need), specialty matched/mismatched,
    distance."""
    linked = member_of >= 0
    h = np.flatnonzero(linked)
    m = member_of[h]
    need = p.household_need[h]
    match = (need >= 0) & ((p.member_skills[m] >> np.maximum(need, 0)) & 1 == 1)
    dist = np.rint(np.hypot(*(p.household_xy[h] - p.member_xy[m]).T)).astype(np.int64)
    return {
        "linked": int(linked.sum()),
        "unlinked": int((~linked).sum()),
        "unlinked_with_need": int((~linked & (p.household_need >= 0)).sum()),
        "need_matched": int(match.sum()),
        "need_mismatched": int(((need >= 0) & ~match).sum()),
        "distance_m": int(dist.sum()),
    }


def solve(
    p: LinkingProblem, k: int = 8, k_skill: int = 4, max_rounds: int = 5, certify_it: bool = True
) -> Links:
    """The optimal links, certified for the complete problem (see the module's docstring)."""
    t0 = time.perf_counter()
    cand = candidates(p, k, k_skill)
    rounds = 0
    while True:
        rounds += 1
        t = cand.transport(p)
        chosen = flow.solve(t)
        member_of = cand.member[chosen].copy()
        cost = flow.assignment_cost(t, chosen)
        prices = flow.sink_prices(t, chosen)
        links = Links(member_of, cost, None if prices is None else prices[: p.n_members], cand, None, rounds)
        links.solve_seconds = time.perf_counter() - t0
        if not certify_it:
            return links
        cert, improving = certify(p, links)
        links.certificate = cert
        if cert.optimal or rounds >= max_rounds or not len(improving[0]):
            links.solve_seconds = time.perf_counter() - t0
            return links
        cand = cand.add(p, improving[0], improving[1])


def certify(p: LinkingProblem, links: Links, buckets: int = 8) -> tuple[Certificate, tuple[Array, Array]]:
    """The LP dual bound of the complete problem at the links' prices, and the pairs
    (household, member) outside the candidates whose reduced cost is negative."""
    t0 = time.perf_counter()
    if links.prices is None:
        cand = links.candidates or candidates(p)
        t = cand.transport(p)
        pos = _chosen_arcs(p, cand, links.member_of)
        prices = flow.sink_prices(t, pos)
        if prices is None:
            cert = Certificate(links.cost, -(2**62), 0, 0, time.perf_counter() - t0)
            return cert, (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        links.prices = prices[: p.n_members]
    v = links.prices
    U = p.unlinked()
    # u_h over the candidate arcs (an upper bound of u_h over every pair)
    cand = links.candidates or candidates(p)
    vv = np.zeros(len(cand.member), dtype=np.int64)
    vv[cand.member >= 0] = v[cand.member[cand.member >= 0]]
    u = U.copy()
    np.minimum.at(u, cand.household, cand.cost + vv)
    u_full = u.copy()
    order = np.argsort(u, kind="stable")
    pairs = 0
    imp_h: list[Array] = []
    imp_m: list[Array] = []
    for chunk in np.array_split(order, max(1, min(buckets, len(order)))):
        if not len(chunk):
            continue
        u_max = int(u[chunk].max())
        r = (u_max - v).astype(float)
        who = np.flatnonzero(r > 0)
        if not len(who):
            continue
        tree = cKDTree(p.household_xy[chunk])
        hits = tree.query_ball_point(p.member_xy[who], r[who], workers=2, return_sorted=False)
        lens = np.fromiter((len(x) for x in hits), dtype=np.int64, count=len(hits))
        if not lens.sum():
            continue
        hh = chunk[np.fromiter(itertools.chain.from_iterable(hits), dtype=np.int64, count=int(lens.sum()))]
        mm = np.repeat(who, lens)
        pairs += len(hh)
        val = p.link_cost(hh, mm) + v[mm]
        np.minimum.at(u_full, hh, val)
        bad = val < u[hh]
        imp_h.append(hh[bad])
        imp_m.append(mm[bad])
    bound = int(u_full.sum()) - int((p.member_capacity * v).sum())
    ih = np.concatenate(imp_h) if imp_h else np.zeros(0, dtype=np.int64)
    im = np.concatenate(imp_m) if imp_m else np.zeros(0, dtype=np.int64)
    cert = Certificate(links.cost, bound, pairs, len(ih), time.perf_counter() - t0)
    return cert, (ih, im)


def _chosen_arcs(p: LinkingProblem, cand: Candidates, member_of: Array) -> Array:
    """The arc index of each household's current link (or unlinked arc) in ``cand``."""
    key = cand.household * (p.n_members + 1) + (cand.member + 1)
    want = np.arange(p.n_households) * (p.n_members + 1) + (member_of + 1)
    pos = np.searchsorted(key, want)
    if (pos >= len(key)).any() or (key[np.minimum(pos, len(key) - 1)] != want).any():
        raise ValueError("a link is not among the candidate arcs")
    return pos


# ----------------------------------------------------------------------------- greedy
def greedy(p: LinkingProblem, cand: Candidates | None = None) -> Array:
    """The baseline: every candidate arc in increasing cost (households with a need first),
    each taken when its household is still unlinked, its member has room, and it costs less
    than leaving the household unlinked."""
    cand = cand if cand is not None else candidates(p)
    link = cand.member >= 0
    h, m, c = cand.household[link], cand.member[link], cand.cost[link]
    need = p.household_need[h] >= 0
    order = np.lexsort((c, ~need))
    keep = c[order] < p.unlinked()[h[order]]
    order = order[keep]
    room = p.member_capacity.copy()
    out = np.full(p.n_households, -1, dtype=np.int64)
    hl, ml = h[order].tolist(), m[order].tolist()
    for hi, mi in zip(hl, ml, strict=True):
        if out[hi] < 0 and room[mi] > 0:
            out[hi] = mi
            room[mi] -= 1
    return out


# ----------------------------------------------------------------------------- changes
def member_leaves(p: LinkingProblem, member: int) -> LinkingProblem:
    """The problem once ``member`` has left (capacity 0; indices unchanged)."""
    cap = p.member_capacity.copy()
    cap[member] = 0
    return replace(p, member_capacity=cap)


def household_moves(p: LinkingProblem, household: int, xy: Array) -> LinkingProblem:
    pts = p.household_xy.copy()
    pts[household] = xy
    return replace(p, household_xy=pts)


def refresh_candidates(
    p: LinkingProblem, cand: Candidates, households: Array, k: int = 8, k_skill: int = 4
) -> Candidates:
    """``cand`` with the arcs of ``households`` recomputed for the problem ``p`` (after they
    moved); the other arcs are kept as they are (spliced, not rebuilt)."""
    households = np.unique(np.asarray(households, dtype=np.int64))
    sub = replace(p, household_xy=p.household_xy[households], household_need=p.household_need[households])
    fresh = candidates(sub, k, k_skill)
    f_h = households[fresh.household]
    f_m = fresh.member
    f_c = p.unlinked()[f_h]
    f_c[f_m >= 0] = p.link_cost(f_h[f_m >= 0], f_m[f_m >= 0])
    lo = np.searchsorted(cand.household, households, side="left")
    hi = np.searchsorted(cand.household, households, side="right")
    f_lo = np.searchsorted(f_h, households, side="left")
    f_hi = np.searchsorted(f_h, households, side="right")
    hs: list[Array] = []
    ms: list[Array] = []
    cs: list[Array] = []
    at = 0
    for i in range(len(households)):
        for arr, out, fr in ((cand.household, hs, f_h), (cand.member, ms, f_m), (cand.cost, cs, f_c)):
            out.append(arr[at:lo[i]])
            out.append(fr[f_lo[i]:f_hi[i]])
        at = hi[i]
    hs.append(cand.household[at:])
    ms.append(cand.member[at:])
    cs.append(cand.cost[at:])
    return Candidates(np.concatenate(hs), np.concatenate(ms), np.concatenate(cs))


@dataclass(frozen=True)
class Reoptimised:
    links: Links
    changed: int  # households whose member changed (linked, unlinked or another)
    seconds: float  # the local solve (neighbourhood, flow, merge), without the certificate
    region_members: int
    region_households: int
    attempts: int


def reoptimise(
    p: LinkingProblem,
    old: Links,
    near: Array,
    radius: float = 1_500.0,
    k: int = 8,
    k_skill: int = 4,
    max_attempts: int = 4,
    certify_it: bool = True,
    cand: Candidates | None = None,
    households: Array | None = None,
) -> Reoptimised:
    """Re-optimise after a change near the points ``near`` (``(q, 2)`` metres): the members
    within ``radius`` of them, the households linked to those members and the unlinked
    households with one of them among their candidates are solved again; every other link
    is kept. Costs are scaled (cost × S − 1 for an existing link, S above the number of
    households in the region) so that, among the region's optimal solutions, the one that
    changes the fewest links is chosen. With ``certify_it`` the result is certified for the
    complete problem; when it is not optimal the radius is doubled and the pairs that the
    certificate found improving are added to the candidates; from attempt ``max_attempts``
    on, every member is in the region (a whole solve, still keeping what it can).
    ``cand``: the candidate arcs of the changed problem (:func:`refresh_candidates` after a
    household moved); by default the old links' own. ``households``: solved again whatever
    their member (the households that moved)."""
    cand = cand if cand is not None else old.candidates
    assert cand is not None, "the old links carry their candidates"
    t_total = 0.0
    member_tree = cKDTree(p.member_xy)
    last = max_attempts + 3  # the whole problem may need a few rounds of column generation
    for attempt in range(1, last + 1):
        t0 = time.perf_counter()
        if attempt < max_attempts:
            found = member_tree.query_ball_point(np.atleast_2d(near), radius)
            region_m = np.unique(np.concatenate([np.asarray(x, dtype=np.int64) for x in found]))
        else:  # every member: a whole solve, still keeping what it can
            region_m = np.arange(p.n_members)
        in_region = np.zeros(p.n_members + 1, dtype=bool)
        in_region[region_m] = True
        in_region[p.n_members] = True  # "unlinked" sink
        sink = np.where(cand.member < 0, p.n_members, cand.member)
        linked_in = (old.member_of >= 0) & in_region[np.maximum(old.member_of, 0)] & (old.member_of < p.n_members)
        free = old.member_of < 0
        touches = np.zeros(p.n_households, dtype=bool)
        touches[cand.household[(cand.member >= 0) & in_region[sink]]] = True
        forced = np.zeros(p.n_households, dtype=bool)
        if households is not None:
            forced[households] = True
        sub_h = np.flatnonzero(linked_in | (free & touches) | forced)
        # the households must leave no arc of theirs into a sink outside the region
        sel = np.isin(cand.household, sub_h) & in_region[sink]
        a_h, a_sink, a_c = cand.household[sel], sink[sel], cand.cost[sel]
        local_h = np.searchsorted(sub_h, a_h)
        sinks = np.unique(a_sink)
        local_s = np.searchsorted(sinks, a_sink)
        cap = np.full(len(sinks), len(sub_h), dtype=np.int64)  # the "unlinked" sink
        cap[sinks < p.n_members] = p.member_capacity[sinks[sinks < p.n_members]]
        scale = len(sub_h) + 1
        kept = old.member_of[a_h] == np.where(a_sink == p.n_members, -1, a_sink)
        t = Transport(len(sub_h), cap.astype(np.int64), local_h, local_s, a_c * scale - kept.astype(np.int64))
        chosen = flow.solve(t)
        new_of = old.member_of.copy()
        got = sinks[local_s[chosen]]
        new_of[sub_h] = np.where(got == p.n_members, -1, got)
        seconds = time.perf_counter() - t0
        t_total += seconds
        links = Links(new_of, cost_of(p, new_of), None, cand, None, attempt, seconds)
        changed = int((new_of != old.member_of).sum())
        if not certify_it:
            return Reoptimised(links, changed, t_total, len(region_m), len(sub_h), attempt)
        cert, (imp_h, imp_m) = certify(p, links)
        links.certificate = cert
        if cert.optimal or attempt == last:
            return Reoptimised(links, changed, t_total, len(region_m), len(sub_h), attempt)
        radius *= 2
        if len(imp_h):  # pairs outside the candidates that would do better: add them
            cand = cand.add(p, imp_h, imp_m)
    raise AssertionError("unreachable")  # pragma: no cover
