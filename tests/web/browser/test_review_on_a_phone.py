"""A residents' representative invited to the demo community's yearly review (述职评议) reads
the secretary's report and scores every item on a 390 px phone; the second time the form is
gone and the page says they scored. Photographed at 390 and 1366 pixels wide."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.accountability.models import Review
from huying.geo.models import Node
from tests.web.browser.helpers import CJK, Page, expect, labels, sign_in
from tests.web.scene import HUMEN_COMMUNITY

pytestmark = pytest.mark.browser
RAW = re.compile(r"\d{9,}|representative|submit_report|community_duties|draft|open\b")


def test_a_resident_scores_the_review_on_a_phone(
        phone_page: Page, city_session: Session, shot: Callable[[Page, str], Path]) -> None:
    rid = city_session.scalar(select(Review.id).join(Node, Node.id == Review.node_id)
                              .where(Node.code == HUMEN_COMMUNITY))
    page = phone_page
    sign_in(page, "resident")
    page.goto(f"/reviews/{rid}")
    expect(page.locator("h1")).to_contain_text("述职评议")
    expect(page.locator("#report")).to_contain_text("示例述职报告")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not RAW.search(labels(page)), RAW.findall(labels(page))
    shot(page, "1-form-390")
    scores = page.locator("#score-form input[type=number]")
    assert scores.count() == 22
    for i in range(scores.count()):
        scores.nth(i).fill(str(80 + i % 15))
    page.locator("#score-form input[name^=comment_]").first.fill("入户走访扎实")
    with page.expect_navigation():
        page.locator("#score-form button[type=submit]").click()
    expect(page.locator("#done")).to_be_visible()
    expect(page.locator("#scored")).to_have_text("您已完成评分。")
    expect(page.locator("#score-form")).to_have_count(0)
    assert CJK.search(labels(page))
    shot(page, "2-scored-390")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"/reviews/{rid}")
    shot(page, "3-scored-1366")
