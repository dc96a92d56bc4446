"""A town officer opens a new case: the dispatch form already holds the unit the routing
table proposes, with the reason in words; after sending, the page says to whom it went.
Screenshots at phone (390 px) and desk (1366 px) widths."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.web.browser.helpers import Page, expect, sign_in
from tests.web.scene import HUMEN_TOWN, report

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [390, 1366])
def test_the_routed_unit_is_proposed_and_the_dispatch_confirmed(page: Page, city_session: Session, width: int,
                                                                shot: Callable[[Page, str], Path]) -> None:
    case = report(city_session, title=f"人行道护栏被撞坏{width}", category="城乡建设")
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "town")
    page.goto(f"/cases/{case.code}")
    box = page.locator('details.action[data-action="dispatch"]')
    box.locator("summary").click()
    expect(box.locator("select[name=unit]")).to_have_value(f"{HUMEN_TOWN}-dept-urban_management")
    expect(box.locator("#route-reason")).to_contain_text("按路由表：")
    expect(box.locator("#route-reason")).to_contain_text("城乡建设 → 虎门镇城市管理和综合执法分局")
    shot(page, f"dispatch-proposed-{width}")
    with page.expect_navigation():
        box.locator("button[type=submit]").click()
    expect(page.locator("#done")).to_have_text("已派单给虎门镇城市管理和综合执法分局。")
    expect(page.locator("#done")).to_be_in_viewport()
    expect(page.locator("#case-status")).to_have_text("待签收")
    page.screenshot(path=str(shot(page, f"dispatched-{width}").with_name(f"dispatched-top-{width}.png")))
