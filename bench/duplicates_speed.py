"""P1, the duplicate look-up alone: ``duplicates.find_candidates`` at a point holding
``MAX_COMPARED`` (200) open cases, against the comparison it replaced, in the same run.

    .venv/bin/python bench/duplicates_speed.py [--smoke] [--backends sqlite,postgresql]

Two scenes on a small city (80 grids) in a fresh database, 200 open cases of one category
bulk-inserted at each of two points 5 km apart: ``same`` (every case has the text of the
report, as ``bench/intake_http.py`` sends it) and ``varied`` (200 different real messages
when ``shared/data/messages`` is found, else synthetic ones; the report repeats one of them).
Baseline: the comparison as it was before the per-process vectors (every candidate's text
vectorised again with a vocabulary of the call, ``_similarities_before`` below, kept here
only), swapped in for ``duplicates.similarities``. Figures per scene: the median wall time
of a look-up (SQL included) and of the comparison alone (the 200 texts against the report),
warm (the vectors kept from an earlier look-up) and cold (an empty cache: a worker's first
look-up at a spot); the candidates of both must be the same (codes, order, ``likely``;
similarities within 1e-5, those of all 200 too) or the run fails. Also: the memory of a full cache
(``ROW_CACHE_SIZE`` distinct texts, ``tracemalloc``).
"""

from __future__ import annotations

import csv
import datetime as dt
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

from huying.triage import duplicates as dup  # noqa: E402

BENCH = "duplicates_speed"
MESSAGES = C.ROOT.parent / "shared" / "data" / "messages"
NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
POINTS = {"same": (113.75, 23.02), "varied": (113.80, 23.02)}


def _similarities_before(query: str, others: Sequence[str]) -> np.ndarray:
    """``duplicates.similarities`` before the per-process vectors (the baseline)."""
    if not others:
        return np.zeros(0)
    x = dup._vectors([query, *others])
    return np.asarray((x[1:] @ x[0].T).todense()).ravel()


def messages(n: int) -> list[tuple[str, str]]:
    """``n`` (title, detail) of distinct texts (``text_of``): the real messages when present,
    else synthetic."""
    out: dict[str, tuple[str, str]] = {}

    def add(title: str, detail: str) -> None:
        out.setdefault(dup.text_of(title, detail), (title, detail))

    if (MESSAGES / "labelled.csv").exists():
        for name in ("labelled", "unlabelled", "replied"):
            with (MESSAGES / f"{name}.csv").open(encoding="utf-8-sig", newline="") as fh:
                for r in csv.DictReader(fh):
                    add((r["subject"] or "").strip()[:200], (r["detail"] or "").strip())
    rng = np.random.default_rng(0)
    words = ["路灯", "不亮", "小区", "门口", "噪音", "扰民", "垃圾", "清运", "道路", "积水", "施工", "夜间",
             "学校", "停车", "占道", "经营", "油烟", "投诉", "三天", "居民", "井盖", "破损", "绿化", "树木"]
    while len(out) < n:
        add("".join(rng.choice(words, 3)), "，".join("".join(rng.choice(words, 4)) for _ in range(8)))
    return list(out.values())[:n]


def case_rows(city: Any, texts: Sequence[tuple[str, str]], lon: float, lat: float, first: int):  # type: ignore[no-untyped-def]
    from huying.cases.models import h3_cell_of

    gid, gpath, unit = city.grids[0]
    cell = h3_cell_of(lon, lat)
    for i, (title, detail) in enumerate(texts):
        created = NOW - dt.timedelta(hours=len(texts) - i)
        yield (city.city_id, f"441900-2026-{first + i:08d}", title, detail, city.leaves[0], "normal",
               "hotline", lon, lat, gid, gpath, "anonymous", unit, "community", "dispatched", NOW, NOW,
               False, 0, False, 0, 0, 2, created, created, None, cell)


def median_ms(fn: Callable[[], Any], n: int, before: Callable[[], None] | None = None) -> float:
    times = []
    for _ in range(n):
        if before is not None:
            before()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def cache_mb(n: int) -> float:
    """Memory held by a cache of ``n`` distinct message texts."""
    texts = [dup.text_of(t, d) for t, d in messages(n)]
    tracemalloc.start()
    cache = dup.RowCache(n)
    start = tracemalloc.get_traced_memory()[0]
    for i in range(0, n, 200):
        cache.rows(texts[i:i + 200])
    size = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    assert len(cache) == n
    return size / 2**20


def same_candidates(a: list[dup.Candidate], b: list[dup.Candidate]) -> bool:
    return ([(c.code, c.likely) for c in a] == [(c.code, c.likely) for c in b]
            and all(abs(x.similarity - y.similarity) < 1e-5 for x, y in zip(a, b, strict=True)))


def measure(backend: str, url: str, smoke: bool) -> None:
    from _city import CASE_COLUMNS, CASES, analyze, build_city, bulk_insert
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from huying.cityconfig.models import Category

    n = dup.MAX_COMPARED
    calls = 5 if smoke else 40
    city = build_city(url, small=True)
    varied = messages(n)
    scenes = {"same": [varied[0]] * n, "varied": varied}
    first = 1
    for name, texts in scenes.items():
        bulk_insert(city.engine, CASES, [*CASE_COLUMNS, "h3_cell"], case_rows(city, texts, *POINTS[name], first))
        first += len(texts)
    analyze(city.engine)
    with Session(city.engine) as s:
        path = s.scalar(select(Category.path).where(Category.id == city.leaves[0]))
        level1 = {dup.level1_code(path)}
        for name, texts in scenes.items():
            lon, lat = POINTS[name]
            title, detail = texts[0]

            def look_up(lon: float = lon, lat: float = lat, title: str = title, detail: str = detail) -> list[dup.Candidate]:
                return dup.find_candidates(s, city.city_id, lon=lon, lat=lat, title=title, detail=detail,
                                           level1=level1, now=NOW, radius_m=250, limit=n)

            query, others = dup.text_of(title, detail), [dup.text_of(t, d) for t, d in texts]

            def compare(query: str = query, others: list[str] = others) -> np.ndarray:
                return dup.similarities(query, others)

            after = look_up()
            fast = dup.similarities
            dup.similarities = _similarities_before  # type: ignore[assignment]
            try:
                before = look_up()
                base_ms = median_ms(look_up, calls)
                base_cmp_ms = median_ms(compare, calls)
            finally:
                dup.similarities = fast  # type: ignore[assignment]
            assert after and same_candidates(before, after), (before[:3], after[:3])
            assert np.allclose(compare(), _similarities_before(query, others), rtol=0, atol=1e-5)
            warm_ms, warm_cmp_ms = median_ms(look_up, calls), median_ms(compare, calls)
            cold_ms = median_ms(look_up, calls, before=dup._ROW_CACHE.clear)
            sizes = {"compared": n, "backend": backend, "calls": calls}
            for what, new, old in (("look_up", warm_ms, base_ms), ("compare", warm_cmp_ms, base_cmp_ms)):
                C.emit(BENCH, f"duplicates_{what}_{name}_{backend}", new, "ms", baseline=(f"{what} before", old),
                       ratio=old / new, sizes=sizes, smoke=smoke, identical=True)
            C.emit(BENCH, f"duplicates_look_up_{name}_cold_{backend}", cold_ms, "ms",
                   baseline=("look_up before", base_ms), ratio=base_ms / cold_ms, sizes=sizes, smoke=smoke)
    city.engine.dispose()


def main(argv: list[str] | None = None) -> int:
    a = C.parser(__doc__).parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        for backend in C.backends(a.backends):
            with C.scratch_database(backend, Path(tmp)) as url:
                measure(backend, url, a.smoke)
    size = 300 if a.smoke else dup.ROW_CACHE_SIZE
    C.emit(BENCH, "duplicates_row_cache_mb", cache_mb(size), "MB", baseline=None, ratio=None,
           sizes={"texts": size}, smoke=a.smoke)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
