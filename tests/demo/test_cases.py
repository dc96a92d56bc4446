"""The demo year of cases runs through the service: every case folds back from its events."""

from __future__ import annotations

import datetime as dt
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
from huying.demo.cases import demo_end, rewrite_places, run_cases
from huying.geo import service as geo
from huying.orgs.models import User
from tests.cases.test_fold import assert_folds
from tests.conftest import Databases

#: The day these tests' demo year ends (given: the same cases every day).
END = demo_end(dt.date(2026, 11, 20))


@pytest.fixture(scope="module")
def demo_url(backend: str, databases: Databases) -> Iterator[str]:
    yield _small_city(backend, databases)


def test_a_demo_year_runs_through_the_service(demo_url: str) -> None:
    counts = run_cases(demo_url, 1, 3, n=150, end=END)
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
        # the year leaves only its last days' messages to send; the rest expired, unsent
        from huying.cases.models import OutboxMessage

        pending = s.scalars(select(OutboxMessage.created_at).where(OutboxMessage.status == "pending")).all()
        assert counts["expired_messages"] > 0
        assert all(at > END - dt.timedelta(days=8) for at in pending)
    engine.dispose()


def test_messages_move_to_the_demo_city() -> None:
    text = rewrite_places("A市A2区某小区路灯不亮，西地省A7县也有", "虎门镇", "东方社区")
    assert text == "东莞市虎门镇某小区路灯不亮，广东省虎门镇也有"


def _small_city(backend: str, databases: Databases) -> str:
    url = databases.new_url(backend)
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as s:
        build(s, 3, progress=False, sizes=Sizes(households_per_grid=1, enterprises_per_community=0.1))
        s.commit()
    engine.dispose()
    geo.clear_index_cache()
    return url


def _stories(url: str) -> tuple[object, ...]:
    engine = make_engine(url)
    with Session(engine) as s:
        cases = s.execute(select(Case.code, Case.status, Case.version, Case.unit_id, Case.due_at,
                                 Case.rework_count).order_by(Case.code)).all()
        events = s.execute(select(Case.code, CaseEvent.seq, CaseEvent.action, CaseEvent.at)
                           .join(Case, Case.id == CaseEvent.case_id).order_by(Case.code, CaseEvent.seq)).all()
        users = s.scalars(select(User.username).order_by(User.username)).all()
    engine.dispose()
    return tuple(cases), tuple(events), tuple(users)


def test_a_block_that_fails_is_run_again_case_by_case_with_the_same_stories(
        backend: str, databases: Databases, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo commits a block of cases at once; a refusal inside a block rolls the block
    back (accounts made in it included) and runs it again command by command."""
    from huying.demo import cases as demo_cases
    from huying.errors import StaleVersion

    monkeypatch.setattr(demo_cases, "_BLOCK", 20)
    plain = _small_city(backend, databases)
    counts = run_cases(plain, 1, 5, n=60, end=END)

    real_accept, calls = svc.accept, []

    def accept_once_refused(session: Session, case: Case, *a: object, **kw: object) -> Case:
        calls.append(svc.in_one_transaction(session))
        if len(calls) == 25:  # in the second block
            raise StaleVersion(case.code, case.version, case.version)
        return real_accept(session, case, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(svc, "accept", accept_once_refused)
    redone = _small_city(backend, databases)
    clock = demo_cases.YearClock()
    assert run_cases(redone, 1, 5, n=60, end=END, clock=clock) == counts
    assert calls[24] is True and False in calls[25:]  # refused inside a block, then case by case
    assert clock.service_cases == counts["cases"]  # the block run twice is counted once
    assert _stories(redone) == _stories(plain)
