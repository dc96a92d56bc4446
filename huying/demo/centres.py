"""The demo city's service centres (党群服务中心): the catalogue, a centre in every community
at the registered address nearest its middle, and 73 "阳光雨" centres in parks, office
buildings, estates and markets of the towns with the most households. Which items each
offers varies (a 长者饭堂 in under half of the communities, fewer in the lagging towns), so
the 10-minute circle has gaps to show; the article's 岗贝社区 and 中围村 always have their
长者饭堂. Positions and names of the 阳光雨 centres are synthetic. Bulk rows: about a second."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.community import centres as cs
from huying.community.catalogue import DEFAULT
from huying.community.models import Centre, CentreItem, CentreKind, ServiceItem, Setting
from huying.contact.models import Address
from huying.demo.build import GANGBEI, ZHONGWEI
from huying.geo.models import Level, Node
from huying.orgs.models import Organisation, OrgKind

SUNSHINE = 73
#: Opening hours by kind of centre or setting.
HOURS = {
    CentreKind.COMMUNITY.value: "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00",
    Setting.PARK.value: "Mo-Su 07:00-21:00",
    Setting.BUILDING.value: "Mo-Fr 09:00-18:00",
    Setting.ESTATE.value: "Mo-Sa 08:30-20:30",
    Setting.MARKET.value: "Mo-Su 08:00-18:00",
}
SETTING_ZH = {Setting.PARK: "公园", Setting.BUILDING: "商务楼宇", Setting.ESTATE: "小区", Setting.MARKET: "市场"}
SETTING_EN = {Setting.PARK: "Park", Setting.BUILDING: "Office Building", Setting.ESTATE: "Estate",
              Setting.MARKET: "Market"}
#: On-site items by setting of a 阳光雨 centre (one-stop items are accepted at every centre).
ON_SITE = {
    Setting.PARK: ("venue_booking",),
    Setting.BUILDING: (),
    Setting.ESTATE: ("elder_canteen", "after_school", "venue_booking"),
    Setting.MARKET: (),
}
#: The share of community centres with a 长者饭堂 and with an after-school class.
CANTEEN_RATE, AFTER_SCHOOL_RATE = 0.45, 0.5
#: The communities whose centre has a 长者饭堂 as the seed article tells (岗贝社区, 中围村).
ARTICLE_CANTEENS = (GANGBEI, ZHONGWEI)


def build_centres(session: Session, city_id: int, seed: int) -> dict[str, int]:
    """The catalogue and the centres (flushed, not committed)."""
    rng = np.random.default_rng(seed + 1717)
    cs.load_catalogue(session, city_id)
    item_id = {i.code: i.id for i in session.scalars(select(ServiceItem).where(ServiceItem.city_id == city_id))}
    one_stop = [i.code for i in DEFAULT if i.one_stop]
    communities = list(session.scalars(select(Node).where(Node.city_id == city_id,
                                                          Node.level == Level.COMMUNITY.value).order_by(Node.code)))
    town_of = {c.id: c.parent_id for c in communities}
    grids = session.execute(select(Node.id, Node.parent_id).where(Node.city_id == city_id,
                                                                 Node.level == Level.GRID.value)).all()
    community_of_grid: dict[int, int] = {g: p for g, p in grids if p is not None}
    party = dict(session.execute(select(Organisation.node_id, func.min(Organisation.id)).where(
        Organisation.city_id == city_id, Organisation.kind == OrgKind.PARTY_ORGANISATION.value)
        .group_by(Organisation.node_id)).all())
    by_community: dict[int, list[tuple[str, float, float]]] = defaultdict(list)
    for text, grid, lon, lat in session.execute(select(Address.text, Address.grid_id, Address.lon, Address.lat).where(
            Address.city_id == city_id, Address.parent_id.is_(None)).order_by(Address.id)):
        by_community[community_of_grid.get(grid, -1)].append((text, lon, lat))
    # lagging towns: a few towns have fewer canteens (the map has something to show)
    towns = sorted({t for t in town_of.values() if t is not None})
    lag = {t: (0.4 if rng.random() < 0.25 else 1.0) for t in towns}
    rows: list[Centre] = []
    offers: list[tuple[int, str, int | None]] = []  # (index in rows, item code, capacity)
    for comm in communities:
        here = by_community.get(comm.id)
        if here:
            pts = np.array([(lon, lat) for _, lon, lat in here])
            mid = pts.mean(axis=0)
            k = int(np.argmin(((pts - mid) ** 2).sum(axis=1)))
            address, lon, lat = here[k]
        elif comm.centroid_lon is not None and comm.centroid_lat is not None:
            address, lon, lat = "", comm.centroid_lon, comm.centroid_lat
        else:
            continue
        rows.append(Centre(city_id=city_id, code=f"C{comm.code}", kind=CentreKind.COMMUNITY.value,
                           name_zh=f"{comm.name_zh}党群服务中心", name_en=f"{comm.name_en} Service Centre",
                           node_id=comm.id, organisation_id=party.get(comm.id), address=address,
                           lon=round(float(lon), 6), lat=round(float(lat), 6),
                           opening_hours=HOURS[CentreKind.COMMUNITY.value]))
        n = len(rows) - 1
        offers += [(n, code, None) for code in one_stop]
        offers += [(n, "venue_booking", None)]
        drawn = rng.random() < CANTEEN_RATE * lag.get(comm.parent_id or 0, 1.0)
        if drawn or comm.code in ARTICLE_CANTEENS:
            offers.append((n, "elder_canteen", int(rng.integers(2, 7)) * 10))
        if rng.random() < AFTER_SCHOOL_RATE:
            offers.append((n, "after_school", int(rng.integers(2, 5)) * 10))
    # 阳光雨: in the communities with the most registered buildings, one per community
    busiest = sorted((c for c in communities if len(by_community.get(c.id, ())) > 0),
                     key=lambda c: (-len(by_community[c.id]), c.code))[:SUNSHINE]
    settings = list(Setting)
    for i, comm in enumerate(busiest):
        setting = settings[i % len(settings)]
        text, lon, lat = by_community[comm.id][int(rng.integers(0, len(by_community[comm.id])))]
        short = comm.name_zh.removesuffix("社区").removesuffix("村")
        rows.append(Centre(city_id=city_id, code=f"S{comm.code}", kind=CentreKind.SUNSHINE.value,
                           setting=setting.value, name_zh=f"{short}{SETTING_ZH[setting]}阳光雨党群服务站",
                           name_en=f"{comm.name_en} {SETTING_EN[setting]} Sunshine Station", node_id=comm.id,
                           organisation_id=party.get(comm.id), address=text, lon=round(float(lon), 6),
                           lat=round(float(lat), 6), opening_hours=HOURS[setting.value]))
        n = len(rows) - 1
        offers += [(n, code, None) for code in one_stop]
        offers += [(n, code, 30 if code == "elder_canteen" else None) for code in ON_SITE[setting]]
    session.add_all(rows)
    session.flush()
    session.add_all([CentreItem(city_id=city_id, centre_id=rows[n].id, item_id=item_id[code], capacity=cap)
                     for n, code, cap in offers])
    session.flush()
    canteens = sum(1 for _, code, _ in offers if code == "elder_canteen")
    return {"centres": len(rows), "sunshine": len(busiest), "items": len(item_id), "offers": len(offers),
            "canteens": canteens}
