"""The walks' API (``/api/v1/walks``) for every persona: who plans, who walks, who sees;
bad input named per field (422), never a 500; the public gets 401."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.api.conftest import NOW, PERSONAS, Api


@pytest.fixture(scope="module")
def api(module_api: Api) -> Api:
    """One app for the module (tests/api/conftest.py's ``module_api``)."""
    return module_api


DAY = NOW.date()
GRID = "441900101001001"
PLANNERS = {"town", "city", "leader"}


def _plan(api: Api, persona: str, **body: object) -> object:
    return api.client.post("/api/v1/walks", json={"node": GRID, "planned_on": DAY.isoformat(), **body},
                           headers=api.h(persona))


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_leaders_and_city_and_town_officers_plan_walks(api: Api, persona: str) -> None:
    r = _plan(api, persona)
    expected = 201 if persona in PLANNERS else 422 if persona == "town2" else 403  # town 2: out of scope
    assert r.status_code == expected, r.text  # type: ignore[attr-defined]
    listed = api.client.get("/api/v1/walks?mine=true", headers=api.h(persona))
    assert listed.status_code == (200 if persona in PLANNERS | {"town2", "community", "community2"} else 403)


def test_the_public_gets_401(api: Api) -> None:
    for method, url in (("POST", "/api/v1/walks"), ("GET", "/api/v1/walks"), ("GET", "/api/v1/walks/figures"),
                        ("GET", "/api/v1/walks/1"), ("POST", "/api/v1/walks/1/start"),
                        ("POST", "/api/v1/walks/1/problems")):
        assert api.client.request(method, url, json={}).status_code == 401, url


@pytest.mark.parametrize(("body", "field"), [
    ({"node": "441900"}, "node"), ({"node": "441900102001001"}, "node"), ({"node": "nowhere"}, "node"),
    ({"planned_on": (DAY - dt.timedelta(days=1)).isoformat()}, "planned_on"),
    ({"planned_on": "someday"}, "planned_on"), ({"place": "x" * 201}, "place"), ({"place": "a\x07b"}, "place"),
    ({"color": "red"}, "color"),
])
def test_a_bad_plan_is_named_per_field(api: Api, body: dict[str, str], field: str) -> None:
    r = _plan(api, "town", **body)
    assert r.status_code == 422, r.text  # type: ignore[attr-defined]
    assert field in r.text  # type: ignore[attr-defined]


def test_a_walk_through_the_api(api: Api) -> None:
    r = _plan(api, "leader", place="东门")
    wid = r.json()["id"]  # type: ignore[attr-defined]
    assert api.client.get(f"/api/v1/walks/{wid}", headers=api.h("city")).status_code == 404
    problem = {"what": "井盖松动", "outcome": "fixed_on_spot", "lon": 113.05, "lat": 23.05, "evidence": "已固定"}
    early = api.client.post(f"/api/v1/walks/{wid}/problems", json=problem, headers=api.h("leader"))
    assert early.status_code == 409
    assert api.client.post(f"/api/v1/walks/{wid}/start", headers=api.h("city")).status_code == 404
    started = api.client.post(f"/api/v1/walks/{wid}/start", headers=api.h("leader"))
    assert started.status_code == 200 and started.json()["status"] == "started"
    assert api.client.post(f"/api/v1/walks/{wid}/start", headers=api.h("leader")).status_code == 409
    assert api.client.post(f"/api/v1/walks/{wid}/problems", json=problem, headers=api.h("city")).status_code == 403
    done = api.client.post(f"/api/v1/walks/{wid}/problems", json=problem, headers=api.h("leader"))
    assert done.status_code == 201 and done.json()["status"] == "closed", done.text
    ledger = {"what": "道路破损", "outcome": "ledger", "lon": 113.05, "lat": 23.05, "plan": "重铺",
              "due": (DAY + dt.timedelta(days=10)).isoformat()}
    put = api.client.post(f"/api/v1/walks/{wid}/problems", json=ledger, headers=api.h("leader"))
    assert put.status_code == 201 and put.json()["status"] == "dispatched", put.text
    case = api.client.get(f"/api/v1/cases/{put.json()['case']}", headers=api.h("leader")).json()
    assert case["channel"] == "inspection_walk"
    for bad, field in (({**ledger, "due": None}, "due"), ({**problem, "evidence": ""}, "evidence"),
                       ({**problem, "outcome": "later"}, "outcome"), ({**problem, "lon": 113.25}, "location")):
        r = api.client.post(f"/api/v1/walks/{wid}/problems", json=bad, headers=api.h("leader"))
        assert r.status_code == 422 and field in r.text, (field, r.text)
    walk = api.client.get(f"/api/v1/walks/{wid}", headers=api.h("town")).json()
    assert [p["outcome"] for p in walk["problems"]] == ["fixed_on_spot", "ledger"]
    assert api.client.post(f"/api/v1/walks/{wid}/end", headers=api.h("leader")).json()["status"] == "ended"
    fig = api.client.get("/api/v1/walks/figures?node=441900101&period=all", headers=api.h("town")).json()
    assert fig["total"] == {"walks": 1, "problems": 2, "fixed_on_spot": 1, "ledger": 1, "closed": 1}
    assert api.client.get("/api/v1/walks/figures?node=441900101", headers=api.h("town2")).status_code == 403
    assert api.client.get("/api/v1/walks/figures?period=decade", headers=api.h("town")).status_code == 422
    assert api.client.get("/api/v1/walks/0", headers=api.h("town")).status_code == 422


#: Who sees town's walk to grid 1a once started (403 on its commands), and who does not (404).
SEES_STARTED = {"community", "city", "leader"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_planner_gives_a_walk_its_commands(api: Api, persona: str) -> None:
    wid = _plan(api, "town").json()["id"]  # type: ignore[attr-defined]
    problem = {"what": "井盖松动", "outcome": "fixed_on_spot", "lon": 113.05, "lat": 23.05, "evidence": "已固定"}
    commands = [("start", None), ("problems", problem), ("end", None)]
    for command, body in commands:
        if persona != "town":
            r = api.client.post(f"/api/v1/walks/{wid}/{command}", json=body, headers=api.h(persona))
            started = command != "start"
            expected = 403 if started and persona in SEES_STARTED else 404
            assert r.status_code == expected, (persona, command, r.text)
        r = api.client.post(f"/api/v1/walks/{wid}/{command}", json=body, headers=api.h("town"))
        assert r.status_code in (200, 201), (command, r.text)
