"""Duplicate candidates of a new report: open cases nearby, recent, of the same first-level
category, ranked by the similarity of their texts.

Where: cases carry the H3 cell (resolution 9, edges of ~174 m) of their point; a new report
looks in the cells within ``k`` rings of its own (``k`` is the smallest ring count whose
cells cover the radius), then keeps the cases within the radius by great-circle distance.
When: reported within the window (default 30 days) and still open (not final, not merged).
What: the same first-level category (the neighbouring categories of one branch of the tree),
or no category yet. Ranked by the cosine of character n-gram vectors of title + detail.
How many: at most ``MAX_COMPARED`` (200) such cases, the most recently reported, are compared
with a report, so that its cost stays bounded where cases pile up at one spot (a flood of
the same report at one place compared itself with every earlier one: the look-up grew with
the backlog and was 43% of an intake worker's time after a few hundred reports). The
database picks them (newest first, ``LIMIT``) among the open cases of the categories in the
square around the radius; the exact distance and category are then checked here.
Vectors: each text's is kept per process (:class:`RowCache`, keyed by the text itself, least
recently used out), since the same open cases are compared with report after report; the
similarities are those of vectorising every text again (to 1e-6: float32 weights).

A candidate is *likely* when its similarity reaches ``LIKELY`` (chosen for precision ≥ 0.95
on the duplicate set, docs/triage.md ``## Duplicates``); the reporter is shown the likely ones
("is it one of these?") and may join one as a co-reporter; staff see them all and merge.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.sparse as sp
from sqlalchemy import Executable, String, bindparam, func, literal, or_, select
from sqlalchemy.orm import Session

from huying.cases.models import H3_RESOLUTION, Case
from huying.cases.policy import public_point
from huying.cases.workflow import OPEN, Status
from huying.cityconfig.models import Category
from huying.db import rows as db_rows
from huying.geo.shapes import haversine_many
from huying.triage.features import ngram_keys

#: Similarity from which a candidate is shown to the reporter as likely the same problem.
LIKELY = 0.5
#: Similarity under which a nearby case is not worth showing even to staff.
SHOWN = 0.2
#: N-gram sizes of the text vectors (characters: no word segmentation).
NGRAMS = (2, 3)
#: Characters of the detail used (the start of a message says what it is about).
DETAIL_CHARS = 200
DEFAULT_WINDOW_DAYS = 30
#: Open cases compared with a report at most: the most recent of the category around it.
MAX_COMPARED = 200
_EARTH_M = 6_371_008.8
_M_PER_DEG_LAT = math.pi * _EARTH_M / 180


@dataclass(frozen=True)
class Candidate:
    case_id: int
    code: str
    title: str
    status: str
    distance_m: float
    age_days: float
    similarity: float
    likely: bool

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["distance_m"] = round(self.distance_m, 1)
        d["age_days"] = round(self.age_days, 2)
        d["similarity"] = round(self.similarity, 4)
        return d


def rings_for(radius_m: float, resolution: int = H3_RESOLUTION) -> int:
    """Rings of cells around a point's cell that cover every point within ``radius_m``.

    With average edge e, the cells of ring k have centres about sqrt(3)·k·e from the centre
    cell's, so the disk of k rings holds every point within (sqrt(3)·k − 1)·e of any point of
    the centre cell; k = ceil(r / 0.7e) keeps that above r for every k ≥ 1 with room for
    cells smaller than the average (checked on random points in the tests)."""
    import h3

    edge = h3.average_hexagon_edge_length(resolution, unit="m")
    return max(1, math.ceil(radius_m / (0.7 * edge)))


def nearby_cells(lon: float, lat: float, radius_m: float) -> list[str]:
    import h3

    cell = h3.latlng_to_cell(lat, lon, H3_RESOLUTION)
    return sorted(h3.grid_disk(cell, rings_for(radius_m)))


def text_of(title: str, detail: str) -> str:
    return f"{title} {detail[:DETAIL_CHARS]}"


def _vectors(texts: Sequence[str]) -> sp.csr_matrix:
    docs, keys = ngram_keys(texts, NGRAMS)
    uniq, inv = np.unique(keys, return_inverse=True)
    m = sp.csr_matrix((np.ones(len(docs), np.float32), (docs, inv)), shape=(len(texts), len(uniq)))
    m.sum_duplicates()
    m.data = 1.0 + np.log(m.data)
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ m)


#: A text's vector: its distinct n-gram keys (sorted) and their weights (L2-normalised).
Row = tuple[np.ndarray, np.ndarray]


def _rows(texts: Sequence[str]) -> list[Row]:
    """The rows of :func:`_vectors` (1 + log count per n-gram, L2-normalised), each on its own
    keys instead of a vocabulary shared by the batch, so that a row can be kept and compared
    with any later text. Each row owns its arrays (a view would keep the batch alive)."""
    docs, keys = ngram_keys(texts, NGRAMS)
    # by document, then key: a stable sort of small document numbers is a radix sort, so the
    # two sorts take about 60% of ``np.lexsort``'s time (a worker's first look-up at a spot)
    order = np.argsort(keys)
    order = order[np.argsort(docs[order].astype(np.min_scalar_type(len(texts))), kind="stable")]
    docs, keys = docs[order], keys[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = (keys[1:] != keys[:-1]) | (docs[1:] != docs[:-1])
    starts = np.flatnonzero(first)
    weights = 1.0 + np.log(np.diff(np.append(starts, len(keys))))
    keys, docs = keys[starts], docs[starts]
    norms = np.sqrt(np.bincount(docs, weights=weights * weights, minlength=len(texts)))
    norms[norms == 0] = 1.0
    weights /= norms[docs]
    bounds = np.searchsorted(docs, np.arange(len(texts) + 1))
    return [(keys[a:b].copy(), weights[a:b].astype(np.float32))
            for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


class RowCache:
    """The vectors of the texts last compared, per process, least recently used out first.

    Every look-up compares a report with up to ``MAX_COMPARED`` open cases, and the same cases
    come back report after report (the open cases of a spot change slowly): vectorising their
    texts again each time was most of a look-up's cost. The key is the text itself, not the
    case: a row is a pure function of its text, so a text that changed (or a case id reused by
    another database or after a rollback) can never meet a stale vector. Bounded by count
    (≈ 4 kB a message: 15 MB for 4,096 real ones, ``bench/duplicates_speed.py``) so that a
    worker's memory stays flat; a lock, because a worker's requests run in threads."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._rows: OrderedDict[str, Row] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._rows)

    def clear(self) -> None:
        """Forget every row (a worker's first look-up: for measurement and tests)."""
        with self._lock:
            self._rows.clear()

    def rows(self, texts: Sequence[str]) -> list[Row]:
        """The row of each of ``texts`` (distinct), the missing ones vectorised in one batch."""
        with self._lock:
            found = {t: self._rows.get(t) for t in texts}
            for t, row in found.items():
                if row is not None:
                    self._rows.move_to_end(t)
        missing = [t for t, row in found.items() if row is None]
        if missing:
            with self._lock:
                for t, row in zip(missing, _rows(missing), strict=True):
                    found[t] = self._rows[t] = row
                while len(self._rows) > self.maxsize:
                    self._rows.popitem(last=False)
        return [found[t] for t in texts]  # type: ignore[misc]


#: Texts whose vectors a process keeps: more than the open cases of the demo city's 30-day
#: window (≈ 3,300); about 15 MB.
ROW_CACHE_SIZE = 4096
_ROW_CACHE = RowCache(ROW_CACHE_SIZE)


def similarities(query: str, others: Sequence[str]) -> np.ndarray:
    """Cosine similarity of ``query`` to each of ``others`` (character n-grams): the same as
    the product of :func:`_vectors`' rows, from rows kept per process (:class:`RowCache`),
    each distinct text compared once."""
    if not others:
        return np.zeros(0)
    distinct = list(dict.fromkeys([query, *others]))
    rows = _ROW_CACHE.rows(distinct)
    qkeys, qweights = rows[0]
    if not len(qkeys):
        return np.zeros(len(others))
    keys = np.concatenate([k for k, _ in rows])
    # most n-grams of the others are not the query's: a bitmap of the low 16 bits of the
    # query's keys drops them before the exact search (a sixth of the time of searching all)
    seen = np.zeros(1 << 16, dtype=bool)
    seen[qkeys.astype(np.uint16)] = True
    may = np.flatnonzero(seen[keys.astype(np.uint16)])
    at = np.minimum(np.searchsorted(qkeys, keys[may]), len(qkeys) - 1)
    same = qkeys[at] == keys[may]
    may, at = may[same], at[same]
    doc = np.searchsorted(np.cumsum([len(k) for k, _ in rows]), may, side="right")
    weights = np.concatenate([w for _, w in rows])[may] * qweights[at]
    sims = np.bincount(doc, weights=weights, minlength=len(distinct))
    where = {t: i for i, t in enumerate(distinct)}
    return sims[[where[t] for t in others]]


def similarity_matrix(texts: Sequence[str]) -> np.ndarray:
    """All-pairs cosine similarity (for measurement on message sets)."""
    x = _vectors(texts)
    return np.asarray((x @ x.T).todense())


def level1_code(path: str | None) -> str | None:
    if not path:
        return None
    parts = [p for p in path.split("/") if p]
    return parts[0] if parts else None


_OPEN_STATUSES = [s.value for s in OPEN if s is not Status.MERGED]


@lru_cache(maxsize=64)
def _nearby(n_level1: int | None, n_cells: int) -> Executable:
    """The look-up of the open cases around a point, newest first, at most ``:limit``: one
    compiled statement per number of first-level categories asked for (None: any; the
    categories are prefixes of ``categories.path``, ``:l1_0``, ``:l1_1``...) and number of
    cells (``:cell_0``...). Lists of fixed length, not expanding ones: SQLAlchemy renders
    an expanding list again at every execution (docs/performance.md, P1)."""
    q = (
        select(Case.id, Case.code, Case.title,
               func.substr(Case.description, 1, DETAIL_CHARS).label("detail"), Case.status, Case.lon,
               Case.lat, Case.created_at, Category.path)
        .outerjoin(Category, Category.id == Case.category_id)
        .where(Case.city_id == bindparam("city"), Case.h3_cell.in_([bindparam(f"cell_{i}") for i in range(n_cells)]),
               Case.status.in_([literal(s, String) for s in _OPEN_STATUSES]),
               Case.created_at >= bindparam("since"), Case.created_at <= bindparam("now"),
               Case.lon.between(bindparam("west"), bindparam("east")),
               Case.lat.between(bindparam("south"), bindparam("north")), Case.id != bindparam("exclude"))
    )
    if n_level1 is not None:
        q = q.where(or_(Case.category_id.is_(None),
                        *[Category.path.startswith(bindparam(f"l1_{i}")) for i in range(n_level1)]))
    return q.order_by(Case.created_at.desc(), Case.id.desc()).limit(bindparam("limit"))


def _box(lon: float, lat: float, radius_m: float) -> dict[str, float]:
    """The square (in degrees, a little wider) around the circle of ``radius_m``."""
    dlat = radius_m / _M_PER_DEG_LAT * 1.01
    dlon = dlat / max(math.cos(math.radians(min(abs(lat) + dlat, 89.9))), 1e-6)
    return {"west": lon - dlon, "east": lon + dlon, "south": lat - dlat, "north": lat + dlat}


#: How far a point's public place (``policy.public_point``: 0.001°) may lie from it, in
#: metres, with room to spare (half a 0.001° cell's diagonal is ~75 m at Dongguan's latitude).
PUBLIC_SHIFT_M = 100.0


def find_candidates(
    session: Session, city_id: int, *, lon: float | None, lat: float | None, title: str,
    detail: str, level1: Iterable[str] | None, now: dt.datetime, radius_m: float,
    window_days: float = DEFAULT_WINDOW_DAYS, limit: int = 5, exclude_case_id: int | None = None,
    public: bool = False,
) -> list[Candidate]:
    """Open cases within ``radius_m`` of the point and ``window_days`` before ``now``, of one
    of the first-level categories ``level1`` (codes; None: any) or uncategorised, ranked by
    text similarity (at least ``SHOWN``), best first. Only the ``MAX_COMPARED`` most recent
    such cases around the point are compared.

    ``public``: for an answer anyone may ask for, each case is where the public map shows
    it (``policy.public_point``), for the radius as for the distance: however many points
    one asks from, the answers tell no more than the public map (issue 19's probe found the
    exact point in ~90 requests by the radius's edge)."""
    if lon is None or lat is None:
        return []
    # public: a case is in the radius by its shown point, up to PUBLIC_SHIFT_M from its own
    reach = radius_m + PUBLIC_SHIFT_M if public else radius_m
    cells = nearby_cells(lon, lat, reach)
    codes = sorted({f"/{c}/" for c in level1}) if level1 is not None else None
    params: dict[str, Any] = {
        "city": city_id, **{f"cell_{i}": c for i, c in enumerate(cells)},
        "since": now - dt.timedelta(days=window_days), "now": now, "limit": MAX_COMPARED,
        "exclude": -1 if exclude_case_id is None else exclude_case_id, **_box(lon, lat, reach)}
    params.update({f"l1_{i}": c for i, c in enumerate(codes or ())})
    # the most recent first: without a bound, a report at a busy spot compared itself with
    # every open case there (see the module docstring)
    rows = db_rows(session, _nearby(None if codes is None else len(codes), len(cells)), params)
    if not rows:
        return []
    points = [public_point(r.lon, r.lat) if public else (r.lon, r.lat) for r in rows]
    dist = haversine_many(lon, lat, np.array([p[0] for p in points]), np.array([p[1] for p in points]))
    kept = [(r, d) for r, d in zip(rows, dist.tolist(), strict=True)
            if d <= radius_m
            and (codes is None or r.path is None or r.path[: r.path.index("/", 1) + 1] in codes)]
    if not kept:
        return []
    sims = similarities(text_of(title, detail), [text_of(r.title, r.detail or "") for r, _ in kept])
    shown = [(s, d, r) for (r, d), s in zip(kept, sims.tolist(), strict=True) if s >= SHOWN]
    # only the best ``limit`` are made candidates: at a crowded spot all 200 may be shown
    shown.sort(key=lambda c: (-c[0], c[1], c[2].id))
    return [Candidate(r.id, r.code, r.title, r.status, d, (now - r.created_at).total_seconds() / 86400, s,
                      s >= LIKELY) for s, d, r in shown[:limit]]
