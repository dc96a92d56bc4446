"""A resident on a phone: the home shows a large 我要反映 and their reports with the five
steps as a bar, in plain words; the other pages they use fit the screen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.web.browser.helpers import Page, expect, sign_in
from tests.web.scene import handled

pytestmark = pytest.mark.browser


def test_the_resident_home_shows_report_and_the_five_steps(
        phone_page: Page, city_session: Session, shot: Callable[[Page, str], Path]) -> None:
    page = phone_page
    case = handled(city_session, title="楼道灯修好了吗")
    city_session.commit()
    sign_in(page, "resident")
    page.goto("/")
    cta = page.locator("#report-cta")
    expect(cta).to_have_text("我要反映")
    expect(cta).to_be_in_viewport()
    assert (cta.bounding_box() or {}).get("height", 0) >= 48  # a thumb's size
    item = page.locator(f'#my-reports li[data-code="{case.code}"]')
    steps = item.locator(".steps li")
    expect(steps).to_have_text(["受理", "派单", "处置", "回访", "办结"])
    expect(item.locator(".steps li.done")).to_have_count(3)
    expect(item.locator(".steps li.current")).to_have_text("回访")
    expect(item.locator(".progress-words")).to_contain_text("是否解决")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "resident-home-390")

    page.goto(f"/cases/{case.code}")
    expect(page.locator("#case .steps li.current")).to_have_text("回访")
    text = page.locator("body").inner_text()
    for word in ("可办理事项", "记录回访"):
        assert word not in text, word
    expect(page.locator('details.action[data-action="follow_up"] summary')).to_have_text("问题解决了吗？")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "resident-case-390")

    for url, name in (("/my", "my-reports"), ("/report", "report-form")):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
        shot(page, f"{name}-390")
    page.set_viewport_size({"width": 1366, "height": 800})
    for url, name in (("/", "resident-home"), (f"/cases/{case.code}", "resident-case"), ("/my", "my-reports")):
        page.goto(url)
        shot(page, f"{name}-1366")
