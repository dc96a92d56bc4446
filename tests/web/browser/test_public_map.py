"""The public map: a dot opens the public page of its case, its colour is the step the case is
at, and the legend is that colour scale, labelled with the five steps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from huying.cases.policy import public_point
from tests.web.browser.helpers import Page, expect
from tests.web.scene import report

pytestmark = pytest.mark.browser


def open_public(page: Page) -> None:
    page.goto("/public")
    page.wait_for_selector("#public-map[data-ready=true]")


def test_tapping_a_dot_opens_its_public_case_page(
        phone_page: Page, city_session: Session, shot: Callable[[Page, str], Path]) -> None:
    page = phone_page
    case = report(city_session, title="公开地图上的一个点")
    city_session.commit()
    lon, lat = public_point(case.lon, case.lat)
    open_public(page)
    shot(page, "public-390")
    page.evaluate("([lat, lon]) => huyingMap.setView([lat, lon], 17, {animate: false})", [lat, lon])
    dot = page.locator(f'#public-map path.public-dot[data-code="{case.code}"]')
    expect(dot).to_have_count(1)
    box = dot.bounding_box()
    assert box
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # the dot on top at that place (others may share the rounded point) is the one opened
    top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).getAttribute('data-code')", [x, y])
    assert top
    with page.expect_navigation():
        page.touchscreen.tap(x, y)
    assert page.url.endswith(f"/public/cases/{top}")
    expect(page.locator("#case-code")).to_have_text(top)
    expect(page.locator(".steps li")).to_have_count(5)
    shot(page, "public-case-390")


def test_the_legend_is_the_colour_scale_of_the_dots(page: Page, shot: Callable[[Page, str], Path]) -> None:
    page.set_viewport_size({"width": 1366, "height": 800})
    open_public(page)
    legend = page.evaluate("""() => [...document.querySelectorAll('#public-legend li')].map(li =>
        [li.dataset.step, li.textContent.trim(), getComputedStyle(li.querySelector('.swatch')).backgroundColor])""")
    assert [name for _, name, _ in legend] == ["受理", "派单", "处置", "回访", "办结"]
    scale = {step: colour for step, _, colour in legend}
    assert len(set(scale.values())) == 5
    dots = page.evaluate("""() => [...document.querySelectorAll('#public-map path.public-dot')].map(p =>
        [p.dataset.step, getComputedStyle(p).fill])""")
    assert dots
    for step, fill in dots:
        assert fill == scale[step], (step, fill, scale)
    shot(page, "public-1366")
