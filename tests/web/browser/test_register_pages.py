"""A community officer keeps the register (一标三实) on a 390 px phone and at a desk (1366 px):
the place's households counted and filtered, one household with its small map, its people
masked, its history; an edit, and a move picked among the register's candidates. The pages
show no raw codes, no English and no unmasked name or identity number."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.config import get_settings
from huying.contact import service as register
from huying.contact.models import Address, Household
from tests.web.browser.helpers import Page, expect, sign_in
from tests.web.scene import HUMEN_GRID, actor, assigned_households, utcnow

pytestmark = pytest.mark.browser

COMMUNITY = HUMEN_GRID[:-3]
NUMBER = "441900199001011231"
RAW = re.compile(r"elder_alone|low_income|left_behind|disability|moved_out|moved_in|migrant|\blocal\b|enterprise")
ENGLISH = re.compile(r"\b(Household|Households|People|Search|Save|Moved|Needs?|Register|Address)\b")
FULL_NAME = re.compile(r"居民\d{6}|欧阳明月")


def clean(page: Page) -> None:
    text = page.locator("main").inner_text()
    assert not RAW.search(text), RAW.search(text)
    assert not ENGLISH.search(text), ENGLISH.search(text)
    assert not FULL_NAME.search(text) and NUMBER not in page.content()


def test_an_officer_keeps_the_register_on_a_phone_and_a_desk(
        phone_page: Page, city_session: Session, shot: Callable[[Page, str], Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    s, page = city_session, phone_page
    [code] = assigned_households(s, 1)
    register.edit_household(s, actor(s, "community"), code,
                            register.HouseholdEdit("3", "migrant", ("elder_alone", "low_income")), now=utcnow())
    monkeypatch.setattr(get_settings(), "id_hash_key", "test-only-key")
    assert register.import_register(s, actor(s, "city"), "people", [
        (2, {"name": "欧阳明月", "household": code, "id_number": NUMBER})], now=utcnow()).stored
    s.commit()
    hh = s.scalar(select(Household).where(Household.code == code))
    assert hh is not None

    sign_in(page, "community")
    page.goto(f"/register?node={COMMUNITY}&need=elder_alone")
    expect(page.locator('#register-counts [data-count="households"] .v')).not_to_have_text("0")
    expect(page.locator(f'#register-households li[data-household="{code}"]')).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    clean(page)
    shot(page, "register-list-390")

    with page.expect_navigation():
        page.locator(f'#register-households li[data-household="{code}"] a').click()
    expect(page.locator("#case-map")).to_have_attribute("data-ready", "true", timeout=15_000)
    expect(page.locator("#household-people")).to_contain_text("欧阳**")
    expect(page.locator("#household-people")).to_contain_text("4419**********1231")
    expect(page.locator("#household-visits")).to_contain_text("演示网格员")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    clean(page)
    shot(page, "register-household-390")

    page.locator('#edit-form input[name=needs][value="disability"]').check()
    with page.expect_navigation():
        page.locator("#edit-submit").click()
    expect(page.locator("#register-done")).to_have_text("户信息已保存。")
    expect(page.locator("#household-facts")).to_contain_text("残疾")

    room = s.scalar(select(Address).where(Address.grid_id == hh.grid_id, Address.id != hh.address_id,
                                          Address.kind == "room").order_by(Address.id.desc()))
    assert room is not None and room.parent_id is not None
    building = s.get(Address, room.parent_id)
    assert building is not None
    page.locator("#move-address").fill(building.text)
    with page.expect_navigation():
        page.locator("#move-submit").click()
    expect(page.locator('[data-form="move"][data-field="choose"]')).to_be_visible()
    clean(page)
    shot(page, "register-move-choose-390")
    page.locator(f'#move-candidates input[value="{room.id}"]').check()
    with page.expect_navigation():
        page.locator("#move-submit").click()
    expect(page.locator("#register-done")).to_have_text("迁移已登记。")
    expect(page.locator("#household-moves li").last).to_contain_text(room.text)

    page.set_viewport_size({"width": 1366, "height": 800})
    clean(page)
    shot(page, "register-household-1366")
    page.goto(f"/register?node={COMMUNITY}")
    clean(page)
    shot(page, "register-list-1366")
    page.goto(f"/register/units?node={COMMUNITY}")
    expect(page.locator("#units-total")).to_be_visible()
    clean(page)
    shot(page, "register-units-1366")
