"""A missing page, as a person sees it: a friendly page in the current language with a way
back to the map."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.web.browser.helpers import Page, expect

pytestmark = pytest.mark.browser


def test_a_missing_page_is_friendly_in_chinese_then_in_english(
    page: Page, shot: Callable[[Page, str], Path]
) -> None:
    response = page.goto("/no-such-page/here")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("页面不存在")
    expect(page).to_have_title("页面不存在 · 呼应")
    shot(page, "404-zh")

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    shot(page, "404-en")
    page.get_by_role("link", name="Back to the map").click()
    page.wait_for_selector("#map[data-ready=true]")
    expect(page.locator("#place-title")).to_have_text("Where is this?")
