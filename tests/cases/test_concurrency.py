"""Two people at once, two sweepers at once, and a crash in the notification worker —
against real commits on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.cases import jobs, notify
from huying.cases import service as svc
from huying.cases.models import Case, CaseEvent, OutboxMessage, SupervisionNotice
from huying.errors import StaleVersion
from huying.geo import service as geo
from tests.cases.conftest import T0, World, build_world


@pytest.fixture
def committed(fresh_engine: Engine) -> Iterator[tuple[Engine, World]]:
    geo.clear_index_cache()
    with Session(fresh_engine, expire_on_commit=False) as s:
        world = build_world(s)
        yield fresh_engine, world


def test_two_people_act_on_the_same_case_one_wins(committed: tuple[Engine, World]) -> None:
    engine, world = committed
    code = world.report().code
    with Session(engine, expire_on_commit=False) as a, Session(engine, expire_on_commit=False) as b:
        case_a = svc.get_case(a, world["community"], code)
        case_b = svc.get_case(b, world["town"], code)
        svc.dispatch(a, case_a, world["community"], unit="441900101001-party", now=T0)
        with pytest.raises(StaleVersion) as err:
            svc.dispatch(b, case_b, world["town"], unit="441900101-dept-housing", now=T0)
        assert err.value.expected == 1 and err.value.actual == 2
    with Session(engine) as s:
        case = s.scalars(select(Case).where(Case.code == code)).one()
        assert case.unit_id == world.units["comm1_party"].id and case.version == 2
        assert s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id)) == 2


@pytest.mark.parametrize("second", ["classify", "add_cohandler"])
def test_a_lost_classify_or_cohandler_race_is_a_stale_version(committed: tuple[Engine, World], second: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Once raw ORM errors (found by tests/bench/test_concurrent_actions.py): now typed."""
    engine, world = committed
    code = world.report().code
    if second == "add_cohandler":
        with Session(engine, expire_on_commit=False) as s:
            svc.dispatch(s, svc.get_case(s, world["city"], code), world["city"], unit="441900101001-party", now=T0)
    with Session(engine, expire_on_commit=False) as a, Session(engine, expire_on_commit=False) as b:
        case_a = svc.get_case(a, world["city"], code)
        case_b = svc.get_case(b, world["city"], code)
        if second == "classify":
            svc.classify(a, case_a, world["city"], priority="urgent", now=T0)
            with pytest.raises(StaleVersion):
                svc.classify(b, case_b, world["city"], priority="low", now=T0)
        else:
            svc.add_cohandlers(a, case_a, world["city"], units=["441900101-dept-housing"], now=T0)
            # b checked the co-handlers before a committed (the same unit, at the same moment)
            monkeypatch.setattr("huying.cases.loop.cohandlers_of", lambda _s, _c: [])
            with pytest.raises(StaleVersion):
                svc.add_cohandlers(b, case_b, world["city"], units=["441900101-dept-housing"], now=T0)


def test_two_threads_at_the_same_moment_exactly_one_succeeds(committed: tuple[Engine, World]) -> None:
    engine, world = committed
    code = world.report().code
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(persona: str, unit: str) -> None:
        with Session(engine, expire_on_commit=False) as s:
            case = svc.get_case(s, world[persona], code)
            barrier.wait()
            try:
                svc.dispatch(s, case, world[persona], unit=unit, now=T0)
                outcomes.append("ok")
            except StaleVersion:
                outcomes.append("conflict")

    threads = [threading.Thread(target=act, args=("community", "441900101001-party")),
               threading.Thread(target=act, args=("town", "441900101-dept-housing"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["conflict", "ok"]


def test_an_expected_version_that_is_old_is_refused(committed: tuple[Engine, World]) -> None:
    engine, world = committed
    with Session(engine, expire_on_commit=False) as s:
        case = world.report()
        case = svc.get_case(s, world["community"], case.code)
        with pytest.raises(StaleVersion):
            svc.dispatch(s, case, world["community"], unit="441900101001-party", now=T0, expected_version=0)
        assert case.status == "new"


def test_two_sweepers_at_once_never_act_twice(committed: tuple[Engine, World]) -> None:
    engine, world = committed
    codes = [world.report(now=T0 + dt.timedelta(minutes=i)).code for i in range(12)]
    later = T0 + dt.timedelta(days=1)  # every dispatch deadline (2 working hours) has passed
    reports: list[jobs.SweepReport] = []

    def run() -> None:
        reports.append(jobs.sweep(engine, now=later, escalate_after=99))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(r.overdue for r in reports) == len(codes)
    assert sum(r.errors for r in reports) == 0
    with Session(engine) as s:
        per_case = dict(s.execute(
            select(Case.code, func.count(CaseEvent.id)).join(CaseEvent, CaseEvent.case_id == Case.id)
            .where(CaseEvent.action == "overdue").group_by(Case.code)).all())
        assert per_case == {c: 1 for c in codes}
        assert s.scalar(select(func.count()).select_from(SupervisionNotice)) == len(codes)
    # a third sweep at the same moment finds nothing left to do
    assert jobs.sweep(engine, now=later, escalate_after=99).overdue == 0


def test_the_sweep_cost_follows_due_cases_not_open_ones(committed: tuple[Engine, World]) -> None:
    engine, world = committed
    for i in range(30):
        world.report(now=T0 + dt.timedelta(minutes=i))
    # nothing is due an hour after T0 (warnings come at 80% of 2 working hours)
    empty = jobs.sweep(engine, now=T0 + dt.timedelta(minutes=30), escalate_after=99)
    assert (empty.warned, empty.overdue) == (0, 0)
    with engine.connect() as conn:
        plan = " ".join(str(r) for r in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT id FROM cases WHERE sweep_at <= '2025-01-01' ORDER BY sweep_at LIMIT 1"
            if engine.dialect.name == "sqlite" else
            "EXPLAIN SELECT id FROM cases WHERE sweep_at <= '2025-01-01' ORDER BY sweep_at LIMIT 1"))
    assert "ix_cases_sweep_at" in plan or "Seq Scan" in plan  # PostgreSQL may scan a tiny table


class Crash(BaseException):
    """The worker process dies (not an error the worker could catch)."""


class Provider:
    """A delivery provider that deduplicates by idempotency key, as SMS gateways do."""

    def __init__(self) -> None:
        self.received: list[str] = []

    def delivered_keys(self) -> set[str]:
        return set(self.received)


def test_a_crash_between_send_and_mark_loses_nothing(committed: tuple[Engine, World]) -> None:
    engine, world = committed
    world.report()
    provider = Provider()

    class DiesAfterSending:
        def send(self, message: notify.Message) -> None:
            provider.received.append(message.key)
            raise Crash()

    class Healthy:
        def send(self, message: notify.Message) -> None:
            provider.received.append(message.key)

    with pytest.raises(Crash):
        notify.deliver(engine, DiesAfterSending(), now=T0, worker="w1")
    with Session(engine) as s:
        row = s.scalars(select(OutboxMessage)).one()
        assert row.status == "sending" and row.attempts == 1
    # within the lease nobody takes it again
    assert notify.deliver(engine, Healthy(), now=T0 + dt.timedelta(minutes=1), worker="w2").sent == 0
    later = T0 + dt.timedelta(minutes=6)
    result = notify.deliver(engine, Healthy(), now=later, worker="w2")
    assert (result.sent, result.redelivered) == (1, 1)
    with Session(engine) as s:
        row = s.scalars(select(OutboxMessage)).one()
        assert row.status == "sent" and row.attempts == 2  # recorded: it went out twice
    assert len(provider.received) == 2 and len(provider.delivered_keys()) == 1


def test_a_failing_adapter_is_retried_with_backoff(committed: tuple[Engine, World]) -> None:
    engine, world = committed
    world.report()

    class Down:
        def send(self, message: notify.Message) -> None:
            raise ConnectionError("gateway down")

    assert notify.deliver(engine, Down(), now=T0).failed == 1
    with Session(engine) as s:
        row = s.scalars(select(OutboxMessage)).one()
        assert row.status == "pending" and "gateway down" in (row.last_error or "")
        assert row.available_at > T0
    log = notify.LogNotifier()
    assert notify.deliver(engine, log, now=T0 + dt.timedelta(hours=1)).sent == 1
    assert log.sent[0].subject.startswith("您反映的问题已受理")


def test_one_transaction_commits_its_commands_together_or_not_at_all(committed: tuple[Engine, World]) -> None:
    """svc.one_transaction (the demo's blocks): nothing is visible to others before the block
    ends; a command failing inside rolls back every command of the block."""
    engine, world = committed
    s = world.session
    first = world.report()
    with svc.one_transaction(s):
        second = world.report()
        svc.dispatch(s, first, world["community"], unit="441900101001-party", now=T0)
        with Session(engine) as other:  # not committed yet
            assert other.scalar(select(func.count()).select_from(Case)) == 1
            assert other.scalar(select(Case.status).where(Case.id == first.id)) == "new"
    with Session(engine) as other:
        assert other.scalar(select(func.count()).select_from(Case)) == 2
        assert other.scalar(select(Case.status).where(Case.id == first.id)) == "dispatched"
        assert other.scalar(select(func.count()).select_from(CaseEvent)) == 3
    with pytest.raises(StaleVersion), svc.one_transaction(s):
        world.report()
        svc.accept(s, first, world["community"], now=T0)
        svc.dispatch(s, second, world["community"], unit="441900101001-party", now=T0,
                     expected_version=7)
    with Session(engine) as other:
        assert other.scalar(select(func.count()).select_from(Case)) == 2
        assert other.scalar(select(Case.status).where(Case.id == first.id)) == "dispatched"
        assert other.scalar(select(func.count()).select_from(CaseEvent)) == 3
    with pytest.raises(RuntimeError, match="nest"), svc.one_transaction(s), svc.one_transaction(s):
        pass


def test_a_report_after_a_rolled_back_report_is_stored(committed: tuple[Engine, World]) -> None:
    """SQLite hands out a rolled-back row's id again: the session must not keep the
    rolled-back case under that id (the new case is inserted by Core, then attached)."""
    engine, world = committed
    s = world.session
    with pytest.raises(StaleVersion), svc.one_transaction(s):
        gone = world.report(title="先报后撤")
        svc.dispatch(s, gone, world["community"], unit="441900101001-party", now=T0, expected_version=9)
    kept = world.report(title="再报一次")
    assert kept in s and kept.title == "再报一次"
    with Session(engine) as other:
        assert other.scalars(select(Case.title)).all() == ["再报一次"]
