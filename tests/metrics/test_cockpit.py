"""The cockpit's reads on SQLite and PostgreSQL, over a year of demo cases: the board's
figures are the rollup's (node, children and ranked nodes, for a period), the units' loads
and the trend's local months count what the events say."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.cases.models import Case, CaseEvent
from huying.cases.timing import open_clause
from huying.geo import service as geo
from huying.geo.models import Node
from huying.metrics import cockpit, rollup
from huying.metrics.period import parse_period
from huying.metrics.service import CLOSING, RECEIVING
from huying.web import queries
from tests.bench.test_rollup_figures import NOW, _city


def test_the_cockpit_reads_agree_with_the_rollup_and_the_events(fresh_engine: Engine) -> None:
    city_id = _city(fresh_engine)
    with Session(fresh_engine) as s:
        root = s.scalar(select(Node).where(Node.city_id == city_id, Node.level == "city"))
        assert root is not None
        p = parse_period("custom", "2025-09-15", "2026-04-20", now=NOW)
        tree = rollup.tree_figures(s, city_id, now=NOW, since=p.since, until=p.until)
        for node in [root, *geo.children(s, root)[:1]]:
            b = cockpit.board(s, node, now=NOW, since=p.since, until=p.until)
            assert b.node.figures == tree[node.code].as_dict()
            assert [r.figures for r in b.children] == [tree[c.code].as_dict() for c in geo.children(s, node)]
            assert b.ranked and all(r.level == "town" for r in b.ranked)
            assert [r.figures for r in b.ranked] == [tree[r.code].as_dict() for r in b.ranked]

        town = s.scalar(select(Node).where(Node.city_id == city_id, Node.level == "town").order_by(Node.code))
        assert town is not None
        loads = cockpit.unit_loads(s, town, now=NOW, since=p.since, until=p.until)
        open_here = s.scalar(select(Case.id).where(Case.city_id == city_id, open_clause(),
                                                   Case.grid_path.startswith(town.path)).limit(1))
        assert loads or open_here is None
        assert sum(u.open_now for u in loads) <= len(list(s.scalars(select(Case.id).where(
            Case.city_id == city_id, open_clause()))))

        months = cockpit.months_to(NOW, queries.city_zone(), 13)
        for node in (root, town):
            t = queries.trend(s, node, NOW)
            want_r: Counter[str] = Counter()
            want_c: Counter[str] = Counter()
            for at, action in s.execute(select(CaseEvent.at, CaseEvent.action).join(Case, Case.id == CaseEvent.case_id)
                                        .where(CaseEvent.city_id == city_id, Case.grid_path.startswith(node.path))):
                key = at.astimezone(queries.city_zone()).strftime("%Y-%m")
                if action in RECEIVING:
                    want_r[key] += 1
                if action in CLOSING:
                    want_c[key] += 1
            assert t["months"] == [m.key for m in months]
            assert t["received"] == [want_r[m.key] for m in months], node.code
            assert t["closed"] == [want_c[m.key] for m in months], node.code
            assert t["partial"][-1] is True and not any(t["partial"][:-1])
        assert sum(queries.trend(s, root, NOW)["received"]) > 0
        # a zone whose months begin at UTC midnight: the rollup's day rows alone
        utc = cockpit.monthly(s, root, NOW, ZoneInfo("UTC"))
        per_month = Counter(at.astimezone(dt.UTC).strftime("%Y-%m") for at, in s.execute(
            select(CaseEvent.at).where(CaseEvent.city_id == city_id, CaseEvent.action.in_(RECEIVING))))
        assert utc["received"] == [per_month[k] for k in utc["months"]]
        assert NOW - dt.timedelta(days=400) < months[0].start
