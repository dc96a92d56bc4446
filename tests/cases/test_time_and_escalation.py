"""Deadlines over holidays with fixed clocks, the sweeper's warnings, overdue marks and
notices, and the escalation chain community → town → city."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from huying.cases import jobs
from huying.cases import service as svc
from huying.cases.models import SupervisionNotice
from huying.cases.workflow import Status
from huying.errors import InvalidInput, NotPermitted, Refused
from tests.cases.conftest import World

CST = dt.timezone(dt.timedelta(hours=8))


def cst(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CST).astimezone(dt.UTC)


def test_handling_deadline_skips_the_national_day_holiday(world: World) -> None:
    s = world.session
    case = world.report(now=cst(2025, 9, 30, 10, 0))
    # dispatch step: 2 working hours from 10:00 → 12:00 the same day
    assert case.due_at == cst(2025, 9, 30, 12, 0)
    svc.dispatch(s, case, world["community"], unit="441900101001-party", now=cst(2025, 9, 30, 10, 30))
    svc.accept(s, case, world["community"], now=cst(2025, 9, 30, 11, 0))
    # 5 working days after 9/30: 10/9, 10/10, 10/11 (make-up Saturday), 10/13, 10/14
    assert case.due_at == cst(2025, 10, 14, 18, 0)


def test_urgent_cases_get_shorter_deadlines_and_category_rules_apply(world: World) -> None:
    s = world.session
    from huying.cityconfig import deadlines
    from huying.cityconfig.categories import get_by_code
    from huying.cityconfig.models import SlaRuleRow

    cat = get_by_code(s, world.city_id, "08")  # a level-1 category of the shipped tree
    assert cat is not None
    s.add(SlaRuleRow(city_id=world.city_id, category_id=cat.id, priority=None, step="dispatch",
                     amount=1, unit="hours"))
    s.commit()
    deadlines.invalidate()
    try:
        leaf = world.session.scalars(select(type(cat)).where(type(cat).path.startswith(cat.path),
                                                              type(cat).level == 3)).first()
        assert leaf is not None
        case = world.report(now=cst(2025, 3, 3, 10, 0), category=leaf.code)
        assert case.due_at == cst(2025, 3, 3, 11, 0)
        urgent = world.report(now=cst(2025, 3, 3, 10, 0), priority="urgent")
        assert urgent.due_at == cst(2025, 3, 3, 11, 0)
        normal = world.report(now=cst(2025, 3, 3, 10, 0))
        assert normal.due_at == cst(2025, 3, 3, 12, 0)
    finally:
        deadlines.invalidate()


def test_the_sweeper_warns_then_marks_overdue_then_escalates(world: World) -> None:
    s = world.session
    case = world.report(now=cst(2025, 3, 3, 10, 0))
    svc.dispatch(s, case, world["community"], unit="441900101001-party", now=cst(2025, 3, 3, 10, 0))
    svc.accept(s, case, world["community"], now=cst(2025, 3, 3, 10, 0))
    due = case.due_at
    assert due == cst(2025, 3, 10, 18, 0)
    assert case.sweep_at is not None and case.sweep_at < due  # the warning comes first
    assert jobs.overdue_step(s, case, case.sweep_at, escalate_after=2) == "warned"
    assert case.warned and case.sweep_at == due
    assert jobs.overdue_step(s, case, due, escalate_after=2) == "overdue"
    assert case.overdue_periods == 1 and case.ever_overdue and case.status == Status.IN_PROGRESS
    notice = s.scalars(select(SupervisionNotice).where(SupervisionNotice.case_id == case.id)).one()
    assert notice.source == "overdue" and notice.unit_id == world.units["comm1_party"].id
    assert jobs.overdue_step(s, case, case.sweep_at, escalate_after=2) == "overdue"
    assert case.overdue_periods == 2
    assert jobs.overdue_step(s, case, case.sweep_at, escalate_after=2) == "escalated"
    assert case.status == Status.DISPATCHED and case.handling_level == "town"
    assert case.unit_id == world.units["town1_party"].id and case.overdue_periods == 0


def test_overdue_periods_follow_one_another_a_period_apart(world: World) -> None:
    """A case left overdue gets one mark (and one notice) per SLA period, never a burst."""
    s = world.session
    case = world.report(now=cst(2025, 3, 3, 10, 0))
    svc.dispatch(s, case, world["community"], unit="441900101001-party", now=cst(2025, 3, 3, 10, 0))
    svc.accept(s, case, world["community"], now=cst(2025, 3, 3, 10, 0))
    marks = []
    for _ in range(5):
        assert case.sweep_at is not None
        done = jobs.overdue_step(s, case, case.sweep_at, escalate_after=99)
        if done == "overdue":
            marks.append(case.sweep_at)
    # 5 working days per period: 3/10 18:00 → 3/17 → 3/24 → 3/31 (the next sweep moments)
    assert marks == [cst(2025, 3, 17, 18, 0), cst(2025, 3, 24, 18, 0), cst(2025, 3, 31, 18, 0),
                     cst(2025, 4, 8, 18, 0)]
    # a sweeper that was away a month marks once and then waits a whole period from now
    jobs.overdue_step(s, case, cst(2025, 5, 6, 9, 0), escalate_after=99)
    assert case.sweep_at == cst(2025, 5, 13, 18, 0)  # 5 working days, to the close of business
    notices = s.scalars(select(SupervisionNotice).where(SupervisionNotice.case_id == case.id)).all()
    assert len(notices) == case.overdue_periods == 5


def test_escalation_starts_a_new_clock_even_from_dispatched(world: World) -> None:
    s = world.session
    case = world.report(now=cst(2025, 3, 3, 10, 0))
    svc.dispatch(s, case, world["community"], unit="441900101001-party", now=cst(2025, 3, 3, 10, 0))
    assert case.status == Status.DISPATCHED and case.due_at is not None
    late = cst(2025, 3, 5, 10, 0)
    assert case.due_at < late
    svc.escalate(s, case, world["community"], note="社区无法协调", now=late)
    assert case.status == Status.DISPATCHED and case.handling_level == "town"
    assert case.due_at is not None and case.due_at > late  # the town gets its own deadline
    assert case.overdue_periods == 0 and not case.warned


def test_escalation_chain_community_town_city(world: World, at) -> None:  # type: ignore[no-untyped-def]
    s = world.session
    case = world.report()
    svc.dispatch(s, case, world["community"], unit="441900101001-party", now=at(hours=1))
    svc.accept(s, case, world["community"], now=at(hours=2))
    svc.escalate(s, case, world["community"], note="社区无法协调", now=at(hours=3))
    assert (case.handling_level, case.unit_id) == ("town", world.units["town1_party"].id)
    with pytest.raises(NotPermitted):  # the community no longer holds it
        svc.escalate(s, case, world["community"], now=at(hours=4))
    svc.accept(s, case, world["town"], now=at(hours=4))
    svc.escalate(s, case, world["town"], note="涉及跨镇街", now=at(hours=5))
    assert (case.handling_level, case.unit_id) == ("city", world.units["city_party"].id)
    with pytest.raises(InvalidInput, match="city level"):
        svc.escalate(s, case, world["city"], now=at(hours=6))
    svc.accept(s, case, world["city"], now=at(hours=6))
    svc.mark_handled(s, case, world["city"], evidence="市里协调解决", now=at(hours=30))
    svc.follow_up(s, case, world["community"], satisfaction="满意", now=at(hours=31))
    svc.close(s, case, world["community"], now=at(hours=32))
    actions = [e.action for e in svc.events_of(s, case)]
    assert actions.count("escalate") == 2 and actions[-1] == "close"
    assert case.escalations == 2


def test_escalate_to_a_named_unit_must_be_at_the_next_level(world: World, at) -> None:  # type: ignore[no-untyped-def]
    s = world.session
    case = world.report()
    with pytest.raises(InvalidInput, match="not a town-level unit"):
        svc.escalate(s, case, world["community"], unit="441900102-dept-housing", now=at(hours=1))
    svc.escalate(s, case, world["community"], unit="441900101-dept-housing", now=at(hours=1))
    assert case.unit_id == world.units["town1_housing"].id


def test_a_leader_supervises_and_the_unit_replies(world: World, at) -> None:  # type: ignore[no-untyped-def]
    s = world.session
    case = world.report()
    svc.dispatch(s, case, world["town"], unit="441900101-dept-urban_management", now=at(hours=1))
    notice = svc.supervise(s, case, world["leader"], reason="群众反映强烈，请三日内办结", now=at(hours=2))
    assert notice.unit_id == world.units["town1_urban"].id and notice.reply_due_at > at(hours=2)
    with pytest.raises(NotPermitted):
        svc.reply_notice(s, notice, world["handler2"], reply="x", now=at(hours=3))
    svc.reply_notice(s, notice, world["handler"], reply="已安排人员，明天处理", now=at(hours=3))
    assert not notice.is_late(at(hours=100))
    with pytest.raises(InvalidInput, match="already"):
        svc.reply_notice(s, notice, world["handler"], reply="again", now=at(hours=4))


def test_a_late_reply_is_recorded_as_late(world: World, at) -> None:  # type: ignore[no-untyped-def]
    s = world.session
    case = world.report()
    notice = svc.supervise(s, case, world["town"], reason="请尽快分派", now=at(hours=1))
    assert notice.unit_id == world.units["comm1_party"].id  # not dispatched: the community answers
    late = notice.reply_due_at + dt.timedelta(hours=1)
    assert notice.is_late(late)
    svc.reply_notice(s, notice, world["community"], reply="迟复", now=late)
    assert notice.is_late(late)


def test_an_overdue_ledger_milestone_raises_a_notice(fresh_engine, at) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.orm import Session

    from huying.geo import service as geo
    from tests.cases.conftest import build_world

    geo.clear_index_cache()
    with Session(fresh_engine, expire_on_commit=False) as s:
        world = build_world(s)
        case = world.report()
        svc.dispatch(s, case, world["community"], unit="441900101001-party", now=at(hours=1))
        svc.accept(s, case, world["community"], now=at(hours=1))
        svc.open_ledger(s, case, world["community"], plan="先排查，再维修",
                        milestones=[("排查", at(days=2)), ("维修", at(days=10))],
                        supervisor_id=world["leader"].user_id, now=at(hours=2))
    report = jobs.sweep(fresh_engine, now=at(days=3), escalate_after=99)
    assert report.milestones == 1
    assert jobs.sweep(fresh_engine, now=at(days=3), escalate_after=99).milestones == 0
    with Session(fresh_engine) as s:
        notices = s.scalars(select(SupervisionNotice).where(SupervisionNotice.source == "milestone")).all()
        assert len(notices) == 1 and "排查" in notices[0].reason


def test_the_ledger_view_of_a_node(world: World, at) -> None:  # type: ignore[no-untyped-def]
    s = world.session
    case = world.report()
    svc.dispatch(s, case, world["community"], unit="441900101001-party", now=at(hours=1))
    svc.accept(s, case, world["community"], now=at(hours=1))
    svc.open_ledger(s, case, world["community"], plan="分两步", milestones=[("一", at(days=2)), ("二", at(days=9))],
                    supervisor_id=world["leader"].user_id, now=at(hours=2))
    rows, total = svc.ledgers_under(s, world["town"], node_path=world.nodes["town1"].path)
    assert total == 1
    assert [r.case.code for r in rows] == [case.code]
    assert [m.title for m in rows[0].overdue_milestones(at(days=3))] == ["一"]
    assert svc.ledgers_under(s, world["town2"]) == ([], 0)
    assert svc.ledgers_under(s, world["admin"], node_path=world.nodes["town2"].path) == ([], 0)
    with pytest.raises(Refused, match="already has a ledger"):
        svc.open_ledger(s, case, world["community"], plan="again", milestones=[("x", at(days=5))],
                        supervisor_id=None, now=at(hours=3))
    with pytest.raises(InvalidInput, match="future"):
        svc.open_ledger(s, world.report(), world["community"], plan="p", milestones=[("x", at(hours=-1))],
                        supervisor_id=None, now=at(hours=3))
