"""The language switch in a real browser: every visible label of the home page turns into
English and back into Chinese."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.web.browser.helpers import CJK, Page, click_at, expect, open_map, visible_text
from tests.web.conftest import KnownPlace

pytestmark = pytest.mark.browser

#: Words that stay as they are in both languages: the name 呼应 huying, each language's own
#: name on the switch, the map's scale unit and the data's attribution (names and licence).
KEEP_IN_EN = ("呼应", "中文")
KEEP_IN_ZH = {"huying", "English", "km", "m", "Eddie", "He", "cnmaps", "data", "MIT"}


def english_words(text: str) -> set[str]:
    """Latin words of ``text``, less the kept ones and the node codes (data, e.g. 441900-A1)."""
    text = re.sub(r"\b\d+-A\d+\b", "", text)
    return set(re.findall(r"[A-Za-z]+", text)) - KEEP_IN_ZH


def test_the_switch_turns_every_label_into_english_and_back(
    page: Page, shot: Callable[[Page, str], Path], known_town: KnownPlace
) -> None:
    open_map(page)
    click_at(page, known_town.lon, known_town.lat)
    expect(page.locator("#place-path li[data-level=grid]")).to_be_visible()
    zh = visible_text(page)
    assert "这是哪里？" in zh and "镇街" in zh
    assert english_words(zh) == set(), english_words(zh)

    page.get_by_role("link", name="English").click()
    page.wait_for_selector("#map[data-ready=true]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    click_at(page, known_town.lon, known_town.lat)
    expect(page.locator("#place-path li[data-level=town] .nm")).to_have_text(known_town.name_en)
    en = visible_text(page)
    for keep in KEEP_IN_EN:
        en = en.replace(keep, "")
    assert not CJK.findall(en), f"Chinese left in the English page: {set(CJK.findall(en))}"
    for label in ("Where is this?", "Towns", "Communities", "Grids", "Town", "Grid", "City"):
        assert label in en, label
    shot(page, "english")

    page.get_by_role("link", name="中文").click()
    page.wait_for_selector("#map[data-ready=true]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    click_at(page, known_town.lon, known_town.lat)
    expect(page.locator("#place-path li[data-level=town] .nm")).to_have_text(known_town.name_zh)
    back = visible_text(page)
    assert english_words(back) == set(), english_words(back)
    shot(page, "chinese-again")


def test_the_language_is_remembered_on_the_next_visit(page: Page) -> None:
    open_map(page, "/?lang=en")
    open_map(page, "/")
    expect(page.locator("#place-title")).to_have_text("Where is this?")
