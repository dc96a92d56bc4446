"""Every count a leader reads is the length of its list: for each figure of each node and
period, the cases selected by ``drill.cases_clause`` are as many as the rollup counts, on a
year of demo cases run through the service (escalated twice, reopened twice and all), on
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.cases import kernel
from huying.cases import service as svc
from huying.cases.models import Case, CaseEvent
from huying.errors import InvalidInput
from huying.geo.models import Node
from huying.metrics import drill, rollup
from huying.metrics.period import parse_period
from tests.bench.test_rollup_figures import NOW, _city, _table

#: after the demo's year (it runs up to the day it is built): its open cases are overdue
LATER = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)


def _listed(s: Session, city_id: int, node: Node, figure: str, since: dt.datetime | None,
            until: dt.datetime | None) -> int:
    clause = drill.cases_clause(figure, city_id=city_id, node_path=node.path, now=LATER, since=since,
                                until=until)
    return int(s.scalar(select(func.count()).select_from(Case).where(clause)) or 0)


def _escalate_twice(s: Session, city_id: int) -> None:
    """A case escalated community → town → city, through the service (the rollup's
    subscriber counts it once, at the first)."""
    case = s.scalar(select(Case).where(Case.city_id == city_id, Case.handling_level == "community",
                                       Case.status.in_(("dispatched", "in_progress"))).order_by(Case.id))
    assert case is not None
    last = s.scalar(select(func.max(CaseEvent.at)).where(CaseEvent.case_id == case.id))
    assert last is not None
    system = kernel.system_actor(s, city_id)
    svc.escalate(s, case, system, now=last + dt.timedelta(hours=1), note="test")
    svc.escalate(s, case, system, now=last + dt.timedelta(hours=2), note="test")


def test_each_figure_counts_exactly_the_cases_of_its_list(fresh_engine: Engine) -> None:
    city_id = _city(fresh_engine)
    with Session(fresh_engine) as s:
        _escalate_twice(s, city_id)
        s.commit()
        incremental = _table(s)
        rollup.rebuild(s, city_id)
        s.commit()
        assert _table(s) == incremental  # the subscriber and the rebuild count alike
        # a case escalated more than once counts once
        repeated = s.execute(select(CaseEvent.case_id).where(CaseEvent.action.in_(("escalate", "reopen")))
                             .group_by(CaseEvent.case_id, CaseEvent.action).having(func.count() > 1)).all()
        assert repeated, "the fixture should hold a case escalated or reopened twice"
        city = s.scalar(select(Node).where(Node.city_id == city_id, Node.level == "city"))
        assert city is not None
        towns = s.scalars(select(Node).where(Node.parent_id == city.id).order_by(Node.code)).all()
        grid = s.scalar(select(Node).where(Node.city_id == city_id, Node.level == "grid",
                                           Node.path.startswith(towns[0].path)).order_by(Node.code))
        nodes = [city, *towns, grid]
        periods = [parse_period("all", now=NOW), parse_period("month", "2026-11-15", now=NOW),
                   parse_period("quarter", "2026-02-01", now=NOW), parse_period("year", "2026-01-01", now=NOW), parse_period("year", "2025-06-01", now=NOW),
                   parse_period("custom", "2025-11-03", "2026-04-17", now=NOW)]
        seen = dict.fromkeys(drill.FIGURES, 0)
        for p in periods:
            tree = rollup.tree_figures(s, city_id, now=LATER, since=p.since, until=p.until)
            for node in nodes:
                assert node is not None
                want = tree[node.code].as_dict()
                for figure in drill.FIGURES:
                    got = _listed(s, city_id, node, figure, p.since, p.until)
                    assert got == want[figure], (figure, node.code, p.kind)
                    seen[figure] += got
        assert all(seen.values()), seen  # every figure was seen non-zero somewhere


def test_an_unknown_figure_is_refused_with_its_names() -> None:
    with pytest.raises(InvalidInput, match="received"):
        drill.cases_clause("everything", city_id=1, node_path="/", now=NOW)
