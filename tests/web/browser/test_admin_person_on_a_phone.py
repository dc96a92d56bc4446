"""An administrator, on a phone, opens a person from the people of a town, links an account
to them with the searchable picker (names, not usernames), reads the account's API tokens
stacked one per card (no sideways scrolling), finds the destructive actions in red, and reads
the audit trail in words and local times; the same pages at a desk (1366 px). Screenshots at
390 and 1366 px."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.geo.models import Node
from huying.orgs import accounts, chart, tokens
from tests.web.browser.helpers import Page, expect, sign_in
from tests.web.scene import HUMEN_TOWN, utcnow

pytestmark = pytest.mark.browser

RED = "rgb(179, 38, 30)"


def test_an_administrator_links_an_account_to_a_person_and_reads_its_tokens_on_a_phone(
        phone_page: Page, city_session: Session, shot: Callable[[Page, str], Path]) -> None:
    page = phone_page
    digits = f"{uuid.uuid4().int % 10**4:04d}"
    town = city_session.scalar(select(Node).where(Node.code == HUMEN_TOWN))
    assert town is not None
    person = chart.create_person(city_session, None, town.city_id, chart.PersonIn(name=f"林晓{digits}", node=town),
                                 now=utcnow())
    user = accounts.create(city_session, None, username=f"bp{digits}{uuid.uuid4().int % 100:02d}",
                           password="a-long-passphrase-9", role="town_officer", node=town, now=utcnow(),
                           display_name=f"林晓账号{digits}")
    tokens.create(city_session, user, "网格通手机应用（主力机）", now=utcnow())
    old = tokens.create(city_session, user, "旧平板", now=utcnow())[0]
    accounts.revoke_token(city_session, town.city_id, old.id, None, now=utcnow())
    city_session.commit()
    page.on("dialog", lambda d: d.accept())
    sign_in(page, "admin")

    page.goto(f"/admin/people/{person.id}")
    expect(page.locator("h1")).to_have_text(person.name)
    page.locator("#link-form .picker-button").click()
    page.locator("#link-form .picker-panel input[type=search]").fill(f"林晓账号{digits}")
    pick = page.locator("#link-form .picker-name", has_text=f"林晓账号{digits}")
    expect(pick).to_have_count(1)
    pick.click()
    expect(page.locator("#link-form .picker-button")).to_have_text(f"林晓账号{digits}")
    with page.expect_navigation():
        page.locator("#link-form button[type=submit]").click()
    expect(page.locator("#person-accounts")).to_contain_text(f"林晓账号{digits}")
    expect(page.locator("#person-history")).to_contain_text("关联账号")
    assert page.evaluate("getComputedStyle(document.querySelector('#person-accounts button.danger')).color") == RED
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "1-person-390")

    page.goto(f"/admin/users/{user.id}")
    expect(page.locator("#tokens thead")).to_be_hidden()
    expect(page.locator("#tokens")).to_contain_text("网格通手机应用（主力机）")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate("getComputedStyle(document.querySelector('#deactivate-form button')).backgroundColor") == RED
    label = page.evaluate("getComputedStyle(document.querySelector('#tokens td[data-label]'), '::before').content")
    assert label == '"名称"', label
    shot(page, "2-tokens-390")

    page.goto("/admin/audit?subject=person")
    expect(page.locator("#audit")).to_contain_text(person.name)
    expect(page.locator("#audit")).to_contain_text("关联账号: — → ")  # the field in words, before → after
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate("document.querySelector('#audit').scrollWidth <= document.querySelector('#audit').parentElement.clientWidth")
    shot(page, "3-audit-390")

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"/admin/users/{user.id}")
    expect(page.locator("#tokens thead")).to_be_visible()
    shot(page, "4-tokens-1366")
    page.goto(f"/admin/people/{person.id}")
    shot(page, "5-person-1366")
    page.goto("/admin/audit")
    shot(page, "6-audit-1366")
