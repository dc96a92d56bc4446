"""Signed cookie sessions and CSRF tokens on every form."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.orgs.models import User
from huying.web import session as sessions
from tests.web.scene import HTML, csrf, post, sign_in


def test_it_refuses_a_form_post_without_the_csrf_token(city_client: TestClient) -> None:
    r = city_client.post("/login", data={"username": "resident", "password": "demo-resident"},
                         headers=HTML, follow_redirects=False)
    assert r.status_code == 403
    assert 'data-status="403"' in r.text and "<html lang=\"zh-CN\"" in r.text


def test_it_refuses_the_token_of_another_session(city_client: TestClient) -> None:
    stolen = csrf(city_client)
    city_client.cookies.clear()
    city_client.get("/login", headers=HTML)  # a new session of someone else
    r = city_client.post("/login", data={"username": "resident", "password": "demo-resident",
                                         "csrf_token": stolen}, headers=HTML, follow_redirects=False)
    assert r.status_code == 403


def test_it_refuses_an_action_without_the_token_even_when_signed_in(city_client: TestClient) -> None:
    sign_in(city_client, "community")
    r = city_client.post("/logout", headers=HTML, follow_redirects=False)
    assert r.status_code == 403
    assert city_client.get("/work", headers=HTML, follow_redirects=False).status_code == 200


def test_the_htmx_header_carries_the_token(city_client: TestClient) -> None:
    sign_in(city_client, "community")
    r = city_client.post("/logout", headers={**HTML, "X-CSRF-Token": csrf(city_client)},
                         follow_redirects=False)
    assert r.status_code == 303


def test_the_session_cookie_is_httponly_samesite_lax_and_secure_over_https(city_client: TestClient) -> None:
    r = city_client.get("/login", headers=HTML)
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("huying_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    city_client.cookies.clear()
    r = city_client.get("https://testserver/login", headers=HTML)
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("huying_session="))
    assert "Secure" in cookie


def test_signing_in_renews_the_session_and_signing_out_ends_it(city_client: TestClient) -> None:
    city_client.get("/login", headers=HTML)
    before = city_client.cookies.get("huying_session")
    sign_in(city_client, "resident")
    after = city_client.cookies.get("huying_session")
    assert before != after
    assert sessions.decode(after)["sid"] != sessions.decode(before)["sid"]  # type: ignore[index]
    assert city_client.get("/my", headers=HTML, follow_redirects=False).status_code == 200
    assert post(city_client, "/logout").status_code == 303
    r = city_client.get("/my", headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/my"


def test_a_forged_or_expired_cookie_signs_nobody_in(city_client: TestClient) -> None:
    sign_in(city_client, "resident")
    good = city_client.cookies.get("huying_session") or ""
    body, sig = good.split(".")
    data = sessions.decode(good)
    assert data is not None
    forged = sessions._b64(b'{"iat":%d,"sid":"x","uid":9}' % data["iat"]) + "." + sig
    city_client.cookies.clear()
    city_client.cookies.set("huying_session", forged)
    assert city_client.get("/my", headers=HTML, follow_redirects=False).status_code == 303
    assert sessions.decode(good, now=data["iat"] + sessions.MAX_AGE + 1) is None


def test_cookies_do_not_authenticate_writes_to_the_json_api(city_client: TestClient) -> None:
    sign_in(city_client, "resident")
    r = city_client.post("/api/v1/cases", json={"title": "x", "channel": "resident_web", "lon": 113.7,
                                                "lat": 22.8})
    assert r.status_code == 401


def test_a_deactivated_account_is_signed_out_at_once(city_client: TestClient, city_session: Session) -> None:
    # ASVS 7.4.2
    sign_in(city_client, "community")
    assert city_client.get("/work", headers=HTML, follow_redirects=False).status_code == 200
    user = city_session.scalars(select(User).where(User.username == "community")).one()
    user.active = False
    city_session.commit()
    try:
        r = city_client.get("/work", headers=HTML, follow_redirects=False)
        assert r.status_code in (303, 401), "the session of a deactivated account still works"
    finally:
        user.active = True
        city_session.commit()
