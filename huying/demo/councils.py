"""The demo city's co-building councils (共建议事会) and the three lists (需求清单 · 服务清单
· 资源清单) of the first communities of every town: synthetic member organisations
("示例共建单位…", clearly not real) seated beside the community's party organisation, two
meetings with topics and decisions (a need, a project); needs of the households the register
says need help; services of the community's centres (when the demo has centres) and of the
member organisations; resources (venues, volunteers); then the matcher once per community,
and some of its matches accepted, fulfilled and evaluated. Everything goes through
:mod:`huying.community.council_service` and :mod:`huying.community.lists_service`."""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.community import council_service as cs
from huying.community import lists_service as ls
from huying.community.models import Centre
from huying.community.weekdays import DAYS
from huying.contact.models import Household
from huying.geo.models import Level, Node
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation, OrgKind

#: Communities with a council in each town (the first ones by code).
PER_TOWN = 2
#: Needs taken from the register per community (households with needs).
NEEDS_PER_COMMUNITY = 7
#: What a household's need in the register asks of the lists.
FROM_REGISTER = {"elder_alone": ["meal_help", "medical_help", "housekeeping"],
                 "disability": ["medical_help", "housekeeping", "volunteering"],
                 "low_income": ["legal_advice", "study_help", "counselling"],
                 "left_behind_children": ["study_help", "counselling", "recreation"]}
KINDS = [(OrgKind.STATE_FIRM, "国企"), (OrgKind.SOCIAL_ORGANISATION, "社工服务中心"),
         (OrgKind.ENTERPRISE, "企业"), (OrgKind.PUBLIC_INSTITUTION, "事业单位"),
         (OrgKind.SOCIAL_ORGANISATION, "志愿者协会")]
SERVICES = {"meal_help": "长者饭堂", "medical_help": "上门医疗服务", "housekeeping": "家政服务队",
            "legal_advice": "法律服务站", "study_help": "四点半课堂", "counselling": "心理咨询室",
            "recreation": "文体活动队", "volunteering": "志愿服务队"}
TOPICS = ["长者助餐", "暑期托管", "老旧小区改造", "文明创建", "停车难", "困难群众帮扶", "社区活动场地"]


def _windows(rng: np.random.Generator, k: int = 2) -> str:
    out = []
    for _ in range(k):
        start = int(rng.integers(8, 17))
        out.append(f"{DAYS[int(rng.integers(0, 7))]} {start}-{start + int(rng.integers(2, 5))}")
    return "; ".join(out)


def _open_days(rng: np.random.Generator) -> str:
    """A service's opening: four or five days a week, most of the day."""
    days = sorted(int(d) for d in rng.choice(7, size=int(rng.integers(4, 6)), replace=False))
    start, end = int(rng.integers(8, 10)), int(rng.integers(16, 19))
    return "; ".join(f"{DAYS[d]} {start}-{end}" for d in days)


def _point(node: Node, rng: np.random.Generator) -> tuple[float, float]:
    lon0, lat0 = node.centroid_lon or 0.0, node.centroid_lat or 0.0
    lon = lon0 + float(rng.normal(0, 0.004))
    lat = lat0 + float(rng.normal(0, 0.004))
    if node.min_lon is not None and node.max_lon is not None and node.min_lat is not None \
            and node.max_lat is not None:
        lon = min(max(lon, node.min_lon), node.max_lon)
        lat = min(max(lat, node.min_lat), node.max_lat)
    return round(lon, 6), round(lat, 6)


def build_councils(session: Session, city_id: int, seed: int, *, now: dt.datetime) -> dict[str, int]:
    """Councils, lists and matches of the first :data:`PER_TOWN` communities of every town."""
    rng = np.random.default_rng(seed + 1717)
    city = session.scalar(select(Node).where(Node.city_id == city_id, Node.level == Level.CITY.value))
    assert city is not None
    system = Actor.system(city_id, city.path)
    towns = list(session.scalars(select(Node).where(Node.city_id == city_id, Node.level == Level.TOWN.value)
                                 .order_by(Node.code)))
    counts = dict.fromkeys(("councils", "members", "meetings", "needs", "services", "resources", "matches",
                            "accepted", "fulfilled", "evaluated"), 0)
    n_org = 0
    for town in towns:
        communities = list(session.scalars(select(Node).where(Node.parent_id == town.id)
                                           .order_by(Node.code).limit(PER_TOWN)))
        for comm in communities:
            # member organisations: synthetic ones, and the community's party organisation as convener
            members: list[Organisation] = []
            for kind, word in (KINDS[i] for i in rng.choice(len(KINDS), size=3, replace=False)):
                n_org += 1
                org = Organisation(city_id=city_id, code=f"{comm.code}-cb-{n_org:05d}", kind=kind.value,
                                   node_id=comm.id, name_zh=f"示例共建单位{n_org:04d}（{word}）",
                                   name_en=f"Sample partner {n_org:04d}")
                session.add(org)
                members.append(org)
            session.flush()
            party = session.scalar(select(Organisation).where(Organisation.city_id == city_id,
                                                              Organisation.code == f"{comm.code}-party"))
            if party is not None:
                cs.seat_in(session, system, node=comm.code, organisation=party.code, role="convener", now=now)
                counts["members"] += 1
            for i, org in enumerate(members):
                cs.seat_in(session, system, node=comm.code, organisation=org.code,
                        role="observer" if i == 2 else "member", now=now)
                counts["members"] += 1
            counts["councils"] += 1
            # two meetings, each with a need decided and a project
            for k in range(2):
                held = (now - dt.timedelta(days=int(rng.integers(10, 300)))).date()
                topic = [TOPICS[int(j)] for j in rng.choice(len(TOPICS), size=2, replace=False)]
                need_type = str(rng.choice(list(SERVICES)))
                cs.meeting_in(session, system, cs.MeetingData(
                    node=comm.code, held_on=held, place=f"{comm.name_zh}党群服务中心会议室", topics=topic,
                    organisations=[m.code for m in members[: 2 + k % 2]],
                    decisions=[cs.DecisionData(f"议定：{topic[0]}，由共建单位提供服务", "need",
                                               ls.NeedData(type=need_type, windows=_windows(rng, 1),
                                                           people=int(rng.integers(1, 4)))),
                               cs.DecisionData(f"议定：申报公益项目“{topic[1]}”", "project")]), now=now)
                counts["meetings"] += 1
                counts["needs"] += 1
            # needs of the households the register says need help
            households = session.execute(
                select(Household.code, Household.needs).join(Node, Node.id == Household.grid_id)
                .where(Node.parent_id == comm.id, Household.needs != "", Household.moved_out_at.is_(None))
                .order_by(Household.code).limit(NEEDS_PER_COMMUNITY)).all()
            for code, needs in households:
                kinds = [k for k in needs.split(",") if k in FROM_REGISTER]
                if not kinds:
                    continue
                type_ = str(rng.choice(FROM_REGISTER[kinds[0]]))
                ls.new_need(session, system, ls.NeedData(type=type_, household=code, windows=_windows(rng),
                                                         people=int(rng.integers(1, 3))), now=now)
                counts["needs"] += 1
            # services: the community's centres (if any), then the member organisations
            for centre in session.scalars(select(Centre).where(Centre.node_id == comm.id).limit(2)):
                ls.new_offer(session, system, ls.OfferData(
                    list_kind="services", type="meal_help", name=centre.name_zh, centre=centre.code,
                    windows="Mo 11-13; We 11-13; Fr 11-13; Sa 11-13", capacity=int(rng.integers(8, 20))), now=now)
                counts["services"] += 1
            kinds_of = [str(t) for t in rng.permutation(list(SERVICES))]
            for i, org in enumerate(members):
                for type_ in kinds_of[2 * i: 2 * i + 2]:
                    lon, lat = _point(comm, rng)
                    ls.new_offer(session, system, ls.OfferData(
                        list_kind="services", type=str(type_), name=f"{org.name_zh}{SERVICES[str(type_)]}",
                        node=comm.code, organisation=org.code, windows=_open_days(rng),
                        capacity=int(rng.integers(2, 12)), lon=lon, lat=lat), now=now)
                    counts["services"] += 1
            resources = (("venue", "venue", "示例社区活动室", 40), ("volunteers", "volunteering", "示例志愿者队伍", 10))
            for kind, type_, name, cap in resources[: 1 + int(rng.integers(0, 2))]:
                lon, lat = _point(comm, rng)
                ls.new_offer(session, system, ls.OfferData(
                    list_kind="resources", kind=kind, type=type_, name=name, node=comm.code, windows=_open_days(rng),
                    capacity=cap, lon=lon, lat=lat), now=now)
                counts["resources"] += 1
            # the matcher once, then some matches move on
            officer = Actor(city_id=city_id, role="community_officer", node_path=comm.path, name="demo")
            for m in ls.propose_in(session, system, comm, now=now):
                counts["matches"] += 1
                draw = float(rng.random())
                if draw < 0.35:
                    continue
                _move(session, officer, m.id, "accept", now)  # the solver left places for every proposal
                counts["accepted"] += 1
                if draw < 0.6:
                    continue
                _move(session, officer, m.id, "fulfil", now)
                counts["fulfilled"] += 1
                if draw < 0.8:
                    continue
                _move(session, officer, m.id, "evaluate", now, rating=int(rng.integers(3, 6)))
                counts["evaluated"] += 1
    return counts


def _move(session: Session, actor: Actor, match_id: int, action: str, now: dt.datetime,
          rating: int | None = None) -> None:
    ls.move_in(session, actor, match_id, action, rating=rating, comment="服务到位" if rating else "", now=now)
