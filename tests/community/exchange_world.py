"""The exchange's small world: the closed loop's city (tests/cases/conftest.py) with two
funding organisations, each with a partner account (``partner_a`` for 测试爱心企业,
``partner_b`` for 测试社工机构), and helpers that reach a state through the service only."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from huying.cityconfig import config_cache
from huying.community import exchange_service as xs
from huying.geo import service as geo
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation, OrgKind, Role
from huying.orgs.service import create_user
from tests.cases.conftest import _HASH, T0, World, build_world

COMM1 = "441900101001"
COMM2 = "441900102001"
ORG_A = "441900-ent-test-a"
ORG_B = "441900-soc-test-b"
#: Personal data of the world's people that no public page may show.
PERSON_MARKERS = ("partner_a", "partner_b", "演示甲联络人", "演示乙联络人", "community", "13800138000")


def exchange_world(session: Session) -> World:
    geo.clear_index_cache()
    config_cache.clear()
    w = build_world(session)
    for key, code, kind, name, person in (("org_a", ORG_A, OrgKind.ENTERPRISE, "测试爱心企业", "演示甲联络人"),
                                          ("org_b", ORG_B, OrgKind.SOCIAL_ORGANISATION, "测试社工机构", "演示乙联络人")):
        org = Organisation(city_id=w.city_id, code=code, kind=kind.value, node_id=w.nodes["comm1"].id,
                           name_zh=name, name_en=name, phone_masked="0769-1234****")
        session.add(org)
        session.flush()
        w.units[key] = org
        user = create_user(session, username=f"partner_{key[-1]}", password="", password_hash=_HASH,
                           role=Role.PARTNER, node=w.nodes["city"], organisation=org, display_name=person)
        w.actors[f"partner_{key[-1]}"] = Actor.of(session, user)
    session.commit()
    return w


def canteen(w: World, *, budget: str | None = "1000.00", goods: tuple[xs.GoodsIn, ...] = (),
            publish: bool = True, persona: str = "community", community: str = COMM1) -> str:
    """A 长者饭堂 project of community 1 (posted open unless ``publish`` is False)."""
    p = xs.post(w.session, w[persona], xs.ProjectIn(
        title="长者饭堂", need="社区60岁以上老人午餐无处可吃，需建长者饭堂", type="elderly_canteen",
        beneficiaries=60, beneficiary_kind="elderly", community=community, budget=budget, goods=goods,
        milestones=[("选址装修", 40), ("设备采购", 30), ("开餐", 30)], publish=publish), now=T0)
    return p.code


def give(w: World, code: str, amount: str | None = None, persona: str = "partner_a",
         goods: dict[str, int] | None = None) -> None:
    xs.pledge(w.session, w[persona], code, xs.PledgeIn(amount=amount, goods=goods or {}), now=T0)


def remaining_of(w: World, code: str) -> Decimal | None:
    w.session.expire_all()
    return xs.get_project(w.session, w["city"], code).remaining.money
