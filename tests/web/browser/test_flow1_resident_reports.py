"""Flow 1: a resident on a phone reports a problem with a photo, placed at the phone's
location, and sees the case code and its status; the category is suggested as they write.
A resident finds their problem already reported nearby ("is it one of these?") and
joins it instead."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from huying.cases import service as svc
from tests.web.browser.helpers import Page, expect, sign_in, tiny_png
from tests.web.scene import HUMEN_GRID, actor, point_in, utcnow

pytestmark = pytest.mark.browser


def test_a_resident_reports_a_problem_with_a_photo_from_a_phone(
    phone_page: Page, city_session: Session, shot: Callable[[Page, str], Path], tmp_path: Path
) -> None:
    page = phone_page
    lon, lat = point_in(city_session, HUMEN_GRID)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": lon, "latitude": lat})
    sign_in(page, "resident")
    expect(page).to_have_url(re.compile(r"/$"))  # the resident's home: 我要反映 and their reports
    page.locator("#report-cta").click()
    page.wait_for_selector("#report-map[data-ready=true]")
    shot(page, "1-report-form")

    page.get_by_label("遇到了什么问题？").fill("小区门口的路灯坏了")
    page.get_by_label("详细描述").fill("晚上一片漆黑，老人出入不安全。")
    # the classifier's suggestion, as intake would decide: chosen, the others shown beside it
    expect(page.locator("#category-suggestion")).to_contain_text("建议：")
    expect(page.locator("#category-suggestion .suggestion").first).to_contain_text("城乡建设")
    expect(page.locator("#category-suggestion")).to_contain_text("已为您选好第一项")
    expect(page.locator("select[name=category]")).to_have_value("01")
    page.get_by_role("button", name="使用我的位置").click()
    expect(page.locator("#place-text")).to_have_attribute("data-located", "true")
    expect(page.locator("#place-text")).to_contain_text("虎门")
    page.locator("select[name=category]").select_option("01")
    photo = tmp_path / "light.png"
    photo.write_bytes(tiny_png())
    page.locator("input[name=photo]").set_input_files(str(photo))
    shot(page, "2-report-filled")
    with page.expect_navigation():
        page.get_by_role("button", name="提交").click()

    expect(page.locator("#reported")).to_be_visible()
    code = page.locator("#case-code").inner_text()
    assert re.fullmatch(r"441900-\d{4}-\d{6}", code), code
    expect(page.locator("#reported")).to_contain_text(code)
    expect(page.locator("#case-status")).to_have_text("待分派")
    expect(page.locator(".photos img")).to_have_count(1)
    assert page.locator(".photos img").evaluate("img => img.naturalWidth") == 8
    # On a phone the page fits the screen: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "3-reported")

    page.get_by_role("link", name="我的诉求").click()
    mine = page.locator(f'#my-reports li[data-code="{code}"]')
    expect(mine.locator(".steps li.current")).to_have_text("受理")
    expect(mine).to_contain_text("我们已收到您的反映")


def test_a_resident_joins_the_same_problem_reported_nearby(
    phone_page: Page, city_session: Session, shot: Callable[[Page, str], Path]
) -> None:
    page = phone_page
    lon, lat = point_in(city_session, HUMEN_GRID)
    earlier = svc.report(city_session, actor(city_session, "gridworker"), svc.ReportIn(title="篮球场围网破了个大洞", description="小区篮球场的围网破了个大洞，球经常飞到马路上", lon=lon, lat=lat), channel="grid_patrol", now=utcnow())
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": lon + 0.0003, "latitude": lat})
    sign_in(page, "resident")
    page.locator("#report-cta").click()
    page.wait_for_selector("#report-map[data-ready=true]")
    page.get_by_label("遇到了什么问题？").fill("篮球场围网破了大洞")
    page.get_by_label("详细描述").fill("小区篮球场围网破了个洞，球飞到马路上")
    expect(page.locator("#similar-cases")).to_have_count(0)  # no place yet
    page.get_by_role("button", name="使用我的位置").click()

    panel = page.locator("#similar-cases")
    expect(panel).to_be_visible()
    expect(panel.locator("legend")).to_have_text("是不是这些问题之一？")
    item = panel.locator(f'li[data-code="{earlier.code}"]')
    expect(item).to_be_visible()
    expect(item).to_contain_text("篮球场围网破了个大洞")
    expect(item).to_contain_text("待分派")
    expect(item).not_to_contain_text("球经常飞到马路上")  # another person's details stay private
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.locator("#category-suggestion")).to_contain_text("建议：")
    shot(page, "4-is-it-one-of-these")

    with page.expect_navigation():
        item.get_by_role("button", name="我也遇到了：一起反映").click()
    expect(page.locator("#joined")).to_be_visible()
    expect(page.locator("#joined")).to_contain_text(earlier.code)
    expect(page.locator("#case-code")).to_have_text(earlier.code)
    expect(page.locator("#case-status")).to_have_text("待分派")
    shot(page, "5-joined")
    page.get_by_role("link", name="我的诉求").click()
    joined = page.locator(f'#my-reports li[data-code="{earlier.code}"]')
    expect(joined).to_contain_text("共同反映人")
    expect(joined.locator(".steps li.current")).to_have_text("受理")
