"""Walking times of the 10-minute service circle (10分钟服务圈), pure and vectorised.

Two ways to walk, the same answers' shape:

* **straight line × detour** (the default): the straight-line distance in metres on the
  city's local projection (:func:`huying.contact.linking.project`) times the detour factor
  ``HUYING_WALK_DETOUR``, at ``HUYING_WALK_SPEED_KMH``;
* **a walking network** (:class:`Network`, imported from GeoJSON lines or OSM ways by
  :mod:`huying.community.circle_network`): every point is snapped to its nearest network node
  (a k-d tree on projected metres; the snap is walked in a straight line and counted), and
  the distance from every node to the nearest centre is one multi-source Dijkstra
  (``scipy.sparse.csgraph.dijkstra``) from a virtual source joined to each centre's node by
  the centre's own snap distance, so the answer is exactly
  ``min over centres (snap(household) + path(node_h, node_c) + snap(centre))``.

A household is *within the circle* when its walk is at most ``reach_m`` metres (the threshold
in minutes × the speed). Everything is in float64 metres; minutes only for display.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from huying.config import get_settings
from huying.contact.linking import project

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Walking:
    """How residents walk: the detour over the straight line, the speed, the circle's size."""

    detour: float = 1.3
    speed_kmh: float = 4.5
    threshold_min: float = 10.0

    @staticmethod
    def from_settings() -> Walking:
        s = get_settings()
        return Walking(detour=s.walk_detour, speed_kmh=s.walk_speed_kmh, threshold_min=s.circle_minutes)

    @property
    def metres_per_minute(self) -> float:
        return self.speed_kmh * 1000.0 / 60.0

    @property
    def reach_m(self) -> float:
        """The walk (metres) that takes ``threshold_min`` minutes."""
        return self.threshold_min * self.metres_per_minute

    def minutes(self, walk_m: Array) -> Array:
        return np.asarray(walk_m, dtype=float) / self.metres_per_minute


def straight_m(ax: Array, ay: Array, bx: Array, by: Array) -> Array:
    """The straight-line distance, always computed the same way (the brute-force recount in
    the tests uses the same float operations, so the counts agree exactly)."""
    dx = ax - bx
    dy = ay - by
    return np.sqrt(dx * dx + dy * dy)


def nearest_straight(points_xy: Array, sites_xy: Array) -> tuple[NDArray[np.int64], Array]:
    """For each point, its nearest site (index) and the straight-line metres to it
    (``-1`` and ``inf`` when there is no site)."""
    n = len(points_xy)
    if len(sites_xy) == 0 or n == 0:
        return np.full(n, -1, dtype=np.int64), np.full(n, np.inf)
    _, idx = cKDTree(sites_xy).query(points_xy, k=1)
    idx = np.asarray(idx, dtype=np.int64)
    d = straight_m(points_xy[:, 0], points_xy[:, 1], sites_xy[idx, 0], sites_xy[idx, 1])
    return idx, d


# --------------------------------------------------------------------------- the network
@dataclass
class Network:
    """An undirected walking network: nodes (lon/lat, and metres on the city's projection)
    and edges with their length in metres."""

    lon: Array
    lat: Array
    u: NDArray[np.int64]
    v: NDArray[np.int64]
    length_m: Array
    xy: Array = field(init=False)
    _tree: cKDTree | None = field(default=None, init=False, repr=False)
    _graph: csr_matrix | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.xy = project(self.lon, self.lat)

    @property
    def n_nodes(self) -> int:
        return len(self.lon)

    @property
    def n_edges(self) -> int:
        return len(self.u)

    @property
    def tree(self) -> cKDTree:
        if self._tree is None:
            self._tree = cKDTree(self.xy)
        return self._tree

    def graph(self) -> csr_matrix:
        """The symmetric adjacency (parallel edges: the shortest kept)."""
        if self._graph is None:
            self._graph = _adjacency(self.n_nodes, self.u, self.v, self.length_m, extra=0)
        return self._graph

    def snap(self, points_xy: Array) -> tuple[NDArray[np.int64], Array]:
        """The nearest node of each point and the straight-line metres to it."""
        if len(points_xy) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        _, idx = self.tree.query(points_xy, k=1)
        idx = np.asarray(idx, dtype=np.int64)
        return idx, straight_m(points_xy[:, 0], points_xy[:, 1], self.xy[idx, 0], self.xy[idx, 1])


def _adjacency(n: int, u: NDArray[np.int64], v: NDArray[np.int64], w: Array, extra: int) -> csr_matrix:
    """A CSR matrix of ``n + extra`` nodes holding each edge once (the shortest of parallel
    ones; dijkstra is told the graph is undirected). A zero-length edge stays an explicit
    zero, which csgraph reads as an edge of length 0 in a sparse matrix."""
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    keep = lo != hi
    lo, hi, w = lo[keep], hi[keep], w[keep]
    order = np.lexsort((w, hi, lo))
    lo, hi, w = lo[order], hi[order], w[order]
    first = np.ones(len(lo), dtype=bool)
    first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    size = n + extra
    return coo_matrix((w[first], (lo[first], hi[first])), shape=(size, size)).tocsr()


def network_nearest_m(net: Network, points_xy: Array, sites_xy: Array) -> Array:
    """For each point, the walk in metres to its nearest site over the network (snaps
    included); ``inf`` where no site is reachable."""
    n = len(points_xy)
    if len(sites_xy) == 0 or n == 0:
        return np.full(n, np.inf)
    node_to_site = node_distances(net, sites_xy)
    pn, ps = net.snap(points_xy)
    return ps + node_to_site[pn]


def node_distances(net: Network, sites_xy: Array, limit: float = np.inf) -> Array:
    """The walk from every network node to its nearest site (the site's snap included), by
    one Dijkstra from a virtual source ``n`` joined to each site's node by its snap."""
    n = net.n_nodes
    sn, ss = net.snap(sites_xy)
    # the virtual source's edges: the shortest snap of the sites sharing a node
    best = np.full(n, np.inf)
    np.minimum.at(best, sn, ss)
    nodes = np.flatnonzero(np.isfinite(best))
    u = np.concatenate([net.u, np.full(len(nodes), n, dtype=np.int64)])
    v = np.concatenate([net.v, nodes])
    w = np.concatenate([net.length_m, best[nodes]])
    g = _adjacency(n, u, v, w, extra=1)
    dist = dijkstra(g, directed=False, indices=n, limit=limit)
    return np.asarray(dist[:n], dtype=float)


def walks_from(net: Network, origin_xy: Array, sites_xy: Array, limit: float = np.inf) -> Array:
    """The walk from one point to each site over the network (snaps included): one
    single-source Dijkstra from the point's node (for the centre finder)."""
    if len(sites_xy) == 0:
        return np.zeros(0)
    on, os_ = net.snap(origin_xy.reshape(1, 2))
    sn, ss = net.snap(sites_xy)
    dist = dijkstra(net.graph(), directed=False, indices=int(on[0]), limit=limit)
    return np.asarray(os_[0] + dist[sn] + ss, dtype=float)

