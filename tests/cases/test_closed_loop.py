"""The five steps end to end, with the branches a real case takes."""

from __future__ import annotations

import datetime as dt

import pytest

from huying.cases import record
from huying.cases import service as svc
from huying.cases.workflow import IllegalTransition, Status
from huying.errors import InvalidInput, NotPermitted, NotVisible
from tests.cases.conftest import T0, World


def test_a_report_is_located_to_its_grid_and_waits_for_dispatch(world: World) -> None:
    case = world.report()
    assert case.code.startswith("441900-2025-")
    assert case.status == Status.NEW
    assert case.grid_id == world.nodes["grid1a"].id
    assert case.grid_path == world.nodes["grid1a"].path
    assert case.due_at is not None and case.due_at > T0
    assert case.version == 1


def test_case_codes_count_up_per_city_and_year(world: World) -> None:
    a, b = world.report(), world.report()
    assert int(b.code[-6:]) == int(a.code[-6:]) + 1
    c = world.report(now=dt.datetime(2026, 1, 5, 2, tzinfo=dt.UTC))
    assert c.code == "441900-2026-000001"


def test_the_whole_loop_with_a_dissatisfied_follow_up(world: World, at) -> None:  # type: ignore[no-untyped-def]
    s = world.session
    case = world.report()
    svc.dispatch(s, case, world["town"], unit="441900101-dept-urban_management", now=at(hours=1))
    assert case.status == Status.DISPATCHED and case.handling_level == "town"
    svc.accept(s, case, world["handler"], now=at(hours=2))
    svc.mark_handled(s, case, world["handler"], evidence="已更换灯泡", now=at(hours=20))
    assert case.status == Status.HANDLED
    svc.follow_up(s, case, world["community"], satisfaction="不满意", comment="还是不亮", now=at(hours=30))
    assert case.status == Status.IN_PROGRESS and case.rework_count == 1
    svc.mark_handled(s, case, world["handler"], evidence="更换线路", now=at(hours=40))
    svc.follow_up(s, case, world["resident"], satisfaction="满意", method="online", now=at(hours=50))
    svc.close(s, case, world["community"], resolution="已修复", now=at(hours=51))
    assert case.status == Status.CLOSED and case.closed_at == at(hours=51)
    ev = record.evaluate(svc.events_of(s, case))
    assert ev.closed and ev.on_time and ev.satisfied and ev.rework_count == 1
    assert ev.hours_to_close == pytest.approx(51)
    assert ev.hours_in_status["in_progress"] == pytest.approx(18 + 10)


def test_it_rejects_close_without_followup(world: World, at) -> None:  # type: ignore[no-untyped-def]
    s = world.session
    case = world.report()
    svc.dispatch(s, case, world["community"], unit="441900101001-party", now=at(hours=1))
    svc.accept(s, case, world["community"], now=at(hours=1))
    svc.mark_handled(s, case, world["community"], evidence="done", now=at(hours=2))
    with pytest.raises(InvalidInput, match="follow-up"):
        svc.close(s, case, world["community"], now=at(hours=3))
    assert case.status == Status.HANDLED
    svc.close(s, case, world["community"], now=at(hours=3), no_followup_reason="电话三次无人接听")
    assert case.status == Status.CLOSED


def test_an_anonymous_report_closes_without_followup(world: World, at) -> None:  # type: ignore[no-untyped-def]
    s = world.session
    case = world.report(anonymous=True)
    assert case.reporter_kind == "anonymous" and case.reporter_id is None
    svc.dispatch(s, case, world["community"], unit="441900101001-party", now=at(hours=1))
    svc.accept(s, case, world["community"], now=at(hours=1))
    svc.mark_handled(s, case, world["community"], evidence="done", now=at(hours=2))
    svc.close(s, case, world["community"], now=at(hours=3))
    assert case.status == Status.CLOSED


def test_fixed_on_the_spot_closes_in_one_step(world: World) -> None:
    case = world.report("gridworker", channel="grid_patrol", fixed_on_spot="当场清理了堆放的杂物")
    assert case.status == Status.CLOSED and case.resolution == "当场清理了堆放的杂物"
    assert [e.action for e in svc.events_of(world.session, case)] == ["fix_on_spot"]


def test_a_resident_cannot_fix_on_the_spot(world: World) -> None:
    with pytest.raises(NotPermitted):
        world.report("resident", fixed_on_spot="x")


def test_return_transfer_and_cohandlers(world: World, at) -> None:  # type: ignore[no-untyped-def]
    s = world.session
    case = world.report()
    svc.dispatch(s, case, world["town"], unit="441900101-dept-housing", now=at(hours=1))
    with pytest.raises(NotVisible):  # not the housing department: it does not even see it
        svc.return_to_dispatcher(s, case, world["handler"], note="不是我们的", now=at(hours=2))
    svc.transfer(s, case, world["town"], unit="441900101-dept-urban_management", now=at(hours=2))
    svc.return_to_dispatcher(s, case, world["handler"], note="应由社区处理", now=at(hours=3))
    assert case.status == Status.NEW and case.unit_id is None
    svc.dispatch(s, case, world["community"], unit="441900101001-party", now=at(hours=4))
    svc.accept(s, case, world["community"], now=at(hours=5))
    svc.add_cohandlers(s, case, world["community"], units=["441900101001001-team"], now=at(hours=6))
    assert [o.code for o in svc.cohandlers_of(s, case)] == ["441900101001001-team"]
    # a co-handling unit's member sees the case
    svc.get_case(s, world["gridworker"], case.code)
    with pytest.raises(InvalidInput):
        svc.add_cohandlers(s, case, world["community"], units=["441900101001001-team"], now=at(hours=7))


def test_extension_request_approve_and_refuse(world: World, at) -> None:  # type: ignore[no-untyped-def]
    s = world.session
    case = world.report()
    svc.dispatch(s, case, world["town"], unit="441900101-dept-urban_management", now=at(hours=1))
    svc.accept(s, case, world["handler"], now=at(hours=1))
    due = case.due_at
    svc.request_extension(s, case, world["handler"], days=3, note="需采购配件", now=at(hours=2))
    assert case.status == Status.EXTENSION_REQUESTED
    svc.approve_extension(s, case, world["town"], now=at(hours=3))
    assert case.status == Status.IN_PROGRESS and case.due_at is not None and due is not None
    assert case.due_at > due
    svc.request_extension(s, case, world["handler"], days=10, note="再延", now=at(hours=4))
    svc.refuse_extension(s, case, world["town"], note="不批准", now=at(hours=5))
    assert case.status == Status.IN_PROGRESS
    with pytest.raises(InvalidInput):
        svc.request_extension(s, case, world["handler"], days=0, note="x", now=at(hours=6))


def test_reject_with_a_reason(world: World, at) -> None:  # type: ignore[no-untyped-def]
    case = world.report()
    with pytest.raises(InvalidInput, match="not_actionable"):
        svc.reject(world.session, case, world["community"], reason="because", now=at(hours=1))
    svc.reject(world.session, case, world["community"], reason="duplicate", now=at(hours=1))
    assert case.status == Status.REJECTED and case.reject_reason == "duplicate"


def test_an_illegal_action_lists_the_allowed_ones(world: World, at) -> None:  # type: ignore[no-untyped-def]
    case = world.report()
    with pytest.raises(IllegalTransition) as err:
        svc.accept(world.session, case, world["community"], now=at(hours=1))
    assert "allowed:" in str(err.value) and "dispatch" in err.value.allowed
    with pytest.raises(IllegalTransition) as err:
        svc.close(world.session, case, world["community"], now=at(hours=1))
    assert set(err.value.allowed) >= {"dispatch", "classify", "reject", "escalate"}
    assert case.status == Status.NEW and case.version == 1


def test_scope_another_town_cannot_see_or_act(world: World, at) -> None:  # type: ignore[no-untyped-def]
    s = world.session
    case = world.report()
    with pytest.raises(NotVisible):
        svc.get_case(s, world["town2"], case.code)
    with pytest.raises(NotVisible):
        svc.dispatch(s, case, world["town2"], unit="441900102-dept-housing", now=at(hours=1))
    with pytest.raises(NotVisible):
        svc.get_case(s, world["resident2"], case.code)
    with pytest.raises(InvalidInput, match="outside your scope"):
        svc.dispatch(s, case, world["community"], unit="441900102-dept-housing", now=at(hours=1))
    assert svc.list_cases(s, world["town2"]) == []
    assert [c.code for c in svc.list_cases(s, world["town"])] == [case.code]


def test_bad_reports_are_refused_with_the_field(world: World) -> None:
    with pytest.raises(InvalidInput, match="title"):
        world.report(title="  ")
    with pytest.raises(InvalidInput, match="location"):
        world.report(lon=100.0, lat=10.0)
    with pytest.raises(InvalidInput, match="channel"):
        world.report(channel="carrier_pigeon")
    with pytest.raises(InvalidInput, match="category"):
        world.report(category="不存在的类别")
    assert svc.list_cases(world.session, world["admin"]) == []


def test_photos_are_checked_and_stored(world: World, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from huying.config import get_settings

    monkeypatch.setattr(get_settings(), "data_dir", tmp_path)
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    case = world.report(uploads=[svc.Upload("p.png", png)])
    from sqlalchemy import select

    from huying.cases.models import Attachment

    att = world.session.scalars(select(Attachment).where(Attachment.case_id == case.id)).one()
    assert att.content_type == "image/png" and (tmp_path / att.stored_path).read_bytes() == png
    with pytest.raises(InvalidInput, match="not a JPEG"):
        world.report(uploads=[svc.Upload("x.exe", b"MZ\x90\x00")])
    monkeypatch.setattr(get_settings(), "max_attachment_bytes", 50)
    with pytest.raises(InvalidInput, match="more than"):
        world.report(uploads=[svc.Upload("p.png", png)])
