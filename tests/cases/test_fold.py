"""The case row is derivable from its events: random legal walks, then fold(events) == case."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect

from huying.cases import jobs, record
from huying.cases import service as svc
from huying.cases.models import Case
from huying.cases.policy import allowed_for
from huying.cases.workflow import Action, Status
from huying.errors import InvalidInput
from tests.cases.conftest import T0, World

UNITS = ["441900101001-party", "441900101001001-team", "441900101-dept-urban_management",
         "441900101-dept-housing", "441900-dept-urban_management", "441900101-party"]
PERSONAS = ["resident", "gridworker", "community", "town", "city", "handler", "cityhandler", "leader", "admin"]


def _params(action: Action, case: Case, data: st.DataObject, now: dt.datetime) -> dict[str, Any]:
    d = data.draw
    if action is Action.CLASSIFY:
        return {"category": d(st.sampled_from(["01", "01.01", "08"])),
                "priority": d(st.sampled_from(["low", "normal", "urgent"]))}
    if action in (Action.DISPATCH, Action.TRANSFER):
        return {"unit": d(st.sampled_from(UNITS))}
    if action is Action.ADD_COHANDLER:
        return {"units": [d(st.sampled_from(UNITS))]}
    if action is Action.REQUEST_EXTENSION:
        return {"days": d(st.integers(1, 5)), "note": "需要更多时间"}
    if action in (Action.RETURN, Action.REFUSE_EXTENSION):
        return {"note": "理由"}
    if action is Action.MARK_HANDLED:
        return {"evidence": "已处理"}
    if action in (Action.FOLLOW_UP, Action.REOPEN):
        sat = "不满意" if action is Action.REOPEN else d(st.sampled_from(["满意", "基本满意"]))
        return {"satisfaction": sat, "method": d(st.sampled_from(["phone", "visit", "online"]))}
    if action is Action.CLOSE:
        return {"resolution": "办结", "no_followup_reason": "联系不上" if case.status == "handled" else None}
    if action is Action.REJECT:
        return {"reason": d(st.sampled_from(["not_actionable", "duplicate", "not_our_responsibility"]))}
    if action is Action.SUPERVISE:
        return {"reason": "请加快办理"}
    if action is Action.OPEN_LEDGER:
        return {"plan": "分两步整改", "milestones": [("第一步", now + dt.timedelta(days=3))], "supervisor_id": None}
    return {}


def assert_folds(world: World, case: Case) -> None:
    state = record.fold(svc.events_of(world.session, case))
    columns = {c.key for c in inspect(Case).mapper.column_attrs} - {"id", "city_id"}
    for key in sorted(columns):
        assert key in state, f"no event ever set {key}"
        assert state[key] == getattr(case, key), f"{key}: events say {state[key]!r}, row says {getattr(case, key)!r}"
    assert state["cohandler_ids"] == sorted(o.id for o in svc.cohandlers_of(world.session, case))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_legal_walks_fold_back_to_the_case(world: World, data: st.DataObject) -> None:
    s = world.session
    now = T0 + dt.timedelta(hours=data.draw(st.integers(0, 2000)))
    case = world.report(data.draw(st.sampled_from(["resident", "gridworker", "community"])), now=now)
    steps = data.draw(st.integers(1, 14))
    for _ in range(steps):
        now += dt.timedelta(hours=data.draw(st.integers(0, 60)))
        if case.sweep_at is not None and case.sweep_at <= now and data.draw(st.booleans()):
            jobs.overdue_step(s, case, now, escalate_after=2)
            continue
        options = [(p, a) for p in PERSONAS for a in allowed_for(s, world[p], case)]
        if not options:
            break
        persona, action = data.draw(st.sampled_from(options))
        try:
            svc.perform(s, case, world[persona], action.value, now=now, params=_params(action, case, data, now))
        except InvalidInput:
            s.rollback()
            s.refresh(case)
        if case.status in (Status.CLOSED, Status.REJECTED):
            break
    s.refresh(case)
    assert_folds(world, case)
    WALKED.update(e.action for e in svc.events_of(s, case))


WALKED: set[str] = set()


def test_the_walks_reach_the_whole_table() -> None:
    """Guards the walk itself: across the examples it took most actions of the table."""
    if not WALKED:
        import pytest

        pytest.skip("the walk test did not run in this session")
    assert len(WALKED) >= 10, WALKED


def test_a_tampered_history_does_not_fold(world: World) -> None:
    case = world.report()
    events = svc.events_of(world.session, case)
    events[0].to_status = "closed"
    import pytest

    with pytest.raises(record.CorruptHistory):
        record.fold(events)
    world.session.rollback()
