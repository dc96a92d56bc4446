"""Synthetic households, members, staff and addresses over the demo city's grids, for
``bench/linking.py``, ``bench/deploy.py`` and ``bench/address.py``.

The grids are the demo map's (``huying.demo.build.plan_map``, the real towns partitioned
into the 606 real communities and 1,000 grids, about 1 s, no database) for the seed. Households are
spread like the demo's population: the demo draws each grid's household count (Poisson with
mean ``Sizes.households_per_grid``, ``step_rng(seed, "population")``); here the same draws are
the weights of a largest-remainder split (``huying.apportion.allocate``) of the wanted number, and
the points are uniform inside each grid (``partition.sample_points``), as the demo places its
own. Everything is deterministic from the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from huying.apportion import allocate
from huying.demo.build import Sizes, plan_map, step_rng
from huying.demo.partition import sample_points
from huying.geo.models import Level

#: Specialties of members / needs of households (indices into this list).
SPECIALTIES = ("elder_care", "health", "legal_aid", "employment", "education", "disability")


@dataclass(frozen=True)
class City:
    grid_codes: list[str]
    grid_names: list[str]
    grid_geoms: list[BaseGeometry]
    grid_town: list[str]  # town name (zh)
    grid_community: list[str]  # community name (zh)
    weights: np.ndarray  # the demo's household count of each grid

    @property
    def centroids(self) -> np.ndarray:
        return shapely.get_coordinates(shapely.centroid(np.array(self.grid_geoms, dtype=object)))


def demo_city(seed: int = 1) -> City:
    """The demo map's grids (in the demo's order) and its per-grid household draws."""
    sizes = Sizes()
    plan = plan_map(seed, sizes)
    codes = [gc for t in plan.towns for cc in plan.communities_of[t.code] for gc in plan.grids_of[cc]]
    town_name = {t.code: t.name_zh for t in plan.towns}
    weights = step_rng(seed, "population").poisson(sizes.households_per_grid, len(codes)).clip(min=1)
    names, geoms, towns, comms = [], [], [], []
    for gc in codes:
        level, parent, zh, _en, geom = plan.nodes[gc]
        assert level == Level.GRID and parent is not None
        names.append(zh)
        geoms.append(geom)
        comms.append(plan.nodes[parent][2])
        towns.append(town_name[plan.nodes[parent][1] or ""])
    return City(codes, names, geoms, towns, comms, weights.astype(float))


def spread(city: City, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points spread over the grids like the demo's population: (lon/lat ``(n, 2)``,
    grid index of each point)."""
    counts = allocate(list(city.weights), n, minimum=0)
    pts: list[np.ndarray] = []
    grid: list[np.ndarray] = []
    for g, (geom, k) in enumerate(zip(city.grid_geoms, counts, strict=True)):
        if k:
            pts.append(sample_points(geom, int(k), rng))
            grid.append(np.full(int(k), g, dtype=np.int64))
    xy, gi = np.concatenate(pts), np.concatenate(grid)
    order = rng.permutation(len(xy))  # not in grid order
    return xy[order], gi[order]


def skills(rng: np.random.Generator, n: int) -> np.ndarray:
    """A bit mask per member: one specialty, a second one for a third of them."""
    first = rng.integers(0, len(SPECIALTIES), n)
    second = rng.integers(0, len(SPECIALTIES), n)
    mask = (1 << first) | np.where(rng.random(n) < 1 / 3, 1 << second, 0)
    return mask.astype(np.int64)


def needs(rng: np.random.Generator, n: int, rate: float = 0.1) -> np.ndarray:
    """A specialty index for ``rate`` of the households, ``-1`` for the others."""
    return np.where(rng.random(n) < rate, rng.integers(0, len(SPECIALTIES), n), -1).astype(np.int64)
