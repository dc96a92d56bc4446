"""Weak organisations (软弱涣散): a rule flags a community whose figures broke it two
quarters running (and not after one); a flag opens a rectification (a case of kind
``rectify`` kept out of the figures) whose plan is the case's ledger; it is cleared only when
the plan is done and the indicators recovered, or by the supervising leader by hand; the
yearly count per level."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.accountability import weak_service as ws
from huying.cases.models import OutboxMessage
from huying.cases.workflow import Kind
from huying.errors import IllegalTransition, NotPermitted, Refused
from huying.metrics import rollup
from tests.accountability.world import COMM1, NOW, TOWN1, duty_world, judged
from tests.cases.conftest import World

Q3 = dt.datetime(2025, 8, 4, 2, 0, tzinfo=dt.UTC)
Q4 = dt.datetime(2025, 11, 3, 2, 0, tzinfo=dt.UTC)
#: In April 2026 the latest complete quarter is 2026Q1, in which community 1 had no complaint.
APRIL = dt.datetime(2026, 4, 8, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def world(session: Session) -> World:
    w = duty_world(session)
    ws.save_rule(session, w["city"], ws.RuleIn("sat", "满意率连续两个季度低于80%", "community",
                                              "satisfaction_rate", "below", 0.8, 2), now=NOW)
    return w


def test_a_rule_flags_a_community_two_quarters_running_and_not_after_one(world: World) -> None:
    s = world.session
    judged(world, Q3, satisfied=True)
    judged(world, Q4, satisfied=False)
    assert ws.run_rules(s, world["city"], "2025Q4", now=NOW).flagged == []
    judged(world, Q3 + dt.timedelta(days=1), satisfied=False)
    judged(world, Q3 + dt.timedelta(days=2), satisfied=False)  # Q3: 1 of 3 satisfied
    out = ws.run_rules(s, world["city"], "2025Q4", now=NOW)
    assert out.flagged == [COMM1]
    [view] = ws.flags(s, world["town"], year=2025)
    assert view.case.kind == Kind.RECTIFICATION.value and view.flag.source == "rule"
    assert ws.run_rules(s, world["city"], "2025Q4", now=NOW).already == [COMM1]
    told = s.scalars(select(OutboxMessage.subject).where(OutboxMessage.subject.like(f"整顿通知 {view.case.code}%"))).all()
    assert told == [f"整顿通知 {view.case.code}：软弱涣散整顿：测试1社区（2025年）"]
    # the rectification is not a resident's problem: the figures do not count it
    figures = rollup.tree_figures(s, world.city_id, now=NOW)
    assert figures[COMM1].received == 4


def test_clearing_needs_the_plan_done_and_the_indicators_recovered(world: World) -> None:
    s = world.session
    judged(world, Q3, satisfied=False)
    judged(world, Q4, satisfied=False)
    [code] = ws.run_rules(s, world["city"], "2025Q4", now=NOW).flagged
    [view] = ws.flags(s, world["city"])
    fid = view.flag.id
    with pytest.raises(Refused, match="no plan yet"):
        ws.clear(s, world["town"], fid, note="已整改", now=APRIL)
    ws.open_plan(s, world["town"], fid, plan="班子调整、制度完善、群众回访", supervisor="leader", now=NOW,
                 milestones=[("调整班子", NOW + dt.timedelta(days=30)), ("回访群众", NOW + dt.timedelta(days=60))])
    view = ws.get_flag(s, world["town"], fid)
    with pytest.raises(Refused, match="still open"):
        ws.clear(s, world["town"], fid, note="已整改", now=APRIL)
    for m in view.milestones:
        ws.complete_milestone(s, world["community"], fid, m.id, note="完成", now=NOW + dt.timedelta(days=20))
    with pytest.raises(Refused, match="not recovered in 2025Q4"):
        ws.clear(s, world["town"], fid, note="已整改", now=NOW + dt.timedelta(days=21))
    ws.clear(s, world["town"], fid, note="班子调整到位，满意率回升", now=APRIL)
    view = ws.get_flag(s, world["town"], fid)
    assert view.flag.cleared_how == "recovered" and view.case.status == "closed" and view.progress == (2, 2)
    with pytest.raises((Refused, IllegalTransition)):
        ws.clear(s, world["town"], fid, note="again", now=APRIL)
    assert code == COMM1


def test_by_hand_flag_and_clear_by_the_supervising_leader_only(world: World) -> None:
    s = world.session
    with pytest.raises(NotPermitted):
        ws.flag_by_hand(s, world["community"], COMM1, "自己标记自己", now=NOW)
    flag = ws.flag_by_hand(s, world["town"], COMM1, "班子不团结，组织生活不正常", now=NOW)
    with pytest.raises(Refused, match="already identified"):
        ws.flag_by_hand(s, world["city"], COMM1, "重复", now=NOW)
    ws.open_plan(s, world["town"], flag.id, plan="整顿", supervisor="leader", now=NOW,
                 milestones=[("谈心谈话", NOW + dt.timedelta(days=10))])
    with pytest.raises(NotPermitted):  # a town officer never clears by hand
        ws.clear_by_hand(s, world["town"], flag.id, reason="我说好了", now=NOW)
    ws.clear_by_hand(s, world["leader"], flag.id, reason="经市委组织部验收，整顿到位", now=NOW)
    assert ws.get_flag(s, world["town"], flag.id).flag.cleared_how == "by_hand"
    town_flag = ws.flag_by_hand(s, world["city"], TOWN1, "镇党委抓党建责任落实不到位", now=NOW)
    counts = {(c.year, c.level): (c.identified, c.rectified, c.still_open) for c in ws.yearly_counts(s, world["city"])}
    assert counts == {(2026, "community"): (1, 1, 0), (2026, "town"): (1, 0, 1)}
    assert [v.flag.id for v in ws.flags(s, world["town2"])] == []
    assert town_flag.id in [v.flag.id for v in ws.flags(s, world["leader"])]


def test_quarters_count_back_across_years() -> None:
    assert ws.previous("2026Q1") == "2025Q4" and ws.previous("2025Q3", 3) == "2024Q4"
    assert ws.latest_complete(NOW) == "2025Q4"
