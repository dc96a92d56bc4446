"""A community officer merges a duplicate from its case page, picking the main case the form
proposes; the merged case offers no close. A co-handling unit's handler records its part and
is offered nothing else. Screenshots at phone (390 px) and desk (1366 px) widths."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from huying.cases import service as svc
from huying.orgs.models import Organisation
from tests.web.browser.helpers import Page, expect, sign_in
from tests.web.scene import actor, report, utcnow

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [390, 1366])
def test_a_duplicate_is_merged_from_its_page(page: Page, city_session: Session, width: int,
                                             shot: Callable[[Page, str], Path]) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    primary = report(city_session, title=f"体育公园东门喷泉水管爆裂{width}")
    dupe = report(city_session, who="gridworker", title=f"东门喷泉水管爆了{width}")
    sign_in(page, "community")
    page.goto(f"/cases/{dupe.code}")
    box = page.locator('details.action[data-action="merge"]')
    box.locator("summary").click()
    expect(box).to_contain_text("主案件办结时本案件一并办结")
    box.locator(f'input[name="into"][value="{primary.code}"]').check()
    shot(page, f"merge-form-{width}")
    with page.expect_navigation():
        box.locator("button[type=submit]").click()
    expect(page.locator("#case-status")).to_have_text("已并入同一问题的诉求")
    expect(page.locator('details.action[data-action="close"]')).to_have_count(0)
    expect(page.locator('details.action[data-action="unmerge"]')).to_have_count(1)
    shot(page, f"merged-{width}")


def test_a_cohandler_records_its_part(page: Page, city_session: Session,
                                      shot: Callable[[Page, str], Path]) -> None:
    case = report(city_session, title="人行道地砖松动，协办清理")
    community = actor(city_session, "community")
    handler = actor(city_session, "handler")
    lead = community.node_path.rstrip("/").split("/")[-1] + "-party"  # the community's own
    svc.dispatch(city_session, case, community, unit=lead, now=utcnow())
    handler_unit = city_session.get(Organisation, handler.organisation_id)
    assert handler_unit is not None
    svc.add_cohandlers(city_session, case, community, units=[handler_unit.code], now=utcnow())
    sign_in(page, "handler")
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"/cases/{case.code}")
    expect(page.locator("#actions")).to_have_attribute("data-actions", "record_part")
    box = page.locator('details.action[data-action="record_part"]')
    box.locator("summary").click()
    box.locator('textarea[name="note"]').fill("城管队已清理松动地砖周边")
    with page.expect_navigation():
        box.locator("button[type=submit]").click()
    expect(page.locator("#timeline-list")).to_contain_text("城管队已清理松动地砖周边")
    shot(page, "record-part-390")
