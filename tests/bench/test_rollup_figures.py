"""The rollup (``huying.metrics.rollup``) gives exactly the figures of
``huying.metrics.service.figures`` for every node, on a random year of demo cases run
through the service (sweeper included), on SQLite and PostgreSQL; and adding the events one
at a time (``apply_event``, as the service does) builds the same table as ``rebuild``."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.cases.models import Case, CaseEvent
from huying.cityconfig import categories
from huying.demo.build import Sizes, build
from huying.demo.cases import build_cases, demo_end
from huying.geo.models import Node
from huying.metrics import rollup, service
from huying.metrics.models import GridMonth

NOW = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)
#: The end of these tests' demo year (NOW falls in it).
END = demo_end(dt.date(2026, 11, 20))
SMALL = Sizes(communities=40, grids=80, households_per_grid=2.0, lloyd_iterations=1)


def _city(engine: Engine) -> int:
    with Session(engine, expire_on_commit=False) as s:
        city_id = build(s, seed=3, progress=False, sizes=SMALL).city_id
        categories.load_tree(s, city_id)
        s.commit()
        build_cases(s, city_id, seed=3, n=150, end=END)
        s.commit()
    return city_id


def _table(s: Session) -> dict[tuple[str, int], tuple[float, ...]]:
    cols = [GridMonth.__table__.c[k] for k in rollup.COUNTERS]
    rows = s.execute(select(GridMonth.grid_path, GridMonth.month, GridMonth.day, *cols)).all()
    # close_seconds to the second: SQLite's julianday() arithmetic is off by microseconds
    # (rebuild keeps rows of events that count nothing, e.g. a day of dispatches only: zeros)
    return {(r[0], r[1], r[2]): tuple(round(float(v)) for v in r[3:]) for r in rows if any(r[3:])}


def test_rollup_figures_equal_the_per_node_figures_for_every_node(fresh_engine: Engine) -> None:
    city_id = _city(fresh_engine)
    with Session(fresh_engine) as s:
        assert rollup.rebuild(s, city_id) > 0
        s.commit()
        nodes = s.scalars(select(Node).where(Node.city_id == city_id).order_by(Node.code)).all()
        first = s.scalar(select(CaseEvent.at).order_by(CaseEvent.at).limit(1))
        assert first is not None
        day = dt.timedelta(days=1)
        periods = [(None, None),  # all time: month rows
                   (first + 40 * day + dt.timedelta(hours=5), first + 200 * day + dt.timedelta(minutes=7)),
                   (first + 10 * day, first + 20 * day),  # days only, maybe across a month end
                   (first + 3 * day + dt.timedelta(hours=2), first + 3 * day + dt.timedelta(hours=9)),
                   (first + 5 * day + dt.timedelta(hours=20), first + 6 * day + dt.timedelta(hours=3)),
                   (None, first + 100 * day + dt.timedelta(hours=1)),
                   (first + 100 * day + dt.timedelta(hours=1), None),
                   (dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 3, 1, tzinfo=dt.UTC))]
        for since, until in periods:
            tree = rollup.tree_figures(s, city_id, now=NOW, since=since, until=until)
            for node in nodes:
                want = service.node_figures(s, node, now=NOW, since=since, until=until).as_dict()
                assert tree[node.code].as_dict() == want, (node.code, since, until)
        city = service.figures(s, city_id, None, now=NOW)
        assert rollup.figures(s, city_id, None, now=NOW) == city
        assert city["node"]["received"] > 0 and city["node"]["closed"] > 0


def test_applying_each_event_builds_the_rebuilt_table(fresh_engine: Engine) -> None:
    city_id = _city(fresh_engine)
    with Session(fresh_engine) as s:
        rollup.rebuild(s, city_id)
        s.commit()
        rebuilt = _table(s)
        s.execute(GridMonth.__table__.delete())
        cases = {c.id: c for c in s.scalars(select(Case).where(Case.city_id == city_id))}
        overdue: set[int] = set()
        reopened: set[int] = set()
        seen: set[tuple[int, str]] = set()
        conn = s.connection()
        for ev in s.scalars(select(CaseEvent).order_by(CaseEvent.id)):
            c = cases[ev.case_id]
            if ev.action == "overdue":
                overdue.add(c.id)
            if ev.action == "reopen":
                reopened.add(c.id)
            first = (c.id, ev.action) not in seen
            seen.add((c.id, ev.action))
            rollup.apply_event(conn, city_id=city_id, grid_path=c.grid_path, action=ev.action, at=ev.at,
                               created_at=c.created_at, ever_overdue=c.id in overdue,
                               reworked=c.id in reopened, first=first, channel=c.channel)
        s.commit()
        assert _table(s) == rebuilt


def test_the_figures_run_without_jit_in_their_own_transaction_only(engine: Engine) -> None:
    """PostgreSQL compiled the figures' queries with JIT at 10 M cases, half of their time
    (docs/performance.md, P3): the rollup turns it off for its transaction, not for the
    pooled connection's next user."""
    if engine.dialect.name != "postgresql":
        pytest.skip("JIT is PostgreSQL's")
    with Session(engine) as s:
        default = s.execute(text("SHOW jit")).scalar()
        rollup.grid_counts(s, 0, now=NOW)
        assert s.execute(text("SHOW jit")).scalar() == "off"
        s.rollback()
        assert s.execute(text("SHOW jit")).scalar() == default
