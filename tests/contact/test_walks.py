"""Inspection walks (行走): planned privately, started, problems found on the spot (fixed on
the spot or put on a ledger, each a case through intake), ended; seen within scope only once
started. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from huying.cases.models import Case, Ledger
from huying.contact import walk_service as ws
from huying.contact.walk_models import WalkCase, WalkStatus
from huying.errors import InvalidInput, NotPermitted, NotVisible, Refused
from tests.cases.conftest import T0, World

DAY = T0.date()  # 2025-03-03 (09:30 in Dongguan)
GRID1A = "441900101001001"


def planned(world: World, persona: str = "town", node: str = GRID1A, place: str | None = "人民路口") -> int:
    return ws.plan(world.session, world[persona], node=node, planned_on=DAY, place=place, now=T0).id


def fixed(what: str = "路灯不亮", lon: float = 113.05) -> ws.ProblemIn:
    return ws.ProblemIn(what=what, outcome="fixed_on_spot", lon=lon, lat=23.05, evidence="已当场修复")


def on_ledger(what: str = "道路坑洼需要修补") -> ws.ProblemIn:
    return ws.ProblemIn(what=what, outcome="ledger", lon=113.05, lat=23.05, plan="月底前修补完毕",
                        due=DAY + dt.timedelta(days=20))


def test_a_planned_walk_is_seen_by_its_planner_alone(world: World) -> None:
    wid = planned(world)
    s = world.session
    assert ws.get_walk(s, world["town"], wid).node.code == GRID1A
    for persona in ("admin", "city", "leader", "community", "gridworker", "town2", "resident"):
        with pytest.raises(NotVisible):
            ws.get_walk(s, world[persona], wid)
        if persona in {"city", "leader", "community", "town2"}:
            assert ws.list_walks(s, world[persona]) == (0, [])
        else:
            with pytest.raises(NotPermitted):
                ws.list_walks(s, world[persona])


def test_once_started_it_is_seen_within_the_destinations_scope(world: World) -> None:
    wid = planned(world)
    ws.start(world.session, world["town"], wid, now=T0)
    s = world.session
    for persona in ("town", "city", "leader", "community"):
        assert ws.get_walk(s, world[persona], wid).walk.status == WalkStatus.STARTED
        assert ws.list_walks(s, world[persona])[0] == 1
    for persona in ("town2", "community2", "gridworker", "resident", "handler", "admin"):
        with pytest.raises(NotVisible):
            ws.get_walk(s, world[persona], wid)
        if persona in {"town2", "community2"}:
            assert ws.list_walks(s, world[persona])[0] == 0


def test_who_may_plan_and_where(world: World) -> None:
    s = world.session
    assert ws.PLANNERS == {"leader", "city_officer", "town_officer"}
    for persona in ("gridworker", "resident", "handler", "admin", "community"):
        with pytest.raises(NotPermitted):
            ws.plan(s, world[persona], node=GRID1A, planned_on=DAY, now=T0)
    with pytest.raises(InvalidInput, match="node"):
        ws.plan(s, world["town2"], node=GRID1A, planned_on=DAY, now=T0)  # outside town 2
    with pytest.raises(InvalidInput, match="node"):
        ws.plan(s, world["leader"], node="441900", planned_on=DAY, now=T0)  # the whole city
    with pytest.raises(InvalidInput, match="planned_on"):
        ws.plan(s, world["town"], node=GRID1A, planned_on=DAY - dt.timedelta(days=1), now=T0)
    with pytest.raises(InvalidInput, match="place"):
        ws.plan(s, world["town"], node=GRID1A, planned_on=DAY, place="x" * 201, now=T0)
    assert ws.plan(s, world["town"], node="441900101001", planned_on=DAY, now=T0).id


def test_only_the_planner_walks_it_in_order(world: World) -> None:
    wid = planned(world, "leader")
    s = world.session
    with pytest.raises(Refused):
        ws.record_problem(s, world["leader"], wid, fixed(), now=T0)  # not started
    with pytest.raises(Refused):
        ws.end(s, world["leader"], wid, now=T0)
    ws.start(s, world["leader"], wid, now=T0)
    with pytest.raises(NotPermitted):
        ws.record_problem(s, world["town"], wid, fixed(), now=T0)  # sees it, did not plan it
    with pytest.raises(Refused):
        ws.start(s, world["leader"], wid, now=T0)
    ws.end(s, world["leader"], wid, now=T0 + dt.timedelta(hours=2))
    with pytest.raises(Refused):
        ws.record_problem(s, world["leader"], wid, fixed(), now=T0 + dt.timedelta(hours=3))


def test_a_problem_fixed_on_the_spot_is_a_closed_case_of_the_walk_channel(world: World) -> None:
    wid = planned(world)
    s = world.session
    ws.start(s, world["town"], wid, now=T0)
    link, case = ws.record_problem(s, world["town"], wid, fixed(), now=T0 + dt.timedelta(minutes=5))
    assert case.status == "closed" and case.channel == "inspection_walk"
    assert case.resolution == "已当场修复"
    assert link.outcome == "fixed_on_spot" and link.walk_id == wid
    assert [c.code for _, c in ws.get_walk(s, world["town"], wid).problems] == [case.code]


@pytest.mark.parametrize("persona", ["town", "leader", "city"])
def test_a_problem_put_on_a_ledger_is_dispatched_with_a_ledger(world: World, persona: str) -> None:
    wid = planned(world, persona)
    s = world.session
    ws.start(s, world[persona], wid, now=T0)
    link, case = ws.record_problem(s, world[persona], wid, on_ledger(), now=T0 + dt.timedelta(minutes=5))
    assert case.status == "dispatched" and case.unit_id is not None and case.channel == "inspection_walk"
    ledger = s.scalar(select(Ledger).where(Ledger.case_id == case.id))
    assert ledger is not None and ledger.plan == "月底前修补完毕"
    assert (ledger.supervisor_id is not None) == (persona == "leader")
    assert link.outcome == "ledger"


def test_bad_problems_store_nothing(world: World) -> None:
    wid = planned(world)
    s = world.session
    ws.start(s, world["town"], wid, now=T0)
    before = s.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))
    bad = [
        (ws.ProblemIn(what="", outcome="fixed_on_spot", lon=113.05, lat=23.05, evidence="x"), "what"),
        (ws.ProblemIn(what="坑", outcome="maybe", lon=113.05, lat=23.05), "outcome"),
        (ws.ProblemIn(what="坑", outcome="fixed_on_spot", lon=113.05, lat=23.05), "evidence"),
        (ws.ProblemIn(what="坑", outcome="ledger", lon=113.05, lat=23.05, due=DAY + dt.timedelta(days=3)), "plan"),
        (ws.ProblemIn(what="坑", outcome="ledger", lon=113.05, lat=23.05, plan="修", due=DAY), "due"),
        (fixed(lon=113.25), "location"),  # town 2: outside the walk's grid
    ]
    for data, name in bad:
        with pytest.raises(InvalidInput, match=name):
            ws.record_problem(s, world["town"], wid, data, now=T0)
    assert s.scalar(select(Case.id).order_by(Case.id.desc()).limit(1)) == before
    assert s.scalar(select(WalkCase.id)) is None
