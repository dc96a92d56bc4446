"""Flow 8: the leader's cockpit. A leader picks a period, opens a town, and every count
figure of the town leads to a work list whose total is that figure. The pages are
photographed at 1366 and 390 pixels wide (the screenshots are the test's artefacts).

The work list's side (``/work?fig=…`` with ``#figure-heading`` and ``#queue[data-total]``) comes with the work
list's figure filter."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from huying.cases import service as svc
from huying.metrics.drill import FIGURES
from tests.web.browser.helpers import Page, expect, labels, sign_in
from tests.web.scene import HUMEN_GRID, HUMEN_TOWN, actor, dispatched, utcnow

pytestmark = pytest.mark.browser
#: Raw codes a person must not read on the cockpit: node codes, unit codes, enum keys.
RAW = re.compile(r"\d{9,}|-team|-dept|party_committee|none_open|upto_\d+|over_50|open_now|overdue_now")

#: The second grid of the demo community (the first is the demo grid worker's).
QUIET_GRID = HUMEN_GRID[:-3] + "002"


def _ready(page: Page) -> None:
    page.wait_for_selector("#leader-map[data-ready=true]")
    page.wait_for_selector("#trend-chart[data-ready=true]")


def test_a_leader_picks_a_period_and_each_figure_leads_to_its_cases(
        page: Page, shot: Callable[[Page, str], Path]) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, "leader")
    page.goto(f"/leader?node={HUMEN_TOWN}")
    _ready(page)
    kind = page.locator("#period-form select[name=period]")
    kind.select_option("custom")
    expect(page.locator("#period-form input[name=to]")).to_be_visible()  # an end date for custom dates only
    kind.select_option("year")
    expect(page.locator("#period-form input[name=to]")).to_be_hidden()
    with page.expect_navigation():
        page.locator("#period-form button[type=submit]").click()
    _ready(page)
    expect(page).to_have_url(re.compile(r"period=year"))
    expect(page.locator("#period-shown")).to_have_attribute("data-period", "year")
    assert not RAW.search(labels(page)), RAW.findall(labels(page))
    shot(page, "1-town-year-1366")
    figures = page.locator("#kpis a.fig, #contact-kpis a.fig").evaluate_all(
        "els => els.map(e => [e.dataset.fig, Number(e.dataset.n), e.getAttribute('href')])")
    assert {f for f, _, _ in figures} == set(FIGURES)
    for figure, _, href in figures:
        assert f"node={HUMEN_TOWN}" in href and f"fig={figure}" in href and "period=year" in href
    for figure, n, href in figures:
        page.goto(href)
        expect(page.locator("#figure-heading")).to_have_attribute("data-figure", figure)
        total = int(page.locator("#queue").get_attribute("data-total") or -1)
        assert total == n, (figure, total, n)
    shot(page, "2-work-list-of-a-figure")


def test_the_cockpit_on_a_phone_and_at_a_grid(phone_page: Page, shot: Callable[[Page, str], Path],
                                              city_session: Session) -> None:
    page = phone_page
    # in the community's other grid, which no other test fills (the grid's list shows its 20
    # most urgent cases), dispatched to the demo grid worker's team
    case = dispatched(city_session, title="路灯不亮", grid=QUIET_GRID)
    svc.perform(city_session, case, actor(city_session, "leader"), "supervise", now=utcnow(),
                params={"reason": "请三天内修复并答复"})
    sign_in(page, "leader")
    page.goto(f"/leader?node={HUMEN_TOWN}&period=quarter")
    _ready(page)
    # nothing wider than the screen but the tables, which scroll in their own box
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 392, wide
    assert page.locator("#map-legend li").count() == 6
    shot(page, "3-town-quarter-390")
    page.goto(f"/leader?node={QUIET_GRID}&period=year")
    _ready(page)
    expect(page.locator(f'#grid-cases tr[data-code="{case.code}"]')).to_be_visible()
    shot(page, "4-grid-390")
    sign_in(page, "gridworker")
    page.goto("/notices?state=unanswered")
    assert page.locator("#notice-filters").is_visible()
    first = page.locator("article.notice-item").first
    expect(first.locator(".issuer")).to_contain_text("演示市领导")
    expect(first.locator("textarea[name=reply]")).to_be_hidden()  # folded until asked for
    shot(page, "5-notices-390")
    first.locator("details.reply-box > summary").click()
    expect(first.locator("textarea[name=reply]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 392
    shot(page, "6-notice-reply-open-390")


def test_the_leader_sets_the_reply_date_of_a_notice(page: Page, shot: Callable[[Page, str], Path],
                                                   city_session: Session) -> None:
    case = dispatched(city_session, title="井盖缺失")
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, "leader")
    page.goto(f"/cases/{case.code}")
    box = page.locator('details.action[data-action="supervise"]')
    box.locator("summary").click()
    due = box.locator("input[name=reply_due]")
    proposed = due.input_value()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", proposed), proposed  # the city's rule, proposed
    shot(page, "7-supervise-form-1366")
    last = due.get_attribute("max") or ""
    box.locator("textarea[name=reason]").fill("请两日内答复处置进展")
    due.fill(last)  # the furthest day allowed
    with page.expect_navigation():
        box.locator("button[type=submit]").click()
    notice = page.locator("#notices .notice-item", has_text="请两日内答复处置进展")
    expect(notice.locator(".issuer")).to_contain_text("演示市领导")
    expect(notice).to_contain_text(f"{last} 18:00")  # the reply date set, at the end of its working day
    shot(page, "8-notice-issued-1366")
