"""Accounts administered (issue 22), on SQLite and PostgreSQL: a deactivated account's web
session and API token are refused at the next request; an administrator of one town is
refused in another (API and pages); every change is in the audit trail with before and
after; a reset link works once and expires; a first password must be changed at the first
sign-in; a token's last use is noted at most once a minute."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from huying.audit import AdminEvent
from huying.errors import SettingError
from huying.geo.models import Node
from huying.orgs import accounts, tokens
from huying.orgs.actor import Actor
from huying.orgs.models import ApiToken, PasswordReset, User
from tests.api.conftest import NOW, Api

HTML = {"accept": "text/html"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "a-long-passphrase-9"


def _account(api: Api, *, node: str = "441900101", role: str = "town_officer", must_change: bool = False,
             token: bool = True) -> tuple[int, str, str]:
    """A new account (id, username, its API token) made by the city's administrator."""
    name = f"p{uuid.uuid4().hex[:8]}"
    with api.session() as s:
        where = s.scalar(select(Node).where(Node.code == node))
        admin = s.scalar(select(User).where(User.username == "admin"))
        user = accounts.create(s, Actor.of(s, admin), username=name, password=PASSWORD, role=role, node=where,
                               now=NOW, must_change=must_change)
        clear = tokens.create(s, user, "phone", now=NOW)[1] if token else ""
        s.commit()
        return user.id, name, clear


def _town_admin(api: Api, town: str = "441900101") -> str:
    """An administrator of one town; its API token."""
    return _account(api, node=town, role="admin")[2]


def _csrf(client: TestClient) -> str:
    m = CSRF.search(client.get("/login", headers=HTML).text)
    assert m
    return m.group(1)


def _sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    client.cookies.clear()
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": _csrf(client)},
                    headers=HTML, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return r.headers["location"]


def _post(client: TestClient, url: str, data: dict[str, str] | None = None) -> object:
    return client.post(url, data={**(data or {}), "csrf_token": _csrf(client)}, headers=HTML,
                       follow_redirects=False)


def test_a_deactivated_accounts_session_and_token_are_refused_at_the_next_request(api: Api) -> None:
    uid, name, token = _account(api)
    _sign_in(api.client, name)
    assert api.client.get("/api/v1/me").status_code == 200  # the web session
    assert api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    r = api.client.post(f"/api/v1/admin/accounts/{uid}/deactivate", headers=api.h("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["tokens_revoked"] == 1 and r.json()["account"]["active"] is False
    # the next request of either is refused
    assert api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert api.client.get("/api/v1/me").status_code == 401
    assert api.client.get("/work", headers=HTML, follow_redirects=False).status_code == 303  # to sign in
    # nor can the person sign in again; reactivated, they can, and the old token stays revoked
    r = api.client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": _csrf(api.client)},
                        headers=HTML, follow_redirects=False)
    assert r.status_code == 401
    assert api.client.post(f"/api/v1/admin/accounts/{uid}/reactivate", headers=api.h("admin")).status_code == 200
    _sign_in(api.client, name)
    assert api.client.get("/api/v1/me").status_code == 200
    assert api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    # twice is refused with the reason, nothing stored
    again = api.client.post(f"/api/v1/admin/accounts/{uid}/reactivate", headers=api.h("admin"))
    assert again.status_code == 422 and "already active" in again.text
    with api.session() as s:
        actions = list(s.scalars(select(AdminEvent.action).where(AdminEvent.subject == "user", AdminEvent.subject_id == uid)
                                 .order_by(AdminEvent.id)))
    assert actions == ["create", "deactivate", "reactivate"]


def test_an_administrator_may_not_deactivate_themselves(api: Api) -> None:
    with api.session() as s:
        admin = s.scalar(select(User.id).where(User.username == "admin"))
    r = api.client.post(f"/api/v1/admin/accounts/{admin}/deactivate", headers=api.h("admin"))
    assert r.status_code == 422 and "own account" in r.text
    with api.session() as s:
        assert s.get(User, admin).active  # type: ignore[union-attr]


def test_an_administrator_of_a_town_is_refused_in_another_town(api: Api) -> None:
    own_token = _town_admin(api, "441900101")
    h = {"Authorization": f"Bearer {own_token}"}
    inside, _, _ = _account(api, node="441900101001")
    outside, _, _ = _account(api, node="441900102")
    assert api.client.get(f"/api/v1/admin/accounts/{inside}", headers=h).status_code == 200
    for method, url, body in (("GET", f"/api/v1/admin/accounts/{outside}", None),
                              ("POST", f"/api/v1/admin/accounts/{outside}/deactivate", None),
                              ("POST", f"/api/v1/admin/accounts/{outside}/reset", None),
                              ("POST", f"/api/v1/admin/accounts/{inside}/seat", {"node": "441900102"}),
                              ("POST", "/api/v1/admin/accounts", {"username": f"x{uuid.uuid4().hex[:6]}",
                                                                  "password": PASSWORD, "role": "town_officer",
                                                                  "node": "441900102"}),
                              ("GET", "/api/v1/admin/audit", None)):
        r = api.client.request(method, url, headers=h, json=body)
        assert r.status_code == 403, (url, r.status_code, r.text)
    with api.session() as s:
        assert s.get(User, outside).active  # type: ignore[union-attr]
        assert s.scalar(select(Node.code).join(User, User.node_id == Node.id).where(User.id == inside)) == "441900101001"
    # inside its town it may
    r = api.client.post(f"/api/v1/admin/accounts/{inside}/seat", headers=h, json={"node": "441900101001001"})
    assert r.status_code == 200 and r.json()["node"] == "441900101001001"


def test_an_administrator_of_a_town_is_refused_in_another_town_on_the_pages(api: Api) -> None:
    _, admin_name, _ = _account(api, node="441900101", role="admin", token=False)
    inside, _, _ = _account(api, node="441900101001")
    outside, _, _ = _account(api, node="441900102")
    _sign_in(api.client, admin_name)
    assert api.client.get(f"/admin/users/{inside}", headers=HTML).status_code == 200
    assert api.client.get(f"/admin/users/{outside}", headers=HTML).status_code == 403
    r = _post(api.client, f"/admin/users/{outside}/deactivate")
    assert r.status_code == 403  # type: ignore[attr-defined]
    listing = api.client.get("/admin/users?q=p", headers=HTML).text
    assert f"/admin/users/{inside}" in listing and f"/admin/users/{outside}\"" not in listing
    with api.session() as s:
        assert s.get(User, outside).active  # type: ignore[union-attr]


def test_the_audit_trail_shows_before_and_after_with_names(api: Api) -> None:
    uid, name, _ = _account(api)
    r = api.client.post(f"/api/v1/admin/accounts/{uid}/seat", headers=api.h("admin"),
                        json={"role": "community_officer", "node": "441900101001"})
    assert r.status_code == 200, r.text
    r = api.client.get("/api/v1/admin/audit?subject=user&action=change&who=admin", headers=api.h("admin"))
    assert r.status_code == 200, r.text
    row = next(i for i in r.json()["items"] if i["subject_name"] == name)
    assert row["before"] == {"role": "town_officer", "node": "测试1镇 (441900101)"}
    assert row["after"] == {"role": "community_officer", "node": "测试1社区 (441900101001)"}
    assert row["actor"] == "admin"
    # the page: names and the roles in the person's language, before → after
    _, admin_name, _ = _account(api, node="441900", role="admin", token=False)
    _sign_in(api.client, admin_name)
    page = api.client.get("/admin/audit?subject=user&action=change", headers=HTML)
    assert page.status_code == 200
    assert "测试1镇 (441900101) → 测试1社区 (441900101001)" in page.text
    assert "community_officer" not in page.text and "村(社区)干部" in page.text  # the role in words, not its code
    csv = api.client.get("/admin/audit?subject=user&action=change&format=csv", headers=HTML)
    assert csv.status_code == 200 and "测试1社区 (441900101001)" in csv.text
    # bad filters are refused with the field
    for q in ("subject=cases", "since=yesterday", "who=nobody-here"):
        assert api.client.get(f"/api/v1/admin/audit?{q}", headers=api.h("admin")).status_code == 422


def test_a_reset_link_works_once_and_expires(api: Api) -> None:
    uid, name, _ = _account(api, token=False)
    r = api.client.post(f"/api/v1/admin/accounts/{uid}/reset", headers=api.h("admin"))
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    with api.session() as s:  # stored hashed only
        rows = list(s.scalars(select(PasswordReset).where(PasswordReset.user_id == uid)))
        assert len(rows) == 1 and code not in rows[0].code_hash
        event = s.scalar(select(AdminEvent).where(AdminEvent.subject_id == uid, AdminEvent.action == "reset_issued"))
        assert event is not None and code not in str(event.detail)
    api.client.cookies.clear()
    assert api.client.get(f"/reset/{code}", headers=HTML).status_code == 200
    new = "another-long-passphrase"
    r = _post(api.client, "/reset", {"code": code, "password": new, "again": new})
    assert r.status_code == 303  # type: ignore[attr-defined]
    _sign_in(api.client, name, new)
    api.client.cookies.clear()
    r = _post(api.client, "/reset", {"code": code, "password": "third-passphrase-x", "again": "third-passphrase-x"})
    assert r.status_code == 404  # type: ignore[attr-defined]
    assert api.client.get(f"/reset/{code}", headers=HTML).status_code == 404
    # a new code, redeemed too late: refused; an older code stops working when a new one is made
    with api.session() as s:
        user = s.get(User, uid)
        first = accounts.issue_reset(s, user, None, now=NOW)  # type: ignore[arg-type]
        second = accounts.issue_reset(s, user, None, now=NOW)  # type: ignore[arg-type]
        s.commit()
        with pytest.raises(SettingError):
            accounts.redeem_reset(s, first, "fourth-passphrase", now=NOW + dt.timedelta(minutes=1))
        with pytest.raises(SettingError):
            accounts.redeem_reset(s, second, "fourth-passphrase", now=NOW + accounts.RESET_TTL)
        s.rollback()
    _sign_in(api.client, name, new)  # the password is unchanged


def test_a_first_password_must_be_changed_at_the_first_sign_in(api: Api) -> None:
    r = api.client.post("/api/v1/admin/accounts", headers=api.h("admin"), json={
        "username": f"n{uuid.uuid4().hex[:6]}", "password": PASSWORD, "role": "town_officer", "node": "441900101"})
    assert r.status_code == 201, r.text
    assert r.json()["must_change_password"] is True
    name = r.json()["username"]
    assert _sign_in(api.client, name).startswith("/account/password")
    r = api.client.get("/work", headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/account/password")
    # a refused change stores nothing and says why
    r = _post(api.client, "/account/password", {"current": PASSWORD, "password": PASSWORD, "again": PASSWORD})
    assert r.status_code == 422 and "不能与当前密码相同" in r.text  # type: ignore[attr-defined]
    r = _post(api.client, "/account/password", {"current": "wrong-one-here", "password": "mine-and-only-mine",
                                                "again": "mine-and-only-mine"})
    assert r.status_code == 422  # type: ignore[attr-defined]
    r = _post(api.client, "/account/password", {"current": PASSWORD, "password": "mine-and-only-mine",
                                                "again": "mine-and-only-mine", "next": "/work"})
    assert r.status_code == 303 and r.headers["location"] == "/work"  # type: ignore[attr-defined]
    assert api.client.get("/work", headers=HTML, follow_redirects=False).status_code == 200
    _sign_in(api.client, name, "mine-and-only-mine")


def test_tokens_are_listed_with_their_last_use_and_revoked_from_the_list(api: Api) -> None:
    uid, _, token = _account(api)
    assert api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listed = api.client.get(f"/api/v1/admin/accounts/{uid}", headers=api.h("admin")).json()["tokens"]
    assert len(listed) == 1 and listed[0]["name"] == "phone" and listed[0]["last_used_at"] is not None
    assert token not in str(listed)
    r = api.client.post(f"/api/v1/admin/tokens/{listed[0]['id']}/revoke", headers=api.h("admin"))
    assert r.status_code == 200 and r.json()["revoked_at"] is not None
    assert api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_tokens_last_use_is_written_at_most_once_a_minute(api: Api) -> None:
    _, _, token = _account(api)
    with api.session() as s:
        row = s.scalar(select(ApiToken).where(ApiToken.token_hash == tokens.digest(token)))
        assert row is not None
        assert tokens.touch(s, row.id, None, now=NOW)
        assert not tokens.touch(s, row.id, NOW, now=NOW + dt.timedelta(seconds=59))
        # a stale reading does not write twice either: the database row says it was just noted
        assert not tokens.touch(s, row.id, None, now=NOW + dt.timedelta(seconds=30))
        assert tokens.touch(s, row.id, NOW, now=NOW + dt.timedelta(seconds=61))


def test_a_changed_or_reset_password_ends_the_other_sessions(api: Api) -> None:
    """Issue 19 (ASVS 6.2.3, 7.4.3): a person who changes their password stays signed in on
    the device that changed it, and every other session of theirs ends at once; a reset by
    an administrator's code ends them all."""
    _, name, _ = _account(api, token=False)
    other = TestClient(api.client.app, base_url=str(api.client.base_url))
    _sign_in(other, name)
    _sign_in(api.client, name)
    assert other.get("/work", headers=HTML, follow_redirects=False).status_code == 200
    new = "mine-and-only-mine-2"
    r = _post(api.client, "/account/password", {"current": PASSWORD, "password": new, "again": new, "next": "/work"})
    assert r.status_code == 303  # type: ignore[attr-defined]
    assert api.client.get("/work", headers=HTML, follow_redirects=False).status_code == 200  # this device: still in
    r = other.get("/work", headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")  # the other: signed out

    with api.session() as s:
        user = s.scalar(select(User).where(User.username == name))
        assert user is not None
        code = accounts.issue_reset(s, user, None, now=NOW)
        s.commit()
    _sign_in(other, name, new)
    r = _post(api.client, "/reset", {"code": code, "password": "a-third-passphrase", "again": "a-third-passphrase"})
    for client in (api.client, other):
        r = client.get("/work", headers=HTML, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), r.status_code
