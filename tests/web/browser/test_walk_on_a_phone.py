"""A city leader on a 390 px phone plans a walk (四不两直), starts it, records a problem with a
photo at the phone's location, fixes it on the spot (立行立改) with its evidence, ends the
walk, and finds it in the walk log with the problem counted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases.models import Case
from tests.web.browser.helpers import Page, expect, sign_in, tiny_png
from tests.web.scene import HUMEN_GRID, point_in

pytestmark = pytest.mark.browser

PLACE = "虎门步行街东口"


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_leader_walks_and_fixes_a_problem_on_the_spot_from_a_phone(
        phone_page: Page, city_session: Session, shot: Callable[[Page, str], Path], tmp_path: Path) -> None:
    page = phone_page
    lon, lat = point_in(city_session, HUMEN_GRID)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": lon, "latitude": lat})
    sign_in(page, "leader")
    page.goto("/walks")
    expect(page.locator("h1")).to_have_text("行走记录")
    with page.expect_navigation():
        page.locator("#walk-plan").click()
    page.locator("#grid").fill(HUMEN_GRID)
    page.locator("#place").fill(PLACE)
    fits(page)
    shot(page, "1-plan-390")
    with page.expect_navigation():
        page.locator("#walk-submit").click()
    expect(page.locator("#walk-status")).to_have_text("已计划（仅本人可见）")
    expect(page.locator("#walk-destination")).to_contain_text(PLACE)
    shot(page, "2-planned-390")

    with page.expect_navigation():
        page.locator("#walk-start").click()
    expect(page.locator("#walk-status")).to_have_text("行走中")
    with page.expect_navigation():
        page.locator("#walk-problem").click()
    page.wait_for_selector("#report-map[data-ready=true]")
    page.locator("#what").fill("步行街井盖松动，行人易绊倒")
    page.get_by_role("button", name="使用我的位置").click()
    expect(page.locator("#place-text")).to_have_attribute("data-located", "true")
    expect(page.locator("#place-text")).to_contain_text("虎门")
    photo = tmp_path / "cover.png"
    photo.write_bytes(tiny_png())
    page.locator("input[name=photo]").set_input_files(str(photo))
    page.locator('input[name=outcome][value="fixed_on_spot"]').check()
    expect(page.locator("#ledger-fields")).to_be_hidden()
    page.locator("#evidence").fill("已现场固定井盖并设置警示牌")
    page.locator("input[name=evidence_photo]").set_input_files(str(photo))
    fits(page)
    shot(page, "3-problem-390")
    with page.expect_navigation():
        page.locator("#problem-submit").click()

    expect(page.locator("#walk-recorded")).to_be_visible()
    item = page.locator("#walk-problems li").first
    expect(item).to_have_attribute("data-outcome", "fixed_on_spot")
    expect(item).to_contain_text("立行立改")
    expect(item).to_contain_text("已结案")
    code = item.get_attribute("data-case")
    city_session.expire_all()
    case = city_session.scalar(select(Case).where(Case.code == code))
    assert case is not None and case.status == "closed" and case.channel == "inspection_walk"
    fits(page)
    shot(page, "4-recorded-390")
    with page.expect_navigation():
        page.locator("#walk-end").click()
    expect(page.locator("#walk-status")).to_have_text("已结束")

    page.goto("/walks")
    mine = page.locator("#walk-log li", has_text=PLACE)
    expect(mine).to_have_attribute("data-status", "ended")
    expect(mine).to_contain_text("立行立改 1 个")
    expect(page.locator("#walk-figures")).to_contain_text("行走统计")
    fits(page)
    shot(page, "5-log-390")
