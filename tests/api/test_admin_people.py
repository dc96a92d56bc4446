"""A person administered on the web and through the API (issue 22), on SQLite and
PostgreSQL: name, place, organisation, phone and membership edited, an account linked and
unlinked, each with an audit row naming before and after; refusals in the person's language
with nothing stored; an administrator of one town refused a person of another."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from huying.audit import AdminEvent
from huying.geo.models import Node
from huying.orgs import accounts, tokens
from huying.orgs.models import Person, User
from tests.api.conftest import NOW, Api

A = "/api/v1/admin"
HTML = {"accept": "text/html"}


def _town_admin(api: Api, town: str) -> tuple[str, dict[str, str]]:
    name = f"p{uuid.uuid4().hex[:8]}"
    with api.session() as s:
        user = accounts.create(s, None, username=name, password="a-long-passphrase-9", role="admin",
                               node=s.scalar(select(Node).where(Node.code == town)), now=NOW, must_change=False)
        token = tokens.create(s, user, "t", now=NOW)[1]
        s.commit()
    return name, {"Authorization": f"Bearer {token}"}


def _person(api: Api, name: str, node: str) -> int:
    r = api.client.post(f"{A}/people", headers=api.h("admin"), json={"name": name, "node": node})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _rows(api: Api, person_id: int) -> list[AdminEvent]:
    with api.session() as s:
        return list(s.scalars(select(AdminEvent).where(AdminEvent.subject == "person",
                                                       AdminEvent.subject_id == person_id).order_by(AdminEvent.id)))


def _linked_to(api: Api, username: str) -> int | None:
    with api.session() as s:
        return s.scalar(select(User.person_id).where(User.username == username))


def test_the_api_edits_a_person_and_links_an_account_with_before_and_after(api: Api) -> None:
    h = api.h("admin")
    pid = _person(api, "钱七", "441900101001001")
    r = api.client.post(f"{A}/people/{pid}", headers=h, json={
        "name": "钱七七", "node": "441900101001", "organisation": "441900101001-party", "is_party_member": True})
    assert r.status_code == 200, r.text
    assert r.json()["organisation"] == "441900101001-party (441900101001-party)" and r.json()["is_party_member"]
    r = api.client.post(f"{A}/people/{pid}/link", headers=h, json={"account": "gridworker"})
    assert r.status_code == 200 and "(gridworker)" in r.json()["accounts"], r.text
    assert _linked_to(api, "gridworker") == pid
    other = _person(api, "孙八", "441900101001001")
    r = api.client.post(f"{A}/people/{other}/link", headers=h, json={"account": "gridworker"})
    assert r.status_code == 422 and "another person" in r.text  # one account, one person
    assert _linked_to(api, "gridworker") == pid
    r = api.client.post(f"{A}/people/{pid}/unlink", headers=h, json={"account": "gridworker"})
    assert r.status_code == 200 and r.json()["accounts"] is None
    assert _linked_to(api, "gridworker") is None
    rows = _rows(api, pid)
    assert [e.action for e in rows] == ["create", "change", "link", "unlink"]
    change = rows[1].detail
    assert change["before"]["name"] == "钱七" and change["after"]["name"] == "钱七七"
    assert change["before"]["node"].endswith("(441900101001001)") and change["after"]["is_party_member"] is True
    assert rows[2].detail["before"] == {"accounts": None}
    assert rows[2].detail["after"]["accounts"].endswith("(gridworker)")
    assert api.client.get(f"{A}/people/{pid}", headers=h).json()["name"] == "钱七七"
    assert api.client.get(f"{A}/people/999999", headers=h).status_code == 404


def test_an_administrator_of_one_town_is_refused_a_person_of_another(api: Api) -> None:
    _, t1 = _town_admin(api, "441900101")
    theirs = _person(api, "周九", "441900102001001")
    mine = _person(api, "吴十", "441900101001001")
    assert api.client.get(f"{A}/people/{theirs}", headers=t1).status_code == 403
    r = api.client.post(f"{A}/people/{theirs}", headers=t1, json={"name": "越权", "node": "441900102001001"})
    assert r.status_code == 403
    r = api.client.post(f"{A}/people/{mine}", headers=t1, json={"name": "吴十", "node": "441900102001001"})
    assert r.status_code == 403  # nor moved out of the town
    r = api.client.post(f"{A}/people/{mine}/link", headers=t1, json={"account": "handler2"})
    assert r.status_code == 403  # town 2's account
    assert api.client.post(f"{A}/people/{theirs}/link", headers=t1, json={"account": "gridworker"}).status_code == 403
    assert api.client.get(f"{A}/people/{mine}", headers=api.h("gridworker")).status_code == 403
    assert api.client.get("/admin/pick/accounts", headers=api.h("gridworker", accept="text/html")).status_code == 403
    assert api.client.get(f"{A}/people/{2**31}", headers=api.h("admin")).status_code in (404, 422)
    with api.session() as s:
        assert s.get(Person, theirs).name == "周九"  # type: ignore[union-attr]
        assert s.get(Node, s.get(Person, mine).node_id).code == "441900101001001"  # type: ignore[union-attr]
    assert _linked_to(api, "handler2") is None and _linked_to(api, "gridworker") is None
    assert [e.action for e in _rows(api, theirs)] == ["create"] and [e.action for e in _rows(api, mine)] == ["create"]


def _sign_in(api: Api, town: str) -> None:
    name, _h = _town_admin(api, town)
    api.client.cookies.clear()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', api.client.get("/login", headers=HTML).text)
    assert csrf
    r = api.client.post("/login", data={"username": name, "password": "a-long-passphrase-9",
                                        "csrf_token": csrf.group(1)}, headers=HTML, follow_redirects=False)
    assert r.status_code == 303


def _form(api: Api, url: str, data: dict[str, str]) -> object:
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', api.client.get("/login", headers=HTML).text)
    assert csrf
    return api.client.post(url, data={**data, "csrf_token": csrf.group(1)}, headers=HTML, follow_redirects=False)


def test_the_person_page_edits_links_and_refuses_in_the_persons_language(api: Api) -> None:
    pid = _person(api, "郑十一", "441900101001001")
    theirs = _person(api, "王十二", "441900102001001")
    _sign_in(api, "441900101")
    people = api.client.get("/admin/people?node=441900101", headers=HTML)
    assert f'href="/admin/people/{pid}"' in people.text
    page = api.client.get(f"/admin/people/{pid}", headers=HTML)
    assert page.status_code == 200 and 'id="person-form"' in page.text and 'data-picker="account"' in page.text
    assert 'data-picker="node"' in page.text and 'data-picker="unit"' in page.text
    r = _form(api, f"/admin/people/{pid}", {"name": "郑十一", "node": "441900101001001", "phone": "call me"})
    assert r.status_code == 422 and "手机号码" in r.text  # type: ignore[attr-defined]
    r = _form(api, f"/admin/people/{pid}", {"name": "郑十一", "node": "441900101001", "party_member": "1"})
    assert r.status_code == 303  # type: ignore[attr-defined]
    picked = api.client.get("/admin/pick/accounts?q=grid", headers=HTML).json()["accounts"]
    assert [a["code"] for a in picked] == ["gridworker"]
    assert api.client.get("/admin/pick/accounts?q=handler2", headers=HTML).json()["accounts"] == []  # town 2's
    r = _form(api, f"/admin/people/{pid}/link", {"account": "nobody-here"})
    assert r.status_code == 422 and "请从列表中选择账号" in r.text  # type: ignore[attr-defined]
    r = _form(api, f"/admin/people/{pid}/link", {"account": "gridworker"})
    assert r.status_code == 303  # type: ignore[attr-defined]
    page = api.client.get(f"/admin/people/{pid}", headers=HTML)
    assert 'id="person-accounts"' in page.text and "/unlink" in page.text and "data-confirm" in page.text
    assert "关联账号" in page.text and "党员" in page.text
    r = _form(api, f"/admin/people/{pid}/unlink", {"account": "gridworker"})
    assert r.status_code == 303 and _linked_to(api, "gridworker") is None  # type: ignore[attr-defined]
    assert api.client.get(f"/admin/people/{theirs}", headers=HTML).status_code == 403
    assert _form(api, f"/admin/people/{theirs}", {"name": "越权", "node": "441900102001001"}).status_code == 403  # type: ignore[attr-defined]
    assert [e.action for e in _rows(api, pid)] == ["create", "change", "link", "unlink"]
