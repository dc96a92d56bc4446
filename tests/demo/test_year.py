"""The demo year ends at the build's today: its past goes in as history, its last weeks
through the service, and the city looks like a city on a normal day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from huying.cases import jobs
from huying.cases.models import Case, CaseEvent
from huying.cases.timing import open_clause, overdue_clause
from huying.cli import app
from huying.db import make_engine
from huying.demo.cases import HISTORY_SOURCE, demo_end, run_cases
from huying.metrics import rollup
from huying.metrics.models import GridMonth
from tests.cases.conftest import World
from tests.cases.test_fold import assert_folds
from tests.conftest import Databases
from tests.demo.test_cases import _small_city

TODAY = dt.date(2026, 3, 9)
END = demo_end(TODAY)
LIVE_DAYS = 60
N = 500


@pytest.fixture(scope="module")
def year(backend: str, databases: Databases) -> Iterator[tuple[str, dict[str, int]]]:
    url = _small_city(backend, databases)
    yield url, run_cases(url, 1, 11, n=N, end=END, live_days=LIVE_DAYS)


def test_the_year_ends_at_the_given_today_and_nothing_happens_after_it(year: tuple[str, dict[str, int]]) -> None:
    url, counts = year
    assert END == dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC)  # 18:00 in the city
    engine = make_engine(url)
    with Session(engine) as s:
        first, last = s.execute(select(func.min(CaseEvent.at), func.max(CaseEvent.at))).one()
        reported_last = s.scalar(select(func.max(Case.created_at)))
    engine.dispose()
    assert first is not None and last is not None and reported_last is not None
    assert _utc(last) <= END
    assert _utc(first) >= END - dt.timedelta(days=366)
    assert END - _utc(reported_last) < dt.timedelta(days=1)  # reports came in up to today
    assert counts["history"] > counts["cases"] > 0
    assert counts["history"] + counts["cases"] + counts["skipped"] + counts.get("left_out", 0) == N


def test_the_past_is_history_and_the_last_weeks_went_through_the_service(year: tuple[str, dict[str, int]]) -> None:
    url, counts = year
    cutoff = END - dt.timedelta(days=LIVE_DAYS)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as s:
        imported = s.scalars(select(Case).join(CaseEvent, CaseEvent.case_id == Case.id).where(
            CaseEvent.action == "close_imported")).all()
        assert len(imported) == counts["history"]
        assert all(c.status == "closed" and _utc(c.created_at) < cutoff for c in imported)
        assert all(f'"file": "{HISTORY_SOURCE}"' in p for p in s.scalars(
            select(CaseEvent.payload).where(CaseEvent.action == "report", CaseEvent.case_id.in_(
                [c.id for c in imported[:50]]))))
        live = s.scalars(select(Case).where(Case.id.not_in([c.id for c in imported]))).all()
        older = [c for c in live if _utc(c.created_at) < cutoff]
        assert all(c.status not in ("closed", "rejected") for c in older)  # still open at the end
        world = World(s, 1, {}, {})
        for case in [*imported[:40], *live]:
            assert_folds(world, case)
        # the stories of the last weeks: escalations, ledgers or supervision, dissatisfied follow-ups
        actions = set(s.scalars(select(CaseEvent.action).where(CaseEvent.at >= cutoff)))
    engine.dispose()
    assert {"escalate", "reopen"} <= actions, actions
    assert actions & {"open_ledger", "supervise"}, actions


def test_on_the_day_after_the_build_few_open_cases_are_overdue(year: tuple[str, dict[str, int]]) -> None:
    url, _ = year
    engine = make_engine(url)
    try:
        jobs.sweep(engine, now=END)
        with Session(engine) as s:
            open_ = s.scalar(select(func.count()).select_from(Case).where(open_clause())) or 0
            overdue = s.scalar(select(func.count()).select_from(Case).where(overdue_clause(END))) or 0
    finally:
        engine.dispose()
    assert open_ >= 10
    assert overdue / open_ < 0.25, (overdue, open_)


def test_the_rollup_written_with_the_year_equals_the_one_rebuilt_from_its_events(
        year: tuple[str, dict[str, int]]) -> None:
    url, _ = year
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            written = _rollup(s)
            rollup.rebuild(s, 1)
            rebuilt = _rollup(s)
            s.rollback()
    finally:
        engine.dispose()
    assert written and written == rebuilt


@pytest.mark.parametrize(("today", "says"), [("2026-13-01", "YYYY-MM-DD"), ("2025-06-01", "too early"),
                                             ("2999-01-01", "after today")])
def test_the_cli_names_a_today_it_cannot_take(today: str, says: str) -> None:
    r = CliRunner().invoke(app, ["demo", "build", "--today", today])
    assert r.exit_code == 2
    assert "--today" in r.output and says in r.output


def _rollup(s: Session) -> dict[tuple[str, int, int], tuple[int, ...]]:
    cols = [GridMonth.__table__.c[k] for k in rollup.ALL]
    rows = s.execute(select(GridMonth.grid_path, GridMonth.month, GridMonth.day, *cols)).all()
    # close_seconds to the second (SQLite's julianday() is off by microseconds); rows that
    # count nothing are left out (the rebuild keeps them)
    return {(r[0], r[1], r[2]): tuple(round(float(v)) for v in r[3:]) for r in rows if any(r[3:])}


def _utc(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)
