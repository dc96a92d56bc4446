"""The demo city's public-welfare exchange (党群公益汇): about 130 projects posted over the
demo year across the towns' communities (a 2019-like mix: 长者饭堂, 助学, 环境美化, 文体设施,
关爱帮扶, 志愿服务), funded by several organisations or claimed by one, with co-building
agreements and milestones reached, so that progress varies and some still need money.
A dozen obviously synthetic funding organisations (state firms, public institutions, social
organisations) join the demo's enterprises. As the seed article tells, 中围村 (沙田镇) has
its 长者饭堂 project funded by social organisations. Everything goes through
:mod:`huying.community.exchange_service` with the demo year's clock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.community import exchange_service as xs
from huying.community.exchange_models import Project, ProjectType
from huying.demo.build import CITY_CODE, HUMEN_COMMUNITY, ZHONGWEI
from huying.geo.models import Level, Node
from huying.orgs.actor import Actor, actor_for
from huying.orgs.models import Organisation, OrgKind, Role

PROJECTS = 130
#: (type, share of the projects, titles, beneficiary kind, budget range in yuan, goods or None)
KINDS = [
    (ProjectType.ELDERLY_CANTEEN, 0.22, ["长者饭堂建设", "长者饭堂助餐补贴", "长者饭堂厨房设备更新"], "elderly",
     (60_000, 200_000), [("餐桌", 10, "张"), ("消毒柜", 2, "台")]),
    (ProjectType.STUDENT_AID, 0.18, ["困难学生助学金", "四点半课堂", "新莞人子女助学"], "students", (10_000, 80_000),
     [("书包文具套装", 60, "套")]),
    (ProjectType.ENVIRONMENT, 0.18, ["小区微改造", "河涌岸线绿化", "口袋公园建设"], "residents", (30_000, 150_000), None),
    (ProjectType.CULTURE_SPORTS, 0.14, ["社区篮球场翻新", "文化室设备添置", "健身路径建设"], "residents",
     (20_000, 120_000), [("健身器材", 6, "套")]),
    (ProjectType.CARE, 0.16, ["困境儿童关爱", "独居老人探访", "残疾人康复辅具"], "families_in_need", (8_000, 60_000),
     [("米面油礼包", 80, "份")]),
    (ProjectType.VOLUNTEERING, 0.12, ["志愿服务站建设", "社区志愿者培训", "邻里互助队"], "residents", (5_000, 40_000),
     None),
]
KIND_OF = {ProjectType.CARE: ["families_in_need", "disabled", "children", "elderly"]}
MILESTONES = {
    ProjectType.ELDERLY_CANTEEN: [("选址与装修", 40), ("设备采购", 30), ("试运营开餐", 30)],
    ProjectType.STUDENT_AID: [("确定资助对象", 30), ("资金发放", 50), ("回访", 20)],
    ProjectType.ENVIRONMENT: [("方案设计", 20), ("施工", 60), ("验收", 20)],
    ProjectType.CULTURE_SPORTS: [("方案与采购", 30), ("安装施工", 50), ("开放使用", 20)],
    ProjectType.CARE: [("需求摸查", 30), ("帮扶实施", 50), ("评估回访", 20)],
    ProjectType.VOLUNTEERING: [("招募", 30), ("培训", 30), ("服务开展", 40)],
}
#: The funding organisations the demo adds (code suffix, kind, name).
FUNDERS = [
    ("soe-01", OrgKind.STATE_FIRM, "演示城建集团有限公司", "Demo Urban Construction Group (synthetic)"),
    ("soe-02", OrgKind.STATE_FIRM, "演示水务集团有限公司", "Demo Water Group (synthetic)"),
    ("soe-03", OrgKind.STATE_FIRM, "演示交通投资集团有限公司", "Demo Transport Investment Group (synthetic)"),
    ("pi-01", OrgKind.PUBLIC_INSTITUTION, "演示市人民医院", "Demo City People's Hospital (synthetic)"),
    ("pi-02", OrgKind.PUBLIC_INSTITUTION, "演示职业技术学院", "Demo Polytechnic (synthetic)"),
    ("soc-01", OrgKind.SOCIAL_ORGANISATION, "演示慈善会", "Demo Charity Federation (synthetic)"),
    ("soc-02", OrgKind.SOCIAL_ORGANISATION, "演示社工服务中心", "Demo Social Work Centre (synthetic)"),
    ("soc-03", OrgKind.SOCIAL_ORGANISATION, "演示志愿者协会", "Demo Volunteers' Association (synthetic)"),
    ("soc-04", OrgKind.SOCIAL_ORGANISATION, "演示青年商会", "Demo Young Entrepreneurs' Chamber (synthetic)"),
]


def _funders(session: Session, city_id: int) -> list[Organisation]:
    city = session.scalar(select(Node).where(Node.city_id == city_id, Node.level == Level.CITY.value))
    assert city is not None
    out = []
    for suffix, kind, zh, en in FUNDERS:
        org = Organisation(city_id=city_id, code=f"{CITY_CODE}-exch-{suffix}", kind=kind.value, node_id=city.id,
                           name_zh=zh, name_en=en, active=True)
        session.add(org)
        out.append(org)
    out += list(session.scalars(select(Organisation).where(
        Organisation.city_id == city_id, Organisation.kind == OrgKind.ENTERPRISE.value)
        .order_by(Organisation.code).limit(12)))
    session.flush()
    return out


def _as(city_id: int, path: str, org: Organisation) -> Actor:
    """An organisation's account acting (the demo's other partners have no sign-in)."""
    return Actor(city_id=city_id, role=Role.PARTNER.value, node_path=path, organisation_id=org.id,
                 name=org.name_zh)


def _round(x: float, step: int = 500) -> Decimal:
    return Decimal(int(x // step) * step).quantize(xs.CENT)


def build_exchange(session: Session, city_id: int, seed: int, *, now: dt.datetime) -> dict[str, int]:
    """About 130 projects of the demo year with their pledges, claims, agreements and milestones."""
    rng = np.random.default_rng(seed + 1717)
    officer = actor_for(session, "city")
    funders = _funders(session, city_id)
    session.commit()
    partner = actor_for(session, "partner")
    communities = list(session.scalars(select(Node.code).where(Node.city_id == city_id,
                                                                Node.level == Level.COMMUNITY.value)
                                       .order_by(Node.code)))
    first = [HUMEN_COMMUNITY, *([ZHONGWEI] if ZHONGWEI in communities else [])]
    others = [c for c in communities if c not in first]
    chosen = [*first, *rng.choice(others, size=min(PROJECTS - len(first), len(others)), replace=False)]
    social = [f for f in funders if f.kind == OrgKind.SOCIAL_ORGANISATION.value]
    shares = np.array([k[1] for k in KINDS])
    start = now - dt.timedelta(days=360)
    counts = {"projects": 0, "pledges": 0, "claims": 0, "agreements": 0, "milestones reached": 0, "completed": 0}
    for i, community in enumerate(chosen[:PROJECTS]):
        drawn = int(rng.choice(len(KINDS), p=shares / shares.sum()))
        story = community == ZHONGWEI  # the article's 长者饭堂, funded by social organisations
        ptype, _, titles, kind, (lo, hi), goods = KINDS[0 if story else drawn]
        posted = start + dt.timedelta(days=float(rng.uniform(0, 330)), hours=float(rng.uniform(0, 8)))
        budget = _round(rng.uniform(lo, hi))
        with_goods = goods is not None and rng.random() < 0.4
        title = str(titles[0 if story else i % len(titles)])
        project = xs.post(session, officer, xs.ProjectIn(
            title=title, need=f"{title}：社区居民议事会提出的需求（演示数据）",
            type=ptype.value, beneficiaries=int(rng.integers(15, 400)),
            beneficiary_kind=str(rng.choice(KIND_OF.get(ptype, [kind]))), community=str(community), budget=budget,
            goods=[xs.GoodsIn(n, q, u) for n, q, u in goods] if with_goods and goods else [],
            milestones=MILESTONES[ptype], publish=True), now=posted)
        code = project.code
        counts["projects"] += 1
        path = officer.node_path
        roll = 0.5 if story else rng.random()
        pool = social if story else funders
        t = posted + dt.timedelta(days=float(rng.uniform(3, 20)))
        if i == 0:
            continue  # the Humen community's project stays open for the demo partner
        if roll < 0.2:  # claimed by one organisation
            org = funders[int(rng.integers(len(funders)))]
            xs.claim(session, _as(city_id, path, org), code, now=t)
            counts["claims"] += 1
            takers = [org]
        elif roll < 0.85:  # funded by several, some only partly
            takers = []
            left = budget
            n = int(rng.integers(1, 5))
            for k in range(n):
                org = pool[int(rng.integers(len(pool)))]
                share = left if (k == n - 1 and rng.random() < 0.6) else _round(float(left) * rng.uniform(0.2, 0.6))
                if share <= 0:
                    break
                gift = {g[0]: g[1] for g in goods} if with_goods and goods and k == 0 else {}
                xs.pledge(session, _as(city_id, path, org), code, xs.PledgeIn(amount=share, goods=gift),
                          now=t + dt.timedelta(days=k * 4))
                counts["pledges"] += 1
                left -= share
                if org not in takers:
                    takers.append(org)
            if with_goods and goods and not takers:
                continue
        else:
            continue  # nobody yet
        status = session.scalar(select(Project.status).where(Project.city_id == city_id, Project.code == code))
        t_sign = t + dt.timedelta(days=20)
        if t_sign >= now:
            continue
        for org in takers[:2]:
            xs.sign_agreement(session, officer, code, xs.AgreementIn(
                org.code, t_sign.date(), t_sign.date() + dt.timedelta(days=365),
                [("资金/物资到位", 50), ("项目验收", 50)]), now=t_sign)
            counts["agreements"] += 1
        if status not in ("funded", "claimed") or rng.random() < 0.15:
            continue  # still gathering support, or funded and waiting to start
        xs.start(session, officer, code, now=t_sign)
        view = xs.get_project(session, officer, code)
        reach = int(rng.integers(0, len(view.milestones) + 1))
        t_ms, reached = t_sign, 0
        for m in view.milestones[:reach]:
            t_ms += dt.timedelta(days=float(rng.uniform(10, 40)))
            if t_ms >= now:
                break
            xs.reach_milestone(session, officer, code, m.id, now=t_ms)
            counts["milestones reached"] += 1
            reached += m.weight
        for a in view.agreements:  # the agreements' own milestones follow the project's
            for m in a.milestones[:(len(a.milestones) * reached) // 100]:
                xs.reach_milestone(session, officer, code, m.id, now=min(t_ms, now))
                counts["milestones reached"] += 1
        if reached == 100 and t_ms < now:
            xs.complete(session, officer, code, now=t_ms)
            counts["completed"] += 1
    assert partner.organisation_id is not None
    return counts
