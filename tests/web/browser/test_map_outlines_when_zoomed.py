"""Zoomed in, the map still shows where one is: the outline and the name of the community
(and its grids), names that never collide, and the scale bar clear of the attribution on a
phone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.geo.models import Node
from tests.web.browser.helpers import Page, expect, open_map, sign_in
from tests.web.conftest import KnownPlace
from tests.web.scene import HUMEN_GRID, point_in

pytestmark = pytest.mark.browser

#: The boxes of the names on the map, in page pixels.
LABEL_BOXES = """() => [...document.querySelectorAll('#map .map-label')].map(e => {
  const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, e.textContent]; })"""


def overlapping(boxes: list[list]) -> list[tuple[str, str]]:
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1:
                out.append((a[4], b[4]))
    return out


def community_of(session: Session, town_code: str) -> Node:
    node = session.scalar(select(Node).where(Node.level == "community", Node.code.like(f"{town_code}%"))
                          .order_by(Node.area_km2.desc()).limit(1))
    assert node is not None and node.min_lon is not None
    return node


def test_zoomed_into_a_community_its_outline_and_name_are_drawn(
        page: Page, city_session: Session, known_town: KnownPlace, shot: Callable[[Page, str], Path]) -> None:
    community = community_of(city_session, known_town.code)
    open_map(page)
    page.evaluate("([w, s, e, n]) => huyingMap.fitBounds([[s, w], [n, e]], {animate: false})",
                  [community.min_lon, community.min_lat, community.max_lon, community.max_lat])
    zoom = page.evaluate("huyingMap.getZoom()")
    assert zoom >= 12, zoom
    label = page.locator(f'#map .map-label[data-level=community][data-code="{community.code}"]')
    expect(label).to_have_text(community.name_zh)
    expect(label).to_be_visible()
    assert page.evaluate(f"huyingOutlines.layerOf('community', '{community.code}') !== null")
    if zoom >= 13.5:  # its grids too
        page.wait_for_function("() => document.querySelectorAll('#map .leaflet-overlay-pane path').length > 3")
    assert overlapping(page.evaluate(LABEL_BOXES)) == []
    shot(page, "community-zoomed-1280")


def test_on_a_phone_names_do_not_collide_and_the_scale_bar_stays_visible(
        phone_page: Page, shot: Callable[[Page, str], Path]) -> None:
    page = phone_page
    open_map(page)
    page.wait_for_selector("#map .map-label.town-label")
    for zoom_by in (0, 1, 2):
        if zoom_by:
            page.evaluate(f"huyingMap.setZoom(huyingMap.getZoom() + {zoom_by}, {{animate: false}})")
            page.wait_for_load_state("networkidle")
            page.wait_for_selector("#map .map-label")
        boxes = page.evaluate(LABEL_BOXES)
        assert boxes, "no names on the map"
        assert overlapping(boxes) == [], boxes
    scale = page.locator("#map .leaflet-control-scale").bounding_box()
    attribution = page.locator("#map .leaflet-control-attribution").bounding_box()
    assert scale and attribution
    assert (scale["x"] + scale["width"] <= attribution["x"]
            or scale["y"] + scale["height"] <= attribution["y"]), (scale, attribution)
    line = page.locator("#map .leaflet-control-scale-line")
    line.scroll_into_view_if_needed()
    expect(line).to_be_visible()
    # nothing covers it
    b = line.bounding_box()
    assert b
    on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).className",
                           [b["x"] + b["width"] / 2, b["y"] + b["height"] / 2])
    assert "leaflet-control-scale-line" in on_top, on_top
    shot(page, "phone-map-names-390")


def test_after_locating_the_report_map_names_the_place_around_the_pin(
        phone_page: Page, city_session: Session, shot: Callable[[Page, str], Path]) -> None:
    page = phone_page
    lon, lat = point_in(city_session, HUMEN_GRID)
    grid = city_session.scalar(select(Node).where(Node.code == HUMEN_GRID))
    assert grid is not None
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": lon, "latitude": lat})
    sign_in(page, "resident")
    page.goto("/report")
    page.wait_for_selector("#report-map[data-ready=true]")
    page.get_by_role("button", name="使用我的位置").click()
    expect(page.locator("#place-text")).to_have_attribute("data-located", "true")
    assert page.evaluate("huyingMap.getZoom()") >= 14.5
    page.wait_for_load_state("networkidle")
    # the grid the pin is in is named on the map, and outlines are drawn around it
    expect(page.locator(f'#report-map .map-label[data-code="{HUMEN_GRID}"]')).to_have_text(grid.name_zh)
    assert page.locator("#report-map .leaflet-overlay-pane path").count() > 0
    assert overlapping(page.evaluate(LABEL_BOXES.replace("#map", "#report-map"))) == []
    shot(page, "report-located-390")
