"""Signing in: the landing page of each role, a clear message on a wrong password, and the
rate limit per address and username."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.scene import HTML, csrf


def attempt(client: TestClient, username: str, password: str, next_url: str = "") -> object:
    return client.post("/login", data={"username": username, "password": password, "next": next_url,
                                       "csrf_token": csrf(client)}, headers=HTML, follow_redirects=False)


@pytest.mark.parametrize(("username", "home"), [
    ("resident", "/"), ("community", "/work"), ("handler", "/work"), ("leader", "/leader"),
    ("admin", "/admin"),
])
def test_each_person_lands_on_their_own_page(city_client: TestClient, username: str, home: str) -> None:
    r = attempt(city_client, username, f"demo-{username}")
    assert r.status_code == 303 and r.headers["location"] == home  # type: ignore[attr-defined]
    assert city_client.get(home, headers=HTML).status_code == 200


def test_a_page_sends_a_stranger_to_sign_in_and_back(city_client: TestClient) -> None:
    r = city_client.get("/work?tab=mine", headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/work%3Ftab%3Dmine"
    r = attempt(city_client, "community", "demo-community", "/work?tab=mine")
    assert r.headers["location"] == "/work?tab=mine"  # type: ignore[attr-defined]


def test_it_never_redirects_elsewhere_after_sign_in(city_client: TestClient) -> None:
    r = attempt(city_client, "community", "demo-community", "//evil.example/")
    assert r.headers["location"] == "/work"  # type: ignore[attr-defined]


def test_a_wrong_password_says_so_in_chinese(city_client: TestClient) -> None:
    r = attempt(city_client, "resident", "nope")
    assert r.status_code == 401  # type: ignore[attr-defined]
    assert "用户名或密码不正确" in r.text  # type: ignore[attr-defined]


def test_it_stops_guessing_after_five_failures_and_says_how_long_to_wait(city_client: TestClient) -> None:
    for _ in range(5):
        assert attempt(city_client, "town", "guess").status_code == 401  # type: ignore[attr-defined]
    r = attempt(city_client, "town", "demo-town")  # even the right password now waits
    assert r.status_code == 429  # type: ignore[attr-defined]
    assert "登录失败次数过多" in r.text and "15 分钟" in r.text  # type: ignore[attr-defined]
    assert int(r.headers["retry-after"]) > 800  # type: ignore[attr-defined]
    # Another account from the same address is not locked out.
    assert attempt(city_client, "community", "demo-community").status_code == 303  # type: ignore[attr-defined]


def test_the_limit_message_is_english_in_english(city_client: TestClient) -> None:
    city_client.get("/login?lang=en", headers=HTML)
    for _ in range(5):
        attempt(city_client, "city", "guess")
    r = attempt(city_client, "city", "guess")
    assert r.status_code == 429  # type: ignore[attr-defined]
    assert "Too many failed sign-ins" in r.text  # type: ignore[attr-defined]


def test_two_application_instances_share_the_count(city_client: TestClient) -> None:
    """Two server processes (here two applications on the same database) count together."""
    from huying.app import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as other:
        for client in (city_client, other, city_client, other):
            assert attempt(client, "leader", "guess").status_code == 401  # type: ignore[attr-defined]
        assert attempt(other, "leader", "guess").status_code == 401  # type: ignore[attr-defined]
        # The fifth failure was made through the other instance: this one refuses too.
        r = attempt(city_client, "leader", "demo-leader")
        assert r.status_code == 429  # type: ignore[attr-defined]
        assert attempt(other, "leader", "demo-leader").status_code == 429  # type: ignore[attr-defined]
