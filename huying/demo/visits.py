"""The demo city's resident-point contact (驻点联系): cadres (about one per 80 households,
per town), their assignments of households and enterprises, and a year of visits quarter by
quarter whose coverage differs from town to town (each town a diligence of its own) and from
season to season (the Spring Festival's quarter lags). Bulk-inserted: a few seconds.

Half the households of the demo grid worker's grid are assigned to the demo account
``gridworker`` (its 我的走访户 has something in it); the other half are left unassigned, for
the web tests to assign as their scene needs."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from huying.contact import visits
from huying.contact.models import (
    Household,
    Unit,
    Visit,
    VisitAssignment,
    VisitHow,
)
from huying.demo.build import HUMEN_GRID
from huying.demo.cases import STAFF_PASSWORD
from huying.geo.models import Node
from huying.orgs.models import Role, User
from huying.orgs.service import hash_password

HOUSEHOLDS_PER_CADRE = 80
#: A year of visits, quarter by quarter (the visit cycle is a quarter).
QUARTERS = 4
QUARTER_DAYS = 90
#: How diligent the cadres are in each quarter, the last one first, against their town's
#: usual: the quarter of the Spring Festival (the third back) is a bad one.
SEASON = (1.0, 0.95, 0.7, 0.9)
#: The assignments start this long before the end of the demo year.
ASSIGNED_DAYS = QUARTERS * QUARTER_DAYS + 5


def build_visits(session: Session, city_id: int, seed: int, *, now: dt.datetime) -> dict[str, int]:
    """Cadres, assignments and visits for the demo city (flushed, not committed)."""
    rng = np.random.default_rng(seed + 16)
    nodes = {n.id: n for n in session.scalars(select(Node).where(Node.city_id == city_id))}
    rows = session.execute(select(Household.id, Household.grid_id).where(
        Household.city_id == city_id, Household.moved_out_at.is_(None)).order_by(Household.id)).all()
    def town_of(grid_id: int) -> int:
        node = nodes[grid_id]
        while node.level != "town" and node.parent_id is not None:
            node = nodes[node.parent_id]
        return node.id

    by_town: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for hid, gid in sorted(rows, key=lambda r: (nodes[r[1]].path, r[0])):  # a cadre's households are neighbours
        by_town[town_of(gid)].append((hid, gid))
    towns = sorted(by_town)
    diligence = dict(zip(towns, rng.uniform(0.3, 0.97, len(towns)), strict=True))
    demo_gw = session.scalar(select(User.id).where(User.city_id == city_id, User.username == "gridworker"))
    since = now - dt.timedelta(days=ASSIGNED_DAYS)
    cycle = visits.cycle_days()

    password = hash_password(STAFF_PASSWORD)
    users: list[dict[str, object]] = []
    plan: list[tuple[int, str, int]] = []  # (household, cadre username, community)
    for cid in towns:
        members = [(h, g) for h, g in by_town[cid] if nodes[g].code != HUMEN_GRID]
        own = [(h, g) for h, g in by_town[cid] if nodes[g].code == HUMEN_GRID]
        if demo_gw is not None:
            plan += [(h, "gridworker", cid) for i, (h, _) in enumerate(own) if i % 2 == 0]
        k = max(1, math.ceil(len(members) / HOUSEHOLDS_PER_CADRE))
        names = [f"cadre-{nodes[cid].code}-{j + 1:02d}" for j in range(k)]
        for j, name in enumerate(names):
            first = members[j * len(members) // k][1] if members else cid
            users.append({"city_id": city_id, "username": name, "display_name": f"{nodes[cid].name_zh}驻点干部{j + 1}",
                          "password_hash": password, "role": Role.GRID_WORKER.value, "node_id": first,
                          "locale": "zh", "active": True, "created_at": since, "session_epoch": 0})
        plan += [(h, names[i * k // len(members)], cid) for i, (h, _) in enumerate(members)]
    if users:
        session.execute(insert(User), users)
    ids = dict(session.execute(select(User.username, User.id).where(User.city_id == city_id)).all())

    units = _register_enterprises(session, city_id, rng)
    # an enterprise goes to the cadre with the most households in its grid
    grid_of = dict(rows)
    cadre_of_grid: dict[int, Counter[str]] = defaultdict(Counter)
    for hid, cadre, _ in plan:
        cadre_of_grid[grid_of[hid]][cadre] += 1
    unit_plan = [(uid, cadre_of_grid[gid].most_common(1)[0][0], town_of(gid))
                 for uid, gid in units if cadre_of_grid.get(gid)]

    assignments: list[dict[str, object]] = []
    visit_rows: list[dict[str, object]] = []
    hows = [VisitHow.DOOR.value, VisitHow.PHONE.value, VisitHow.ONLINE.value]
    for kind, target, cadre, cid in [*(("household_id", *p) for p in plan), *(("unit_id", *p) for p in unit_plan)]:
        p = diligence[cid]
        last = None
        other = "unit_id" if kind == "household_id" else "household_id"
        times = []
        for q, season in enumerate(SEASON[:QUARTERS]):  # a visit in a quarter, sometimes a second
            n = int(rng.random() < p * season) + int(rng.random() < p * season / 4)
            times += [now - dt.timedelta(days=q * QUARTER_DAYS,
                                         minutes=int(rng.integers(0, QUARTER_DAYS * 24 * 60))) for _ in range(n)]
        for at in times:
            visit_rows.append({"city_id": city_id, kind: target, other: None, "cadre_id": ids[cadre], "at": at,
                               "how": hows[int(rng.choice(3, p=[0.6, 0.3, 0.1]))], "notes": "", "needs": "",
                               "created_at": at})
            last = at if last is None or at > last else last
        due = visits.next_due(last, since, cycle)
        notified, sweep_at = visits.swept_until(due, now)
        assignments.append({"city_id": city_id, "cadre_id": ids[cadre], kind: target, other: None, "since": since,
                            "last_visit_at": last, "due_at": due, "notified": notified, "sweep_at": sweep_at,
                            "created_at": since})
    for start in range(0, len(assignments), 10_000):
        session.execute(insert(VisitAssignment), assignments[start:start + 10_000])
    for start in range(0, len(visit_rows), 10_000):
        session.execute(insert(Visit), visit_rows[start:start + 10_000])
    session.flush()
    return {"cadres": len(users), "assignments": len(assignments), "visits": len(visit_rows),
            "enterprises": len(units)}


def _register_enterprises(session: Session, city_id: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    """The demo's enterprises in the register (units, put there by ``huying.demo.register``,
    which runs first): their (unit id, grid id)."""
    return [(uid, gid) for uid, gid in session.execute(
        select(Unit.id, Unit.grid_id).where(Unit.city_id == city_id).order_by(Unit.id)).all()]
