"""A cadre on a 390 px phone fills the visit form, the network drops, they send it: the
form keeps a draft in the browser and says so; the network comes back: the draft is sent
by itself, and the visit (with its problem as a case) is stored exactly once."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.contact.models import Household, Visit, VisitCase
from tests.web.browser.helpers import Page, expect, sign_in
from tests.web.scene import assigned_households, utcnow

pytestmark = pytest.mark.browser


def stored(session: Session, code: str) -> tuple[int, int]:
    session.expire_all()
    hid = session.scalar(select(Household.id).where(Household.code == code))
    return (int(session.scalar(select(func.count()).select_from(Visit).where(Visit.household_id == hid)) or 0),
            int(session.scalar(select(func.count()).select_from(VisitCase).where(VisitCase.household_id == hid))
                or 0))


def test_a_visit_sent_offline_is_kept_and_sent_once_when_back_online(
        phone_page: Page, city_session: Session, shot: Callable[[Page, str], Path]) -> None:
    page = phone_page
    [code] = assigned_households(city_session, 1, since=utcnow() - dt.timedelta(days=100))
    city_session.commit()
    sign_in(page, "gridworker")
    page.goto("/visits")
    item = page.locator(f'#my-households li[data-household="{code}"]')
    expect(item).to_have_attribute("data-state", "overdue")
    go = item.locator("a.visit-go")
    expect(go).to_have_text("走访")
    assert (go.bounding_box() or {}).get("height", 0) >= 48  # a thumb's size
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "my-households-390")

    with page.expect_navigation():
        go.click()
    expect(page.locator("#visit-head")).to_contain_text("*")
    page.locator('input[name=how][value="phone"]').check()
    page.locator("#notes").fill("电话回访，老人身体尚好")
    page.locator('input[name=needs][value="elder_alone"]').check()
    page.locator("#problem").fill("楼下路灯不亮")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "visit-form-390")

    page.context.set_offline(True)
    page.locator("#visit-submit").click()
    expect(page.locator("#visit-status")).to_have_text("已保存草稿，联网后自动提交")
    assert page.evaluate("JSON.parse(localStorage.getItem('huying.visit.drafts')).length") == 1
    time.sleep(1)
    assert stored(city_session, code) == (0, 0)
    shot(page, "visit-draft-390")

    page.context.set_offline(False)
    expect(page.locator("#visit-status")).to_have_text("草稿已提交，走访已记录。", timeout=15_000)
    assert page.evaluate("localStorage.getItem('huying.visit.drafts')") is None
    assert stored(city_session, code) == (1, 1)
    # sending the same draft again (a second tab, a flaky network) stores nothing more
    page.reload()
    time.sleep(6)  # the retry timer's period
    assert stored(city_session, code) == (1, 1)
    visit = city_session.scalar(select(Visit).join(Household, Household.id == Visit.household_id)
                                .where(Household.code == code))
    assert visit is not None and (visit.how, visit.needs) == ("phone", "elder_alone")

    page.goto("/visits")
    expect(page.locator(f'#my-households li[data-household="{code}"]')).to_have_attribute("data-state", "ok")
    page.set_viewport_size({"width": 1366, "height": 800})
    shot(page, "my-households-1366")
    page.goto(f"/visits/new?household={code}")
    shot(page, "visit-form-1366")


def test_the_coverage_page_fits_a_phone(phone_page: Page, shot: Callable[[Page, str], Path]) -> None:
    page = phone_page
    sign_in(page, "town")
    page.goto("/visits/coverage?node=441900121&period=year")
    expect(page.locator("#coverage-children tbody tr").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "visit-coverage-390")
    page.set_viewport_size({"width": 1366, "height": 800})
    shot(page, "visit-coverage-1366")
