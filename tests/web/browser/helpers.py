"""Helpers for the browser tests: wait for the map, click a place by its coordinates."""

from __future__ import annotations

import os
import re

import pytest

try:
    from playwright.sync_api import Page, expect
except ModuleNotFoundError:
    if os.environ.get("CI", "").lower() == "true":
        raise
    pytest.skip("the playwright package is not installed", allow_module_level=True)

__all__ = ["CJK", "Page", "click_at", "expect", "open_map", "visible_text"]

#: Chinese characters (CJK unified ideographs and punctuation).
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def open_map(page: Page, url: str = "/") -> None:
    page.goto(url)
    page.wait_for_selector("#map[data-ready=true]")


def click_at(page: Page, lon: float, lat: float, zoom: float = 12) -> None:
    """Bring (lon, lat) into view and click it, as a person would after panning there."""
    page.evaluate(
        "([lat, lon, z]) => huyingMap.setView([lat, lon], z, {animate: false})", [lat, lon, zoom]
    )
    x, y = page.evaluate(
        "([lat, lon]) => { const p = huyingMap.latLngToContainerPoint([lat, lon]);"
        " return [p.x, p.y]; }",
        [lat, lon],
    )
    page.locator("#map").click(position={"x": x, "y": y})


def visible_text(page: Page) -> str:
    """What a person reads: the rendered text, the title and the tooltips of controls."""
    parts = [page.title(), page.locator("body").inner_text()]
    parts += page.eval_on_selector_all(
        "[title], [aria-label]",
        "els => els.filter(e => e.offsetParent !== null)"
        ".map(e => (e.title || '') + ' ' + (e.getAttribute('aria-label') || ''))",
    )
    return "\n".join(parts)
