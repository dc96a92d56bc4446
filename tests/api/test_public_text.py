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


#: A person of the city's register, by a name no other row of the test city holds.
REGISTERED = "欧阳志明"


def public_surfaces(api: Api, code: str) -> dict[str, str]:
    """Every surface where anyone reads a case's text: the public API, Open311 (one request
    and the list, JSON and XML), the similar-cases answer, the public pages and the map's points."""
    html = {"Accept": "text/html"}
    return {
        "api": api.client.get(f"/api/v1/public/cases/{code}").text,
        "api list": api.client.get("/api/v1/public/cases?limit=500").text,
        "open311 json": api.client.get(f"/open311/v2/requests/{code}.json").text,
        "open311 xml": api.client.get(f"/open311/v2/requests/{code}.xml").text,
        "open311 list": api.client.get("/open311/v2/requests.json").text,
        "similar": api.client.post("/api/v1/cases/similar", json={"title": "楼道堵塞", "lon": 113.05,
                                                                  "lat": 23.05}).text,
        "public page": api.client.get(f"/public/cases/{code}", headers=html).text,
        "public list": api.client.get("/public", headers=html).text,
        "map points": api.client.get("/web/public/points.json").text,
    }


def test_a_registered_name_never_reaches_a_public_surface(api: Api) -> None:
    """Fails if any public surface shows a registered person's full name: each must call
    ``redact.public_text`` with the city's register (``redact.register_names``)."""
    from huying.orgs.models import Person

    with api.session() as s:
        person = Person(city_id=api.city_id, name=REGISTERED)
        s.add(person)
        s.commit()
        pid = person.id
    try:
        title = f"{REGISTERED}家楼道堵塞，电话{PHONE}"
        r = api.client.post("/api/v1/cases", json={"title": title, "description": f"{REGISTERED}说门口堵了",
                                                   "lon": 113.05, "lat": 23.05}, headers=api.h("resident"))
        assert r.status_code == 201, r.text
        code = r.json()["code"]
        # the reporter reads what they wrote, and is told what the public will not read
        assert r.json()["title"] == title
        assert r.json()["hidden_publicly"] == ["phone", "name"]
        staff = api.client.get(f"/api/v1/cases/{code}", headers=api.h("town")).json()
        assert staff["title"] == title and staff["hidden_publicly"] == []
        for surface, body in public_surfaces(api, code).items():
            assert REGISTERED not in body and PHONE not in body, surface
        assert "欧***家楼道堵塞" in public_surfaces(api, code)["api"]
    finally:
        with api.session() as s:
            s.delete(s.get(Person, pid))
            s.commit()


def test_the_reporter_is_told_on_the_case_page_and_the_anonymous_one_on_the_public_page(api: Api) -> None:
    title = f"门口积水，电话{PHONE}"
    r = api.client.post("/api/v1/cases", json={"title": title, "description": "积水", "lon": 113.05,
                                               "lat": 23.05, "anonymous": True}, headers=api.h("resident"))
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    html = {"Accept": "text/html"}
    told = api.client.get(f"/public/cases/{code}?reported=1", headers=html).text
    assert 'id="hidden-publicly"' in told and PHONE not in told
    assert 'id="hidden-publicly"' not in api.client.get(f"/public/cases/{code}", headers=html).text
    plain = api.client.post("/api/v1/cases", json={"title": "门口积水", "description": "积水", "lon": 113.05,
                                                   "lat": 23.05}, headers=api.h("resident"))
    assert plain.json()["hidden_publicly"] == []
