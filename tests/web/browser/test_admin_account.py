"""An administrator opens an account from the users' list, sees its API token with its last
use, makes a one-time password reset link (shown once), and deactivates the account after
confirming; the page says so and offers to reactivate it. Screenshots at 390 and 1366 px; the
Chinese page shows no English label."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.geo.models import Node
from huying.orgs import accounts, tokens
from tests.web.browser.helpers import Page, expect, labels, sign_in
from tests.web.scene import HUMEN_TOWN, utcnow

pytestmark = pytest.mark.browser


def test_an_administrator_resets_and_deactivates_an_account(
        phone_page: Page, city_session: Session, shot: Callable[[Page, str], Path]) -> None:
    page = phone_page
    name = f"浏览器测试{uuid.uuid4().int % 10**4:04d}"  # digits: a random run of letters reads as English
    node = city_session.scalar(select(Node).where(Node.code == HUMEN_TOWN))
    assert node is not None
    user = accounts.create(city_session, None, username=f"bt{uuid.uuid4().int % 10**6:06d}", password="a-long-passphrase-9",
                           role="town_officer", node=node, now=utcnow(), display_name=name)
    tokens.create(city_session, user, "手机应用", now=utcnow())
    city_session.commit()
    page.on("dialog", lambda d: d.accept())  # the confirmations of the destructive forms
    sign_in(page, "admin")
    page.goto(f"/admin/users?q={user.username}")
    with page.expect_navigation():
        page.locator("#users a", has_text=name).click()
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator("#tokens")).to_contain_text("手机应用")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "1-account-390")
    english = [w for w in re.findall(r"[A-Za-z]{4,}", labels(page)) if w not in {"huying", "English"}]
    assert english == [], english
    with page.expect_navigation():
        page.locator("form[action$='/reset'] button").click()
    code = page.locator("#reset-code").inner_text()
    assert len(code) >= 24
    expect(page.locator("#reset-link")).to_contain_text("仅可使用一次")
    with page.expect_navigation():
        page.locator("#deactivate-form button").click()
    expect(page.locator("#account")).to_have_attribute("data-active", "0")
    expect(page.locator("#tokens")).to_contain_text("吊销")
    expect(page.locator("form[action$='/reactivate']")).to_have_count(1)
    assert code not in page.content()  # the link is shown once
    shot(page, "2-deactivated-390")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.reload()
    shot(page, "3-deactivated-1366")
    page.goto("/admin/audit?subject=user")
    expect(page.locator("#audit")).to_contain_text(name)
    shot(page, "4-audit-1366")
