"""At a service centre's counter (一站受理), 虎门's community officer picks the old-age allowance
(its materials and time limit appear), ticks the materials of a resident who lives in 长安,
accepts, and reads the receipt: the code, 长安's civil-affairs office and the date it is due.
On a 390 px phone and a 1366 px desk."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.web.browser.helpers import Page, expect, sign_in, visible_text
from tests.web.scene import CHANGAN_COMMUNITY

pytestmark = pytest.mark.browser

CENTRE = "C441900121004"


def fits(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_request_is_accepted_at_the_counter_for_a_resident_of_another_town(
        phone_page: Page, shot: Callable[[Page, str], Path]) -> None:
    page = phone_page
    sign_in(page, "community")
    page.goto(f"/centres/{CENTRE}/accept")
    expect(page.locator("h1")).to_have_text("受理办事申请")
    page.locator("#item").select_option("elder_allowance")
    with page.expect_navigation():
        page.locator("#item-show").click()
    expect(page.locator("#item-limit")).to_contain_text("10 个工作日")
    for box in page.locator("#materials input[name=materials]").all():
        box.check()
    page.locator("input[name=community]").fill(CHANGAN_COMMUNITY)
    page.locator("input[name=contact]").fill("13800135678")
    fits(page, 390)
    shot(page, "1-counter-390")
    with page.expect_navigation():
        page.locator("#accept-submit").click()
    receipt = page.locator("#receipt")
    expect(receipt).to_be_visible()
    expect(page.locator("#receipt-unit")).to_contain_text("长安")
    expect(receipt).to_contain_text("138****5678")
    text = visible_text(page)
    assert "elder_allowance" not in text and "dispatched" not in text  # no raw codes
    fits(page, 390)
    shot(page, "2-receipt-390")
    page.set_viewport_size({"width": 1366, "height": 900})
    fits(page, 1366)
    shot(page, "3-receipt-1366")
