"""The demo city's member–household links (党员联户): a tenth of the households get a need,
every party member living in a household is enrolled with one or two specialties, the demo
grid worker's person is a member too (its 我的联系户 has something in it), and every town is
linked with the certified optimum (:func:`huying.contact.link_service.solve_node`). Bulk
writes: a few seconds."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import numpy as np
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from huying.contact import link_service as ls
from huying.contact.link_models import LinkMember
from huying.contact.models import Household
from huying.demo.build import HUMEN_GRID
from huying.geo.models import Level, Node
from huying.orgs.models import User

#: The share of households with a need (elders alone, disability, low income, children left behind).
NEED_RATE = 0.10
#: The links are made this long before the end of the demo year.
LINKED_DAYS = 180


def build_links(session: Session, city_id: int, seed: int, *, now: dt.datetime) -> dict[str, int]:
    """Needs, members and links for the demo city (flushed, not committed)."""
    rng = np.random.default_rng(seed + 17)
    at = now - dt.timedelta(days=LINKED_DAYS)
    needs = [n.value for n in ls.NEEDS]
    rows = session.execute(select(Household.id).where(Household.city_id == city_id, Household.needs == "")
                           .order_by(Household.id)).scalars().all()
    pick = np.flatnonzero(rng.random(len(rows)) < NEED_RATE)
    if len(pick):
        which = rng.integers(0, len(needs), len(pick))
        hh = _table(Household)
        session.execute(update(hh).where(hh.c.id == bindparam("hid")).values(needs=bindparam("need")),
                        [{"hid": rows[int(i)], "need": needs[int(w)]} for i, w in zip(pick, which, strict=True)])
    city = session.scalar(select(Node).where(Node.city_id == city_id, Node.level == Level.CITY.value))
    assert city is not None
    enrolled = ls.enrol(session, city_id, city, now=at)
    _demo_member(session, city_id, at)
    members = session.execute(select(LinkMember.id).where(LinkMember.city_id == city_id)
                              .order_by(LinkMember.id)).scalars().all()
    k = rng.integers(1, 3, len(members))
    specs = [",".join(needs[int(s)] for s in sorted(rng.choice(len(needs), size=int(n), replace=False)))
             for n in k]
    lm = _table(LinkMember)
    session.execute(update(lm).where(lm.c.id == bindparam("mid")).values(specialties=bindparam("spec")),
                    [{"mid": m, "spec": sp} for m, sp in zip(members, specs, strict=True)])
    linked = 0
    for town in session.scalars(select(Node).where(Node.city_id == city_id, Node.level == Level.TOWN.value)
                                .order_by(Node.code)):
        linked += ls.solve_node(session, city_id, town, now=at).linked
    session.flush()
    return {"members": len(members), "enrolled": enrolled, "needs": len(pick), "links": linked}


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def _demo_member(session: Session, city_id: int, at: dt.datetime) -> None:
    """The demo grid worker's person takes households too: home at its grid's first building
    without another member."""
    row = session.execute(select(User.person_id, Node.id).join(Node, Node.id == User.node_id).where(
        User.city_id == city_id, User.username == "gridworker", Node.code == HUMEN_GRID)).first()
    if row is None or row[0] is None:
        return
    person_id, grid_id = row
    # at the grid's first building where no other member lives: its households are nearest to
    # them, so they have households to visit (a member's own building goes to that member)
    taken = {(x, y) for x, y in session.execute(select(LinkMember.lon, LinkMember.lat).where(
        LinkMember.city_id == city_id, LinkMember.node_id == grid_id))}
    homes = [(x, y) for x, y in session.execute(select(Household.lon, Household.lat).where(
        Household.grid_id == grid_id, Household.lon.is_not(None)).order_by(Household.id))]
    home = next((h for h in homes if h not in taken), homes[0] if homes else None)
    if home is None:
        return
    session.add(LinkMember(city_id=city_id, person_id=person_id, node_id=grid_id, lon=home[0], lat=home[1],
                           capacity=10, specialties="", active=True, created_at=at))
    session.flush()
