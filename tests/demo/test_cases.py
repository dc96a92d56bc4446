"""The demo year of cases runs through the service: every case folds back from its events."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.cases import record
from huying.cases import service as svc
from huying.cases.models import Case, CaseEvent
from huying.db import Base, make_engine
from huying.demo.build import Sizes, build
from huying.demo.cases import rewrite_places, run_cases
from huying.geo import service as geo
from tests.cases.test_fold import assert_folds
from tests.conftest import Databases


@pytest.fixture(scope="module")
def demo_url(backend: str, databases: Databases) -> Iterator[str]:
    url = databases.new_url(backend)
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as s:
        build(s, 3, progress=False, sizes=Sizes(households_per_grid=1, enterprises_per_community=0.1))
        s.commit()
    engine.dispose()
    geo.clear_index_cache()
    yield url


def test_a_demo_year_runs_through_the_service(demo_url: str) -> None:
    counts = run_cases(demo_url, 1, 3, n=150)
    assert counts["cases"] + counts["skipped"] == 150 and counts["skipped"] <= 3
    assert counts.get("stopped", 0) <= 3  # a story cut short by an unexpected refusal
    engine = make_engine(demo_url)
    with Session(engine, expire_on_commit=False) as s:
        cases = s.scalars(select(Case)).all()
        assert len(cases) == counts["cases"]
        channels = Counter(c.channel for c in cases)
        assert channels.most_common(1)[0][0] == "grid_patrol"
        statuses = Counter(c.status for c in cases)
        assert statuses["closed"] > len(cases) / 2
        actions = dict(s.execute(select(CaseEvent.action, func.count()).group_by(CaseEvent.action)).all())
        assert {"report", "dispatch", "accept", "mark_handled", "follow_up", "close"} <= set(actions)
        from tests.cases.conftest import World

        world = World(s, 1, {}, {})
        for case in cases:
            assert_folds(world, case)
            ev = record.evaluate(svc.events_of(s, case))
            assert ev.rework_count == case.rework_count
    engine.dispose()


def test_messages_move_to_the_demo_city() -> None:
    text = rewrite_places("A市A2区某小区路灯不亮，西地省A7县也有", "虎门镇", "虎门第001社区")
    assert text == "东莞市虎门镇某小区路灯不亮，广东省虎门镇也有"
