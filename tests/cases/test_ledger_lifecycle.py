"""A ledger and its supervision notices live and end with their case: milestones are completed
(service, API, CLI), a ledger closes with its last milestone or its case, the milestone sweep
looks only at open ledgers of open cases, and the notices still open when a case ends are
closed with the reason. Before, nothing completed a milestone or closed a ledger, and the
first sweep of the demo issued notices about milestones of cases closed months before."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from huying.cases import jobs
from huying.cases import service as svc
from huying.cases.models import Ledger, Milestone, SupervisionNotice
from tests.cases.conftest import T0, World, build_world


def _with_ledger(world: World, *, days: tuple[int, ...] = (2, 9)):  # type: ignore[no-untyped-def]
    s = world.session
    case = world.report()
    svc.dispatch(s, case, world["community"], unit="441900101001-party", now=T0)
    svc.accept(s, case, world["community"], now=T0)
    ledger = svc.open_ledger(s, case, world["community"], plan="分步整改",
                             milestones=[(f"第{d}天", T0 + dt.timedelta(days=d)) for d in days],
                             supervisor_id=world["leader"].user_id, now=T0)
    return case, ledger


def _milestones(s: Session, ledger: Ledger) -> list[Milestone]:
    return list(s.scalars(select(Milestone).where(Milestone.ledger_id == ledger.id).order_by(Milestone.id)))


def test_completing_the_last_milestone_closes_the_ledger(world: World) -> None:
    s = world.session
    case, ledger = _with_ledger(world)
    first, last = _milestones(s, ledger)
    svc.complete_milestone(s, case, world["community"], milestone=first.id, now=T0, note="已排查")
    s.refresh(ledger)
    assert first.done_at == T0 and ledger.closed_at is None
    svc.complete_milestone(s, case, world["community"], milestone=last.id, now=T0 + dt.timedelta(hours=1))
    s.refresh(ledger)
    assert ledger.closed_at == T0 + dt.timedelta(hours=1)
    assert [e.action for e in svc.events_of(s, case)][-2:] == ["complete_milestone", "complete_milestone"]


def test_a_closed_case_closes_its_ledger_and_its_open_notices(world: World) -> None:
    s = world.session
    case, ledger = _with_ledger(world)
    notice = svc.supervise(s, case, world["leader"], reason="请加快", now=T0)
    svc.mark_handled(s, case, world["community"], evidence="已修复", now=T0 + dt.timedelta(hours=2))
    svc.follow_up(s, case, world["community"], satisfaction="满意", now=T0 + dt.timedelta(hours=3))
    svc.close(s, case, world["community"], now=T0 + dt.timedelta(hours=4))
    s.refresh(ledger)
    s.refresh(notice)
    assert ledger.closed_at == T0 + dt.timedelta(hours=4)
    assert notice.closed_at == T0 + dt.timedelta(hours=4) and "已办结" in (notice.closed_reason or "")
    assert not notice.is_late(T0 + dt.timedelta(days=30))  # closed in time: not late for ever


def test_the_sweep_ignores_the_milestones_of_ended_cases(fresh_engine: Engine) -> None:
    with Session(fresh_engine, expire_on_commit=False) as s:
        world = build_world(s)
        case, ledger = _with_ledger(world)
        open_case, _ = _with_ledger(world)
        svc.mark_handled(s, case, world["community"], evidence="已修复", now=T0 + dt.timedelta(hours=2))
        svc.close(s, case, world["community"], no_followup_reason="联系不上", now=T0 + dt.timedelta(hours=3))
    report = jobs.sweep(fresh_engine, now=T0 + dt.timedelta(days=20), escalate_after=99)
    with Session(fresh_engine) as s:
        about = set(s.scalars(select(SupervisionNotice.case_id).where(SupervisionNotice.source == "milestone")))
    assert about == {open_case.id}  # two overdue milestones of the open case, none of the closed one
    assert report.milestones == 2


def test_the_ledger_lists_open_ledgers_first(world: World) -> None:
    s = world.session
    done, done_ledger = _with_ledger(world, days=(1,))
    svc.complete_milestone(s, done, world["community"], milestone=_milestones(s, done_ledger)[0].id, now=T0)
    open_case, _ = _with_ledger(world)
    rows, total = svc.ledgers_under(s, world["admin"], open_only=False)
    assert total == 2 and [r.case.code for r in rows] == [open_case.code, done.code]
    assert [r.is_open for r in rows] == [True, False]
    page, total = svc.ledgers_under(s, world["admin"], open_only=False, limit=1, offset=1)
    assert total == 2 and [r.case.code for r in page] == [done.code]


def test_a_milestone_is_completed_over_the_api(api) -> None:  # type: ignore[no-untyped-def]
    client, h, world = api
    code = client.post("/api/v1/cases", json={"title": "路面塌陷", "lon": 113.05, "lat": 23.05},
                       headers=h["resident"]).json()["code"]
    for persona, action, body in [
        ("community", "dispatch", {"unit": "441900101001-party"}), ("community", "accept", {}),
        ("community", "open_ledger", {"plan": "两步", "milestones": [{"title": "围挡", "due_at": "2025-03-10"}],
                                      "supervisor": "leader"}),
    ]:
        r = client.post(f"/api/v1/cases/{code}/actions/{action}", json=body, headers=h[persona])
        assert r.status_code == 200, r.text
    with Session(world.session.get_bind()) as s:
        ms = s.scalar(select(Milestone.id))
    r = client.post(f"/api/v1/cases/{code}/actions/complete_milestone", json={"milestone": ms},
                    headers=h["community"])
    assert r.status_code == 200, r.text
    assert r.json()["events"][-1]["action"] == "complete_milestone"
    again = client.post(f"/api/v1/cases/{code}/actions/complete_milestone", json={"milestone": ms},
                        headers=h["community"])
    assert again.status_code == 409 and "no ledger milestone left" in again.json()["detail"]


def test_a_ledger_is_opened_and_completed_from_the_cli(fresh_engine: Engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from huying.cli import app
    from tests.cases.conftest import _reset_caches

    with Session(fresh_engine, expire_on_commit=False) as s:
        world = build_world(s)
        case = world.report()
        svc.dispatch(s, case, world["community"], unit="441900101001-party", now=T0)
        svc.accept(s, case, world["community"], now=T0)
        code = case.code
    monkeypatch.setenv("HUYING_DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    _reset_caches()
    run = CliRunner().invoke
    r = run(app, ["case", "act", code, "open_ledger", "--as", "community", "--plan", "先排查再维修",
                  "--milestone", "排查@2025-03-05", "--milestone", "维修@2025-03-12", "--supervisor", "leader",
                  "--now", "2025-03-03T10:00:00+08:00"])
    assert r.exit_code == 0, r.stderr
    r = run(app, ["case", "act", code, "open_ledger", "--as", "community", "--plan", "x", "--milestone", "无日期"])
    assert r.exit_code == 2 and "title@YYYY-MM-DD" in r.stderr
    ledgers = json.loads(run(app, ["case", "ledgers"]).stdout)
    ids = [m["id"] for m in ledgers[0]["milestones"]]
    for mid in ids:
        r = run(app, ["case", "act", code, "complete_milestone", "--as", "community", "--milestone", str(mid),
                      "--now", "2025-03-04T10:00:00+08:00"])
        assert r.exit_code == 0, r.stderr
    assert json.loads(run(app, ["case", "ledgers"]).stdout) == []  # closed: no longer an open ledger
    _reset_caches()
