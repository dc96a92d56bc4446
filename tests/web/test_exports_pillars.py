"""The lists and figure tables of the three pillars download as their pages show them, in
the demo city (SQLite; the PostgreSQL runs of the downloads are the leader's figures, the
ledger and the notices): the walks' figures, visit coverage by sub-area, the exchange's
projects with the page's filter, the register's households (heads masked as on the page)
and a community's needs; a town officer cannot download another town's register."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.exports_kit import both, cells, table_rows
from tests.web.scene import CHANGAN_TOWN, HTML, HUMEN_GRID, HUMEN_TOWN, sign_in

COMMUNITY = HUMEN_GRID[:12]


def _numbers(row: list[str]) -> list[str]:
    return [c.replace("%", "") for c in row]


def test_walk_figures_and_visit_coverage_download_as_shown(city_client: TestClient) -> None:
    sign_in(city_client, "town")
    html = city_client.get("/walks?period=year", headers=HTML).text
    part = html.split('id="walk-figures"', 1)[1]
    body = part.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    shown = [[re.search(r'data-node="([^"]+)"', tr).group(1), *cells(tr)]  # type: ignore[union-attr]
             for tr in re.findall(r"<tr[^>]*>.*?</tr>", body, re.S)]
    rows = both(city_client, "/walks?period=year&table=figures")
    assert rows[0] == ["编号", "下级辖区", "行走", "问题", "立行立改", "挂账", "已结案"]
    assert [[str(c) for c in r] for r in rows[1:]] == shown
    html = city_client.get(f"/visits/coverage?node={HUMEN_TOWN}&period=year", headers=HTML).text
    shown = [[re.search(r'data-node="([^"]+)"', tr).group(1), *_numbers(cells(tr))]  # type: ignore[union-attr]
             for tr in table_rows(html, "coverage-children")]
    rows = both(city_client, f"/visits/coverage?node={HUMEN_TOWN}&period=year&table=areas")
    assert len(rows) - 1 == len(shown) > 0
    for r, s in zip(rows[1:], shown, strict=True):
        assert [r[0], r[1], str(r[2]), str(r[3])] == s[:4] and str(r[5]) == s[5]
        assert (r[4] == "" and s[4] == "–") or f"{float(r[4]):.0f}" == s[4]  # the page rounds to whole percents


def test_the_exchange_downloads_its_filtered_projects(city_client: TestClient) -> None:
    sign_in(city_client, "leader")
    codes: list[str] = []
    page = 1
    while True:
        html = city_client.get(f"/exchange?needing=1&page={page}", headers=HTML).text
        codes += re.findall(r'<li data-project="([^"]+)"', html)
        if 'id="page-next"' not in html:
            break
        page += 1
    rows = both(city_client, "/exchange?needing=1")
    assert [r[0] for r in rows[1:]] == codes and codes
    everything = both(city_client, "/exchange")
    assert len(everything) > len(rows), "the filter is honoured"


def test_the_register_downloads_its_households_masked_as_on_the_page(city_client: TestClient) -> None:
    sign_in(city_client, "community")
    url = f"/register?node={HUMEN_GRID}&origin=migrant"
    html = city_client.get(url, headers=HTML).text
    shown = re.findall(r'<li data-household="([^"]+)">\s*<a [^>]*>([^<]*)</a>\s*(?:<span translate="no">([^<]*)</span>)?',
                       html)
    rows = both(city_client, url)
    assert len(rows[0]) == 6 and rows[0][1] == "地址"
    total = int(re.search(r'id="register-total">[^0-9]*(\d+)', html).group(1))  # type: ignore[union-attr]
    assert len(rows) - 1 == total
    by_code = {str(r[0]): r for r in rows[1:]}
    for code, address, head in shown:
        assert by_code[code][1] == address.strip() and str(by_code[code][2]) == head.strip()
        assert not re.search(r"\d{11}|\d{17}[\dXx]", " ".join(str(c) for c in by_code[code]))
    sign_in(city_client, "town2")
    r = city_client.get(f"/register?node={HUMEN_GRID}&format=xlsx", headers=HTML)
    assert r.status_code in (403, 404) and "attachment" not in r.headers.get("content-disposition", "")


def test_a_communitys_needs_download_as_listed(city_client: TestClient) -> None:
    sign_in(city_client, "community")
    html = city_client.get(f"/community/{COMMUNITY}", headers=HTML).text
    shown = [cells(tr) for tr in table_rows(html, "need-list")]
    rows = both(city_client, f"/community/{COMMUNITY}?table=needs")
    assert [[str(c) for c in r] for r in rows[1:]] == shown and shown
    assert CHANGAN_TOWN not in "".join(str(c) for r in rows for c in r)


def test_the_deployments_download_as_listed(city_client: TestClient) -> None:
    sign_in(city_client, "town")
    html = city_client.get("/deployments", headers=HTML).text
    shown = re.findall(r'<li data-deployment="[^"]+" data-status="[^"]+">.*?<strong translate="no">([^<]*)</strong>', html,
                       re.S)
    rows = both(city_client, "/deployments")
    assert rows[0][:3] == ["下沉批次", "状态", "地点"]
    assert [str(r[0]) for r in rows[1:]] == shown
