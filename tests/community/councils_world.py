"""The small city of ``tests.cases.conftest`` with what the councils and the three lists
need: member organisations of community 1's council (a state firm, a social organisation, an
enterprise), households of the register (H1, H2 in community 1; H3 in community 2) and a
few services and resources, all reached through the service functions.

Community 1 (测试1社区) spans lon 113.0–113.2, lat 23.0–23.2; its households stand at
113.05 / 113.15, 23.05."""

from __future__ import annotations

from sqlalchemy.orm import Session

from huying.community import lists_service as ls
from huying.orgs.models import Organisation, OrgKind
from tests.cases.conftest import T0, World, build_world
from tests.contact.conftest import ADDRESSES, HOUSEHOLDS, load

COMM1 = "441900101001"
COMM2 = "441900102001"
MEMBERS = {"state": ("sf-001", OrgKind.STATE_FIRM, "示例共建单位国企一"),
           "social": ("so-001", OrgKind.SOCIAL_ORGANISATION, "示例共建单位社工站"),
           "firm": ("ent-001", OrgKind.ENTERPRISE, "示例共建单位企业一"),
           "elsewhere": ("so-002", OrgKind.SOCIAL_ORGANISATION, "示例共建单位社工站二")}


def council_world(session: Session) -> World:
    world = build_world(session)
    for key, (code, kind, name) in MEMBERS.items():
        node = world.nodes["comm2" if key == "elsewhere" else "comm1"]
        org = Organisation(city_id=world.city_id, code=code, kind=kind.value, node_id=node.id, name_zh=name,
                           name_en=f"Sample partner {code}")
        session.add(org)
        world.units[key] = org
    session.commit()
    assert load(session, world["city"], "addresses", ADDRESSES).stored
    assert load(session, world["city"], "households", HOUSEHOLDS).stored
    return world


def service(world: World, type_: str = "meal_help", capacity: int = 10, windows: str = "Sa 9-12",
            lon: float = 113.055, lat: float = 23.05, name: str = "示例长者饭堂", node: str = COMM1,
            persona: str = "community") -> int:
    return ls.add_offer(world.session, world[persona], ls.OfferData(
        list_kind="services", type=type_, name=name, node=node, windows=windows, capacity=capacity, lon=lon,
        lat=lat), now=T0).id


def need(world: World, household: str = "H1", type_: str = "meal_help", people: int = 1,
         windows: str = "Sa 10-11", persona: str = "community") -> int:
    return ls.add_need(world.session, world[persona], ls.NeedData(
        type=type_, household=household, windows=windows, people=people), now=T0).id
