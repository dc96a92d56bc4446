"""The leader's figure tables as CSV and XLSX: the same rows, headers and numbers as the
page (the nodes below, the rankings, the units), the page's period honoured, the other
town's officer refused with the reason; on SQLite and PostgreSQL (the export scene of
``tests.web.conftest``, signed in through the sign-in form)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.exports_kit import both, cells, sign_in_as, table_rows
from tests.web.scene import HTML

AREA = "441900-A1"
TOWN1 = "441900101"


def _leader(web: TestClient) -> None:
    sign_in_as(web, "leader", "secret-pass")


def test_the_nodes_below_download_as_the_page_shows_them(web: TestClient) -> None:
    _leader(web)
    html = web.get(f"/leader?node={AREA}&period=year&from=2025-03-01", headers=HTML).text
    assert 'data-table="children"' in html and "format=xlsx" in html
    page = {}
    for tr in table_rows(html, "figures"):
        code = re.search(r'data-code="([^"]+)"', tr).group(1)  # type: ignore[union-attr]
        figs = dict(re.findall(r'data-fig="([^"]+)" data-n="(\d+)"', tr))
        page[code] = (cells(tr)[0], figs, cells(tr))
    assert set(page) == {"441900101", "441900102"}
    rows = both(web, f"/leader?node={AREA}&period=year&from=2025-03-01&table=children")
    header, body = rows[0], rows[1:]
    assert header[:4] == ["编号", "名称", "受理数", "已结案"]
    assert [r[0] for r in body] == list(page)  # the page's order
    col = {h: i for i, h in enumerate(header)}
    for r in body:
        name, figs, shown = page[str(r[0])]
        assert r[1] == name
        assert r[col["受理数"]] == int(figs["received"]) and r[col["已结案"]] == int(figs["closed"])
        assert r[col["当前在办"]] == int(figs["open_now"]) and r[col["当前超期"]] == int(figs["overdue_now"])
        assert r[col["上报次数"]] == int(figs["escalations"])
        on_time = r[col["按时办结率（%）"]]
        assert shown[3].startswith("—" if on_time == "" else f"{on_time:.1f}%")
    assert sum(int(r[col["受理数"]]) for r in body) == 4  # c1, c2, c3 and the ledger's case


def test_the_period_of_the_page_is_the_period_of_the_file(web: TestClient) -> None:
    _leader(web)
    rows = both(web, f"/leader?node={AREA}&period=year&from=2024-06-01")
    assert all(r[2] == 0 for r in rows[1:]), "nothing was received in 2024"


def test_rankings_and_units_download_as_on_the_page(web: TestClient) -> None:
    _leader(web)
    url = f"/leader?node={TOWN1}&period=year&from=2025-03-01"
    html = web.get(url, headers=HTML).text
    units = [(re.search(r'data-unit="([^"]+)"', tr).group(1), cells(tr))  # type: ignore[union-attr]
             for tr in table_rows(html, "units")]
    rows = both(web, url + "&table=units")
    assert rows[0] == ["编号", "单位（按超期数从多到少）", "当前在办", "当前超期", "统计期内办结"]
    assert [(r[0], [r[1], *(str(v) if v != "" else "—" for v in r[2:])]) for r in rows[1:]] == units
    ranked = both(web, url + "&table=rankings")
    assert ranked[0][:4] == ["排名榜", "名次", "编号", "名称"]
    shown = re.findall(r'data-ranking="(\w+)".*?</div>', html, re.S)
    assert shown and {str(r[0]) for r in ranked[1:]} <= {"按时办结率（从高到低）", "在办案件超期占比（从低到高）",
                                                          "满意率（从高到低）"}


def test_english_headers_for_an_english_reader(web: TestClient) -> None:
    _leader(web)
    web.cookies.set("lang", "en")
    rows = both(web, f"/leader?node={AREA}&lang=en")
    assert rows[0][:4] == ["Code", "Name", "Received", "Closed"]


def test_another_towns_officer_cannot_download_this_town(web: TestClient) -> None:
    sign_in_as(web, "town2", "secret-pass")
    for kind in ("csv", "xlsx"):
        r = web.get(f"/leader?node={TOWN1}&format={kind}", headers=HTML)
        assert r.status_code == 403 and "attachment" not in r.headers.get("content-disposition", "")
        assert 'data-status="403"' in r.text and "权限" in r.text  # the reason, in words


def test_a_bad_format_or_table_is_refused_with_the_reason(web: TestClient) -> None:
    _leader(web)
    r = web.get(f"/leader?node={AREA}&format=pdf", headers=HTML)
    assert r.status_code == 400 and "attachment" not in r.headers.get("content-disposition", "")
    r = web.get(f"/leader?node={AREA}&format=csv&table=nothing", headers=HTML)
    assert r.status_code == 400
