"""A phone or identity number typed into a title is hidden on every public surface (the
public API, Open311, the similar-cases answer) and kept in full for the staff and the
reporter (issue 19)."""

from __future__ import annotations

from huying.cases.redact import MASK
from tests.api.conftest import Api

PHONE = "13812345678"
ID_NUMBER = "441900199001011234"


def test_personal_numbers_in_a_title_never_reach_the_public(api: Api) -> None:
    title = f"路灯不亮，电话{PHONE}，身份证{ID_NUMBER}"
    r = api.client.post("/api/v1/cases", json={"title": title, "description": "门口", "lon": 113.05,
                                               "lat": 23.05}, headers=api.h("resident"))
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    assert r.json()["title"] == title  # the reporter reads what they wrote
    assert api.client.get(f"/api/v1/cases/{code}", headers=api.h("town")).json()["title"] == title
    public = [
        api.client.get(f"/api/v1/public/cases/{code}").text,
        api.client.get("/api/v1/public/cases?limit=500").text,
        api.client.get(f"/open311/v2/requests/{code}.json").text,
        api.client.get(f"/open311/v2/requests/{code}.xml").text,
        api.client.post("/api/v1/cases/similar", json={"title": "路灯不亮", "lon": 113.05, "lat": 23.05}).text,
    ]
    for body in public:
        assert PHONE not in body and ID_NUMBER not in body, body[:500]
    assert MASK in public[0] and MASK in public[2]
