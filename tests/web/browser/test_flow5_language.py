"""Flow 5: the language switch turns every visible label of the staff pages (the
workbench, a case with its actions and timeline) into English and back. What people typed
(titles, names) is data and stays as it is."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.web.browser.helpers import CJK, Page, expect, labels, sign_in
from tests.web.scene import dispatched

pytestmark = pytest.mark.browser

KEEP_IN_EN = ("呼应", "中文")
KEEP_IN_ZH = {"huying", "English", "Eddie", "He", "cnmaps", "data", "MIT", "km", "m"}


def english_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]+", text)) - KEEP_IN_ZH


def chinese_left(text: str) -> set[str]:
    for keep in KEEP_IN_EN:
        text = text.replace(keep, "")
    return set(CJK.findall(text))


def test_the_switch_turns_the_staff_pages_into_english_and_back(
    page: Page, city_session: Session, shot: Callable[[Page, str], Path]
) -> None:
    case = dispatched(city_session, title="路面塌陷")
    sign_in(page, "community")
    for url, ready in (("/work?tab=mine", "#queue"), (f"/cases/{case.code}", "#case-map[data-ready=true]")):
        page.goto(url)
        page.wait_for_selector(ready)
        zh = labels(page)
        assert english_words(zh) == set(), (url, english_words(zh))
        assert "工作台" in zh

        page.get_by_role("link", name="English").click()
        page.wait_for_selector(ready)
        expect(page.locator("html")).to_have_attribute("lang", "en")
        en = labels(page)
        assert chinese_left(en) == set(), (url, chinese_left(en))
        assert "Workbench" in en and "Sign out" in en and "Community officer" in en
        shot(page, "en-" + url.strip("/").replace("/", "-").replace("?", "-"))

        page.get_by_role("link", name="中文").click()
        page.wait_for_selector(ready)
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        back = labels(page)
        assert english_words(back) == set(), (url, english_words(back))
    # The case page in English names its status and its actions in English.
    page.goto(f"/cases/{case.code}?lang=en")
    expect(page.locator("#case-status")).to_have_text("Awaiting acceptance")
    expect(page.locator('details.action[data-action="transfer"] summary')).to_have_text("Transfer")
    page.goto(f"/cases/{case.code}?lang=zh")
