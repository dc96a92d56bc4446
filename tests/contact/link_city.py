"""Households and party members for the member–household link tests, in the closed loop's
small city (tests/cases/conftest.py): town 1 (grids 1a and 1b, split at 113.1°E) and town 2.

    town 1: 60 households around 113.10°E 23.10°N, 8 members (capacity 6 each: 48 places)
    town 2: 20 households around 113.30°E 23.10°N, 3 members

A fifth of the households have a need, members one or two specialties. The grid worker's
account is the person of town 1's first member (``MEMBER1``), community2's of town 2's first
(``MEMBER2``). Everything synthetic; heads are named 户主0001 …"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from huying.contact import link_service as ls
from huying.contact.link_models import LinkMember
from huying.contact.models import Household, Need
from huying.geo.models import Node
from huying.orgs.models import Person, User

NEEDS = [n.value for n in Need]


@dataclass
class LinkCity:
    member1: int  # the grid worker's person (town 1)
    member2: int  # community2's person (town 2)
    town1_households: list[str]
    town2_households: list[str]


def seed(session: Session, city_id: int, *, seed: int = 3, capacity: int = 6) -> LinkCity:
    rng = np.random.default_rng(seed)
    grids = {n.code: n for n in session.scalars(select(Node).where(Node.city_id == city_id, Node.level == "grid"))}
    codes: dict[int, list[str]] = {1: [], 2: []}
    members: dict[int, list[int]] = {1: [], 2: []}
    n = 0
    for town, x0, count, n_members in ((1, 113.10, 60, 8), (2, 113.30, 20, 3)):
        for i in range(count):
            n += 1
            lon = float(x0 + rng.uniform(-0.03, 0.03))
            lat = float(23.10 + rng.uniform(-0.03, 0.03))
            grid = grids[f"44190010{town}001{'001' if lon < x0 else '002'}"]
            need = NEEDS[int(rng.integers(0, len(NEEDS)))] if rng.random() < 0.2 else ""
            hh = Household(city_id=city_id, code=f"L{n:04d}", grid_id=grid.id, address=f"测试{town}镇联户路{n}号",
                           size=2, needs=need, lon=lon, lat=lat)
            session.add(hh)
            session.flush()
            codes[town].append(hh.code)
            head = Person(city_id=city_id, name=f"户主{n:04d}", phone_masked="138****0000", node_id=grid.id,
                          household_id=hh.id, is_party_member=i < n_members)
            session.add(head)
            session.flush()
            if i < n_members:
                members[town].append(head.id)
    session.flush()
    for town in (1, 2):
        node = session.scalar(select(Node).where(Node.city_id == city_id, Node.code == f"44190010{town}"))
        assert node is not None
        ls.enrol(session, city_id, node, now=_t0())
    for pid in members[1] + members[2]:
        sk = rng.choice(len(NEEDS), size=int(rng.integers(1, 3)), replace=False)
        session.execute(update(LinkMember).where(LinkMember.person_id == pid).values(
            capacity=capacity, specialties=",".join(NEEDS[int(s)] for s in sorted(sk))))
    session.execute(update(User).where(User.city_id == city_id, User.username == "gridworker")
                    .values(person_id=members[1][0]))
    session.execute(update(User).where(User.city_id == city_id, User.username == "community2")
                    .values(person_id=members[2][0]))
    session.commit()
    return LinkCity(members[1][0], members[2][0], codes[1], codes[2])


def _t0():  # type: ignore[no-untyped-def]
    from tests.cases.conftest import T0

    return T0
