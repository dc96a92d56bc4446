"""A deployment on a phone (390 px) and a desk (1366 px): the town officer reads the roster
grid by grid (teams, members, the local member marked, checked in or not, the export
buttons); a deployed member opens "my team" on the phone and checks in with one tap; the
roster then shows them checked in. Chinese labels, no raw codes, nothing wider than the
screen."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.contact.deploy_models import CheckIn
from tests.web.browser.helpers import CJK, Page, expect, labels, sign_in
from tests.web.deploy_scene import active_deployment, not_checked_in

pytestmark = pytest.mark.browser

CODE = re.compile(r"\b441900\d{3,}\b|\b(active|ended|is_local)\b")


def no_codes(page: Page) -> None:
    text = labels(page)
    assert not CODE.search(text), CODE.search(text)
    assert not re.search(r"\b(Team|Roster|Check in|Deployments)\b", text), "English on a zh page"


def test_the_roster_and_the_check_in_on_a_phone_and_a_desk(
        phone_page: Page, city_session: Session, shot: Callable[[Page, str], Path]) -> None:
    page = phone_page
    dep = active_deployment(city_session)
    not_checked_in(city_session, dep)

    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": 113.672, "latitude": 22.815})  # in 虎门
    sign_in(page, "handler")
    page.goto("/deployments")
    expect(page.locator("#my-deployment")).to_be_visible()
    page.locator("#go-check-in").click()
    expect(page.locator("#teammates li")).to_have_count(3)
    expect(page.locator("#teammates [data-local='1']")).not_to_have_count(0)
    expect(page.locator("#my-grid")).to_contain_text("网格")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    no_codes(page)
    button = page.locator("#check-in")
    expect(button).to_have_text("签到")
    assert (button.bounding_box() or {}).get("height", 0) >= 48  # a thumb's size
    shot(page, "my-team-390")
    expect(page.locator("#check-in-form input[name=lon]")).to_have_value("113.672000")
    page.locator("input[name=note]").fill("已到社区")
    with page.expect_navigation():
        button.click()
    expect(page.locator("#checked-in")).to_have_text("今日签到成功。")
    expect(page.locator("#already")).to_be_visible()
    city_session.expire_all()
    stored = city_session.execute(select(CheckIn.lon, CheckIn.lat, CheckIn.note).order_by(CheckIn.id.desc())).first()
    assert stored is not None and tuple(stored) == (113.672, 22.815, "已到社区")
    shot(page, "my-team-checked-in-390")

    sign_in(page, "town")
    page.goto("/deployments/new")
    expect(page.locator("select[name=node]")).to_contain_text("虎门镇")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    no_codes(page)
    shot(page, "new-deployment-390")
    page.goto(f"/deployments/{dep}")
    expect(page.locator("h1")).to_contain_text("花名册")
    expect(page.locator("#export-xlsx")).to_have_text("导出 Excel")
    grids = page.locator("#deploy-grids li")
    assert grids.count() == int(page.locator("[data-figure=grids]").inner_text()) > 4
    expect(page.locator("[data-figure=checked_in]")).not_to_have_text("0")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    no_codes(page)
    full = shot(page, "roster-390")
    page.screenshot(path=full.with_name("roster-390-top.png"))  # what the phone shows first
    checked = page.locator("#deploy-grids li", has=page.locator(".badge", has_text="已签到 1/"))
    with page.expect_navigation():
        checked.first.locator("a").click()
    expect(page.locator(".deploy-team").first).to_be_visible()
    assert CJK.search(page.locator(".deploy-grid h2").first.inner_text())
    expect(page.locator(".deploy-member[data-checked='1']").first).to_contain_text("已签到")
    expect(page.locator(".deploy-member[data-local='1']").first).to_contain_text("本地组员")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    no_codes(page)
    shot(page, "roster-grid-390")

    page.set_viewport_size({"width": 1366, "height": 900})
    shot(page, "roster-grid-1366")
    page.goto(f"/deployments/{dep}")
    no_codes(page)
    full = shot(page, "roster-1366")
    page.screenshot(path=full.with_name("roster-1366-top.png"))
    page.goto("/deployments")
    expect(page.locator(f"#deployment-list li[data-deployment='{dep}']")).to_contain_text("下沉中")
    shot(page, "deployments-1366")
    sign_in(page, "handler")
    page.goto("/deployments/mine")
    shot(page, "my-team-1366")
