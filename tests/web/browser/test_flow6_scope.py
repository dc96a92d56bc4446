"""Flow 6: an officer of one town cannot open a case of another town by its address."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.web.browser.helpers import Page, expect, sign_in
from tests.web.scene import report

pytestmark = pytest.mark.browser


def test_an_officer_of_another_town_gets_the_not_found_page(
    page: Page, city_session: Session, shot: Callable[[Page, str], Path]
) -> None:
    case = report(city_session, title="虎门的一个问题")
    sign_in(page, "town")
    page.goto(f"/cases/{case.code}")
    expect(page.locator("#case-code")).to_have_text(case.code)

    sign_in(page, "town2")
    response = page.goto(f"/cases/{case.code}")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("页面不存在")
    expect(page.locator("body")).not_to_contain_text("虎门的一个问题")
    shot(page, "not-found")
