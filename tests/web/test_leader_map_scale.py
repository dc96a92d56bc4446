"""The leader's map: one graded colour scale (share of open cases overdue, grey when none is
open); the map's classes and the legend come from the same table."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from huying.metrics.cockpit import MAP_SCALE, grade
from tests.web.scene import HTML, HUMEN_TOWN, sign_in


def test_grades_follow_the_share_overdue() -> None:
    assert grade(0, 0) == 0
    assert grade(10, 0) == 1
    assert grade(10, 1) == 2 and grade(100, 10) == 2
    assert grade(100, 11) == 3 and grade(4, 1) == 3
    assert grade(10, 5) == 4
    assert grade(10, 6) == 5 and grade(3, 3) == 5
    assert len({g.colour for g in MAP_SCALE}) == len(MAP_SCALE)


def test_the_map_and_its_legend_share_the_scale(city_client: TestClient) -> None:
    sign_in(city_client, "leader")
    for node in ("", HUMEN_TOWN):
        data = city_client.get(f"/web/stats/map.json?node={node}").json()
        assert data["scale"] == [{"key": g.key, "colour": g.colour} for g in MAP_SCALE]
        assert data["items"]
        for item in data["items"].values():
            assert item["grade"] == grade(item["open"], item["overdue"])
        html = city_client.get(f"/leader?node={node}", headers=HTML).text
        legend = html.split('id="map-legend"', 1)[1].split("</ul>", 1)[0]
        swatches = re.findall(r'<li data-grade="(\d)" data-colour="(#[0-9a-f]{6})">'
                              r'<span class="sw" style="background: (#[0-9a-f]{6})"></span>([^<]+)</li>', legend)
        assert [(int(i), c) for i, c, _, _ in swatches] == [(i, g.colour) for i, g in enumerate(MAP_SCALE)]
        assert all(c == s for _, c, s, _ in swatches)
        labels = [w.strip() for *_, w in swatches]
        assert all(labels) and not any(g.key in w for g in MAP_SCALE for w in labels)  # words, not keys
