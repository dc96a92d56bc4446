"""Flow 2: a community officer dispatches, the grid worker (the unit's handler) marks it
handled, the resident's follow-up records 不满意 and the case returns to the unit, which
handles it again; 满意; the officer closes it. The resident sees every step."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.web.browser.helpers import Page, act, expect, sign_in
from tests.web.scene import HUMEN_GRID, report

pytestmark = pytest.mark.browser


def status_is(page: Page, text: str) -> None:
    expect(page.locator("#case-status")).to_have_text(text)


def test_the_closed_loop_with_a_dissatisfied_follow_up(
    page: Page, city_session: Session, shot: Callable[[Page, str], Path]
) -> None:
    case = report(city_session, title="垃圾桶满了没人清")
    url = f"/cases/{case.code}"

    sign_in(page, "community")
    page.goto("/work?tab=new")
    page.locator(f'tr[data-code="{case.code}"] a').click()
    status_is(page, "待分派")
    act(page, "dispatch", choose={"unit": f"{HUMEN_GRID}-team"}, fields={"note": "请网格协作组处理"})
    status_is(page, "待签收")
    shot(page, "1-dispatched")

    sign_in(page, "gridworker")
    page.goto("/work?tab=mine")
    page.locator(f'tr[data-code="{case.code}"] a').click()
    act(page, "accept")
    status_is(page, "处理中")
    act(page, "mark_handled", fields={"evidence": "已联系环卫清运"})
    status_is(page, "待回访")

    sign_in(page, "resident")
    page.goto(url)
    act(page, "follow_up", check="dissatisfied", fields={"comment": "第二天又满了"})
    status_is(page, "处理中")
    expect(page.locator("#case-satisfaction")).to_have_text("不满意")
    shot(page, "2-dissatisfied")

    sign_in(page, "gridworker")
    page.goto(url)
    act(page, "mark_handled", fields={"evidence": "增加了一个垃圾桶，每天清运两次"})
    status_is(page, "待回访")

    sign_in(page, "resident")
    page.goto(url)
    act(page, "follow_up", check="satisfied")
    status_is(page, "待结案")

    sign_in(page, "community")
    page.goto(url)
    act(page, "close", fields={"resolution": "增加垃圾桶并加密清运"})
    status_is(page, "已结案")

    sign_in(page, "resident")
    page.goto(url)
    status_is(page, "已结案")
    steps = page.locator("#timeline-list li").evaluate_all("els => els.map(e => e.dataset.action)")
    assert [s for s in steps if s not in ("sla_warning", "overdue")] == [
        "report", "dispatch", "accept", "mark_handled", "reopen", "mark_handled", "follow_up", "close"]
    timeline = page.locator("#timeline-list").inner_text()
    # in the resident's words (the office reads 分派, 签收, 办结…)
    for word in ("已上报", "已派给处理单位", "处理单位已接单", "处理单位已处理完毕", "问题未解决，退回重新处理",
                 "不满意", "满意", "办结"):
        assert word in timeline, word
    assert "已联系环卫清运" in timeline and "增加了一个垃圾桶" in timeline
    shot(page, "3-closed-as-the-resident-sees-it")
