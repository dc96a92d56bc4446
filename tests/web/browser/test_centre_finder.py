"""A resident on a 390 px phone finds the nearest 长者饭堂: chooses the service in plain words,
taps "use my location" (the browser's position, granted), and reads the nearest centres with
the walk in minutes, the address and the opening hours, in Chinese, with no code shown."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.web.browser.helpers import Page, expect, labels
from tests.web.scene import HUMEN_GRID, point_in

pytestmark = pytest.mark.browser
RAW = re.compile(r"elder_canteen|\bMo-|\bSa \d|\d{9,}")


def test_a_resident_finds_the_nearest_elder_canteen_on_a_phone(
        phone_page: Page, city_session: Session, shot: Callable[[Page, str], Path]) -> None:
    page = phone_page
    lon, lat = point_in(city_session, HUMEN_GRID)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": lon, "latitude": lat})
    page.goto("/centres/find")
    expect(page.locator("h1")).to_have_text("找离您最近的服务中心")
    page.locator("#finder-item").select_option(label="长者饭堂（助餐）")
    shot(page, "1-finder-390")
    page.get_by_role("button", name="使用我的位置").click()
    expect(page.locator("#centre-results[data-ready=true]")).to_be_visible()
    items = page.locator("#centre-list li")
    expect(items).to_have_count(3)
    first = items.first
    expect(first).to_contain_text("步行约")
    expect(first).to_contain_text("开放时间：")
    minutes = [int(re.search(r"步行约(\d+)分钟", t).group(1)) for t in items.all_inner_texts()]  # type: ignore[union-attr]
    assert minutes == sorted(minutes)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not RAW.search(labels(page)), RAW.findall(labels(page))
    shot(page, "2-nearest-390")
    page.set_viewport_size({"width": 1366, "height": 900})
    shot(page, "3-nearest-1366")
