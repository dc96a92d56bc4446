"""An organisation's account (the demo partner, 企业0001有限公司) signs in, finds a 长者饭堂
project of 虎门 in the exchange's list, pledges money to it and sees what is still needed and
the share funded change; then claims another project as a whole. Screenshots at 390 and
1366 px; the Chinese page shows no English label."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from huying.community import exchange_service as xs
from tests.web.browser.helpers import Page, expect, labels, sign_in
from tests.web.scene import HUMEN_COMMUNITY, HUMEN_TOWN, actor, utcnow

pytestmark = pytest.mark.browser

TITLE = "浏览器测试长者饭堂"


def english(page: Page) -> list[str]:
    """English words among the page's labels (the brand and the language switch aside)."""
    # the brand, the language switch and the spreadsheet's product name of the download link
    return [w for w in re.findall(r"[A-Za-z]{4,}", labels(page)) if w not in {"huying", "English", "Excel", "XLSX"}]


def fits(page: Page, width: int = 390) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _posted(session: Session, title: str, budget: str) -> str:
    return xs.post(session, actor(session, "community"), xs.ProjectIn(
        title=title, need="社区长者午餐无处可吃，需建长者饭堂（浏览器测试）", type="elderly_canteen", beneficiaries=80,
        beneficiary_kind="elderly", community=HUMEN_COMMUNITY, budget=budget,
        milestones=[("选址装修", 40), ("设备采购", 30), ("开餐", 30)], publish=True), now=utcnow()).code


def test_an_organisation_finds_a_project_pledges_and_claims_another(
        phone_page: Page, city_session: Session, shot: Callable[[Page, str], Path]) -> None:
    page = phone_page
    code = _posted(city_session, TITLE, "9999999.00")  # the largest need: first in the list
    other = _posted(city_session, TITLE + "二", "2000.00")
    sign_in(page, "partner")
    expect(page.locator("h1")).to_have_text("党群公益汇")  # the partner lands on the exchange
    page.locator("select[name=town]").select_option(HUMEN_TOWN)
    page.wait_for_url(re.compile(r"town="))
    page.locator("select[name=type]").select_option("elderly_canteen")
    page.locator("input[name=needing]").check()
    with page.expect_navigation():
        page.locator("#exchange-filters button[type=submit]").click()
    item = page.locator(f'#project-list li[data-project="{code}"]')
    expect(item).to_contain_text("¥9,999,999.00")
    fits(page)
    shot(page, "1-list-390")
    assert english(page) == []
    with page.expect_navigation():
        item.locator("a.title").click()
    expect(page.locator("#project-remaining")).to_have_text("¥9,999,999.00")
    page.locator("#pledge-amount").fill("10000000")
    with page.expect_navigation():
        page.locator("#pledge-submit").click()
    expect(page.locator("#exchange-refused")).to_contain_text("超过了项目尚缺的数额")
    expect(page.locator("#project-remaining")).to_have_text("¥9,999,999.00")
    page.locator("#pledge-amount").fill("2500000.50")
    with page.expect_navigation():
        page.locator("#pledge-submit").click()
    expect(page.locator("#exchange-done")).to_contain_text("认捐已登记")
    expect(page.locator("#project-remaining")).to_have_text("¥7,499,998.50")
    expect(page.locator("#pledges")).to_contain_text("企业0001有限公司")
    expect(page.locator("#project-history li").last).to_contain_text("认捐")
    fits(page)
    shot(page, "2-pledged-390")
    assert english(page) == []

    page.goto(f"/exchange/projects/{other}")
    with page.expect_navigation():
        page.locator("#claim-submit").click()
    expect(page.locator("#project-status")).to_have_text("已被认领")
    expect(page.locator("#project-claimed")).to_contain_text("企业0001有限公司")
    expect(page.locator("#pledge-form")).to_have_count(0)
    shot(page, "3-claimed-390")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"/exchange/projects/{code}")
    fits(page, 1366)
    shot(page, "4-project-1366")
    page.goto(f"/exchange?town={HUMEN_TOWN}")
    shot(page, "5-list-1366")
