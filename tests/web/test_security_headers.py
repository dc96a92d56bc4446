"""Every response carries the security headers; pages allow scripts from our origin only."""

from __future__ import annotations

from fastapi.testclient import TestClient

from huying.web.middleware import CSP


def test_pages_carry_the_security_headers(client: TestClient) -> None:
    h = client.get("/").headers
    assert h["x-content-type-options"] == "nosniff"
    assert h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "same-origin"
    csp = h["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp  # ASVS 5.0 3.4.3
    assert "unsafe-eval" not in csp and "script-src 'self' 'unsafe-inline'" not in csp


def test_api_responses_carry_them_too(client: TestClient) -> None:
    h = client.get("/api/v1/nothing").headers
    assert h["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in h


def test_the_interactive_docs_load_our_own_copy_under_the_page_policy(client: TestClient) -> None:
    r = client.get("/docs")
    assert r.status_code == 200 and r.headers["content-security-policy"] == CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    import re

    srcs = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert srcs and all(s.startswith("/static/") for s in srcs), srcs  # no CDN
    for tag in re.findall(r"<script[^>]*>", r.text):
        assert "src=" in tag, tag  # no inline script
    assert all(client.get(s).status_code == 200 for s in srcs)
    assert client.get("/redoc").status_code == 404


def test_hsts_over_https_only(client: TestClient) -> None:
    assert "strict-transport-security" not in client.get("/").headers
    h = client.get("/", headers={"x-forwarded-proto": "https"}).headers
    assert h["strict-transport-security"].startswith("max-age=31536000")


def test_the_home_page_has_no_inline_script(client: TestClient) -> None:
    html = client.get("/").text
    import re

    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
