"""The visit coverage page as a community officer reads it, at 1366 and 390 pixels: the grids
coloured by the share of households not visited, a dot per unvisited household (its code and
address on hover, a tap opens the visit form), the legend in words, and the leader's page
showing the same coverage among its contact figures."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.web.browser.helpers import Page, expect, labels, sign_in
from tests.web.scene import HUMEN_TOWN, SECOND_GRID, reassigned_households, utcnow

pytestmark = pytest.mark.browser
RAW = re.compile(r"\d{9,}|none_assigned|all_visited|upto_\d+|over_50|visit_requests|walk_")


def test_an_officer_sees_the_unvisited_households_on_the_map(
        page: Page, phone_page: Page, shot: Callable[[Page, str], Path], city_session: Session) -> None:
    codes, grid = reassigned_households(city_session, 2, since=utcnow() - dt.timedelta(days=200))
    city_session.commit()
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, "city")
    page.goto(f"/visits/coverage?node={grid[:12]}&period=month")
    el = page.locator("#coverage-map[data-ready=true]")
    expect(el).to_be_visible()
    assert int(el.get_attribute("data-features") or 0) >= 1
    dots = int(el.get_attribute("data-households") or 0)
    assert dots >= 2 and page.locator("path.unvisited-dot").count() == dots
    for code in codes:
        expect(page.locator(f'path.unvisited-dot[data-code="{code}"]')).to_have_count(1)
    expect(page.locator("#coverage-legend")).to_contain_text("未走访超过50%")
    assert not RAW.search(labels(page)), RAW.findall(labels(page))
    shot(page, "1-coverage-map-1366")
    page.locator(f'path.unvisited-dot[data-code="{codes[0]}"]').dispatch_event("click")
    expect(page).to_have_url(re.compile(r"/visits/new\?household=" + codes[0]))

    sign_in(phone_page, "leader")
    phone_page.goto(f"/leader?node={HUMEN_TOWN}&period=quarter")
    expect(phone_page.locator("#contact-kpis")).to_contain_text("走访收集诉求")
    expect(phone_page.locator("#coverage-link")).to_be_visible()
    shot(phone_page, "2-leader-contact-390")
    phone_page.locator("#coverage-link").click()
    expect(phone_page.locator("#coverage-map[data-ready=true]")).to_be_visible()
    assert phone_page.locator("path.unvisited-dot").count() == 0  # a town: the grids, not every household
    expect(phone_page.locator("main")).to_contain_text("在下表中打开一个社区")
    wide = phone_page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 392, wide
    shot(phone_page, "3-coverage-map-390")


def test_an_officer_assigns_households_on_a_phone(phone_page: Page, shot: Callable[[Page, str], Path]) -> None:
    page = phone_page
    sign_in(page, "community")
    page.goto("/visits")
    page.locator("#assign-link").click()
    page.locator(f'#assign-children a[data-node="{SECOND_GRID}"]').click()
    expect(page.locator("#assign-households")).to_be_visible()
    first = page.locator("#assign-households tbody tr").first
    code = first.get_attribute("data-household")
    first.locator("input[type=checkbox]").check()
    page.locator("#assign-cadre").select_option("community")
    assert not RAW.search(labels(page)), RAW.findall(labels(page))
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 392, wide
    shot(page, "4-assign-390")
    with page.expect_navigation():
        page.locator("#assign-form button[type=submit]").click()
    expect(page.locator("#assign-done")).to_be_visible()
    expect(page.locator(f'tr[data-household="{code}"]')).to_contain_text("演示社区干部")
    shot(page, "5-assigned-390")
