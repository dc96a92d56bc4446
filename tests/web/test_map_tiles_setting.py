"""The maps' base layer (HUYING_MAP_TILES): off by default (the demo runs offline: no tile
layer, our own outlines served); on, the pages carry its URL, attribution and maximum zoom,
and the policy lets the browser fetch from its origin, while the key is never printed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from huying.config import Settings
from huying.geo.outlines import tile_of
from tests.web.scene import HTML

TILES = {"url": "https://{s}.tiles.example.gov.cn/{z}/{x}/{y}.png?tk=SECRET-KEY-123",
         "attribution": "© 示例测绘局", "max_zoom": 17}


def map_config(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="map-config">(.*?)</script>', html, re.S)
    assert m, "no #map-config on the page"
    return json.loads(m.group(1))


def test_without_the_setting_no_tiles_are_asked_for_and_the_outlines_are_served(
        city_client: TestClient) -> None:
    home = city_client.get("/", headers=HTML)
    config = map_config(home.text)
    assert config["tiles"] is None
    assert "tileLayer" not in home.text and ".png" not in home.text
    assert "img-src 'self' data: blob:;" in home.headers["content-security-policy"]
    w, s, e, n = config["bounds"]
    assert 113 < w < e < 115 and 22 < s < n < 24  # the city's box: the maps open on it
    # what the map asks for instead: our outlines, from its first zoom on
    z = config["zooms"]["town"][0]
    x, y = tile_of((w + e) / 2, (s + n) / 2, z)
    tile = city_client.get(f"{config['geo_api']}/outlines/town/{z}/{x}/{y}")
    assert tile.status_code == 200
    assert tile.json()["type"] == "FeatureCollection" and tile.json()["features"]


@pytest.fixture
def tiles_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("HUYING_MAP_TILES", json.dumps(TILES))
    yield


def test_with_the_setting_the_maps_carry_the_url_the_attribution_and_the_max_zoom(
        tiles_on: None, city_client: TestClient) -> None:
    for url in ("/", "/public"):
        page = city_client.get(url, headers=HTML)
        tiles = map_config(page.text)["tiles"]
        assert tiles["url"] == TILES["url"]
        assert tiles["attribution"] == TILES["attribution"] and tiles["max_zoom"] == 17
        # the browser may fetch the tiles from their origin (any subdomain), nothing more
        csp = page.headers["content-security-policy"]
        assert "img-src 'self' data: blob: https://*.tiles.example.gov.cn;" in csp
        assert "SECRET" not in csp


def test_the_key_in_the_tile_url_is_never_printed_with_the_settings(tiles_on: None) -> None:
    settings = Settings()
    assert settings.map_tiles is not None
    assert "SECRET-KEY-123" not in repr(settings) and "SECRET-KEY-123" not in str(settings)
    assert "SECRET-KEY-123" not in settings.model_dump_json()
    assert settings.map_tiles.origin == "https://*.tiles.example.gov.cn"
