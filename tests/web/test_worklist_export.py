"""The work list's CSV and XLSX exports hold exactly the rows of the filtered list (every page
of it), named, with no identity numbers or contacts; a cell a spreadsheet would read as a
formula is escaped; residents cannot export."""

from __future__ import annotations

import csv
import io
import re
import uuid

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from huying.web import worklist
from tests.web.scene import HTML, HUMEN_TOWN, report, sign_in

ID_NUMBER = re.compile(r"\b\d{17}[\dXx]\b")


def codes(html: str) -> list[str]:
    return re.findall(r'<tr data-code="([^"]+)"', html)


def all_pages(client: TestClient, query: str) -> list[str]:
    out: list[str] = []
    page = 1
    while True:
        html = client.get(f"/work?{query}&page={page}", headers=HTML).text
        out += codes(html)
        if 'rel="next"' not in html:
            return out
        page += 1


def xlsx_rows(body: bytes) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode()), "a BOM, so that Excel reads UTF-8"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def marked(city_session: Session) -> tuple[str, list[str]]:
    w = "导出" + uuid.uuid4().hex[:8]
    made = [report(city_session, who="gridworker", title=f"{w} 第{i}件", contact="13800138000")
            for i in range(3)]
    made.append(report(city_session, title=f"{w} 居民反映", contact="440101199001011234"))
    made.append(report(city_session, who="gridworker", title=f"{w} 身份证440101199001011234遗失，联系13800138000"))
    return w, [c.code for c in made]


def test_both_exports_hold_exactly_the_rows_of_the_filtered_list(
        city_client: TestClient, marked: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    w, made = marked
    monkeypatch.setattr(worklist, "PAGE", 2)  # the list has pages; the export holds all of them
    sign_in(city_client, "town")
    query = f"tab=all&q={w}&channel=grid_patrol&node={HUMEN_TOWN}"
    listed = all_pages(city_client, query)
    assert len(listed) == 4 and set(listed) <= set(made)

    r = city_client.get(f"/work/export.xlsx?{query}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r.headers["content-disposition"]
    rows = xlsx_rows(r.content)
    assert rows[0][:3] == ["编号", "问题", "状态"]
    assert [row[0] for row in rows[1:]] == listed  # same rows, same order
    assert all(row[2] == "待分派" and row[7] == "网格巡查" for row in rows[1:])  # words, not codes
    assert all(row[3] == "东方社区" for row in rows[1:])  # the community by its name
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:00", row[8]) for row in rows[1:])  # a date cell

    r = city_client.get(f"/work/export.csv?{query}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = csv_rows(r.content)
    assert [row[0] for row in rows[1:]] == listed
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row[8]) for row in rows[1:])
    for body in (r.text, str(xlsx_rows(city_client.get(f"/work/export.xlsx?{query}").content))):
        assert "13800138000" not in body and not ID_NUMBER.search(body)


def test_the_export_is_in_english_when_the_page_is(city_client: TestClient, marked: tuple[str, list[str]]) -> None:
    w, _made = marked
    sign_in(city_client, "town")
    rows = xlsx_rows(city_client.get(f"/work/export.xlsx?tab=all&q={w}&lang=en").content)
    assert rows[0][:3] == ["Code", "Problem", "Status"]
    assert {row[2] for row in rows[1:]} == {"To dispatch"}


def test_a_cell_that_looks_like_a_formula_is_escaped(city_client: TestClient, city_session: Session) -> None:
    w = "公式" + uuid.uuid4().hex[:6]
    evil = report(city_session, title=f"=HYPERLINK(\"http://x\",\"{w}\")")
    report(city_session, title=f"+{w} 加号开头")
    report(city_session, title=f"@{w} at 开头")
    sign_in(city_client, "town")
    rows = xlsx_rows(city_client.get(f"/work/export.xlsx?tab=all&q={w}").content)
    titles = sorted(row[1] for row in rows[1:])
    assert len(titles) == 3 and all(t.startswith("'") for t in titles), titles
    sheet = load_workbook(io.BytesIO(city_client.get(f"/work/export.xlsx?tab=all&q={w}").content)).worksheets[0]
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)  # no formula
    csv_titles = [row[1] for row in csv_rows(city_client.get(f"/work/export.csv?tab=all&q={w}").content)[1:]]
    assert all(t.startswith("'") for t in csv_titles)
    assert any(evil.code == row[0] for row in rows[1:])


def test_too_many_rows_are_refused_with_the_reason(city_client: TestClient, marked: tuple[str, list[str]],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    w, _made = marked
    monkeypatch.setattr(worklist, "EXPORT_MAX", 2)
    sign_in(city_client, "town")
    html = city_client.get(f"/work?tab=all&q={w}", headers=HTML).text
    assert 'id="export-too-many"' in html and 'id="export-xlsx"' not in html
    r = city_client.get(f"/work/export.xlsx?tab=all&q={w}", headers=HTML)
    assert r.status_code == 400 and 'data-reason="too_many"' in r.text


def test_residents_cannot_export(city_client: TestClient) -> None:
    sign_in(city_client, "resident")
    for url in ("/work/export.csv?tab=all", "/work/export.xlsx?tab=all", "/work/nodes", "/work/units?q=镇"):
        assert city_client.get(url, headers=HTML).status_code == 403, url
