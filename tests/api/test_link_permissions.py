"""The member–household link endpoints (``/api/v1/links``) over every persona: a member
sees only their own households (never another town's), officers and leaders their scope;
out of scope is 403 as on the visit endpoints, an unknown member 404, the public 401; bad
input a 4xx with its reason."""

from __future__ import annotations

import pytest

from tests.api.conftest import NOW, PERSONAS, Api
from tests.contact.link_city import LinkCity, seed


@pytest.fixture(scope="module")
def api(module_api: Api) -> Api:
    """One app for the module (tests/api/conftest.py's ``module_api``)."""
    return module_api


#: Who links (and sees) town 1 / town 2.
LINKS_T1 = {"town", "city", "admin"}
SEES_T1 = LINKS_T1 | {"leader", "community"}
SEES_T2 = {"community2", "town2", "city", "admin", "leader"}
#: Who reads the node of town 1 itself (the community officer's scope is below it).
NODE_T1 = SEES_T1 - {"community"}
#: The members among the personas (their person is a linked party member), and their town.
MEMBERS = {"gridworker": 1, "community2": 2}


@pytest.fixture(scope="module")
def _cities() -> dict[str, LinkCity]:
    return {}


@pytest.fixture
def linked_once(api: Api, _cities: dict[str, LinkCity]) -> tuple[Api, LinkCity]:
    """The link city in the served database, both towns linked (once per database)."""
    if api.url not in _cities:
        _cities[api.url] = _seed(api)
    return api, _cities[api.url]


def _seed(api: Api) -> LinkCity:
    from huying.contact import link_service as ls
    from huying.orgs.actor import actor_for

    with api.session() as s:
        city = seed(s, api.city_id)
        ls.link_node(s, actor_for(s, "town"), "441900101", now=NOW)
        ls.link_node(s, actor_for(s, "town2"), "441900102", now=NOW)
        s.commit()
    return city


def households_of(api: Api, persona: str, url: str) -> tuple[int, set[str]]:
    r = api.client.get(url, headers=api.h(persona))
    if r.status_code != 200:
        return r.status_code, set()
    body = r.json()
    items = body["items"] if "items" in body else body["households"]
    return 200, {i["household"] for i in items}


@pytest.mark.parametrize("persona", PERSONAS)
def test_lists_hold_only_the_links_in_scope_or_ones_own(linked_once: tuple[Api, LinkCity], persona: str) -> None:
    api, city = linked_once
    t1, t2 = set(city.town1_households), set(city.town2_households)
    status, seen = households_of(api, persona, "/api/v1/links?limit=1000")
    if persona not in SEES_T1 | SEES_T2 | set(MEMBERS):
        assert status == 403, persona
        return
    assert status == 200, persona
    if persona in MEMBERS:
        own = api.client.get("/api/v1/links/mine", headers=api.h(persona)).json()
        mine = {i["household"] for i in own["households"]}
        assert mine and mine <= seen and mine <= (t1 if MEMBERS[persona] == 1 else t2), persona
    if persona not in SEES_T1 | SEES_T2:  # a member only: their own households
        assert seen == mine, persona
    else:
        assert seen & t1 if persona in SEES_T1 else not seen & t1, persona
        assert seen & t2 if persona in SEES_T2 else not seen & t2, persona
    # the node filter: town 1 only for those over it
    r = api.client.get("/api/v1/links?node=441900101&limit=1000", headers=api.h(persona))
    assert r.status_code == (200 if persona in NODE_T1 else 403), (persona, r.text)
    assert r.json()["detail" if r.status_code == 403 else "items"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_members_households_for_the_member_and_readers_over_them(linked_once: tuple[Api, LinkCity],
                                                                 persona: str) -> None:
    api, city = linked_once
    r = api.client.get(f"/api/v1/links/members/{city.member1}/households", headers=api.h(persona))
    allowed = persona in SEES_T1 or persona == "gridworker"
    assert r.status_code == (200 if allowed else 403), (persona, r.text)
    if allowed:
        got = {i["household"] for i in r.json()["households"]}
        assert got and got <= set(city.town1_households)
        assert all("*" in i["head"] and "*" in i["member_name"] for i in r.json()["households"])
    r = api.client.get("/api/v1/links/members/999999/households", headers=api.h(persona))
    assert r.status_code == 404 and r.json()["detail"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_linking_a_node_is_for_officers_over_it(linked_once: tuple[Api, LinkCity], persona: str) -> None:
    api, _ = linked_once
    r = api.client.post("/api/v1/links/solve", json={"node": "441900101"}, headers=api.h(persona))
    assert r.status_code == (200 if persona in LINKS_T1 else 403), (persona, r.text)
    if r.status_code == 200:
        body = r.json()
        assert body["optimal"] and body["changed"] == body["ended"] == body["opened"] == 0
    f = api.client.get("/api/v1/links/figures?node=441900101", headers=api.h(persona))
    assert f.status_code == (200 if persona in NODE_T1 else 403), (persona, f.text)
    if f.status_code == 200:
        assert f.json()["linked"] == 48 and f.json()["members"] == 8


def test_a_member_leaving_through_the_api(linked_once: tuple[Api, LinkCity]) -> None:
    api, city = linked_once
    r = api.client.post(f"/api/v1/links/members/{city.member2}/leave", headers=api.h("town"))
    assert r.status_code == 403 and r.json()["detail"]
    r = api.client.post(f"/api/v1/links/members/{city.member2}/leave", headers=api.h("gridworker"))
    assert r.status_code == 403
    r = api.client.post(f"/api/v1/links/members/{city.member2}/leave", headers=api.h("town2"))
    assert r.status_code == 200, r.text
    [run] = r.json()["runs"]
    assert run["optimal"] and run["ended"] <= run["changed"]
    r = api.client.post(f"/api/v1/links/members/{city.member2}/leave", headers=api.h("town2"))
    assert r.status_code == 422 and r.json()["detail"]
    mine = api.client.get("/api/v1/links/mine", headers=api.h("community2")).json()
    assert mine["active"] is False and mine["households"] == []


BAD = [
    ("POST", "/api/v1/links/solve", {"node": ""}),
    ("POST", "/api/v1/links/solve", {"node": "999999"}),
    ("POST", "/api/v1/links/solve", {"node": "441900"}),
    ("POST", "/api/v1/links/solve", [1]),
    ("GET", "/api/v1/links?limit=0", None),
    ("GET", "/api/v1/links?node=999999", None),
    ("GET", "/api/v1/links?member=0", None),
    ("GET", "/api/v1/links/members/abc/households", None),
    ("POST", "/api/v1/links/members/0/leave", None),
    ("PATCH", "/api/v1/links/members/1", {"capacity": -1}),
    ("PATCH", "/api/v1/links/members/1", {"specialties": ["cooking"]}),
    ("POST", "/api/v1/links/households/NOPE/moved", None),
]


@pytest.mark.parametrize(("method", "url", "body"), BAD)
def test_bad_input_is_a_4xx_with_its_reason(linked_once: tuple[Api, LinkCity], method: str, url: str,
                                            body: object) -> None:
    api, city = linked_once
    url = url.replace("/members/1", f"/members/{city.member1}")
    r = api.client.request(method, url, json=body, headers=api.h("city"))
    assert 400 <= r.status_code < 500, (url, body, r.status_code, r.text)
    assert r.json()["detail"]


PRIVATE = [("GET", "/api/v1/links"), ("GET", "/api/v1/links/figures"), ("GET", "/api/v1/links/mine"),
           ("GET", "/api/v1/links/members/1/households"), ("PATCH", "/api/v1/links/members/1"),
           ("POST", "/api/v1/links/solve"), ("POST", "/api/v1/links/members/1/leave"),
           ("POST", "/api/v1/links/households/L0001/moved")]


def test_the_public_gets_401(linked_once: tuple[Api, LinkCity]) -> None:
    api, _ = linked_once
    for method, path in PRIVATE:
        r = api.client.request(method, path, json={})
        assert r.status_code == 401, (method, path, r.status_code, r.text)
        assert "L0001" not in r.text
