"""One-stop acceptance at any centre, handled where the resident lives: a request accepted in
town 1 for a resident of town 2 goes to town 2's civil-affairs office with the item's time
limit, is handled through the kernel's commands and followed by the resident."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.cases import jobs
from huying.cases import service as svc
from huying.cases.models import Case, CaseEvent, OutboxMessage, SupervisionNotice
from huying.cases.policy import allowed_for, can_see
from huying.cases.record import fold
from huying.cases.timing import is_overdue
from huying.cases.workflow import Action, Status
from huying.community import onestop_service as onestop
from huying.community.onestop_models import ServiceRequest
from huying.errors import InvalidInput, NotPermitted, NotVisible
from huying.metrics import drill, rollup
from huying.metrics import service as direct
from tests.cases.conftest import T0, World
from tests.community.onestop_world import ALLOWANCE, accept, build_onestop_world


@pytest.fixture
def world(session: Session) -> World:
    return build_onestop_world(session)


def _count(s: Session, model: type) -> int:
    return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_request_accepted_in_town_1_goes_to_town_2_where_the_resident_lives(world: World) -> None:
    s = world.session
    case = accept(world)
    assert case.kind == "service" and case.status == Status.DISPATCHED
    assert case.unit_id == world.units["town2_civil"].id
    assert case.grid_path.startswith(world.nodes["comm2"].path)
    # the old-age allowance is 10 working days: Monday 3 March + 10 working days = Monday 17 March
    assert case.time_limit_days == 10
    assert case.due_at is not None and case.due_at.date().isoformat() == "2025-03-17"
    req = s.scalar(select(ServiceRequest).where(ServiceRequest.case_id == case.id))
    assert req is not None and req.materials == ["身份证", "户口簿", "本人银行卡"] and req.missing == []
    # the counter in town 1 does not see the resident's request afterwards; the unit and bob do
    assert not can_see(s, world["community"], case)
    assert can_see(s, world["civil2"], case) and can_see(s, world["bob"], case)
    assert not can_see(s, world["handler2"], case)  # town 2's urban-management office


def test_the_unit_handles_it_and_the_resident_evaluates_it(world: World) -> None:
    s = world.session
    case = accept(world)
    h, bob = world["civil2"], world["bob"]
    assert Action.ACCEPT in allowed_for(s, h, case)
    promised = case.due_at
    svc.perform(s, case, h, "accept", now=T0 + dt.timedelta(hours=3), params={})
    due = case.due_at
    assert due == promised  # the unit taking it does not move the resident's date
    svc.perform(s, case, h, "request_materials", now=T0, params={"note": "请补交近三个月银行流水"})
    assert case.status == Status.AWAITING_MATERIALS and case.due_at is None  # the clock stops
    later = T0.replace(day=5)
    svc.perform(s, case, h, "supply_materials", now=later, params={})
    assert case.status == Status.DISPATCHED and case.due_at is not None and case.due_at > due  # counted again
    svc.perform(s, case, h, "accept", now=later, params={})
    svc.perform(s, case, h, "mark_handled", now=later, params={"evidence": "已核准，次月起发放"})
    assert case.status == Status.READY and case.due_at is None
    svc.perform(s, case, h, "deliver", now=later, params={"how": "told"})
    assert case.status == Status.DELIVERED
    assert allowed_for(s, bob, case) == [Action.FOLLOW_UP, Action.REOPEN]
    svc.perform(s, case, bob, "follow_up", now=later, params={"satisfaction": "满意"})
    assert case.status == Status.CLOSED and case.satisfaction == "satisfied"
    actions = [e.action for e in svc.events_of(s, case)]
    assert actions == ["accept_request", "accept", "request_materials", "supply_materials", "accept",
                       "mark_handled", "deliver", "follow_up"]
    folded = fold(svc.events_of(s, case))
    assert folded["status"] == "closed" and folded["kind"] == "service"


def test_missing_materials_are_refused_or_accepted_waiting_for_them(world: World) -> None:
    s = world.session
    before = (_count(s, Case), _count(s, CaseEvent), _count(s, ServiceRequest))
    with pytest.raises(InvalidInput) as err:
        accept(world, materials=["身份证"])
    assert err.value.field == "materials" and "户口簿" in str(err.value)
    assert (_count(s, Case), _count(s, CaseEvent), _count(s, ServiceRequest)) == before
    case = accept(world, materials=["身份证"], pending=True)
    assert case.status == Status.AWAITING_MATERIALS and case.due_at is None
    req = onestop.request_of(s, case)
    assert req is not None and req.missing == ["户口簿", "本人银行卡"]


BAD: list[tuple[dict[str, object], str]] = [
    ({"item": "no_such_item"}, "item"),
    ({"item": "medical_claim", "materials": []}, "item"),  # not offered at C1
    ({"item": "elder_canteen", "materials": ["身份证"]}, "item"),  # on the spot, not a request
    ({"materials": ["身份证", "户口簿", "本人银行卡", "结婚证"]}, "materials"),
    ({"materials": list(ALLOWANCE), "pending": True}, "pending"),
    ({"resident": None, "contact": None, "community": "441900102001"}, "contact"),
    ({"resident": None, "community": None}, "community"),
    ({"resident": None, "community": "441900102"}, "community"),  # a town, not a community
    ({"resident": "community"}, "resident"),  # staff, not a resident
    ({"resident": None, "household": "H404"}, "household"),
    ({"contact": "12345"}, "contact"),
    ({"delivery": "drone"}, "delivery"),
]


def test_a_bad_request_is_refused_with_its_field_and_nothing_is_stored(world: World) -> None:
    s = world.session
    before = (_count(s, Case), _count(s, CaseEvent), _count(s, ServiceRequest))
    for kw, field in BAD:
        with pytest.raises(InvalidInput) as err:
            accept(world, **kw)
        assert err.value.field == field, (kw, err.value)
        s.rollback()
    assert (_count(s, Case), _count(s, CaseEvent), _count(s, ServiceRequest)) == before


def test_only_the_centres_staff_accept(world: World) -> None:
    with pytest.raises(NotPermitted):
        accept(world, "community2")  # town 2's community officer at town 1's centre
    with pytest.raises(NotPermitted):
        accept(world, "civil2", "C2")  # a department handler is not at the counter
    with pytest.raises(NotPermitted):
        accept(world, "bob", "C2")
    with pytest.raises(NotVisible):
        accept(world, "community", "C9")
    assert accept(world, "gridworker").status == Status.DISPATCHED  # the grid worker at C1's counter
    assert accept(world, "community2", "C2").unit_id == accept(world).unit_id


def test_a_city_item_goes_to_the_city_and_a_resident_without_account_is_reached_by_phone(world: World) -> None:
    case = accept(world, item="social_card", resident=None, community="441900102001", materials=["身份证", "近期一寸照片"])
    assert case.unit_id == world.units["city_social"].id and case.reporter_id is None
    assert case.reporter_contact == "13800135678"
    assert onestop.request_dict(world.session, case)["contact"] == "138****5678"  # type: ignore[index]
    family = accept(world, item="family_doctor", materials=["身份证"])
    assert family.unit_id == world.units["comm2_party"].id  # a community item: the resident's community


def test_an_overdue_request_is_swept_and_its_unit_supervised(world: World) -> None:
    s = world.session
    case = accept(world)
    svc.perform(s, case, world["civil2"], "accept", now=T0, params={})
    assert case.due_at is not None
    late = case.due_at + dt.timedelta(hours=1)
    # the sweeper's step, however often the city escalates: a service request has no level above its unit
    assert jobs.overdue_step(s, case, late, escalate_after=0) == "overdue"
    assert case.ever_overdue and case.overdue_periods == 1 and case.status == Status.IN_PROGRESS
    notice = s.scalar(select(SupervisionNotice).where(SupervisionNotice.case_id == case.id))
    assert notice is not None and notice.unit_id == world.units["town2_civil"].id
    assert is_overdue(case, late)
    assert [e.action for e in svc.events_of(s, case)][-1] == "overdue"


def test_service_requests_are_not_in_the_figures_of_problems(world: World) -> None:
    s = world.session
    world.report("resident")
    case = accept(world)
    accept(world, materials=["身份证"], pending=True)
    h = world["civil2"]
    for action, params in (("accept", {}), ("mark_handled", {"evidence": "已办"}), ("deliver", {}),
                           ("follow_up", {"satisfaction": "满意"})):
        svc.perform(s, case, world["bob"] if action == "follow_up" else h, action, now=T0, params=params)
    later = T0 + dt.timedelta(days=60)
    for figures in (rollup.figures(s, world.city_id, None, now=later)["node"],
                    direct.figures(s, world.city_id, None, now=later)["node"]):
        assert figures["received"] == 1 and figures["closed"] == 0 and figures["satisfied"] == 0
        assert figures["open_now"] == 1 and figures["overdue_now"] == 1  # the problem alone
    assert s.scalar(select(func.count()).select_from(Case).where(drill.cases_clause(
        "closed", city_id=world.city_id, node_path=world.nodes["city"].path, now=later))) == 0


def test_the_unit_and_the_resident_are_told_in_the_words_of_a_service_request(world: World) -> None:
    s = world.session
    case = accept(world, resident=None, community="441900102001")
    rows = s.execute(select(OutboxMessage.recipient_kind, OutboxMessage.recipient, OutboxMessage.subject)
                     .where(OutboxMessage.subject.contains(case.code))).all()
    assert {(k, r) for k, r, _ in rows} == {("unit", str(world.units["town2_civil"].id)), ("contact", "13800135678")}
    assert any("办事申请已受理" in subject for _, _, subject in rows)


def test_a_landline_is_masked_as_everywhere_else(world: World) -> None:
    """One masking of a phone (``orgs.contacts.mask_phone``): the one-stop receipt had its own,
    which kept a landline's dash and starred six digits."""
    from huying.orgs.contacts import mask_phone

    case = accept(world, contact="0769-22223333")
    assert onestop.request_dict(world.session, case)["contact"] == mask_phone("0769-22223333") == "076****3333"  # type: ignore[index]
