"""One deployment, several cities: nothing of one is visible or locatable from the other."""

from __future__ import annotations

import pytest
from shapely.geometry import box

from huying.cases import service as svc
from huying.errors import InvalidInput, NotVisible
from huying.geo import service as geo
from huying.geo.models import Level, Node
from huying.orgs.actor import Actor
from huying.orgs.models import Role
from huying.orgs.service import create_user
from tests.cases.conftest import _HASH, World


def test_two_cities_share_a_database_but_nothing_else(world: World) -> None:
    s = world.session
    other = geo.create_city(s, "440300", "深圳市", "Shenzhen", geometry=box(114.0, 22.5, 114.2, 22.7))
    root = s.query(Node).filter_by(city_id=other.id, level="city").one()
    area = geo.add_node(s, other, Level.AREA, "440300-A1", root, "片区", "Area", box(114.0, 22.5, 114.2, 22.7))
    town = geo.add_node(s, other, Level.TOWN, "440300001", area, "镇", "Town", box(114.0, 22.5, 114.2, 22.7))
    comm = geo.add_node(s, other, Level.COMMUNITY, "440300001001", town, "社区", "C", box(114.0, 22.5, 114.2, 22.7))
    geo.add_node(s, other, Level.GRID, "440300001001001", comm, "网格", "G", box(114.0, 22.5, 114.2, 22.7))
    admin2 = create_user(s, username="sz-admin", password="", password_hash=_HASH, role=Role.ADMIN, node=root)
    s.commit()
    sz = Actor.of(s, admin2)
    dg_case = world.report()
    sz_case = svc.report(s, sz, svc.ReportIn(title="井盖", lon=114.1, lat=22.6), channel="hotline", now=dg_case.created_at)
    assert sz_case.code.startswith("440300-") and sz_case.city_id == other.id
    assert [c.code for c in svc.list_cases(s, sz)] == [sz_case.code]
    assert sz_case.code not in [c.code for c in svc.list_cases(s, world["admin"])]
    with pytest.raises(NotVisible):
        svc.get_case(s, sz, dg_case.code)
    with pytest.raises(InvalidInput, match="location"):  # a Dongguan point is outside Shenzhen
        svc.report(s, sz, svc.ReportIn(title="x", lon=113.05, lat=23.05), channel="hotline", now=dg_case.created_at)
