"""The leader's wall screen (大屏): no controls (no navigation, form, button or field), a
refresh every ``wall_refresh_seconds``, the same figures as the leader's page for this year
and this month, scoped like it; and the cockpit's indicator panel and ranking by any
indicator, downloadable; on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from huying.config import get_settings
from tests.web.exports_kit import both, sign_in_as
from tests.web.scene import HTML

AREA = "441900-A1"
TOWN1 = "441900101"


def _kpis(html: str) -> dict[str, int]:
    part = html.split('id="kpis"', 1)[1].split('id="contact-heading"', 1)[0]
    return {k: int(v) for k, v in re.findall(r'data-fig="([^"]+)" data-n="(\d+)"', part)}


def _ranking(html: str) -> list[str]:
    """The codes of the page's ranking by an indicator (none when nothing is ranked)."""
    if 'id="indicator-ranking"' not in html:
        assert "本统计期内没有可按此指标排名的辖区" in html
        return []
    return re.findall(r'<tr data-ranked="([^"]+)">', html.split('id="indicator-ranking"', 1)[1].split("</table>", 1)[0])


def _panel(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-indicator="([^"]+)" data-value="([^"]*)"', html))


def test_the_wall_screen_has_no_controls_and_refreshes_itself(web: TestClient) -> None:
    sign_in_as(web, "leader", "secret-pass")
    r = web.get(f"/leader/wall?node={AREA}", headers=HTML)
    assert r.status_code == 200
    html = r.text
    for control in ("<form", "<button", "<nav", "<input", "<select", "<textarea", 'class="topbar"'):
        assert control not in html, control
    seconds = get_settings().wall_refresh_seconds
    assert f'<meta http-equiv="refresh" content="{seconds}">' in html
    assert 'id="wall-map"' in html and 'id="wall-trend"' in html and "echarts.min.js" in html


def test_the_wall_shows_the_figures_of_the_leaders_page(web: TestClient) -> None:
    sign_in_as(web, "leader", "secret-pass")
    wall = web.get(f"/leader/wall?node={AREA}", headers=HTML).text
    year = web.get(f"/leader?node={AREA}&period=year", headers=HTML).text
    month = web.get(f"/leader?node={AREA}&period=month", headers=HTML).text
    tiles = dict(re.findall(r'<div class="tile[^"]*" data-indicator="([^"]+)" data-value="([^"]*)"', wall))
    months = dict(re.findall(r'<div class="tile[^"]*" data-indicator="([^"]+)" data-value="[^"]*" data-month="([^"]*)"',
                             wall))
    k_year, k_month = _kpis(year), _kpis(month)
    for key in ("received", "closed", "open_now", "overdue_now"):
        assert int(tiles[key]) == k_year[key], key
        assert int(months[key]) == k_month[key], key
    assert k_year["received"] == 4  # the three cases of the small city and the ledger's
    panel_year, panel_month = _panel(year), _panel(month)
    for key in ("response_rate", "solved_rate", "satisfaction_rate", "on_time_close_rate", "composite"):
        assert tiles[key] == panel_year[key] and months[key] == panel_month[key], key
    # the rankings are the page's ranking by the same indicator
    ranked = re.findall(r'<li data-code="([^"]+)" data-value="[^"]*"', wall.split('data-ranking="composite"', 1)[1]
                        .split("</ol>", 1)[0])
    page = web.get(f"/leader?node={AREA}&period=year&rank=composite", headers=HTML).text
    assert ranked == _ranking(page)
    assert 'id="wall-link"' in page and f"/leader/wall?node={AREA}" in page


def test_the_wall_of_another_town_is_refused(web: TestClient) -> None:
    sign_in_as(web, "town2", "secret-pass")
    r = web.get(f"/leader/wall?node={TOWN1}", headers=HTML)
    assert r.status_code == 403 and 'data-status="403"' in r.text


def test_the_indicator_panel_and_its_ranking_download_as_shown(web: TestClient) -> None:
    sign_in_as(web, "leader", "secret-pass")
    url = f"/leader?node={AREA}&period=year&rank=satisfaction_rate"
    html = web.get(url, headers=HTML).text
    panel = _panel(html)
    rows = both(web, url + "&table=indicators")
    assert rows[0] == ["分组", "指标", "数值", "单位", "分子", "分母", "每万人"]
    assert len(rows) - 1 == len(panel)
    assert {r[1] for r in rows[1:]} >= {"响应率", "解决率", "满意率", "按期结案率", "综合指标"}
    assert [("" if r[2] == "" else float(r[2])) for r in rows[1:]] == [
        ("" if v == "" else float(v)) for v in panel.values()]
    ranking = both(web, url + "&table=ranking")
    assert [r[1] for r in ranking[1:]] == _ranking(html)
    assert web.get(f"/leader?node={AREA}&rank=nothing", headers=HTML).status_code == 400
