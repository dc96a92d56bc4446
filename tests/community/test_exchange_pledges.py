"""Pledges (认捐) and claims (认领) of the public-welfare exchange: exact sums, nothing stored
over what is still needed, a claimed project takes no pledge and a pledged one no claim, an
organisation's account acts for its own organisation only. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.community import exchange_service as xs
from huying.community.exchange_models import Pledge, PledgeGoods, ProjectStatus
from huying.community.models import CommunityEvent
from huying.errors import InvalidInput, NotPermitted, NotVisible, Refused
from tests.cases.conftest import T0, World
from tests.community.exchange_world import ORG_A, ORG_B, canteen, exchange_world, give, remaining_of


@pytest.fixture
def world(session: Session) -> World:
    return exchange_world(session)


def _count(w: World, model: type) -> int:
    return w.session.scalar(select(func.count()).select_from(model)) or 0


def test_pledges_add_up_exactly_to_the_budget(world: World) -> None:
    code = canteen(world, budget="0.30")
    give(world, code, "0.1")
    give(world, code, "0.2", persona="partner_b")
    assert remaining_of(world, code) == Decimal("0.00")
    view = xs.get_project(world.session, None, code, city_id=world.city_id)
    assert view.pledged == Decimal("0.30")
    assert [p.amount for p in view.pledges] == [Decimal("0.10"), Decimal("0.20")]
    assert view.project.status == ProjectStatus.FUNDED  # nothing more is needed
    assert [e.action for e in view.history] == ["post", "pledge", "pledge", "fund"]


def test_a_pledge_over_what_is_still_needed_is_refused_and_nothing_is_stored(world: World) -> None:
    code = canteen(world, budget="1000.00")
    give(world, code, "999.99")
    events, pledges = _count(world, CommunityEvent), _count(world, Pledge)
    with pytest.raises(Refused, match=r"exceeds what is still needed \(0.01\)"):
        give(world, code, "0.02", persona="partner_b")
    assert remaining_of(world, code) == Decimal("0.01")
    assert (_count(world, CommunityEvent), _count(world, Pledge)) == (events, pledges)
    give(world, code, "0.01", persona="partner_b")  # the last fen is still welcome
    assert remaining_of(world, code) == Decimal("0.00")


def test_goods_are_pledged_per_item_and_never_beyond_it(world: World) -> None:
    code = canteen(world, budget=None, goods=(xs.GoodsIn("餐桌", 10, "张"), xs.GoodsIn("电饭煲", 2, "台")))
    give(world, code, goods={"餐桌": 6})
    with pytest.raises(Refused, match="exceeds what is still needed"):
        give(world, code, goods={"餐桌": 4, "电饭煲": 3}, persona="partner_b")
    assert _count(world, PledgeGoods) == 1
    with pytest.raises(Refused, match="needs no money"):
        give(world, code, "10.00", persona="partner_b")
    give(world, code, goods={"餐桌": 4, "电饭煲": 2}, persona="partner_b")
    view = xs.get_project(world.session, world["community"], code)
    assert [(g.name, g.remaining) for g in view.goods] == [("餐桌", 0), ("电饭煲", 0)]
    assert view.project.status == ProjectStatus.FUNDED


def test_an_amount_that_is_not_money_is_invalid_and_nothing_is_stored(world: World) -> None:
    code = canteen(world)
    for amount in ("0", "-5", "1.001", "abc", "NaN", "Infinity", "1e3x", "1000000000000"):
        with pytest.raises(InvalidInput) as exc:
            give(world, code, amount)
        assert exc.value.field == "amount", amount
    assert remaining_of(world, code) == Decimal("1000.00") and _count(world, Pledge) == 0


def test_a_claimed_project_takes_no_pledge_and_a_pledged_one_no_claim(world: World) -> None:
    claimed, pledged = canteen(world), canteen(world)
    xs.claim(world.session, world["partner_a"], claimed, now=T0)
    with pytest.raises(Refused, match="claimed"):
        give(world, claimed, "10.00", persona="partner_b")
    give(world, pledged, "10.00")
    with pytest.raises(Refused, match="organisations have pledged"):
        xs.claim(world.session, world["partner_b"], pledged, now=T0)
    view = xs.get_project(world.session, None, claimed, city_id=world.city_id)
    assert view.claimed_by is not None and view.claimed_by.code == ORG_A
    assert view.project.status == ProjectStatus.CLAIMED


def test_a_partner_acts_for_its_own_organisation_only(world: World) -> None:
    code = canteen(world)
    with pytest.raises(NotPermitted, match="your own organisation"):
        xs.pledge(world.session, world["partner_a"], code, xs.PledgeIn(amount="5.00", organisation=ORG_B), now=T0)
    with pytest.raises(NotPermitted, match="your own organisation"):
        xs.claim(world.session, world["partner_a"], code, ORG_B, now=T0)
    for persona in ("community", "resident", "city", "handler"):
        with pytest.raises(NotPermitted):
            give(world, code, "5.00", persona=persona)
    assert _count(world, Pledge) == 0
    xs.pledge(world.session, world["partner_a"], code, xs.PledgeIn(amount="5.00", organisation=ORG_A), now=T0)
    assert xs.get_project(world.session, None, code, city_id=world.city_id).pledges[0].organisation.code == ORG_A


def test_a_draft_is_not_seen_by_organisations_and_takes_no_pledge(world: World) -> None:
    code = canteen(world, publish=False)
    with pytest.raises(NotVisible):
        xs.get_project(world.session, world["partner_a"], code)
    with pytest.raises(NotVisible):
        give(world, code, "5.00")
    xs.publish(world.session, world["community"], code, now=T0)
    give(world, code, "5.00")
    assert remaining_of(world, code) == Decimal("995.00")
