"""The API of councils and the three lists: officers within scope use it; a resident is
refused; another community's officer gets 403 on the lists and 404 on a row; bad input is a
4xx naming the field, nothing stored."""

from __future__ import annotations

from tests.api.conftest import Api, api, served  # noqa: F401

COMM1, COMM2 = "441900101001", "441900102001"


def test_an_officer_lists_needs_and_proposes_through_the_api(api: Api) -> None:  # noqa: F811
    h = api.h("community")
    r = api.client.post("/api/v1/community/services", headers=h, json={
        "type": "legal_advice", "name": "示例法律服务站", "node": COMM1, "windows": "Mo 9-12", "capacity": 5,
        "lon": 113.05, "lat": 23.05})
    assert r.status_code == 201, r.text
    r = api.client.post("/api/v1/community/needs", headers=h, json={
        "type": "legal_advice", "node": COMM1, "windows": [[0, 10, 11]], "lon": 113.052, "lat": 23.05})
    assert r.status_code == 201, r.text
    need_id = r.json()["id"]
    r = api.client.post("/api/v1/community/matches/propose", headers=h, json={"node": COMM1})
    assert r.status_code == 201, r.text
    (m,) = [x for x in r.json()["items"] if x["need"] == need_id]
    assert m["explanation"].startswith("法律咨询 · 205 m · 周一 10:00–11:00")
    r = api.client.post(f"/api/v1/community/matches/{m['id']}/act", headers=h, json={"action": "fulfil"})
    assert r.status_code == 409 and "allowed: accept, decline" in r.text, r.text
    r = api.client.post(f"/api/v1/community/matches/{m['id']}/act", headers=h, json={"action": "accept"})
    assert r.json()["status"] == "accepted"
    assert api.client.get(f"/api/v1/community/matches/{m['id']}", headers=api.h("community2")).status_code == 404
    assert api.client.get(f"/api/v1/community/needs/{need_id}", headers=api.h("community2")).status_code == 404
    assert api.client.get(f"/api/v1/community/needs?node={COMM1}", headers=api.h("community2")).status_code == 403
    assert api.client.get(f"/api/v1/community/needs?node={COMM1}", headers=api.h("resident")).status_code == 403
    assert api.client.get(f"/api/v1/community/services?node={COMM1}", headers=api.h("leader")).status_code == 200


def test_bad_input_is_a_4xx_with_the_reason(api: Api) -> None:  # noqa: F811
    h = api.h("community")
    before = api.client.get(f"/api/v1/community/needs?node={COMM1}", headers=h).json()["total"]
    for body, word in (({"type": "massage", "node": COMM1}, "type"),
                       ({"type": "venue", "node": COMM1, "people": 0}, "people"),
                       ({"type": "venue", "node": COMM1, "windows": "tomorrow"}, "windows"),
                       ({"type": "venue", "node": "nowhere"}, "node"),
                       ({"type": "venue", "node": COMM1, "extra": 1}, "extra")):
        r = api.client.post("/api/v1/community/needs", headers=h, json=body)
        assert r.status_code == 422 and word in r.text, r.text
    r = api.client.post("/api/v1/community/councils/meetings", headers=h, json={
        "node": COMM1, "held_on": "2025-03-10", "place": "示例会议室", "decisions": [{"text": "x", "kind": "maybe"}]})
    assert r.status_code == 422 and "decisions.0.kind" in r.text
    assert api.client.get(f"/api/v1/community/needs?node={COMM1}", headers=h).json()["total"] == before
    r = api.client.post("/api/v1/community/matches/1/act", headers=h, json={"action": "accept", "rating": "x"})
    assert r.status_code == 422
