"""The exchange's workflow table (draft → open → funded/claimed → in progress → completed;
cancelled): its shape, every status × action × role, illegal moves refused, progress from the
milestones' weights, agreements with their own milestones. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from huying.community import exchange_service as xs
from huying.community.exchange_models import ProjectStatus
from huying.community.roles import OFFICERS, PARTNERS
from huying.errors import IllegalTransition, InvalidInput, NotPermitted, Refused
from huying.orgs.actor import SYSTEM_ROLE
from huying.orgs.models import Role
from tests.cases.conftest import T0, World
from tests.community.exchange_world import COMM1, ORG_A, canteen, exchange_world, give

S = ProjectStatus


@pytest.fixture
def world(session: Session) -> World:
    return exchange_world(session)


def test_the_table_is_well_formed() -> None:
    assert xs.check_table() == []
    assert "draft --> open: publish" in xs.diagram()


@pytest.mark.parametrize("status", list(ProjectStatus))
def test_every_status_action_and_role_follows_the_table(status: ProjectStatus) -> None:
    roles = [*Role, SYSTEM_ROLE]
    for action in xs.ACTIONS:
        for role in roles:
            move = next((m for m in xs.TABLE.moves if m.source == status and m.action == action), None)
            if move is not None and role in move.roles:
                assert xs.next_status(status, action, role) == move.target
                assert action in xs.allowed(status, role)
            else:
                with pytest.raises(IllegalTransition):
                    xs.next_status(status, action, role)
    if status in xs.FINAL:
        assert all(xs.allowed(status, r) == [] for r in roles)
    who = {r for m in xs.TABLE.moves for r in m.roles}
    assert who <= OFFICERS | PARTNERS | {SYSTEM_ROLE}


def test_progress_is_the_sum_of_the_weights_reached() -> None:
    assert xs.progress([]) == 0
    assert xs.progress([(40, True), (30, False), (30, True)]) == 70
    assert xs.progress([(40, True), (30, True), (30, True)]) == 100


def test_a_project_goes_from_draft_to_completed(world: World) -> None:
    s, officer = world.session, world["community"]
    code = canteen(world, publish=False)
    with pytest.raises(IllegalTransition):
        xs.start(s, officer, code, now=T0)
    xs.publish(s, officer, code, now=T0)
    xs.claim(s, world["partner_a"], code, now=T0)
    xs.sign_agreement(s, officer, code, xs.AgreementIn(ORG_A, T0.date(), T0.date() + dt.timedelta(days=365),
                                                       [("出资到位", 50), ("验收", 50)]), now=T0)
    with pytest.raises(IllegalTransition, match="allowed: sign_agreement, start"):
        xs.complete(s, officer, code, now=T0)
    xs.start(s, officer, code, now=T0)
    view = xs.get_project(s, officer, code)
    with pytest.raises(Refused, match="at 0%"):
        xs.complete(s, officer, code, now=T0)
    for m in view.milestones[:2]:
        xs.reach_milestone(s, officer, code, m.id, now=T0)
    xs.reach_milestone(s, officer, code, view.agreements[0].milestones[0].id, now=T0)
    view = xs.get_project(s, officer, code)
    assert (view.progress, view.agreements[0].progress) == (70, 50)
    with pytest.raises(Refused, match="reached already"):
        xs.reach_milestone(s, officer, code, view.milestones[0].id, now=T0)
    with pytest.raises(Refused, match="at 70%"):
        xs.complete(s, officer, code, now=T0)
    xs.reach_milestone(s, officer, code, view.milestones[2].id, now=T0)
    xs.complete(s, officer, code, now=T0)
    view = xs.get_project(s, None, code, city_id=world.city_id)
    assert view.project.status == S.COMPLETED and view.progress == 100
    assert [e.action for e in view.history] == [
        "post", "publish", "claim", "sign_agreement", "start", "reach_milestone", "reach_milestone",
        "reach_milestone", "reach_milestone", "complete"]
    with pytest.raises(IllegalTransition):
        xs.cancel(s, officer, code, "不需要了", now=T0)


def test_a_project_with_pledges_cannot_be_cancelled(world: World) -> None:
    code = canteen(world)
    give(world, code, "10.00")
    with pytest.raises(Refused, match="pledged"):
        xs.cancel(world.session, world["community"], code, "资金不足", now=T0)
    other = canteen(world)
    xs.cancel(world.session, world["community"], other, "已由政府兜底", now=T0)
    assert xs.get_project(world.session, None, other, city_id=world.city_id).project.status == S.CANCELLED


def test_officers_act_within_their_scope_only(world: World) -> None:
    code = canteen(world, publish=False)
    for persona in ("community2", "town2"):
        with pytest.raises(Exception) as exc:
            xs.publish(world.session, world[persona], code, now=T0)
        assert type(exc.value).__name__ in {"NotVisible", "NotPermitted"}
    for persona in ("leader", "gridworker", "resident", "partner_a"):
        with pytest.raises(Exception) as exc:
            xs.publish(world.session, world[persona], code, now=T0)
        assert type(exc.value).__name__ in {"NotVisible", "NotPermitted"}
    xs.publish(world.session, world["town"], code, now=T0)
    with pytest.raises(InvalidInput, match="outside your scope"):
        canteen(world, persona="community2", community=COMM1)


def test_milestone_weights_sum_to_100(world: World) -> None:
    code = canteen(world, publish=False)
    for milestones, field in (([("选址", 40), ("开餐", 50)], "milestones"),
                              ([("选址", 0), ("开餐", 100)], "milestones[1].weight"),
                              ([("", 100)], "milestones[1].title"), ([], "milestones")):
        with pytest.raises(InvalidInput) as exc:
            xs.plan_milestones(world.session, world["community"], code, milestones, now=T0)
        assert exc.value.field == field
    xs.plan_milestones(world.session, world["community"], code, [("选址", 60), ("开餐", 40)], now=T0)
    assert [m.weight for m in xs.get_project(world.session, world["community"], code).milestones] == [60, 40]


def test_an_agreement_is_signed_with_an_organisation_that_took_part(world: World) -> None:
    code = canteen(world)
    term = (T0.date(), T0.date() + dt.timedelta(days=365), [("出资", 100)])
    with pytest.raises(InvalidInput, match="neither claimed nor pledged"):
        xs.sign_agreement(world.session, world["community"], code, xs.AgreementIn(ORG_A, *term), now=T0)
    give(world, code, "100.00")
    with pytest.raises(NotPermitted):
        xs.sign_agreement(world.session, world["partner_a"], code, xs.AgreementIn(ORG_A, *term), now=T0)
    xs.sign_agreement(world.session, world["community"], code, xs.AgreementIn(ORG_A, *term), now=T0)
    with pytest.raises(Refused, match="signed already"):
        xs.sign_agreement(world.session, world["community"], code, xs.AgreementIn(ORG_A, *term), now=T0)
    a = xs.get_project(world.session, None, code, city_id=world.city_id).agreements[0]
    assert a.organisation.code == ORG_A and a.community_party is not None
