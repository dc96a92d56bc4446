"""Each rule of the loop in one place, and the defects that came from having two: "overdue"
(lists and figures agree even between sweeps), the channel (from who reports and how, never
from the client), the audience of each event (no internal note reaches a resident), close
on a merged case, the commands' parameters (a bug is not bad input) and the outbox's expiry."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.cases import notify, timing
from huying.cases import service as svc
from huying.cases.models import Case, CaseEvent, OutboxMessage
from huying.cases.policy import allowed_for
from huying.cases.workflow import Action
from huying.errors import IllegalTransition, NotPermitted
from huying.metrics import rollup
from tests.cases.conftest import T0, World, build_world

# ----------------------------------------------------------------------------- overdue


def test_a_case_closed_after_its_deadline_before_any_sweep_is_not_on_time(world: World) -> None:
    s = world.session
    case = world.report(channel="resident_web")
    svc.dispatch(s, case, world["community"], unit="441900101001-party", now=T0)
    assert case.due_at is not None
    late = case.due_at + dt.timedelta(hours=1)
    assert timing.is_overdue(case, late)  # the lists say so ...
    listed = s.scalar(select(func.count()).select_from(Case).where(Case.id == case.id, timing.overdue_clause(late)))
    assert listed == 1
    svc.accept(s, case, world["community"], now=late)  # ... and the command, coming first, marks it
    actions = [e.action for e in svc.events_of(s, case)]
    assert actions[-2:] == ["overdue", "accept"] and case.ever_overdue
    svc.mark_handled(s, case, world["community"], evidence="修好了", now=late)
    svc.close(s, case, world["community"], no_followup_reason="联系不上", now=late)
    node = world.nodes["city"]
    figures = rollup.figures(s, world.city_id, node.code, now=late + dt.timedelta(days=1))["node"]
    assert figures["closed"] == 1 and figures["on_time_rate"] == 0.0  # ... and the figures agree


def test_overdue_is_one_rule_in_python_and_in_sql(world: World) -> None:
    s = world.session
    cases = [world.report(now=T0 + dt.timedelta(hours=h)) for h in range(4)]
    svc.reject(s, cases[0], world["community"], reason="not_actionable", now=T0)
    for when in (T0, T0 + dt.timedelta(days=2), T0 + dt.timedelta(days=30)):
        python = {c.id for c in cases if timing.is_overdue(c, when)}
        sql = set(s.scalars(select(Case.id).where(Case.id.in_([c.id for c in cases]), timing.overdue_clause(when))))
        assert python == sql


# ----------------------------------------------------------------------------- channel


def test_a_resident_cannot_claim_a_leaders_channel(api) -> None:  # type: ignore[no-untyped-def]
    client, h, _ = api
    body = {"title": "路灯不亮", "lon": 113.05, "lat": 23.05, "channel": "inspection_walk"}
    r = client.post("/api/v1/cases", json=body, headers=h["resident"])
    assert r.status_code == 403 and "resident_web" in r.json()["detail"]
    ok = client.post("/api/v1/cases", json={**body, "channel": None}, headers=h["resident"])
    assert ok.status_code == 201 and ok.json()["channel"] == "resident_web"
    walk = client.post("/api/v1/cases", json=body, headers=h["leader"])
    assert walk.status_code == 201 and walk.json()["channel"] == "inspection_walk"
    patrol = client.post("/api/v1/cases", json={**body, "channel": None}, headers=h["gridworker"])
    assert patrol.json()["channel"] == "grid_patrol"


# ----------------------------------------------------------------------------- audience


def test_a_residents_timeline_never_shows_an_internal_note(api) -> None:  # type: ignore[no-untyped-def]
    client, h, _ = api
    code = client.post("/api/v1/cases", json={"title": "路灯不亮", "lon": 113.05, "lat": 23.05},
                       headers=h["resident"]).json()["code"]
    internal = ["请设施维护队今天内修复", "需要采购灯具", "请尽快", "不属于我们"]
    steps = [
        ("community", "dispatch", {"unit": "441900101001-party", "note": internal[0]}),
        ("leader", "supervise", {"reason": internal[2]}),
        ("community", "return", {"note": internal[3]}),
        ("community", "dispatch", {"unit": "441900101001-party", "note": internal[0]}),
        ("community", "accept", {}),
        ("community", "request_extension", {"days": 2, "note": internal[1]}),
        ("leader", "approve_extension", {"note": internal[1]}),
        ("community", "mark_handled", {"evidence": "已更换灯泡"}),
    ]
    for persona, action, body in steps:
        r = client.post(f"/api/v1/cases/{code}/actions/{action}", json=body, headers=h[persona])
        assert r.status_code == 200, (action, r.text)
    mine = client.get(f"/api/v1/cases/{code}", headers=h["resident"]).json()
    text = str(mine["events"])
    assert not any(note in text for note in internal), text
    assert [e["action"] for e in mine["events"]][-1] == "mark_handled"
    assert mine["events"][-1]["note"] == "已更换灯泡"  # the evidence is for the reporter
    assert "supervise" not in {e["action"] for e in mine["events"]}
    staff = client.get(f"/api/v1/cases/{code}", headers=h["community"]).json()
    assert internal[0] in str(staff["events"])  # the office reads its own notes
    public = client.get(f"/api/v1/public/cases/{code}").json()
    assert {e["action"] for e in public["events"]} <= {"report", "dispatch", "return", "accept",
                                                       "approve_extension", "mark_handled"}
    assert not any(note in str(public) for note in internal)


def test_the_residents_message_does_not_carry_an_internal_note(world: World) -> None:
    s = world.session
    case = world.report()
    svc.dispatch(s, case, world["community"], unit="441900101001-party", note="内部：先别告诉居民", now=T0)
    svc.accept(s, case, world["community"], now=T0)
    svc.reject(s, world.report(), world["community"], reason="not_actionable", note="不属实", now=T0)
    bodies = [m.body for m in s.scalars(select(OutboxMessage).where(OutboxMessage.recipient_kind == "user"))]
    assert bodies and not any("内部" in b for b in bodies)


# ----------------------------------------------------------------------------- merged


def test_close_is_not_offered_on_a_merged_case(world: World) -> None:
    s = world.session
    primary, dupe = world.report(), world.report("resident2")
    svc.merge(s, dupe, world["community"], into=primary.code, now=T0)
    for persona in ("community", "town", "city", "admin"):
        assert Action.CLOSE not in allowed_for(s, world[persona], dupe)
    with pytest.raises(IllegalTransition):
        svc.close(s, dupe, world["community"], now=T0)


# ----------------------------------------------------------------------------- commands


def test_a_bug_inside_a_command_is_not_bad_input(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    case = world.report()

    def broken(*args: object, **kwargs: object) -> None:
        raise TypeError("a bug")

    from huying.cases import commands

    monkeypatch.setitem(commands.SPECS, Action.ACCEPT, commands.Spec(commands.NoteOnly, broken))
    svc.dispatch(world.session, case, world["community"], unit="441900101001-party", now=T0)
    with pytest.raises(TypeError, match="a bug"):
        svc.perform(world.session, case, world["community"], "accept", now=T0, params={})


def test_a_parameter_a_command_does_not_take_is_named(world: World) -> None:
    from huying.errors import InvalidInput

    case = world.report()
    with pytest.raises(InvalidInput, match="dispatch takes no 'days'") as err:
        svc.perform(world.session, case, world["community"], "dispatch", now=T0,
                    params={"unit": "441900101001-party", "days": 3})
    assert err.value.field == "days"


def test_the_report_check_is_the_same_on_every_channel(api) -> None:  # type: ignore[no-untyped-def]
    client, h, world = api
    long_title = "灯" * 201
    r = client.post("/api/v1/cases", json={"title": long_title, "lon": 113.05, "lat": 23.05}, headers=h["resident"])
    assert r.status_code == 422
    from huying.cases.reports import ReportIn, problems

    assert problems(ReportIn(title=long_title, lon=113.05, lat=23.05)) == [("title", "longer than 200 characters")]
    assert problems(ReportIn(title="x\x07", lon=113.05, lat=23.05)) == [("title", "contains a control character")]


def test_a_role_that_never_may_is_told_so_before_its_parameters(world: World) -> None:
    case = world.report()
    with pytest.raises(NotPermitted):
        svc.perform(world.session, case, world["resident"], "dispatch", now=T0, params={"bogus": 1})


# ----------------------------------------------------------------------------- outbox


def test_stale_messages_expire_and_are_never_sent(fresh_engine: Engine) -> None:
    with Session(fresh_engine, expire_on_commit=False) as s:
        world = build_world(s)
        old = world.report(now=T0)
        svc.dispatch(s, old, world["community"], unit="441900101001-party", now=T0)
        fresh = world.report(now=T0 + dt.timedelta(days=30))
        fresh_code = fresh.code
    sender = notify.LogNotifier()
    report = notify.deliver(fresh_engine, sender, now=T0 + dt.timedelta(days=30, hours=1), limit=1000)
    assert report.expired >= 2 and report.sent == 1
    assert [m.subject for m in sender.sent] == [f"您反映的问题已受理，编号 {fresh_code}"]
    with Session(fresh_engine) as s:
        statuses = dict(s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
        assert statuses == {"expired": report.expired, "sent": 1}
        assert s.scalar(select(func.count()).select_from(CaseEvent)) >= 3  # the events stay
