"""The demo city's register (一标三实) beyond its addresses: the households' needs (a few in
a hundred: elders living alone, disability, low income, left-behind children), how each came
to its address (a migrant household from a province, a local one born here), and the
enterprises as units at a building of their grid. Synthetic; bulk-written: well under a
second."""

from __future__ import annotations

import datetime as dt
from typing import cast

import numpy as np
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from huying.contact.models import (
    Address,
    AddressKind,
    Household,
    HouseholdMove,
    MoveKind,
    Need,
    Unit,
)
from huying.demo.build import BUILD_DATE
from huying.orgs.models import Organisation, OrgKind

#: The share of households with each need.
NEED_RATES = {Need.ELDER_ALONE: 0.04, Need.DISABILITY: 0.02, Need.LOW_INCOME: 0.03,
              Need.LEFT_BEHIND_CHILDREN: 0.02}
#: Where the demo's migrant households came from.
ORIGINS = ("湖南省衡阳市", "广西壮族自治区玉林市", "四川省南充市", "江西省赣州市", "湖北省黄冈市",
           "河南省信阳市", "广东省湛江市", "广东省梅州市")


def build_register(session: Session, city_id: int, seed: int) -> dict[str, int]:
    """Needs, moves in and units for the demo city (flushed, not committed)."""
    rng = np.random.default_rng(seed + 1616)
    rows = session.execute(select(Household.id, Household.is_migrant, Household.address_id)
                           .where(Household.city_id == city_id).order_by(Household.id)).all()
    draws = {need: rng.random(len(rows)) < rate for need, rate in NEED_RATES.items()}
    needs = [{"hid": hid, "needs": ",".join(n.value for n in Need if draws[n][i])}
             for i, (hid, _m, _a) in enumerate(rows) if any(draws[n][i] for n in NEED_RATES)]
    if needs:
        table = cast(Table, Household.__table__)
        session.execute(update(table).where(table.c.id == bindparam("hid")).values(needs=bindparam("needs")), needs)
    ago = rng.integers(30, 3650, len(rows))
    origin = rng.integers(0, len(ORIGINS), len(rows))
    moves = [{"city_id": city_id, "household_id": hid, "kind": MoveKind.MOVED_IN.value, "to_address_id": aid,
              "place": ORIGINS[int(origin[i])] if migrant else None,
              "at": BUILD_DATE - dt.timedelta(days=int(ago[i])), "created_at": BUILD_DATE}
             for i, (hid, migrant, aid) in enumerate(rows)]
    if moves:
        session.execute(insert(HouseholdMove), moves)
    first_building = dict(session.execute(
        select(Address.grid_id, Address.id).where(Address.city_id == city_id,
                                                  Address.kind == AddressKind.BUILDING.value)
        .order_by(Address.id.desc())).all())  # the last dict entry wins: each grid's first building
    ents = session.execute(select(Organisation.code, Organisation.name_zh, Organisation.node_id)
                           .where(Organisation.city_id == city_id, Organisation.kind == OrgKind.ENTERPRISE.value)
                           .order_by(Organisation.id)).all()
    employees = rng.integers(5, 400, len(ents))
    units = [{"city_id": city_id, "code": code[-30:], "name": name, "kind": "enterprise",
              "address_id": first_building[gid], "grid_id": gid, "employees": int(employees[i]),
              "created_at": BUILD_DATE}
             for i, (code, name, gid) in enumerate(ents) if gid in first_building]
    if units:
        session.execute(insert(Unit), units)
    session.flush()
    return {"needs": len(needs), "moves": len(moves), "units": len(units)}
