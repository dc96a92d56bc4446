"""A town officer narrows the work list with its filters (search, channel, the place picker),
the filters land in the address, and the XLSX exported through the page's link holds exactly
the rows on the screen. Screenshots at phone (390 px) and desk (1366 px) widths."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from tests.web.browser.helpers import Page, expect, sign_in
from tests.web.scene import report

pytestmark = pytest.mark.browser


def on_screen(page: Page) -> list[str]:
    return page.eval_on_selector_all("#queue tr[data-code]", "rows => rows.map(r => r.dataset.code)")


@pytest.mark.parametrize("width", [1366, 390])
def test_filters_then_the_xlsx_holds_the_rows_on_the_screen(page: Page, city_session: Session, width: int,
                                                            shot: Callable[[Page, str], Path]) -> None:
    w = "筛选" + uuid.uuid4().hex[:6]
    patrol = [report(city_session, who="gridworker", title=f"{w} 巡查发现第{i}处积水") for i in range(3)]
    for i in range(2):
        report(city_session, title=f"{w} 居民反映噪音{i}")
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "town")
    page.goto("/work?tab=all")
    shot(page, f"worklist-{width}")
    page.screenshot(path=str(shot(page, f"worklist-{width}").with_name(f"top-all-{width}.png")))

    page.locator("#filters input[name=q]").fill(w)
    expect(page.locator("#queue")).to_have_attribute("data-total", "5")
    more = page.locator("#filters details.more-filters")
    if width < 760:  # a phone folds the less used filters
        expect(more).not_to_have_attribute("open", "")
        more.locator("summary").click()
    page.locator("#filters select[name=channel]").select_option("grid_patrol")
    expect(page.locator("#queue")).to_have_attribute("data-total", "3")

    picker = page.locator('.picker[data-picker="node"]')
    picker.locator(".picker-button").click()
    expect(picker.locator(".picker-panel")).to_be_visible()
    expect(picker.locator(".picker-name", has_text="虎门镇")).to_be_visible()
    picker.locator(".picker-toggle").first.click()  # the tree opens a level
    expect(picker.locator(".picker-name", has_text="东方社区")).to_be_visible()
    page.screenshot(path=str(shot(page, f"worklist-tree-{width}").with_name(f"tree-top-{width}.png")))
    picker.locator("input[type=search]").fill("东方社区")
    choice = picker.locator(".picker-name", has_text="东方社区").first
    expect(choice).to_be_visible()
    shot(page, f"worklist-picker-{width}")
    choice.click()
    expect(picker.locator(".picker-button")).to_have_text("东方社区")
    page.wait_for_url(re.compile(r"node=441900121004(&|$)"))
    expect(page.locator("#queue")).to_have_attribute("data-total", "3")

    query = parse_qs(urlsplit(page.url).query)
    assert query["q"] == [w] and query["channel"] == ["grid_patrol"] and query["node"] == ["441900121004"]
    rows = on_screen(page)
    assert sorted(rows) == sorted(c.code for c in patrol)
    expect(page.locator("#queue tr[data-code] .col-place").first).to_contain_text("网格")
    shot(page, f"worklist-filtered-{width}")
    page.screenshot(path=str(shot(page, f"worklist-filtered-{width}").with_name(f"top-{width}.png")))

    units = page.locator('.picker[data-picker="unit"]')
    units.locator(".picker-button").click()
    units.locator("input[type=search]").fill("城市管理")
    expect(units.locator(".picker-name").first).to_contain_text("城市管理")
    expect(units.locator(".picker-name", has_text="虎门镇城市管理和综合执法分局")).to_be_visible()
    assert all("城市管理" in t for t in units.locator(".picker-name > span").all_inner_texts())
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing sticks out sideways
    page.screenshot(path=str(shot(page, f"worklist-unit-picker-{width}").with_name(f"unit-picker-top-{width}.png")))
    page.keyboard.press("Escape")
    expect(units.locator(".picker-panel")).to_be_hidden()

    with page.expect_download() as info:
        page.locator("#export-xlsx").click()
    path = info.value.path()
    sheet = load_workbook(io.BytesIO(Path(str(path)).read_bytes()), read_only=True).worksheets[0]
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert table[0][0] == "编号"
    assert [r[0] for r in table[1:]] == rows

    # the address alone gives the same list (a reload, a bookmark, a link sent to a colleague)
    page.reload()
    assert on_screen(page) == rows
    expect(page.locator('.picker[data-picker="node"] .picker-button')).to_have_text("东方社区")
