"""Every seat's pages speak in names: no organisation code with its suffix
(``441900121004001-team``), no ``dept-`` / ``team-`` code, no raw enum (``party_committee``,
``in_progress``, ``grid_worker``), no login where a person has a name, on any staff or
resident page (case codes are what people quote on the phone: they stay). A resident's
timeline never shows an internal note. Each page is screenshotted at phone (390 px) and
desk (1366 px) widths with the test's artefacts."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from huying.cases import service as svc
from tests.web.browser.helpers import Page, expect, sign_in
from tests.web.scene import HUMEN_GRID, HUMEN_TOWN, actor, report, utcnow

pytestmark = pytest.mark.browser

#: What a person must never read on a page (tooltips may carry codes: they are not read).
RAW = re.compile(
    r"\b\d{9,15}-[a-z][a-z_-]*"  # an organisation's code: node code + suffix
    r"|(?<![\w-])(?:dept|team)-[a-z_]+"
    r"|\b(?:party_committee|party_organisation|grid_team|service_alliance|alliance_team|social_organisation"
    r"|in_progress|extension_requested|followed_up|grid_worker|community_officer|town_officer|city_officer"
    r"|department_handler|resident_web|grid_patrol|fix_on_spot|overdue_now|open_now)\b"
    r"|\bgw-\d+"
)
INTERNAL = "内部备注：先核实产权单位"
#: The text a person reads: every visible text node, less a name's code on its secondary
#: line (``.code``), scripts and the map's attribution.
READ_JS = """() => {
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walk.nextNode())) {
    const el = n.parentElement;
    if (!el || el.closest('.code, script, style, .leaflet-control-attribution')) continue;
    if (el.offsetParent === null && getComputedStyle(el).position !== 'fixed') continue;
    out.push(n.textContent);
  }
  return out.join('\\n');
}"""

SEATS: dict[str, list[str]] = {
    "resident": ["/", "/report", "/my", "/public", "/cases/{case}", "/public/cases/{case}"],
    "gridworker": ["/work", "/work?tab=mine", "/cases/{case}", "/notices"],
    "community": ["/work?tab=all", "/work?tab=overdue", "/cases/{case}", "/notices", "/ledger", "/leader"],
    "town": [f"/leader?node={HUMEN_TOWN}", "/work?tab=all"],
    "handler": ["/work", "/cases/{case}"],
    "leader": ["/leader", "/leader?period=year", "/work?tab=all&fig=received&period=year"],
    "admin": ["/admin", "/admin/tree", f"/admin/tree?node={HUMEN_TOWN}", "/admin/users", "/admin/categories",
              "/admin/sla", "/admin/routing", "/admin/holidays", "/admin/divisions"],
}


def _case(session: Session) -> str:
    """A resident's report dispatched to its grid's team with an internal note, accepted
    and handled: its timeline names units and people."""
    case = report(session, title="楼道灯坏了，晚上很黑")
    case = svc.dispatch(session, case, actor(session, "community"), unit=f"{HUMEN_GRID}-team", now=utcnow(),
                        note=INTERNAL)
    case = svc.accept(session, case, actor(session, "gridworker"), now=utcnow())
    case = svc.mark_handled(session, case, actor(session, "gridworker"), evidence="已更换灯泡", now=utcnow())
    return case.code


@pytest.mark.parametrize("seat", list(SEATS))
def test_no_page_of_a_seat_shows_a_raw_code(page: Page, city_session: Session, seat: str,
                                            shot: Callable[[Page, str], Path]) -> None:
    code = _case(city_session)
    sign_in(page, seat)
    found: dict[str, list[str]] = {}
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        for url in SEATS[seat]:
            url = url.format(case=code)
            page.goto(url)
            expect(page.locator("main")).to_be_visible()
            text = str(page.evaluate(READ_JS))
            hits = sorted(set(RAW.findall(text)))
            if hits:
                found[f"{url} @{width}"] = hits
            if seat in ("resident",) and "/cases/" in url:
                assert INTERNAL not in text, f"{url}: the resident reads an internal note"
            if seat != "resident" and url.startswith("/cases/") and page.locator("#timeline-list").count():
                # people by name: the grid worker who accepted it, not their login
                expect(page.locator("#timeline-list")).to_contain_text("演示网格员")
                assert "gridworker" not in text
            name = re.sub(r"[^a-z0-9]+", "-", url.strip("/").lower()).strip("-") or "home"
            shot(page, f"{seat}-{name}-{width}")
    assert not found, f"raw codes on the pages: {found}"
