"""A small world for the service circle's tests: the closed loop's two towns
(tests/cases/conftest.py), households scattered around two centres of town 1 offering 长者饭堂
(``elder_meals``), one centre of town 2 offering it too, and an item no centre offers."""

from __future__ import annotations

import math

import numpy as np
from sqlalchemy.orm import Session

from huying.community.models import Centre, CentreItem, ServiceItem
from huying.contact.linking import project
from huying.contact.models import Household
from tests.cases.conftest import World, build_world

#: centres: code, node key, lon, lat, offers elder meals
CENTRES = [("C1", "comm1", 113.05, 23.05, True), ("C2", "comm1", 113.15, 23.10, True),
           ("C3", "comm2", 113.30, 23.10, True), ("C4", "comm1", 113.10, 23.15, False)]


def build(session: Session, n: int = 400, seed: int = 7) -> World:
    w = build_world(session)
    city = w.city_id
    meals = ServiceItem(city_id=city, code="elder_meals", name_zh="长者饭堂", name_en="Meals for elders",
                        category="elderly", level="community")
    desk = ServiceItem(city_id=city, code="social_security", name_zh="社保办理", name_en="Social security",
                       category="social_security")
    session.add_all([meals, desk])
    session.flush()
    for code, node, lon, lat, offers in CENTRES:
        c = Centre(city_id=city, code=code, kind="community", name_zh=f"{code}党群服务中心", name_en=f"{code} centre",
                   node_id=w.nodes[node].id, address=f"{code}路1号", lon=lon, lat=lat,
                   opening_hours="Mo-Fr 09:00-18:00")
        session.add(c)
        session.flush()
        session.add(CentreItem(city_id=city, centre_id=c.id, item_id=(meals if offers else desk).id))
    rng = np.random.default_rng(seed)
    keys = ["grid1a", "grid1b", "grid2a", "grid2b"]
    for i in range(n):
        key = keys[i % 4]
        node = w.nodes[key]
        x0 = {"grid1a": 113.0, "grid1b": 113.1, "grid2a": 113.2, "grid2b": 113.3}[key]
        # most near a centre, some far
        near = [c for c in CENTRES if x0 <= c[2] < x0 + 0.1]
        if near and rng.random() < 0.7:
            lon = near[0][2] + rng.normal(0, 0.006)
            lat = near[0][3] + rng.normal(0, 0.006)
        else:
            lon, lat = x0 + rng.random() * 0.1, 23.0 + rng.random() * 0.2
        session.add(Household(city_id=city, code=f"H{i:04d}", grid_id=node.id, address=f"地址{i}", lon=float(lon),
                              lat=float(lat)))
    session.add(Household(city_id=city, code="HNOPT", grid_id=w.nodes["grid1a"].id, address="无坐标"))
    session.commit()
    return w


def brute_within(hlon: float, hlat: float, centres: list[tuple[float, float]], detour: float, reach: float) -> bool:
    """Plain Python: is any centre within reach (the same projection and float operations)."""
    (hx, hy), = project([hlon], [hlat]).tolist()
    for clon, clat in centres:
        (cx, cy), = project([clon], [clat]).tolist()
        dx, dy = hx - cx, hy - cy
        if math.sqrt(dx * dx + dy * dy) * detour <= reach:
            return True
    return False
