"""党员联户 on the web (the demo city, every town linked by its build): the link map page of
a town for its officer (figures, members with their load, masked names, the map's GeoJSON
without a name of a resident), refused out of scope; 我的联系户 of the demo grid worker (a
member) with masked heads; linking again changes nothing; a member leaving is recorded."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from huying.contact.link_models import LinkMember, MemberLink
from huying.contact.models import Household
from huying.geo.models import Node
from huying.orgs.models import Person
from tests.web.scene import CHANGAN_TOWN, HTML, HUMEN_TOWN, post, sign_in

FULL_NAME = re.compile(r"居民\d{6}|网格员\d{4}")


def test_a_town_officer_sees_the_link_map_of_the_town(city_client: TestClient) -> None:
    sign_in(city_client, "town")
    r = city_client.get("/links", headers=HTML)
    assert r.status_code == 200
    for word in ("党员联户", "名党员", "户已联系", "平均距离", "重新联户", "党员及联系户数", 'id="links-map"'):
        assert word in r.text, word
    assert 'href="/links"' in r.text  # in the navigation
    assert not FULL_NAME.search(r.text)
    assert re.search(r'data-member="\d+"', r.text)
    g = city_client.get(f"/web/links/map.json?node={HUMEN_TOWN}")
    assert g.status_code == 200
    feats = g.json()["features"]
    kinds = {f["properties"]["kind"] for f in feats}
    assert kinds == {"member", "household", "link"}
    assert not FULL_NAME.search(g.text)
    assert all("*" in f["properties"]["name"] for f in feats if f["properties"]["kind"] == "member")
    assert city_client.get(f"/links?node={CHANGAN_TOWN}", headers=HTML).status_code == 403
    assert city_client.get(f"/web/links/map.json?node={CHANGAN_TOWN}").status_code == 403


def test_the_english_page_has_no_chinese_words_of_ours(city_client: TestClient) -> None:
    sign_in(city_client, "town")
    r = city_client.get("/links?lang=en", headers=HTML)
    assert r.status_code == 200 and "Member–household links" in r.text and "households linked" in r.text


def test_a_member_sees_their_linked_households_on_a_phone(city_client: TestClient, city_session: Session) -> None:
    sign_in(city_client, "gridworker")
    r = city_client.get("/links", headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/links/mine"
    r = city_client.get("/links/mine", headers=HTML)
    assert r.status_code == 200 and "我的联系户" in r.text
    codes = re.findall(r'data-household="([^"]+)"', r.text)
    assert codes
    assert not FULL_NAME.search(r.text)
    assert "距您住处" in r.text
    assert city_client.get(f"/web/links/map.json?node={HUMEN_TOWN}").status_code == 403
    sign_in(city_client, "resident")
    r = city_client.get("/links/mine", headers=HTML)
    assert r.status_code == 200 and 'data-household="' not in r.text


def test_linking_again_and_a_member_leaving_from_the_page(city_client: TestClient, city_session: Session) -> None:
    sign_in(city_client, "town")
    r = post(city_client, "/links/solve", {"node": HUMEN_TOWN})
    assert r.status_code == 303 and "changed=0" in r.headers["location"]
    page = city_client.get(r.headers["location"], headers=HTML)
    assert "已重新联户：0 户更换了联系党员。" in page.text
    s = city_session
    member = s.scalar(select(LinkMember.person_id).join(Person, Person.id == LinkMember.person_id)
                      .join(MemberLink, MemberLink.person_id == LinkMember.person_id)
                      .where(LinkMember.active.is_(True), Person.name.like("居民%"), MemberLink.ended_at.is_(None),
                             MemberLink.node_id == select(MemberLink.node_id).limit(1).scalar_subquery())
                      .limit(1))
    assert member is not None
    sign_in(city_client, "town2")
    assert post(city_client, f"/links/members/{member}/leave", {"node": HUMEN_TOWN}).status_code in (403,)
    sign_in(city_client, "city")
    r = post(city_client, f"/links/members/{member}/leave", {"node": HUMEN_TOWN})
    assert r.status_code == 303, r.text[:300]
    s.expire_all()
    assert s.scalar(select(LinkMember.active).where(LinkMember.person_id == member)) is False
    assert s.scalar(select(MemberLink.id).where(MemberLink.person_id == member, MemberLink.ended_at.is_(None))) is None


def test_every_linked_household_on_a_communitys_map_has_its_member(city_client: TestClient,
                                                                   city_session: Session) -> None:
    """A community's households linked to members living in the next community (the town
    was linked as a whole) are drawn with their member, not as unlinked."""
    s = city_session
    sign_in(city_client, "town")
    member_grid = aliased(Node)
    pairs = s.execute(
        select(Node.path, member_grid.path).join(Household, Household.grid_id == Node.id)
        .join(MemberLink, MemberLink.household_id == Household.id)
        .join(LinkMember, LinkMember.person_id == MemberLink.person_id)
        .join(member_grid, member_grid.id == LinkMember.node_id)
        .where(MemberLink.ended_at.is_(None), Node.path.like(f"%/{HUMEN_TOWN}/%"))).all()
    crossing = next((hp for hp, mp in pairs if hp.split("/")[-3] != mp.split("/")[-3]), None)
    assert crossing is not None  # a household whose member lives in another community
    community = crossing.split("/")[-3]
    linked = {code for (code,) in s.execute(
        select(Household.code).join(MemberLink, MemberLink.household_id == Household.id)
        .join(Node, Node.id == Household.grid_id)
        .where(MemberLink.ended_at.is_(None), Node.path.like(f"%/{community}/%")))}
    g = city_client.get(f"/web/links/map.json?node={community}").json()["features"]
    drawn = {f["properties"]["code"] for f in g if f["properties"]["kind"] == "household"
             and f["properties"]["member"] >= 0}
    assert linked and drawn == linked
    assert len([f for f in g if f["properties"]["kind"] == "link"]) == len(linked)
