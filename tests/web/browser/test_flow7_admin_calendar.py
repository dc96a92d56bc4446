"""Flow 7: an administrator adds a day off to the city's holiday calendar and sees it listed;
a mistyped date is refused with the reason in Chinese and the form keeps what was typed; the
day is removed again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from huying.cityconfig.models import CalendarDayRow
from tests.web.browser.helpers import Page, expect, sign_in

pytestmark = pytest.mark.browser

DAY = "2031-05-12"


def test_an_admin_adds_a_holiday_and_sees_it(
    page: Page, city_session: Session, shot: Callable[[Page, str], Path]
) -> None:
    try:
        sign_in(page, "admin")
        page.goto("/admin")
        with page.expect_navigation():
            page.get_by_role("link", name="节假日").click()
        form = page.locator("#holiday-form")
        # A mistyped date first.
        form.locator("input[name=date]").fill("2031-5-12")
        form.locator("select[name=kind]").select_option("holiday")
        form.locator("input[name=name]").fill("测试假日")
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        expect(page.locator("#holiday-error")).to_contain_text("YYYY-MM-DD")
        expect(form.locator("input[name=name]")).to_have_value("测试假日")
        shot(page, "holiday-refused")
        # Then the right one.
        form.locator("input[name=date]").fill(DAY)
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        row = page.locator(f'#holidays tr[data-date="{DAY}"]')
        expect(row).to_contain_text("测试假日")
        expect(row).to_contain_text("放假")
        expect(page.locator("#holiday-error")).to_have_count(0)
        shot(page, "holiday-added")
        # removing asks first, saying what it does; declined, nothing happens
        asked: list[str] = []

        def answer(accept: bool) -> None:
            def on(dialog: Any) -> None:
                asked.append(dialog.message)
                (dialog.accept if accept else dialog.dismiss)()
            page.once("dialog", on)

        answer(False)
        row.get_by_role("button").click()
        expect(row).to_have_count(1)
        answer(True)
        with page.expect_navigation():
            row.get_by_role("button").click()
        expect(page.locator(f'#holidays tr[data-date="{DAY}"]')).to_have_count(0)
        assert len(asked) == 2 and all(DAY in m and "普通" in m for m in asked), asked
    finally:
        city_session.execute(delete(CalendarDayRow).where(CalendarDayRow.day == dt.date(2031, 5, 12)))
        city_session.commit()
