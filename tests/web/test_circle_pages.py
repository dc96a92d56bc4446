"""The service circle's pages in the demo city: a resident (or anyone) finds the nearest
centres offering 长者饭堂 by choosing their community, in plain words with the walk in minutes
and the opening hours, and no personal data; leaders see the coverage, the map's data and
proposed sites; residents and officers out of scope are refused."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.geo.models import Level, Node
from huying.orgs import tokens
from huying.orgs.models import User
from tests.web.scene import HTML, HUMEN_TOWN, sign_in, utcnow


def _community(session: Session) -> Node:
    node = session.scalar(select(Node).where(Node.level == Level.COMMUNITY.value,
                                             Node.path.like(f"%/{HUMEN_TOWN}/%")).order_by(Node.code))
    assert node is not None
    return node


def test_anyone_finds_the_nearest_elder_canteen_by_community(city_client: TestClient, city_session: Session) -> None:
    c = city_client
    page = c.get("/centres/find", headers=HTML)
    assert page.status_code == 200 and "长者饭堂" in page.text and "使用我的位置" in page.text
    comm = _community(city_session)
    found = c.get(f"/centres/find?item=elder_canteen&node={comm.code}", headers=HTML)
    assert found.status_code == 200
    assert found.text.count('data-centre="') == 3
    assert "分钟" in found.text and "周一至周五" in found.text and "Mo-Fr" not in found.text
    assert "elder_canteen" not in found.text.split('id="centre-results"')[1]  # no codes shown
    frag = c.get(f"/web/centres/nearest?item=elder_canteen&lon={comm.centroid_lon}&lat={comm.centroid_lat}",
                 headers=HTML)
    assert frag.status_code == 200 and frag.text.count('data-centre="') == 3
    assert frag.headers["cache-control"] == "no-store"
    api = c.get(f"/api/v1/centres/nearest?item=elder_canteen&lon={comm.centroid_lon}&lat={comm.centroid_lat}")
    assert api.status_code == 200
    rows = api.json()["centres"]
    assert [r["minutes"] for r in rows] == sorted(r["minutes"] for r in rows)
    assert c.get("/api/v1/centres/nearest?item=elder_canteen").status_code == 422
    assert c.get("/api/v1/centres/nearest?item=nothing&lon=113.7&lat=22.9").status_code == 404


def test_leaders_see_coverage_map_and_proposed_sites(city_client: TestClient, city_session: Session) -> None:
    c = city_client
    sign_in(c, "leader")
    page = c.get(f"/circle?node={HUMEN_TOWN}&item=elder_canteen&p=3", headers=HTML)
    assert page.status_code == 200, page.text[:1000]
    assert "10分钟服务圈" in page.text and 'id="circle-children"' in page.text and 'id="proposal-sites"' in page.text
    data = c.get(f"/web/circle/map.json?node={HUMEN_TOWN}&item=elder_canteen&p=3").json()
    assert data["items"] and len(data["sites"]) == 3 and data["outside"] == []  # a town shows grids only
    comm = _community(city_session)
    local = c.get(f"/web/circle/map.json?node={comm.code}&item=elder_canteen").json()
    outside = sum(v["households"] - v["within"] for v in local["items"].values())
    assert len(local["outside"]) == min(outside, 2000)
    api = c.get(f"/api/v1/circle/coverage?node={HUMEN_TOWN}&item=elder_canteen").json()
    assert api["total"]["households"] == sum(v["households"] for v in data["items"].values())
    sign_in(c, "resident")
    assert c.get(f"/circle?node={HUMEN_TOWN}&item=elder_canteen", headers=HTML).status_code == 403


def _bearer(session: Session, username: str) -> dict[str, str]:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    _, token = tokens.create(session, user, "circle test", now=utcnow())
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_proposals_and_the_network_through_the_api(city_client: TestClient, city_session: Session) -> None:
    c = city_client
    leader = _bearer(city_session, "leader")
    pts = [[113.67 + 0.004 * i, 22.82 + 0.003 * (i % 4), f"候选{i}"] for i in range(8)]
    r = c.post("/api/v1/circle/proposals", json={"item": "elder_canteen", "node": HUMEN_TOWN, "p": 2, "points": pts},
               headers=leader)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["candidate_kind"] == "points" and body["optimal"] and len(body["sites"]) == 2
    assert body["greedy_covered"] <= body["newly_covered"]
    bad = c.post("/api/v1/circle/proposals", json={"item": "elder_canteen", "node": HUMEN_TOWN, "p": 99},
                 headers=leader)
    assert bad.status_code == 422
    demo = c.get("/api/v1/circle/network", headers=leader).json()["network"]
    assert demo["source"] == "geojson" and "合成" in demo["name"] and demo["nodes"] > 10_000
    refused = c.post("/api/v1/circle/network", files={"file": ("x.geojson", b"{}", "application/geo+json")},
                     headers=leader)
    assert refused.status_code == 403  # a leader reads the network; city officers and admins import it
    bad_file = c.post("/api/v1/circle/network", files={"file": ("x.geojson", b'{"type": "Point"}', "text/plain")},
                      headers=_bearer(city_session, "city"))
    assert bad_file.status_code == 422 and "FeatureCollection" in bad_file.text
    assert c.get("/api/v1/circle/network", headers=leader).json()["network"] == demo  # nothing replaced
