"""Flow 3: a town officer escalates an overdue case to the city; a leader issues a
supervision notice and the unit (the city's Party committee, its officer) answers it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.web.browser.helpers import Page, act, expect, sign_in
from tests.web.scene import HUMEN_TOWN, dispatched, utcnow

pytestmark = pytest.mark.browser


def test_escalation_to_the_city_and_a_supervision_notice_answered(
    page: Page, city_session: Session, shot: Callable[[Page, str], Path]
) -> None:
    # Ten days ago the town sent it to its urban management office, which never accepted it.
    case = dispatched(city_session, title="违章搭建占用消防通道", by="town",
                      to=f"{HUMEN_TOWN}-dept-urban_management", at=utcnow() - dt.timedelta(days=10))
    url = f"/cases/{case.code}"

    sign_in(page, "town")
    page.goto("/work?tab=overdue")
    row = page.locator(f'tr[data-code="{case.code}"]')
    expect(row.locator(".badge.overdue")).to_have_text("已超期")
    row.locator("a").click()
    expect(page.locator("#case-unit")).to_contain_text("镇街级")
    act(page, "escalate", fields={"note": "涉及多个部门，镇街无法协调"})
    expect(page.locator("#case-status")).to_have_text("待签收")
    expect(page.locator("#case-unit")).to_contain_text("市级")
    expect(page.locator('#timeline-list li[data-action="escalate"]')).to_be_visible()
    # acting after the deadline marked the case overdue first (one rule with the sweeper)
    expect(page.locator('#timeline-list li[data-action="overdue"]')).to_have_count(1)
    shot(page, "1-escalated")

    sign_in(page, "leader")
    page.goto(url)
    act(page, "supervise", fields={"reason": "请三日内拿出处置方案"})
    notice = page.locator("#notices .notice-item", has_text="请三日内拿出处置方案")
    expect(notice).to_contain_text("中共东莞市委员会")  # to the unit that now holds the case
    shot(page, "2-supervised")

    sign_in(page, "city")
    page.goto("/notices")
    item = page.locator(".notice-item", has_text="请三日内拿出处置方案")
    expect(item.locator(".issuer")).to_contain_text("演示市领导")  # who issued it, by name
    item.locator("details.reply-box > summary").click()  # the reply form is folded
    item.locator("textarea[name=reply]").fill("已约谈相关部门，本周内拆除")
    with page.expect_navigation():
        item.locator("button[type=submit]").click()
    expect(page.locator("#replied")).to_have_text("回复已提交。")
    page.goto(url)
    answered = page.locator("#notices .notice-item.answered")
    expect(answered).to_contain_text("已约谈相关部门，本周内拆除")
    shot(page, "3-answered")

    sign_in(page, "leader")
    page.goto(url)
    expect(page.locator("#notices .notice-item.answered")).to_contain_text("已约谈相关部门")
