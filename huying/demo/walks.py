"""The demo city's inspection walks (行走, 四不两直): the demo leader and city officer walk a
few towns, the town officers of 虎门 and 长安 their own; each walk finds a few problems that
enter the loop through intake (channel ``inspection_walk``), some fixed on the spot, some put
on a ledger; one walk of the leader stays planned (its destination secret). The leader's
first walk goes to 石美社区 (万江), by its market, as the seed article tells. Everything goes
through :mod:`huying.contact.walk_service` with the demo year's clock: a few seconds."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
from shapely.geometry import Point, shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases import notify
from huying.cityconfig import categories
from huying.cityconfig.models import Category
from huying.contact import walk_service as ws
from huying.demo.build import CHANGAN, HUMEN, SHIMEI
from huying.geo.models import Level, Node
from huying.orgs.actor import actor_for

#: What a walker finds (fixed on the spot: the evidence; else the plan of the ledger).
PROBLEMS = [
    ("路边井盖松动，行人易绊倒", "已现场固定井盖并设置警示", "更换破损井盖，加装防滑圈"),
    ("农贸市场排水沟堵塞，污水外溢", "已组织保洁清理排水沟", "改造市场排水管网"),
    ("小区消防通道被车辆占用", "已联系车主挪车并张贴提示", "增设消防通道隔离桩和标识"),
    ("路灯不亮，夜间通行不便", "已通知维修人员现场更换灯泡", "更换整条道路老化线路"),
    ("工地围挡破损，扬尘较大", "已督促施工方修补围挡并洒水", "整改工地扬尘防治措施"),
    ("人行道地砖松动破损", "已现场临时修补", "重新铺设人行道地砖"),
    ("垃圾收集点满溢未清运", "已调度环卫车辆清运", "增设垃圾收集点并调整清运频次"),
    ("河涌边护栏缺失", "已设置临时警示带", "补装河涌护栏"),
]
#: (walker, town codes or None for any town, walks): who walks where in the demo.
WALKERS = [("leader", None, 5), ("city", None, 3), ("town", [HUMEN], 3), ("town2", [CHANGAN], 2)]
WALK_DAYS = 150


def _inside(node: Node, rng: np.random.Generator) -> tuple[float, float]:
    """A random point inside the node's polygon (its representative point if none is drawn)."""
    geom = shape(json.loads(node.geometry or "{}"))
    x0, y0, x1, y1 = geom.bounds
    for _ in range(50):
        p = Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
        if geom.contains(p):
            return round(p.x, 6), round(p.y, 6)
    rp = geom.representative_point()
    return round(rp.x, 6), round(rp.y, 6)


def build_walks(session: Session, city_id: int, seed: int, *, now: dt.datetime) -> dict[str, int]:
    """Walks of the demo year's last months and their problems (committed by the service)."""
    rng = np.random.default_rng(seed + 1616)
    if session.scalar(select(Category.id).where(Category.city_id == city_id).limit(1)) is None:
        categories.load_tree(session, city_id)
        session.commit()
    towns = list(session.scalars(select(Node).where(Node.city_id == city_id, Node.level == Level.TOWN.value)
                                 .order_by(Node.code)))
    communities: dict[str, list[Node]] = {}
    for c in session.scalars(select(Node).where(Node.city_id == city_id, Node.level == Level.COMMUNITY.value)
                             .order_by(Node.code)):
        communities.setdefault(c.path, []).append(c)
    counts = {"walks": 0, "problems": 0, "fixed_on_spot": 0, "ledger": 0, "planned": 0}
    shimei = next((c for cs in communities.values() for c in cs if c.code == SHIMEI), None)
    for username, codes, n in WALKERS:
        actor = actor_for(session, username)
        mine = [t for t in towns if codes is None or t.code in codes]
        for w in range(n):
            town = mine[int(rng.integers(len(mine)))]
            comms = [c for path, cs in communities.items() if path.startswith(town.path) for c in cs]
            dest = comms[int(rng.integers(len(comms)))] if comms else town
            if username == "leader" and w == 0 and shimei is not None:
                dest = shimei
            day = now - dt.timedelta(days=int(rng.integers(3, WALK_DAYS)), hours=int(rng.integers(0, 6)))
            walk = ws.plan(session, actor, node=dest.code, planned_on=ws.today(day), now=day)
            ws.start(session, actor, walk.id, now=day)
            counts["walks"] += 1
            for k in range(int(rng.integers(1, 4))):
                what, evidence, plan = PROBLEMS[int(rng.integers(len(PROBLEMS)))]
                lon, lat = _inside(dest, rng)
                at = day + dt.timedelta(minutes=20 * (k + 1))
                if rng.random() < 0.55:
                    data = ws.ProblemIn(what=what, outcome="fixed_on_spot", lon=lon, lat=lat, evidence=evidence)
                else:
                    data = ws.ProblemIn(what=what, outcome="ledger", lon=lon, lat=lat, plan=plan,
                                        due=ws.today(at) + dt.timedelta(days=int(rng.integers(10, 40))))
                ws.record_problem(session, actor, walk.id, data, now=at)
                counts["problems"] += 1
                counts[data.outcome] += 1
            ws.end(session, actor, walk.id, now=day + dt.timedelta(hours=2))
    # one walk of the leader stays planned: nobody else sees where it goes
    leader = actor_for(session, "leader")
    ws.plan(session, leader, node=towns[int(rng.integers(len(towns)))].code,
            planned_on=ws.today(now) + dt.timedelta(days=3), now=now)
    counts["planned"] += 1
    # the messages of the walks' cases are stale at the demo year's end, as the year's are
    counts["expired_messages"] = notify.expire(session.get_bind().engine, now=now)
    return counts
