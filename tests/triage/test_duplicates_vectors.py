"""The duplicate look-up keeps each text's n-gram vector per process (``duplicates.RowCache``)
instead of vectorising the 200 compared cases' texts again for every report: the
similarities are those of a fresh computation, a case is compared by the text it has now,
and the cache stays within its bound."""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Sequence

import numpy as np
import pytest
from sqlalchemy import update

from huying.cases.models import Case
from huying.intake.service import ReportIn, intake
from huying.triage import duplicates as dup
from huying.triage.classifier import Prediction
from tests.cases.conftest import T0, World
from tests.intake import conftest as intake_fixtures

world = intake_fixtures.world
own_data_dir = intake_fixtures.own_data_dir

LON, LAT = 113.05, 23.05
TITLE, DETAIL = "小区门口路灯不亮", "东门口的三盏路灯坏了三天，晚上很黑，老人出门不安全"
WORDS = ["路灯", "不亮", "小区", "门口", "噪音", "扰民", "垃圾", "清运", "道路", "积水", "施工", "夜间",
         "Ａ座", "12号", "ABC", "  ", "。"]


def _fresh(query: str, others: Sequence[str]) -> np.ndarray:
    """The similarities as computed before the cache: one vocabulary for the whole call."""
    x = dup._vectors([query, *others])
    return np.asarray((x[1:] @ x[0].T).todense()).ravel()


def _texts(rng: random.Random, n: int) -> list[str]:
    return ["".join(rng.choice(WORDS) for _ in range(rng.randint(0, 30))) for _ in range(n)]


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch) -> dup.RowCache:
    """An empty cache of the test's own (the process's one is shared by every test)."""
    fresh = dup.RowCache(dup.ROW_CACHE_SIZE)
    monkeypatch.setattr(dup, "_ROW_CACHE", fresh)
    return fresh


@pytest.fixture
def vectorised(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text that gets vectorised, in order."""
    seen: list[str] = []
    rows = dup._rows

    def counting(texts: Sequence[str]) -> list[dup.Row]:
        seen.extend(texts)
        return rows(texts)

    monkeypatch.setattr(dup, "_rows", counting)
    return seen


def _in(world: World, *, hours: float, detail: str = DETAIL):  # type: ignore[no-untyped-def]
    return intake(world.session, world["resident"], ReportIn(title=TITLE, description=detail, lon=LON, lat=LAT),
                  channel="resident_web", now=T0 + dt.timedelta(hours=hours),
                  prediction=Prediction("城乡建设", 0.9, [("城乡建设", 0.9)]))


def _look_up(world: World, detail: str = DETAIL) -> list[dup.Candidate]:
    return dup.find_candidates(world.session, world.city_id, lon=LON, lat=LAT, title=TITLE, detail=detail,
                               level1=None, now=T0 + dt.timedelta(days=1), radius_m=250, limit=10)


def test_kept_vectors_give_the_similarities_of_a_fresh_computation(cache: dup.RowCache) -> None:
    rng = random.Random(3)
    for _ in range(30):
        others = _texts(rng, rng.randint(1, 40))
        query = rng.choice([*others, *_texts(rng, 1)])
        others += [query, "", " ", "路", query[:3]]
        expected = _fresh(query, others)
        for _ in range(2):  # vectorised, then kept
            assert dup.similarities(query, others) == pytest.approx(expected, abs=1e-6)
    assert dup.similarities("路灯", []).shape == (0,)


def test_a_look_up_vectorises_only_the_texts_it_has_not_seen(world: World, cache: dup.RowCache,
                                                             vectorised: list[str]) -> None:
    for h in range(3):
        _in(world, hours=h)
    other = _in(world, hours=3, detail="西门口的垃圾桶满了两天没人清运").case.code
    cache.clear()  # intake looked up already: as a worker that has not seen this spot
    vectorised.clear()
    first = _look_up(world)
    assert sorted(vectorised) == sorted({dup.text_of(TITLE, DETAIL), dup.text_of(TITLE, "西门口的垃圾桶满了两天没人清运")})
    vectorised.clear()
    assert _look_up(world) == first and vectorised == []
    assert other in [c.code for c in first]


def test_a_case_whose_text_changed_is_compared_by_its_new_text(world: World, cache: dup.RowCache) -> None:
    code = _in(world, hours=0).case.code
    assert [c.code for c in _look_up(world) if c.likely] == [code]  # its vector is now kept
    # no command edits a report's text, but a database may (a correction by hand, or a case
    # id reused by another database or after a rollback): the look-up must not see the old text
    world.session.execute(update(Case).where(Case.code == code).values(title="树木倒伏", description="台风后大树倒在路中间"))
    after = _look_up(world)
    expected = _fresh(dup.text_of(TITLE, DETAIL), [dup.text_of("树木倒伏", "台风后大树倒在路中间")])[0]
    assert expected < dup.SHOWN
    assert after == []


def test_the_cache_forgets_the_least_recently_used_beyond_its_bound(monkeypatch: pytest.MonkeyPatch,
                                                                    vectorised: list[str]) -> None:
    cache = dup.RowCache(2)
    monkeypatch.setattr(dup, "_ROW_CACHE", cache)
    dup.similarities("路灯不亮", ["垃圾清运"])
    dup.similarities("路灯不亮", ["道路积水"])  # "垃圾清运" is the least recently used: out
    assert len(cache) == 2
    vectorised.clear()
    dup.similarities("路灯不亮", ["道路积水"])
    assert vectorised == []
    dup.similarities("路灯不亮", ["垃圾清运"])
    assert vectorised == ["垃圾清运"]


def test_threads_sharing_the_cache_get_exact_similarities(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dup, "_ROW_CACHE", dup.RowCache(8))  # far fewer than the texts: constant eviction
    rng = random.Random(5)
    calls = [(q, others) for q, *others in (_texts(rng, 12) for _ in range(40))]
    wrong: list[int] = []

    def work(offset: int) -> None:
        for i in range(len(calls)):
            query, others = calls[(i + offset) % len(calls)]
            if not np.allclose(dup.similarities(query, others), _fresh(query, others), rtol=0, atol=1e-6):
                wrong.append(i)

    threads = [threading.Thread(target=work, args=(k * 10,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == [] and len(dup._ROW_CACHE) <= 8
