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

__all__ = ["CJK", "Page", "act", "click_at", "expect", "labels", "open_map", "sign_in", "tiny_png", "visible_text"]

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


# --- the pages of issue 5 -----------------------------------------------------------------------

#: Text of the page a person reads, less what is data (``translate="no"``: names, titles,
#: codes typed by people), scripts and the map's attribution line.
LABELS_JS = """() => {
  const out = [document.title];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walk.nextNode())) {
    const el = n.parentElement;
    if (!el || el.closest('[translate=no], script, style, .leaflet-control-attribution')) continue;
    if (el.offsetParent === null) continue;
    out.push(n.textContent);
  }
  document.querySelectorAll('[title], [aria-label], [placeholder]').forEach((e) => {
    if (e.offsetParent !== null && !e.closest('[translate=no]'))
      out.push((e.title || '') + ' ' + (e.getAttribute('aria-label') || '') + ' ' + (e.getAttribute('placeholder') || ''));
  });
  return out.join('\\n');
}"""


def labels(page: Page) -> str:
    return str(page.evaluate(LABELS_JS))


def sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(f"demo-{username}")
    with page.expect_navigation():
        page.locator("form[action='/login'] button[type=submit]").click()
    expect(page.locator(".me")).to_be_visible()


def act(page: Page, action: str, fields: dict[str, str] | None = None,
        choose: dict[str, str] | None = None, check: str | None = None) -> None:
    """Open the form of ``action`` on a case page, fill it in and send it."""
    box = page.locator(f'details.action[data-action="{action}"]')
    box.locator("summary").click()
    form = box.locator("form")
    for name, value in (fields or {}).items():
        form.locator(f'[name="{name}"]').fill(value)
    for name, value in (choose or {}).items():
        form.locator(f'select[name="{name}"]').select_option(value)
    if check:
        form.locator(f'input[type=radio][value="{check}"]').check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def tiny_png() -> bytes:
    """A real 8×8 PNG (red), as a phone camera's photo would be, only smaller."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xcc\x22\x22" * 8 for _ in range(8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
