"""The circle's service on both databases: coverage per node equal to a recount over every
household × centre in plain Python; proposals that bring households in, equal to brute force;
the finder; who may read; the network import, refused whole on a bad file."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.community import circle_cover as cover
from huying.community import circle_service as cs
from huying.community.circle_models import WalkNetwork
from huying.community.circle_walk import Walking
from huying.community.models import CommunityEvent
from huying.contact.linking import project
from huying.contact.models import Household
from huying.demo.network import lattice, to_geojson
from huying.errors import InvalidInput, NotPermitted, NotVisible
from tests.community.circle_world import CENTRES, brute_within, build

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def w(session: Session):  # type: ignore[no-untyped-def]
    return build(session)


def test_coverage_per_node_equals_a_recount_over_every_household_and_centre(w) -> None:  # type: ignore[no-untyped-def]
    s = w.session
    walking = Walking.from_settings()
    meals = [(lon, lat) for _, _, lon, lat, offers in CENTRES if offers]
    homes = s.execute(select(Household.code, Household.grid_id, Household.lon, Household.lat)
                      .where(Household.lon.is_not(None))).all()
    grid_town = {w.nodes[k].id: t for k, t in (("grid1a", "town1"), ("grid1b", "town1"),
                                                ("grid2a", "town2"), ("grid2b", "town2"))}
    want: dict[str, list[int]] = {"town1": [0, 0], "town2": [0, 0]}
    for _code, grid_id, lon, lat in homes:
        t = want[grid_town[grid_id]]
        t[0] += 1
        t[1] += brute_within(lon, lat, meals, walking.detour, walking.reach_m)
    cov = cs.coverage(s, w["leader"], w.nodes["area"], "elder_meals")
    got = {n.code: (t.households, t.within) for n, t in cov.by_child}
    assert got == {w.nodes["town1"].code: tuple(want["town1"]), w.nodes["town2"].code: tuple(want["town2"])}
    assert cov.total.households == len(homes) and cov.no_point == 1
    assert 0 < cov.total.within < cov.total.households
    assert cov.outside == []  # an area's map shows grids, not households
    comm = cs.coverage(s, w["community"], w.nodes["comm1"], "elder_meals")
    assert len(comm.outside) == comm.total.outside and comm.total.outside > 0
    assert comm.mode == "straight"


def test_coverage_is_for_officers_and_leaders_within_their_scope(w) -> None:  # type: ignore[no-untyped-def]
    s = w.session
    for persona in ("resident", "gridworker", "handler"):
        with pytest.raises(NotPermitted):
            cs.coverage(s, w[persona], w.nodes["comm1"], "elder_meals")
    with pytest.raises(NotPermitted):
        cs.coverage(s, w["community"], w.nodes["comm2"], "elder_meals")
    with pytest.raises(NotVisible, match="item"):
        cs.coverage(s, w["leader"], w.nodes["comm1"], "no_such_item")


def test_proposed_sites_bring_in_what_brute_force_says_is_best(w) -> None:  # type: ignore[no-untyped-def]
    s = w.session
    pts = [(113.02 + 0.015 * i, 23.02 + 0.012 * (i % 5), f"候选{i}") for i in range(12)]
    pr = cs.propose(s, w["town"], w.nodes["town1"], "elder_meals", 2, points=pts)
    assert pr.optimal and pr.gap == 0.0 and pr.greedy_covered <= pr.newly_covered
    assert sum(site.newly for site in pr.sites) == pr.newly_covered
    # brute force over every pair of the candidates, on the households of town 1 outside the circle
    walking = Walking.from_settings()
    meals = [(lon, lat) for _, _, lon, lat, offers in CENTRES if offers]
    rows = s.execute(select(Household.lon, Household.lat).where(
        Household.lon.is_not(None), Household.grid_id.in_([w.nodes["grid1a"].id, w.nodes["grid1b"].id]))).all()
    outside = [(lon, lat) for lon, lat in rows if not brute_within(lon, lat, meals, walking.detour, walking.reach_m)]
    assert pr.outside_before == len(outside)
    best = max(sum(1 for lon, lat in outside if brute_within(lon, lat, [pts[a][:2], pts[b][:2]], walking.detour,
                                                             walking.reach_m))
               for a in range(12) for b in range(a + 1, 12))
    assert pr.newly_covered == best > 0
    grids = cs.propose(s, w["town"], w.nodes["town1"], "elder_meals", 1)
    assert grids.candidate_kind == "grids" and grids.candidates == 2
    with pytest.raises(InvalidInput, match="p"):
        cs.propose(s, w["town"], w.nodes["town1"], "elder_meals", 0)


def test_the_finder_lists_the_nearest_centres_offering_the_item(w) -> None:  # type: ignore[no-untyped-def]
    s = w.session
    item, rows = cs.nearest(s, w.city_id, "elder_meals", 113.052, 23.051)
    assert item.name_zh == "长者饭堂"
    assert [r.centre.code for r in rows] == ["C1", "C2", "C3"]  # C4 does not offer it
    assert rows[0].within and rows[0].minutes <= 10 and rows[0].walk_m < rows[1].walk_m
    _, node, by_place = cs.nearest_to_node(s, w.city_id, "elder_meals", w.nodes["comm2"].code)
    assert by_place[0].centre.code == "C3"
    assert [i.code for i in cs.items_offered(s, w.city_id)] == ["elder_meals", "social_security"]


def test_a_network_import_changes_the_walks_and_a_bad_file_stores_nothing(w) -> None:  # type: ignore[no-untyped-def]
    s = w.session
    net = lattice(113.0, 23.0, 113.2, 23.2, 250.0, seed=3)
    bad_geojson = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[113.0, 23.0], [113.01, 23.0]]}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.0, 23.0]}}]})
    with pytest.raises(InvalidInput, match="feature 2"):
        cs.import_network(s, w["city"], bad_geojson.encode(), "bad.geojson", now=NOW)
    bad_osm = b'<?xml version="1.0"?>\n<osm>\n<node id="1" lat="23.0" lon="113.0"/>\n' \
              b'<way id="9">\n<nd ref="1"/>\n<nd ref="2"/>\n<tag k="highway" v="footway"/>\n</way>\n</osm>\n'
    with pytest.raises(InvalidInput, match="line 4"):
        cs.import_network(s, w["city"], bad_osm, "bad.osm", now=NOW)
    with pytest.raises(InvalidInput, match="line 3"):
        cs.import_network(s, w["city"], b"<osm>\n<node id='1' lat='23'\n<way>", "broken.osm", now=NOW)
    with pytest.raises(NotPermitted):
        cs.import_network(s, w["town"], to_geojson(net).encode(), "net.geojson", now=NOW)
    assert s.scalar(select(func.count()).select_from(WalkNetwork)) == 0
    assert s.scalar(select(func.count()).select_from(CommunityEvent)) == 0

    row = cs.import_network(s, w["city"], to_geojson(net).encode(), "net.geojson", now=NOW)
    isolated = net.n_nodes - len(set(net.u.tolist()) | set(net.v.tolist()))  # a node whose sides all went
    assert (row.nodes, row.edges) == (net.n_nodes - isolated, net.n_edges)
    cov = cs.coverage(s, w["leader"], w.nodes["area"], "elder_meals")
    assert cov.mode == "network"
    # the service's counts equal the pure network walk on the same points
    homes = s.execute(select(Household.lon, Household.lat).where(Household.lon.is_not(None))).all()
    meals = [(lon, lat) for _, _, lon, lat, offers in CENTRES if offers]
    hxy = project([h[0] for h in homes], [h[1] for h in homes])
    cxy = project([c[0] for c in meals], [c[1] for c in meals])
    assert cov.total.within == int(cover.covered(hxy, cxy, Walking.from_settings(), cs.cn.load(s, w.city_id)[1]).sum())
    osm = (b'<?xml version="1.0"?><osm><node id="1" lat="23.05" lon="113.05"/><node id="2" lat="23.05" lon="113.06"/>'
           b'<node id="3" lat="23.06" lon="113.06"/><way id="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/>'
           b'<tag k="highway" v="residential"/></way><way id="2"><nd ref="1"/><nd ref="3"/>'
           b'<tag k="highway" v="motorway"/></way></osm>')
    row = cs.import_network(s, w["admin"], osm, "town.osm", now=NOW)
    assert (row.source, row.nodes, row.edges) == ("osm", 3, 2)  # the motorway is not walked
    assert s.scalar(select(func.count()).select_from(WalkNetwork)) == 1
    assert cs.network_info(s, w["leader"]) is not None
