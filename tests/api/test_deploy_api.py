"""The deployments' API (下沉): every persona × every endpoint on a deployment over town 1
(404 out of scope, 403 in sight but not theirs to do, 401 for the public), the roster's
CSV and XLSX equal to its JSON (names, masked phones, no formulas), check-in once a day."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from huying.orgs.models import Person
from tests.api.conftest import PERSONAS, Api
from tests.cases.conftest import World
from tests.contact.deploy_world import add_staff

#: Who sees the deployment over town 1: its officers and the city's, and the member ``handler``.
SEES = {"town", "city", "admin", "leader", "handler"}
#: Who may end it.
MANAGES = {"town", "city", "admin"}


@pytest.fixture
def dep(api: Api) -> int:
    """Staff, and a deployment over town 1 by its officer (once per database)."""
    with api.session() as s:
        if s.scalar(select(Person.id).where(Person.name == "部门职工01")) is None:
            from huying.geo.models import Node

            nodes = {n.code: n for n in s.scalars(select(Node))}
            keys = {"grid1a": "441900101001001", "grid1b": "441900101001002", "grid2a": "441900102001001",
                    "grid2b": "441900102001002"}
            from huying.orgs.models import Organisation

            units = {o.code: o for o in s.scalars(select(Organisation))}
            ukeys = {"town1_urban": "441900101-dept-urban_management", "town1_housing": "441900101-dept-housing",
                     "town1_party": "441900101-party", "town2_urban": "441900102-dept-urban_management"}
            w = World(s, api.city_id, {k: nodes[c] for k, c in keys.items()}, {k: units[c] for k, c in ukeys.items()})
            add_staff(s, w)
    if "dep" not in api.extra:
        r = api.client.get("/api/v1/deployments?status=active", headers=api.h("town"))
        items = [i for i in r.json()["items"] if i["node"] == "441900101"]
        if items:
            api.extra["dep"] = items[0]["id"]
        else:
            r = api.client.post("/api/v1/deployments", json={"node": "441900101", "name": "防汛下沉", "reason": "台风"},
                                headers=api.h("town"))
            assert r.status_code == 201, r.text
            api.extra["dep"] = r.json()["id"]
    return int(api.extra["dep"])


def test_a_deployment_is_created_with_its_figures(api: Api, dep: int) -> None:
    r = api.client.get(f"/api/v1/deployments/{dep}", headers=api.h("town"))
    assert r.status_code == 200
    body = r.json()
    assert body["deployment"]["figures"]["teams"] == 4 and body["deployment"]["figures"]["staff"] == 12
    assert body["deployment"]["bound_m"] == body["deployment"]["travel_m"]
    assert all(len(t["members"]) == 3 and t["members"][0]["local"] for t in body["teams"])
    assert {t["grid_name"] for t in body["teams"]} == {"测试1网格1", "测试1网格2"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_on_every_endpoint(api: Api, dep: int, persona: str) -> None:
    h = api.h(persona)
    r = api.client.get(f"/api/v1/deployments/{dep}", headers=h)
    assert r.status_code == (200 if persona in SEES else 404), (persona, r.text)
    if persona == "handler":  # a member sees their own team
        assert len(r.json()["teams"]) == 1 and r.json()["my_team"] == r.json()["teams"][0]["number"]
    for suffix in ("roster.csv", "roster.xlsx"):
        r = api.client.get(f"/api/v1/deployments/{dep}/{suffix}", headers=h)
        assert r.status_code == (200 if persona in SEES else 404), (persona, suffix)
    r = api.client.get("/api/v1/deployments", headers=h)
    if persona.startswith("resident") or persona == "client":  # outsiders: no deployments
        assert r.status_code == 403 and r.json()["detail"]
    else:
        assert r.status_code == 200
        assert (dep in {i["id"] for i in r.json()["items"]}) == (persona in SEES), persona
    r = api.client.post(f"/api/v1/deployments/{dep}/checkins", json={}, headers=h)
    want = {True: 404, False: 403}[persona not in SEES] if persona != "handler" else (201, 200)
    assert r.status_code in (want if isinstance(want, tuple) else (want,)), (persona, r.text)
    r = api.client.post(f"/api/v1/deployments/{dep}/end", headers=api.h(persona, **{"Content-Type": "text/plain"}),
                        content="")
    if persona in MANAGES:
        assert r.status_code in (200, 409)
        if r.status_code == 200:  # put it back for the other personas: a new one is created
            api.extra.pop("dep")
    else:
        assert r.status_code == (403 if persona in SEES else 404), (persona, r.text)
    r = api.client.post("/api/v1/deployments", json={"node": "441900101", "name": "x"}, headers=h)
    if persona in MANAGES:
        assert r.status_code in (201, 422), (persona, r.text)
        if r.status_code == 201:
            api.client.post(f"/api/v1/deployments/{r.json()['id']}/end", headers=h)
    else:
        assert r.status_code == 403, (persona, r.text)


def test_the_public_gets_401(api: Api, dep: int) -> None:
    for method, path in (("GET", "/api/v1/deployments"), ("POST", "/api/v1/deployments"),
                         ("GET", "/api/v1/deployments/mine"), ("GET", f"/api/v1/deployments/{dep}"),
                         ("GET", f"/api/v1/deployments/{dep}/roster.csv"),
                         ("GET", f"/api/v1/deployments/{dep}/roster.xlsx"),
                         ("POST", f"/api/v1/deployments/{dep}/checkins"), ("POST", f"/api/v1/deployments/{dep}/end")):
        r = api.client.request(method, path, json={})
        assert r.status_code == 401, (method, path, r.text)


def test_the_exports_are_the_roster(api: Api, dep: int) -> None:
    with api.session() as s:
        s.execute(update(Person).where(Person.name == "住建职工01").values(name="=HYPERLINK(1)"))
        s.commit()
    try:
        roster = api.client.get(f"/api/v1/deployments/{dep}", headers=api.h("town")).json()
        want = [[t["number"], t["town_name"], t["community_name"], t["grid_name"],
                 ("'" + m["name"]) if m["name"].startswith("=") else m["name"], m["organisation"], m["phone"],
                 "yes" if m["local"] else "", round(m["distance_m"] / 1000, 1), m["checkins"]]
                for t in roster["teams"] for m in t["members"]]
        assert any(row[4] == "'=HYPERLINK(1)" for row in want)
        assert any(row[6] == "138****5678" for row in want)  # the stored number, masked
        book = load_workbook(io.BytesIO(api.client.get(f"/api/v1/deployments/{dep}/roster.xlsx",
                                                       headers=api.h("town")).content))
        rows = [list(r) for r in book.active.iter_rows(values_only=True)]
        assert rows[0][:4] == ["Team", "Town", "Community", "Grid"]
        assert [[("" if c is None else c) for c in r[:10]] for r in rows[1:]] == want
        text = api.client.get(f"/api/v1/deployments/{dep}/roster.csv", headers=api.h("town")).content.decode("utf-8-sig")
        lines = list(csv.reader(io.StringIO(text)))
        assert [r[:10] for r in lines[1:]] == [[str(c) for c in row] for row in want]
        assert "13812345678" not in text
        en = load_workbook(io.BytesIO(api.client.get(f"/api/v1/deployments/{dep}/roster.xlsx?lang=en",
                                                     headers=api.h("town")).content))
        assert {r[3] for r in list(en.active.iter_rows(values_only=True))[1:]} == {"Grid 1", "Grid 2"}
        assert api.client.get(f"/api/v1/deployments/{dep}/roster.csv?lang=fr", headers=api.h("town")).status_code == 422
    finally:
        with api.session() as s:
            s.execute(update(Person).where(Person.name == "=HYPERLINK(1)").values(name="住建职工01"))
            s.commit()


def test_my_team_and_a_check_in_once_a_day(api: Api, dep: int) -> None:
    r = api.client.get("/api/v1/deployments/mine", headers=api.h("handler"))
    assert r.status_code == 200 and len(r.json()) == 1 and len(r.json()[0]["teams"]) == 1
    assert api.client.get("/api/v1/deployments/mine", headers=api.h("town")).json() == []
    first = api.client.post(f"/api/v1/deployments/{dep}/checkins", json={"lon": 113.05, "lat": 23.1, "note": "到岗"},
                            headers=api.h("handler"))
    again = api.client.post(f"/api/v1/deployments/{dep}/checkins", json={"note": "again"}, headers=api.h("handler"))
    assert first.status_code in (200, 201) and again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    bad = api.client.post(f"/api/v1/deployments/{dep}/checkins", json={"lon": 113.05}, headers=api.h("handler"))
    assert bad.status_code == 422 and bad.json()["detail"]
    r = api.client.get(f"/api/v1/deployments/{dep}", headers=api.h("town"))
    assert r.json()["deployment"]["figures"]["checked_in_today"] == 1


def test_bad_input_is_422_with_a_reason(api: Api, dep: int) -> None:
    for body in ({"node": "441900101", "name": "x", "teams": 50}, {"node": "nope", "name": "x"},
                 {"node": "441900101", "name": "x", "started_at": "2030-01-01T00:00:00"}):
        r = api.client.post("/api/v1/deployments", json=body, headers=api.h("city"))
        assert r.status_code == 422, (body, r.text)
        assert r.json()["detail"]
    assert api.client.get("/api/v1/deployments/999999", headers=api.h("city")).status_code == 404
    assert api.client.get("/api/v1/deployments?status=later", headers=api.h("city")).status_code == 422
