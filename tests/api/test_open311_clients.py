"""Open311 keys belong to API clients, not to people. A client files reports for the people
using it and reads what the public reads plus the status of what it filed: never the
reporter's words, exact point or contacts, and it acts on no case. A person's token is no
Open311 key; a revoked key is refused at once. A co-building organisation's account, seated
at the city's root, sees only its own reports, never a node's figures."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select
from typer.testing import CliRunner

from huying.cli import app as cli
from huying.geo.models import Level, Node
from huying.orgs import clients, tokens
from huying.orgs.models import ApiToken, Role, User
from huying.orgs.service import create_user
from tests.api.conftest import NOW, Api

V2 = "/open311/v2"
#: A point of grid 1a, a precision the public must never see (6 decimals: about 10 cm).
LON, LAT = "113.051234", "23.051234"


def _file(api: Api, key: str, description: str) -> str:
    r = api.client.post(f"{V2}/requests.json", data={
        "api_key": key, "service_code": "01.01.001", "lat": LAT, "long": LON, "description": description,
        "attribute[title]": "井盖松动 13912345678", "phone": "13912345678", "first_name": "王"})
    assert r.status_code == 200, r.text
    return str(r.json()[0]["service_request_id"])


def test_a_persons_token_is_no_open311_key(api: Api) -> None:
    for persona in ("resident", "gridworker", "town", "leader", "admin"):
        r = api.client.post(f"{V2}/requests.json", data={
            "api_key": api.tokens[persona], "service_code": "01.01.001", "lat": LAT, "long": LON,
            "description": "路灯不亮"})
        assert r.status_code == 403, (persona, r.text)
        assert "not an API client's key" in r.json()[0]["description"]


def test_a_client_reads_what_it_filed_as_the_public_does_and_acts_on_nothing(api: Api) -> None:
    secret = f"我家在三楼东户，门口井盖松动 {uuid.uuid4().hex[:6]}"
    code = _file(api, api.tokens["client"], secret)
    mine = api.client.get(f"/api/v1/cases/{code}", headers=api.h("client"))
    assert mine.status_code == 200, mine.text  # the status of what it filed
    text = mine.text
    assert secret not in text and "13912345678" not in text and LON not in text and LAT not in text
    body = mine.json()
    assert body["status"] == "new"
    # the reporter's side sees it all: staff of the grid read the words and the point
    staff = api.client.get(f"/api/v1/cases/{code}", headers=api.h("community")).json()
    assert secret in json.dumps(staff, ensure_ascii=False)
    # nothing else: another resident's case is not the client's, its list holds only its own
    assert api.client.get(f"/api/v1/cases/{api.cases['c1']}", headers=api.h("client")).status_code == 404
    listed = api.client.get("/api/v1/cases?limit=200", headers=api.h("client")).json()
    codes = {c["code"] for c in listed["items"]}
    assert code in codes and api.cases["c1"] not in codes and api.cases["c2"] not in codes
    # and it acts on nothing, not even what it filed
    for action, payload in (("follow_up", {"satisfaction": "满意"}), ("reopen", {"note": "没修好"}),
                            ("close", {})):
        r = api.client.post(f"/api/v1/cases/{code}/actions/{action}", json=payload, headers=api.h("client"))
        assert r.status_code in (403, 409), (action, r.text)
    # figures and node lists are for staff
    assert api.client.get("/api/v1/stats", headers=api.h("client")).status_code == 403


def test_keys_are_created_listed_rotated_and_revoked(api: Api) -> None:
    with api.session() as s:
        user, key = clients.create(s, api.city_id, f"i东莞 {uuid.uuid4().hex[:4]}", now=NOW)
        s.commit()
        uid = user.id
    code = _file(api, key, "路面塌陷")
    assert code
    with api.session() as s:
        [c] = [c for c in clients.listing(s, api.city_id) if c.user.id == uid]
        assert c.user.role == Role.CLIENT.value and c.active_keys == 1
        assert c.keys[0].prefix == key[:10] and c.keys[0].last_used_at is not None
        # nothing stored holds the key in clear
        assert s.scalar(select(ApiToken.token_hash).where(ApiToken.id == c.keys[0].id)) == tokens.digest(key)
        second = clients.add_key(s, api.city_id, uid, now=NOW)
        clients.revoke_key(s, api.city_id, c.keys[0].id, now=NOW)
        s.commit()
    r = api.client.post(f"{V2}/requests.json", data={"api_key": key, "service_code": "01.01.001",
                                                     "lat": LAT, "long": LON, "description": "x"})
    assert r.status_code == 403 and "not valid" in r.text
    assert _file(api, second, "井盖缺失")
    # a client never signs in on the web, whatever is typed as its password
    r = api.client.post("/login", data={"username": user.username, "password": "!client-has-no-password"})
    assert r.status_code in (401, 403, 422), r.status_code


def test_the_cli_creates_lists_and_revokes_clients(api: Api) -> None:
    runner = CliRunner()
    env = {"HUYING_DATABASE_URL": api.engine.url.render_as_string(hide_password=False)}
    name = f"热线系统 {uuid.uuid4().hex[:4]}"
    out = runner.invoke(cli, ["client", "create", name], env=env)
    assert out.exit_code == 0, out.output
    made = json.loads(out.output)
    assert made["name"] == name and made["key"].startswith("hy_")
    listed = json.loads(runner.invoke(cli, ["client", "list"], env=env).output)
    [row] = [c for c in listed if c["client"] == made["client"]]
    assert made["key"] not in json.dumps(row) and row["keys"][0]["prefix"] == made["key"][:10]
    out = runner.invoke(cli, ["client", "create", name], env=env)
    assert out.exit_code != 0 and "exists" in out.output
    out = runner.invoke(cli, ["client", "revoke", "999999"], env=env)
    assert out.exit_code != 0 and "no key 999999" in out.output
    out = runner.invoke(cli, ["client", "revoke", str(row["keys"][0]["id"])], env=env)
    assert out.exit_code == 0, out.output
    r = api.client.post(f"{V2}/requests.json", data={"api_key": made["key"], "service_code": "01.01.001",
                                                     "lat": LAT, "long": LON, "description": "x"})
    assert r.status_code == 403


def test_a_partners_account_at_the_root_sees_only_its_own_reports(api: Api) -> None:
    with api.session() as s:
        root = s.scalar(select(Node).where(Node.city_id == api.city_id, Node.level == Level.CITY.value))
        assert root is not None
        user = create_user(s, username=f"partner-{uuid.uuid4().hex[:6]}", password="", password_hash="x",
                           role=Role.PARTNER, node=root)
        token = tokens.create(s, user, "t", now=NOW)[1]
        s.commit()
    h = {"Authorization": f"Bearer {token}"}
    assert api.client.get(f"/api/v1/cases/{api.cases['c1']}", headers=h).status_code == 404
    assert api.client.get("/api/v1/cases", headers=h).json()["items"] == []
    assert api.client.get("/api/v1/stats", headers=h).status_code == 403
    notices = api.client.get("/api/v1/notices", headers=h)
    assert notices.status_code == 403 or notices.json() == [], notices.text
    with api.session() as s:
        assert s.scalar(select(User.role).where(User.id == user.id)) == "partner"
