"""The work list's pickers offer places and units by name, within the person's scope only:
the tree opens a level at a time from the person's own node, a search finds by name, and
nothing outside the scope is offered."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.scene import CHANGAN_TOWN, HUMEN_TOWN, sign_in


def test_the_place_tree_starts_at_the_persons_node_and_opens_by_level(city_client: TestClient) -> None:
    sign_in(city_client, "town")
    root = city_client.get("/work/nodes").json()["nodes"]
    assert [(n["code"], n["name"], n["level"]) for n in root] == [(HUMEN_TOWN, "虎门镇", "town")]
    kids = city_client.get(f"/work/nodes?parent={HUMEN_TOWN}").json()["nodes"]
    assert kids and all(n["level"] == "community" and n["code"].startswith(HUMEN_TOWN) for n in kids)
    assert all(n["name"] and not any(ch.isdigit() for ch in n["name"]) for n in kids)  # names, codes beside them
    assert city_client.get(f"/work/nodes?parent={CHANGAN_TOWN}").json()["nodes"] == []


def test_a_search_finds_places_by_name_inside_the_scope_only(city_client: TestClient) -> None:
    sign_in(city_client, "town")
    found = city_client.get("/work/nodes", params={"q": "东方社区"}).json()["nodes"]
    assert found[0]["name"] == "东方社区" and found[0]["above"].endswith("虎门镇")
    assert city_client.get("/work/nodes", params={"q": "长安"}).json()["nodes"] == []
    sign_in(city_client, "leader")  # a leader's scope is the city
    assert city_client.get("/work/nodes", params={"q": "长安"}).json()["nodes"]


def test_the_unit_picker_offers_the_units_in_scope_by_name(city_client: TestClient) -> None:
    sign_in(city_client, "town")
    units = city_client.get("/work/units", params={"q": "城市管理"}).json()["units"]
    assert {"code": f"{HUMEN_TOWN}-dept-urban_management", "name": "虎门镇城市管理和综合执法分局",
            "above": "虎门镇"} in units
    assert all(u["code"].startswith(HUMEN_TOWN) for u in units)
    sign_in(city_client, "town2")
    assert all(u["code"].startswith(CHANGAN_TOWN)
               for u in city_client.get("/work/units", params={"q": "城市管理"}).json()["units"])
