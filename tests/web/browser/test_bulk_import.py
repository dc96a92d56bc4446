"""An administrator imports people from a CSV file on a phone: the dry run lists the rows
that would be added and the refused one with its line, column and reason in Chinese (no
table wider than the screen), nothing is stored before the confirmation, and the
confirmation adds the good rows. Screenshots at 390 and 1366 px."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.orgs.models import Person
from tests.web.browser.helpers import Page, expect, sign_in
from tests.web.scene import CHANGAN_TOWN, HUMEN_TOWN

pytestmark = pytest.mark.browser


def test_an_administrator_checks_a_file_of_people_then_imports_it(
        phone_page: Page, city_session: Session, shot: Callable[[Page, str], Path], tmp_path: Path) -> None:
    page = phone_page
    tag = f"{uuid.uuid4().int % 10**4:04d}"
    good, other = f"导入测试甲{tag}", f"导入测试乙{tag}"
    csv = tmp_path / "people.csv"
    csv.write_text(f"姓名,节点,电话,党员\n{good},{HUMEN_TOWN},138****0001,是\n{other},{CHANGAN_TOWN},,否\n"
                   f"导入测试丙{tag},{HUMEN_TOWN},,也许\n", encoding="utf-8")
    sign_in(page, "admin")
    page.goto("/admin/people")
    with page.expect_navigation():
        page.locator("a.import-link").click()
    expect(page.locator("h1")).to_have_text("从文件导入")
    page.locator("#import-form input[type=file]").set_input_files(str(csv))
    page.locator("#import-form input[value=skip-bad]").check()
    with page.expect_navigation():
        page.locator("#import-form button[type=submit]").click()
    expect(page.locator("#import-problems tr[data-line='4'][data-field='party_member']")).to_contain_text("请填写“是”或“否”")
    expect(page.locator("#import-added")).to_contain_text(good)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "1-dry-run-390")
    city_session.expire_all()
    assert city_session.scalar(select(Person.id).where(Person.name == good)) is None  # not before confirming
    with page.expect_navigation():
        page.locator("#import-confirm button").click()
    expect(page.locator("#import-done")).to_contain_text("已导入 2 行")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "2-done-390")
    city_session.expire_all()
    assert city_session.scalar(select(Person.id).where(Person.name == good)) is not None
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/admin/import?kind=accounts")
    shot(page, "3-accounts-form-1366")
