"""Flow 4: the leader page renders the map coloured by open / overdue cases and the monthly
chart with the demo city's data, within the asset budget."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from huying.metrics.cockpit import MAP_SCALE
from tests.web.browser.helpers import Page, expect, sign_in
from tests.web.scene import HUMEN_TOWN

pytestmark = pytest.mark.browser
BUDGET = 1_500_000


def test_the_leader_page_draws_the_map_and_the_trend_chart(page: Page, shot: Callable[[Page, str], Path]) -> None:
    sign_in(page, "leader")
    expect(page).to_have_url(re.compile(r"/leader$"))
    page.wait_for_selector("#leader-map[data-ready=true]")
    page.wait_for_selector("#trend-chart[data-ready=true]")
    towns = int(page.locator("#leader-map").get_attribute("data-features") or 0)
    assert towns >= 30, towns  # the demo city's towns, coloured
    assert page.locator("#leader-map path.leaflet-interactive").count() >= 30
    fills = set(page.locator("#leader-map path.leaflet-interactive").evaluate_all(
        "els => els.map(e => e.getAttribute('fill'))"))
    assert fills <= {g.colour for g in MAP_SCALE} and fills, fills  # the legend's scale
    assert page.locator("#trend-chart canvas").count() >= 1
    assert int(page.locator("#trend-chart").get_attribute("data-points") or 0) > 100  # a year of cases
    assert page.locator("#figures tbody tr").count() >= 6  # the areas
    shipped = page.evaluate(
        "performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))"
        ".reduce((n, e) => n + (e.encodedBodySize || 0), 0)")
    assert shipped < BUDGET, shipped
    shot(page, "1-city")

    # Drill down to a town: its communities on the map, its figures per community.
    page.goto(f"/leader?node={HUMEN_TOWN}")
    page.wait_for_selector("#leader-map[data-ready=true]")
    page.wait_for_selector("#trend-chart[data-ready=true]")
    assert int(page.locator("#leader-map").get_attribute("data-features") or 0) >= 5
    expect(page.locator(".trail")).to_contain_text("虎门镇")
    assert page.locator("#figures tbody tr").count() >= 5
    shot(page, "2-town")
