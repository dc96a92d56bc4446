"""Walk figures per node and period equal a recount from the rows: walks started in the
period, their problems recorded in it, fixed on the spot, put on a ledger, closed now; a
planned walk counts nowhere. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from huying.cases.models import Case
from huying.contact import walk_service as ws
from huying.contact.walk_models import Walk, WalkCase
from huying.geo.models import Node
from huying.metrics.period import of_days, parse_period
from tests.cases.conftest import T0, World

POINTS = {"441900101001001": (113.05, 23.05), "441900101001002": (113.15, 23.05),
          "441900102001001": (113.25, 23.05), "441900101001": (113.08, 23.1), "441900102": (113.35, 23.1)}
#: (walker, destination, days after T0, [(outcome, days after the start)])
WALKS = [("town", "441900101001001", 0, ["fixed_on_spot", "ledger"]),
         ("leader", "441900101001002", 3, ["ledger"]),
         ("city", "441900102001001", 10, ["fixed_on_spot", "fixed_on_spot", "ledger"]),
         ("town2", "441900102", 35, ["ledger"]),
         ("leader", "441900101001", 40, []),
         ("town", "441900101001", 62, ["fixed_on_spot"])]


def _recount(world: World, node: Node, since: dt.datetime | None, until: dt.datetime | None) -> dict[str, int]:
    s = world.session
    inside = lambda t: (since is None or t >= since) and (until is None or t < until)  # noqa: E731
    out = {"walks": 0, "problems": 0, "fixed_on_spot": 0, "ledger": 0, "closed": 0}
    for walk, path in s.execute(select(Walk, Node.path).join(Node, Node.id == Walk.node_id)):
        if not path.startswith(node.path):
            continue
        if walk.started_at is not None and inside(walk.started_at):
            out["walks"] += 1
        for link, status in s.execute(select(WalkCase, Case.status).join(Case, Case.id == WalkCase.case_id)
                                      .where(WalkCase.walk_id == walk.id)):
            if inside(link.created_at):
                out["problems"] += 1
                out[link.outcome] += 1
                out["closed"] += status == "closed"
    return out


def test_walk_figures_equal_a_recount(world: World) -> None:
    s = world.session
    for who, dest, days, problems in WALKS:
        start = T0 + dt.timedelta(days=days)
        walk = ws.plan(s, world[who], node=dest, planned_on=ws.today(start), now=start)
        ws.start(s, world[who], walk.id, now=start)
        lon, lat = POINTS[dest]
        for k, outcome in enumerate(problems):
            at = start + dt.timedelta(hours=k + 1)
            ws.record_problem(s, world[who], walk.id, ws.ProblemIn(
                what=f"问题{k}", outcome=outcome, lon=lon + 0.001 * k, lat=lat, evidence="已处理", plan="整改",
                due=ws.today(at) + dt.timedelta(days=9)), now=at)
    ws.plan(s, world["leader"], node="441900102001002", planned_on=ws.today(T0), now=T0)  # planned only
    now = T0 + dt.timedelta(days=90)
    periods = [parse_period("all", now=now), parse_period("month", T0.date().isoformat(), now=now),
               parse_period("quarter", T0.date().isoformat(), now=now),
               of_days("custom", (T0 + dt.timedelta(days=3)).date(), (T0 + dt.timedelta(days=40)).date(), now=now)]
    nodes = {k: world.nodes[k] for k in ("city", "town1", "town2", "comm1", "grid1a", "grid2b")}
    seen_any = False
    for node in nodes.values():
        for per in periods:
            fig = ws.figures(s, world["city"], node, per)
            assert fig.total.as_dict() == _recount(world, node, per.since, per.until), (node.code, per)
            for child, tally in fig.by_child:
                assert tally.as_dict() == _recount(world, child, per.since, per.until), (child.code, per)
            seen_any |= fig.total.problems > 0
    assert seen_any
    total = ws.figures(s, world["leader"], nodes["city"], periods[0]).total
    assert (total.walks, total.problems, total.fixed, total.ledger) == (6, 8, 4, 4)
    assert total.closed == 4  # the ones fixed on the spot
