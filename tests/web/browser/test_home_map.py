"""The home page map in a real browser: our own layers drawn, a click shows the place's
path in the tree, a click outside the city says so."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.web.browser.helpers import Page, click_at, expect, open_map
from tests.web.conftest import OUTSIDE, KnownPlace

pytestmark = pytest.mark.browser

#: The zoom from which js/outlines.js draws each level.
MIN_ZOOM = {"town": 0, "community": 12, "grid": 13.5}


def level_of(url: str) -> str | None:
    """The level of an outline square's address (…/outlines/<level>/<z>/<x>/<y>)."""
    parts = url.split("/outlines/", 1)
    return parts[1].split("/", 1)[0] if len(parts) == 2 else None


def test_it_draws_the_town_layer_without_external_tiles(
    page: Page, shot: Callable[[Page, str], Path], known_town: KnownPlace
) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    open_map(page)
    paths = page.locator("#map .leaflet-overlay-pane path")
    assert paths.count() >= 3
    expect(page.locator(".town-label", has_text=known_town.name_zh)).to_be_visible()
    assert page.locator(".leaflet-tile").count() == 0
    base = page.evaluate("location.origin")
    assert all(u.startswith(base) or u.startswith("data:") for u in requests), requests
    shot(page, "home-map")


def test_clicking_inside_a_town_shows_its_path_in_the_tree(
    page: Page, shot: Callable[[Page, str], Path], known_town: KnownPlace
) -> None:
    open_map(page)
    click_at(page, known_town.lon, known_town.lat)
    path = page.locator("#place-path")
    expect(path).to_be_visible()
    levels = path.locator("li").evaluate_all("els => els.map(e => e.dataset.level)")
    assert levels == ["city", "area", "town", "community", "grid"]
    town = path.locator("li[data-level=town]")
    expect(town.locator(".lvl")).to_have_text("镇街")
    expect(town.locator(".nm")).to_have_text(known_town.name_zh)
    expect(town.locator("code")).to_have_text(known_town.code)
    grid_code = path.locator("li[data-level=grid] code").inner_text()
    assert len(grid_code) == 15 and grid_code.startswith(known_town.code)
    expect(page.locator("#place-outside")).to_be_hidden()
    shot(page, "place-inside")


def test_clicking_outside_the_city_says_so(page: Page, shot: Callable[[Page, str], Path]) -> None:
    open_map(page)
    click_at(page, *OUTSIDE, zoom=11)
    expect(page.locator("#place-outside")).to_be_visible()
    expect(page.locator("#place-outside")).to_contain_text("不在本市范围内")
    expect(page.locator("#place-path")).to_be_hidden()
    shot(page, "place-outside")


def test_communities_and_grids_appear_when_zoomed_in(page: Page, known_town: KnownPlace) -> None:
    layers: list[str] = []
    page.on("request", lambda r: layers.append(level_of(r.url) or "") if "/outlines/" in r.url else None)
    open_map(page)
    zoom = page.evaluate("huyingMap.getZoom()")
    page.wait_for_load_state("networkidle")
    # Only what the opening zoom shows is fetched (the demo city opens with towns alone).
    assert set(layers) == {lv for lv, z in MIN_ZOOM.items() if zoom >= z}, zoom
    before = page.locator("#map .leaflet-overlay-pane path").count()
    page.evaluate(
        "([lat, lon]) => huyingMap.setView([lat, lon], 14, {animate: false})",
        [known_town.lat, known_town.lon],
    )
    page.wait_for_function(
        f"() => document.querySelectorAll('#map .leaflet-overlay-pane path').length > {before}"
    )
    assert set(layers) == {"community", "grid", "town"}
    expect(page.locator(".leaflet-control-layers")).to_contain_text("网格")


def test_the_home_page_ships_well_under_the_asset_budget(page: Page) -> None:
    open_map(page)
    page.wait_for_load_state("networkidle")
    total = page.evaluate(
        "() => performance.getEntriesByType('navigation').concat("
        "performance.getEntriesByType('resource'))"
        ".reduce((n, e) => n + (e.encodedBodySize || 0), 0)"
    )
    names = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert not [n for n in names if "echarts" in n]
    assert 0 < total < 1_500_000, total


def test_the_map_fills_a_phone_screen_with_the_panel_below(
    phone_page: Page, shot: Callable[[Page, str], Path], known_town: KnownPlace
) -> None:
    page = phone_page
    open_map(page)
    box = page.locator("#map").bounding_box()
    assert box and box["width"] == 390 and box["height"] > 400
    # a visitor first reads what the site is and how to report; the map's panel follows
    expect(page.locator("#report-cta")).to_be_in_viewport()
    page.locator("#place-title").scroll_into_view_if_needed()
    expect(page.locator("#place-title")).to_be_in_viewport()
    shot(page, "phone-map")
    click_at(page, known_town.lon, known_town.lat)
    expect(page.locator("#place-path li[data-level=grid]")).to_be_visible()
    shot(page, "phone-place")
