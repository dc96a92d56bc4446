"""Chinese first; ``?lang=`` switches and the ``lang`` cookie remembers (no browser)."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient


def lang_cookie(r: Any) -> str | None:
    """The ``lang`` Set-Cookie header of a response (the session cookie may come too)."""
    return next((c for c in r.headers.get_list("set-cookie") if c.startswith("lang=")), None)


def test_lang_en_renders_english_and_sets_the_cookie(client: TestClient) -> None:
    r = client.get("/?lang=en")
    assert '<html lang="en" data-lang="en">' in r.text
    assert "<title>City map · huying</title>" in r.text
    assert "Where is this?" in r.text
    assert "这是哪里" not in r.text
    cookie = lang_cookie(r) or ""
    assert cookie.startswith("lang=en;") and "SameSite=Lax" in cookie and "Path=/" in cookie


def test_the_cookie_keeps_the_language_on_the_next_page(client: TestClient) -> None:
    client.get("/?lang=en")
    r = client.get("/")
    assert "Where is this?" in r.text
    assert lang_cookie(r) is None
    r = client.get("/?lang=zh")
    assert "这是哪里？" in r.text
    assert (lang_cookie(r) or "").startswith("lang=zh;")
    assert "这是哪里？" in client.get("/").text


def test_an_unknown_language_falls_back_to_chinese(client: TestClient) -> None:
    r = client.get("/?lang=xx")
    assert "这是哪里？" in r.text
    assert lang_cookie(r) is None
    client.cookies.set("lang", "fr")
    assert "这是哪里？" in client.get("/").text


def test_the_switch_keeps_the_other_query_parameters(client: TestClient) -> None:
    r = client.get("/?lang=en&focus=441900003")
    assert 'href="/?focus=441900003&amp;lang=zh"' in r.text


def map_messages(html: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="map-messages">(.*?)</script>', html)
    assert m
    return dict(json.loads(m.group(1)))


def test_the_map_labels_come_in_both_languages(client: TestClient) -> None:
    zh = map_messages(client.get("/?lang=zh").text)
    en = map_messages(client.get("/?lang=en").text)
    assert zh["levels"] == {
        "city": "市",
        "area": "片区",
        "town": "镇街",
        "community": "村(社区)",
        "grid": "网格",
    }
    assert en["levels"] == {
        "city": "City",
        "area": "Area",
        "town": "Town",
        "community": "Community",
        "grid": "Grid",
    }
    assert zh["layers"] == {"town": "镇街", "community": "村(社区)", "grid": "网格"}
    assert en["layers"] == {"town": "Towns", "community": "Communities", "grid": "Grids"}
    assert zh.keys() == en.keys()
    for key in zh:
        assert zh[key] != en[key], key
