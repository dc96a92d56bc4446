"""The closed loop over HTTP: every command through /api/v1, with one error format."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient


def _report(client: TestClient, h: dict[str, str], **kw: object) -> dict[str, object]:
    body = {"title": "井盖缺失", "description": "路口井盖丢了", "lon": 113.05, "lat": 23.05, **kw}
    r = client.post("/api/v1/cases", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_the_loop_over_http(api) -> None:  # type: ignore[no-untyped-def]
    client, h, _ = api
    case = _report(client, h["resident"])
    code = case["code"]
    assert case["status"] == "new" and case["grid"] == "441900101001001"

    def act(persona: str, action: str, **body: object) -> dict[str, object]:
        client.clock["now"] += dt.timedelta(hours=1)
        r = client.post(f"/api/v1/cases/{code}/actions/{action}", json=body, headers=h[persona])
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    act("town", "dispatch", unit="441900101-dept-urban_management")
    act("handler", "accept")
    act("handler", "mark_handled", evidence="已补装井盖")
    act("community", "follow_up", satisfaction="不满意", note="井盖松动")
    act("handler", "mark_handled", evidence="已加固")
    act("resident", "follow_up", satisfaction="满意", method="online")
    done = act("community", "close", resolution="已办结")
    assert done["status"] == "closed" and done["rework_count"] == 1
    assert [e["action"] for e in done["events"]] == [
        "report", "dispatch", "accept", "mark_handled", "reopen", "mark_handled", "follow_up", "close"]
    assert done["evaluation"]["satisfied"] is True
    mine = client.get("/api/v1/cases", headers=h["resident"]).json()
    assert [c["code"] for c in mine["items"]] == [code]


def test_errors_have_one_format(api) -> None:  # type: ignore[no-untyped-def]
    client, h, _ = api
    code = _report(client, h["resident"])["code"]
    # 422: invalid input, naming the field
    r = client.post("/api/v1/cases", json={"title": "x", "lon": 100.0, "lat": 10.0}, headers=h["resident"])
    assert r.status_code == 422 and r.json()["field"] == "location"
    r = client.post(f"/api/v1/cases/{code}/actions/dispatch", json={"unit": "no-such-unit"}, headers=h["community"])
    assert r.status_code == 422 and r.json()["field"] == "unit"
    # 409: illegal transition, listing the allowed actions
    r = client.post(f"/api/v1/cases/{code}/actions/close", json={}, headers=h["community"])
    assert r.status_code == 409 and r.json()["error"] == "illegal_transition"
    assert "dispatch" in r.json()["allowed"]
    # 403: never for this role
    r = client.post(f"/api/v1/cases/{code}/actions/dispatch", json={"unit": "441900101001-party"},
                    headers=h["resident"])
    assert r.status_code == 403 and r.json()["error"] == "not_permitted"
    # 404: another town's officer does not see it
    assert client.get(f"/api/v1/cases/{code}", headers=h["town2"]).status_code == 404
    r = client.post(f"/api/v1/cases/{code}/actions/dispatch", json={"unit": "441900102-dept-housing"},
                    headers=h["town2"])
    assert r.status_code == 404
    # 401 without credentials
    assert client.get(f"/api/v1/cases/{code}").status_code == 401
    # 409: stale version in the body; 412 when an If-Match header does not match
    r = client.post(f"/api/v1/cases/{code}/actions/dispatch",
                    json={"unit": "441900101001-party", "expected_version": 0}, headers=h["community"])
    assert r.status_code == 409 and r.json()["error"] == "stale_version"
    r = client.post(f"/api/v1/cases/{code}/actions/dispatch", json={"unit": "441900101001-party"},
                    headers={**h["community"], "If-Match": '"0"'})
    assert r.status_code == 412
    # nothing above changed the case
    shown = client.get(f"/api/v1/cases/{code}", headers=h["community"]).json()
    assert shown["status"] == "new" and shown["version"] == 1


def test_notices_over_http(api) -> None:  # type: ignore[no-untyped-def]
    client, h, _ = api
    code = _report(client, h["resident"])["code"]
    client.post(f"/api/v1/cases/{code}/actions/dispatch", json={"unit": "441900101-dept-urban_management"},
                headers=h["town"])
    r = client.post(f"/api/v1/cases/{code}/actions/supervise", json={"reason": "三日内办结"}, headers=h["leader"])
    assert r.status_code == 200, r.text
    notices = client.get("/api/v1/notices", headers=h["handler"]).json()
    assert len(notices) == 1 and notices[0]["case"] == code
    nid = notices[0]["id"]
    assert client.post(f"/api/v1/notices/{nid}/reply", json={"reply": "x"}, headers=h["handler2"]).status_code == 404
    r = client.post(f"/api/v1/notices/{nid}/reply", json={"reply": "明天处理"}, headers=h["handler"])
    assert r.status_code == 200 and r.json()["replied_at"] is not None


def test_the_workflow_table_is_published(api) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = api
    body = client.get("/api/v1/workflow").json()
    assert body["mermaid"].startswith("stateDiagram-v2")
    assert {"from": "new", "action": "dispatch", "to": "dispatched"}.items() <= body["transitions"][2].items() or any(
        t["from"] == "new" and t["action"] == "dispatch" for t in body["transitions"])
