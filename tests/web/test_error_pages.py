"""Errors are pages a person understands, in their language; JSON stays JSON for the API."""

from __future__ import annotations

from fastapi import HTTPException
from fastapi.testclient import TestClient

HTML = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def test_a_missing_page_is_a_friendly_page_in_chinese(client: TestClient) -> None:
    r = client.get("/no/such/page", headers=HTML)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "<h1>页面不存在</h1>" in r.text
    assert "返回地图" in r.text
    assert "content-security-policy" in r.headers


def test_a_missing_page_is_in_english_after_the_switch(client: TestClient) -> None:
    client.get("/?lang=en")
    r = client.get("/no/such/page", headers=HTML)
    assert r.status_code == 404
    assert "<h1>Page not found</h1>" in r.text and "Back to the map" in r.text
    assert "页面不存在" not in r.text


def test_the_api_answers_json_not_pages(client: TestClient) -> None:
    r = client.get("/api/v1/no-such-thing", headers=HTML)
    assert r.status_code == 404
    assert r.json() == {"detail": "Not Found"}


def test_a_client_asking_for_json_gets_json(client: TestClient) -> None:
    r = client.get("/no/such/page", headers={"accept": "application/json"})
    assert r.status_code == 404 and r.json() == {"detail": "Not Found"}


def test_a_missing_static_file_is_a_plain_404(client: TestClient) -> None:
    r = client.get("/static/js/nothing.js", headers=HTML)
    assert r.status_code == 404
    assert "text/html" not in r.headers.get("content-type", "")


def test_forbidden_is_a_page_that_says_so(client: TestClient) -> None:
    @client.app.get("/_test/forbidden")  # type: ignore[attr-defined,untyped-decorator]
    def forbidden() -> None:
        raise HTTPException(403)

    r = client.get("/_test/forbidden", headers=HTML)
    assert r.status_code == 403
    assert "<h1>无权访问</h1>" in r.text
    r = client.get("/_test/forbidden?lang=en", headers=HTML)
    assert "<h1>Not allowed</h1>" in r.text


def test_a_server_error_is_a_page_without_details(client: TestClient) -> None:
    @client.app.get("/_test/boom")  # type: ignore[attr-defined,untyped-decorator]
    def boom() -> None:
        raise RuntimeError("secret internals")

    r = client.get("/_test/boom", headers=HTML)
    assert r.status_code == 500
    assert "<h1>出错了</h1>" in r.text
    assert "secret internals" not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"
    r = client.get("/_test/boom", headers={"accept": "application/json"})
    assert r.status_code == 500 and r.json() == {"detail": "Internal Server Error"}


def test_a_bad_parameter_on_a_page_is_a_friendly_page(client: TestClient) -> None:
    @client.app.get("/_test/number/{n}")  # type: ignore[attr-defined,untyped-decorator]
    def number(n: int) -> dict[str, int]:
        return {"n": n}

    r = client.get("/_test/number/abc", headers=HTML)
    assert r.status_code == 400
    assert "<h1>请求有误</h1>" in r.text
    r = client.get("/_test/number/abc", headers={"accept": "application/json"})
    assert r.status_code == 422


def test_the_api_keeps_its_own_validation_errors(client: TestClient) -> None:
    r = client.get("/api/v1/geo/locate?lon=abc&lat=1", headers=HTML)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/json")
