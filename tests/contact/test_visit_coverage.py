"""Coverage (households visited at least once in the period / households assigned, and
overdue now) per node, cadre and child node equals a brute-force recount from the visits
and assignments tables, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from huying.contact import visit_service as vs
from huying.contact.models import Household, Visit, VisitAssignment
from huying.geo.models import Node
from huying.metrics.period import parse_period
from huying.orgs.models import User
from tests.cases.conftest import T0, World
from tests.contact.conftest import load

DAY = dt.timedelta(days=1)
GRIDS = {"测试1镇测试1社区人民路12号": "1a", "测试1镇测试1社区人民路14号": "1b", "测试2镇测试2社区人民路12号": "2a"}
CADRES = {"1": ["gridworker", "community"], "2": ["community2"]}


def recount(s: World, node: Node, since: dt.datetime | None, until: dt.datetime | None,
            now: dt.datetime) -> dict[str, tuple[int, int, int]]:
    """By hand: every open assignment under the node, whether its household has a visit
    in [since, until), whether its due moment has passed."""
    ses = s.session
    paths = {n.id: n.path for n in ses.scalars(select(Node))}
    grid_of = {h.id: h.grid_id for h in ses.scalars(select(Household))}
    visits = list(ses.scalars(select(Visit)))
    names = {u.id: u.username for u in ses.scalars(select(User))}
    out: dict[str, list[int]] = {}
    for a in ses.scalars(select(VisitAssignment)):
        path = paths[grid_of[a.household_id]]
        if a.ended_at is not None or not path.startswith(node.path):
            continue
        seen = any(v.household_id == a.household_id and (since is None or v.at >= since)
                   and (until is None or v.at < until) for v in visits)
        late = a.due_at < now
        for key in ("total", "cadre:" + names[a.cadre_id],
                    *("child:" + paths[c] for c in paths if paths[c].startswith(node.path)
                      and paths[c].count("/") == node.path.count("/") + 1 and path.startswith(paths[c]))):
            t = out.setdefault(key, [0, 0, 0])
            t[0] += 1
            t[1] += seen
            t[2] += late
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def computed(cov: vs.Coverage) -> dict[str, tuple[int, int, int]]:
    out = {"total": (cov.total.assigned, cov.total.visited, cov.total.overdue)} if cov.total.assigned else {}
    out.update({"cadre:" + u.username: (t.assigned, t.visited, t.overdue) for u, t in cov.by_cadre})
    out.update({"child:" + n.path: (t.assigned, t.visited, t.overdue) for n, t in cov.by_child if t.assigned})
    return out


def test_coverage_equals_a_recount_from_the_visits(registered: World) -> None:
    w, s = registered, registered.session
    rnd = random.Random(16)
    rows = [{"code": f"H{i:02d}", "address": addr} for i, addr in
            enumerate(rnd.choice(list(GRIDS)) for _ in range(24))]
    assert load(s, w["city"], "households", rows).stored
    for r in rows:
        town = "2" if r["address"].startswith("测试2镇") else "1"
        officer = "town2" if town == "2" else "town"
        if rnd.random() < 0.85:
            vs.assign(s, w[officer], r["code"], rnd.choice(CADRES[town]), now=T0 + rnd.randrange(0, 20) * DAY)
    now = T0 + 20 * DAY
    for _ in range(40):  # visits over ~ 200 days, by the cadre or an officer over the household
        now += dt.timedelta(days=rnd.randrange(0, 10), hours=rnd.randrange(0, 24))
        r = rnd.choice(rows)
        officer = "town2" if r["address"].startswith("测试2镇") else "town"
        at = now - dt.timedelta(days=rnd.randrange(0, 20))
        vs.record_visit(s, w[officer], vs.VisitIn(r["code"], rnd.choice(["door", "phone", "online"]), at=at),
                        now=now)
        if rnd.random() < 0.1:  # a reassignment now and then
            vs.assign(s, w[officer], r["code"], rnd.choice(CADRES["2" if officer == "town2" else "1"]), now=now)
    nodes = {n.code: n for n in s.scalars(select(Node))}
    checked = 0
    for code in ("441900", "441900101", "441900102", "441900101001", "441900101001001"):
        for period, frm in (("all", ""), ("quarter", "2025-04-15"), ("month", "2025-05-10"),
                            ("custom", "2025-03-01"), ("year", "2025-06-01")):
            per = parse_period(period, frm, "2025-06-30" if period == "custom" else "", now=now)
            cov = vs.coverage(s, w["city"], nodes[code], per, now=now)
            assert computed(cov) == recount(w, nodes[code], per.since, per.until, now), (code, period)
            assert cov.total.coverage == (round(cov.total.visited / cov.total.assigned, 4)
                                          if cov.total.assigned else None)
            checked += cov.total.visited
    assert checked > 0  # the recount compared something other than zeros
