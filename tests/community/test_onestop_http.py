"""One-stop acceptance over HTTP, end to end: accepted at town 1's centre for a resident of
town 2, handled by town 2's civil-affairs office through the kernel's case actions, followed
by the resident on their own pages and by receipt code on the public lookup (without a
place), refused with a reason when the request is bad."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.cases.conftest import World
from tests.community.onestop_world import ALLOWANCE, onestop_client

Api = tuple[TestClient, dict[str, dict[str, str]], World]


@pytest.fixture
def api(fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    with onestop_client(fresh_engine, monkeypatch) as triple:
        yield triple


def test_accepted_in_town_1_handled_in_town_2_followed_by_the_resident(api: Api) -> None:
    client, h, _ = api
    body: dict[str, Any] = {"item": "elder_allowance", "resident": "bob", "contact": "13800135678",
                            "materials": list(ALLOWANCE), "delivery": "told"}
    r = client.post("/api/v1/centres/C1/requests", json=body, headers=h["community"])
    assert r.status_code == 201, r.text
    receipt = r.json()
    code = receipt["code"]
    assert receipt["status"] == "dispatched" and receipt["unit"] == "441900102-dept-civil_affairs"
    assert receipt["onestop"]["centre"] == "C1" and receipt["onestop"]["contact"] == "138****5678"
    assert receipt["due_at"].startswith("2025-03-17")

    # the unit finds it in its list and acts through the kernel's case actions
    mine = client.get("/api/v1/service-requests", headers=h["civil2"]).json()
    assert [i["code"] for i in mine["items"]] == [code] and mine["items"][0]["allowed_actions"]

    def act(persona: str, action: str, **params: object) -> dict[str, Any]:
        client.clock["now"] += dt.timedelta(hours=2)  # type: ignore[attr-defined]
        r = client.post(f"/api/v1/cases/{code}/actions/{action}", json=params, headers=h[persona])
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    act("civil2", "accept")
    act("civil2", "request_materials", note="请补交银行卡复印件")
    act("civil2", "supply_materials")
    act("civil2", "accept")
    act("civil2", "mark_handled", evidence="已核准，次月起发放")
    act("civil2", "deliver", how="told")
    # the resident follows it like a case, in words meant for them, and evaluates it
    case = client.get(f"/api/v1/cases/{code}", headers=h["bob"]).json()
    assert case["kind"] == "service" and case["status"] == "delivered" and case["unit_name"]
    assert "请补交银行卡复印件" in [e["note"] for e in case["events"]]
    assert case["allowed_actions"] == ["follow_up", "reopen"]
    done = act("bob", "follow_up", satisfaction="满意", method="online")
    assert done["status"] == "closed"
    assert [e["action"] for e in done["events"]] == [
        "accept_request", "accept", "request_materials", "supply_materials", "accept", "mark_handled",
        "deliver", "follow_up"]
    # the counter in town 1 does not read the resident's request afterwards
    assert client.get(f"/api/v1/cases/{code}", headers=h["community"]).status_code == 404
    # the receipt code on the public lookup: status and steps, no place, no unit, no person
    public = client.get(f"/api/v1/public/cases/{code}").json()
    assert public["status"] == "closed" and public["grid"] is None and public["unit"] is None
    assert public["lon"] is None and "13800135678" not in str(public)
    assert code not in str(client.get("/api/v1/public/cases").json())


BAD = [
    ({"item": "no_such_item"}, 422, "item"),
    ({"item": "medical_claim"}, 422, "item"),  # not offered at C1
    ({"item": "elder_allowance", "materials": ["身份证"]}, 422, "materials"),
    ({"item": "elder_allowance", "unknown": 1}, 422, "unknown"),
]


def test_a_bad_request_is_a_4xx_with_a_reason_and_nothing_stored(api: Api) -> None:
    client, h, _ = api
    for body, status, field in BAD:
        r = client.post("/api/v1/centres/C1/requests", json={"resident": "bob", "contact": "13800135678", **body},
                        headers=h["community"])
        assert r.status_code == status and field in r.text, r.text
    ok = {"item": "elder_allowance", "resident": "bob", "materials": list(ALLOWANCE)}
    assert client.post("/api/v1/centres/C9/requests", json=ok, headers=h["community"]).status_code == 404
    assert client.post("/api/v1/centres/C1/requests", json=ok, headers=h["bob"]).status_code == 403
    assert client.post("/api/v1/centres/C1/requests", json=ok, headers=h["community2"]).status_code == 403
    assert client.get("/api/v1/service-requests", headers=h["admin"]).json()["total"] == 0
    r = client.get("/api/v1/service-requests?status=teleported", headers=h["admin"])
    assert r.status_code == 422 and "status" in r.text
