"""The demo city's service requests (一站受理 · 全区域通办): a few hundred requests over the
demo year, accepted at the centres' counters for residents of the register (most at their own
community's centre, some at a centre of another town: where they work or shop), each routed
by :mod:`huying.community.onestop_service` to the office responsible where the resident lives,
then handled through the kernel's commands: most on time, some late (marked overdue), a few
asking for missing materials, a few rejected, the latest still open (some past their date).
Synthetic: the residents are the register's households, the phones 138-0000-xxxx."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases import service as svc
from huying.cases.models import Case
from huying.community import onestop_service as onestop
from huying.community.models import Centre, CentreItem, ServiceItem
from huying.contact.models import Household
from huying.demo.cases import DEMO_DAYS
from huying.errors import CaseError, InvalidInput
from huying.geo.models import Level, Node
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation, Role

#: How many requests over the demo year.
REQUESTS = 240
#: Shares: accepted at a centre of another town; late; asking for materials; rejected.
ELSEWHERE, LATE, MATERIALS, REJECTED = 0.15, 0.12, 0.08, 0.03
#: Requests accepted in the last days stay open.
OPEN_DAYS = 12


def _moment(rng: np.random.Generator, day: dt.datetime) -> dt.datetime:
    """A weekday working hour on or after ``day`` (UTC; 09:00-17:00 in Dongguan)."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day.replace(hour=1 + int(rng.integers(0, 8)), minute=int(rng.integers(0, 60)), second=0, microsecond=0)


def _working_days_after(start: dt.datetime, days: int) -> dt.datetime:
    out = start
    while days > 0:
        out += dt.timedelta(days=1)
        if out.weekday() < 5:
            days -= 1
    return out


def build_onestop(session: Session, city_id: int, seed: int, *, now: dt.datetime) -> dict[str, int]:
    """The demo year's service requests (committed in blocks by the kernel)."""
    rng = np.random.default_rng(seed + 1818)
    nodes = {n.id: n for n in session.scalars(select(Node).where(
        Node.city_id == city_id, Node.level.in_([Level.TOWN.value, Level.COMMUNITY.value, Level.GRID.value])))}
    centres = list(session.scalars(select(Centre).where(Centre.city_id == city_id, Centre.active.is_(True))
                                   .order_by(Centre.code)))
    if not centres:
        return {"requests": 0}
    offered: dict[int, list[ServiceItem]] = defaultdict(list)
    for centre_id, item in session.execute(
            select(CentreItem.centre_id, ServiceItem).join(ServiceItem, ServiceItem.id == CentreItem.item_id)
            .where(CentreItem.city_id == city_id, ServiceItem.one_stop.is_(True))
            .order_by(CentreItem.centre_id, ServiceItem.code)):
        offered[centre_id].append(item)
    own_centre = {c.node_id: c for c in centres if c.kind == "community"}
    households = session.execute(select(Household.id, Household.code, Household.grid_id).where(
        Household.city_id == city_id, Household.moved_out_at.is_(None)).order_by(Household.id)).all()
    if not households:
        return {"requests": 0}
    unit_paths = dict(session.execute(select(Organisation.id, Node.path).join(Node, Node.id == Organisation.node_id)
                                      .where(Organisation.city_id == city_id)).all())

    def community_of(node_id: int) -> Node:
        n = nodes[node_id]
        while n.level == Level.GRID.value and n.parent_id in nodes:
            n = nodes[n.parent_id]  # type: ignore[index]
        return n

    def counter_staff(centre: Centre) -> Actor:
        return Actor(city_id=city_id, role=Role.COMMUNITY_OFFICER.value, node_path=nodes[centre.node_id].path,
                     name="demo counter")

    def unit_staff(case: Case) -> Actor:
        return Actor(city_id=city_id, role=Role.DEPARTMENT_HANDLER.value, node_path=unit_paths.get(case.unit_id or 0, "/"),
                     organisation_id=case.unit_id, name="demo office")

    def community_staff(case: Case) -> Actor:
        return Actor(city_id=city_id, role=Role.COMMUNITY_OFFICER.value,
                     node_path=community_of(case.grid_id).path if case.grid_id else "/", name="demo follow-up")

    start = now - dt.timedelta(days=DEMO_DAYS)
    counts = {"requests": 0, "elsewhere": 0, "closed": 0, "late": 0, "materials": 0, "rejected": 0, "open": 0}
    days = np.sort(rng.integers(0, DEMO_DAYS - 2, REQUESTS))
    for day in days:
        hh_id, hh_code, grid_id = households[int(rng.integers(0, len(households)))]
        home = community_of(grid_id)
        centre = own_centre.get(home.id)
        elsewhere = centre is None or rng.random() < ELSEWHERE
        if elsewhere:
            centre = centres[int(rng.integers(0, len(centres)))]
        assert centre is not None
        items = offered.get(centre.id)
        if not items:
            continue
        item = items[int(rng.integers(0, len(items)))]
        at = _moment(rng, start + dt.timedelta(days=int(day)))
        if at >= now:
            continue
        missing_some = bool(item.materials) and rng.random() < MATERIALS / 2
        brought = list(item.materials[:-1]) if missing_some else list(item.materials)
        try:
            with svc.one_transaction(session):
                case = onestop.accept(session, counter_staff(centre), centre.code, onestop.RequestIn(
                    item=item.code, household=hh_code, contact=f"1380000{int(rng.integers(0, 10_000)):04d}",
                    materials=tuple(brought), pending=missing_some,
                    delivery=("collect", "told", "mail")[int(rng.integers(0, 3))]), now=at)
                counts["requests"] += 1
                counts["elsewhere"] += int(nodes[centre.node_id].parent_id != home.parent_id)
                _handle(session, case, item, at, now, rng, unit_staff(case), community_staff(case), counts,
                        missing_some)
        except (InvalidInput, CaseError):
            continue  # nobody answers for the item there: the counter refused it, nothing stored
    counts["open"] = counts["requests"] - counts["closed"] - counts["rejected"]
    return counts


def _handle(session: Session, case: Case, item: ServiceItem, at: dt.datetime, now: dt.datetime,
            rng: np.random.Generator, unit: Actor, follow: Actor, counts: dict[str, int], missing: bool) -> None:
    """What happens to a request after the counter, each step at its moment, up to ``now``."""
    recent = (now - at).days < OPEN_DAYS

    def act(action: str, when: dt.datetime, actor: Actor, **params: object) -> bool:
        if when >= now:
            return False
        svc.perform(session, case, actor, action, now=when, params=params)
        return True

    t = at
    if missing:  # accepted with materials to come (容缺受理): they come in a few days later
        t = _working_days_after(t, int(rng.integers(1, 4)))
        if not act("supply_materials", t, unit, note="已补齐材料"):
            return
        counts["materials"] += 1
    t += dt.timedelta(hours=float(rng.uniform(1, 20)))
    if not act("accept", t, unit):
        return
    if rng.random() < REJECTED:
        act("reject", t + dt.timedelta(hours=2), unit, reason="not_our_responsibility", note="不符合申请条件")
        counts["rejected"] += 1
        return
    if not missing and rng.random() < MATERIALS:
        if not act("request_materials", t + dt.timedelta(hours=3), unit, note="请补交材料原件"):
            return
        t = _working_days_after(t, int(rng.integers(1, 4)))
        if not act("supply_materials", t, unit) or not act("accept", t + dt.timedelta(hours=1), unit):
            return
        counts["materials"] += 1
    limit = int(item.time_limit_days)
    late = rng.random() < LATE or (recent and rng.random() < 0.5)
    took = limit + int(rng.integers(1, 6)) if late else max(1, int(rng.integers(1, limit + 1)) - 1)
    done = _working_days_after(t, took)
    if not act("mark_handled", done, unit, evidence=f"已办结：{item.name_zh}"):
        return
    counts["late"] += int(bool(case.ever_overdue))
    if not act("deliver", done + dt.timedelta(days=int(rng.integers(0, 3)), hours=2), unit,
               how=("collected", "told", "mailed")[int(rng.integers(0, 3))]):
        return
    when = done + dt.timedelta(days=int(rng.integers(1, 4)), hours=3)
    if rng.random() < 0.8:
        sat = "满意" if rng.random() < 0.9 else "基本满意"
        closed = act("follow_up", when, follow, satisfaction=sat, method="phone")
    else:
        closed = act("close", when, follow)
    counts["closed"] += int(closed)
