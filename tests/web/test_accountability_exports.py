"""The accountability pages download their tables as CSV and XLSX: the responsibility items
with a town's evidence, the reviews a person may see, the weak organisations and their
yearly counts, each with the page's filters and within the person's scope; read back, the
file holds the page's rows."""

from __future__ import annotations

import csv
import io
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.web.conftest import DEMO_TODAY
from tests.web.scene import CHANGAN_TOWN, HTML, HUMEN_TOWN, sign_in

YEAR = int(DEMO_TODAY[:4]) - 1  # the demo's published reviews


def _xlsx(client: TestClient, url: str) -> list[list[object]]:
    r = client.get(url, headers=HTML)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(r.content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _csv(client: TestClient, url: str) -> list[list[str]]:
    r = client.get(url, headers=HTML)
    assert r.status_code == 200, r.text[:300]
    assert r.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))


def test_the_reviews_download_as_the_page_lists_them(city_client: TestClient) -> None:
    sign_in(city_client, "city")
    page = city_client.get(f"/reviews?year={YEAR}", headers=HTML).text
    shown = re.findall(r'<tr data-review="\d+"><td><a href="/reviews/\d+" translate="no">([^<]+)</a></td>', page)
    assert len(shown) >= 33 and 'data-format="xlsx"' in page
    rows = _xlsx(city_client, f"/reviews?year={YEAR}&format=xlsx")
    head = re.findall(r"<th>([^<]+)</th>", page.split("<thead>", 1)[1].split("</thead>", 1)[0])
    assert rows[0][:4] == head  # the page's own headers, then the published mean
    assert [r[0] for r in rows[1:]] == shown
    assert all(isinstance(r[4], float) and 0 <= r[4] <= 100 for r in rows[1:] if r[2] == "已公布")
    assert [r[0] for r in _csv(city_client, f"/reviews?year={YEAR}&format=csv")[1:]] == shown


def test_a_towns_duties_and_evidence_download_within_scope(city_client: TestClient) -> None:
    sign_in(city_client, "town")
    rows = _xlsx(city_client, f"/duties?node={HUMEN_TOWN}&year={YEAR}&format=xlsx")
    page = city_client.get(f"/duties?node={HUMEN_TOWN}&year={YEAR}", headers=HTML).text
    items = re.findall(r'<li id="item-\d+" value="\d+"[^>]*>\s*<span translate="no">([^<]+)</span>', page)
    assert [r[3] for r in rows[1:]] == items and len(items) >= 20
    assert len({r[1] for r in rows[1:]}) == 1  # the lists of the town's level only
    # another town is outside the town officer's scope: refused with the reason, no file
    r = city_client.get(f"/duties?node={CHANGAN_TOWN}&year={YEAR}&format=xlsx", headers=HTML)
    assert r.status_code == 403 and "application/vnd" not in r.headers["content-type"]
    assert city_client.get(f"/duties?node={HUMEN_TOWN}&format=pdf", headers=HTML).status_code == 400


def test_weak_organisations_and_their_counts_download(city_client: TestClient) -> None:
    sign_in(city_client, "city")
    page = city_client.get("/weak", headers=HTML).text
    flags = len(re.findall(r'<article class="weak-flag', page))
    rows = _xlsx(city_client, "/weak?format=xlsx")
    assert len(rows) - 1 == flags and flags >= 4
    assert all(str(r[5]).startswith("441900") for r in rows[1:])  # each with its case's code
    counts = _xlsx(city_client, "/weak?format=xlsx&table=counts")
    head = re.findall(r"<th>([^<]+)</th>", page.split('id="counts"', 1)[1].split("</thead>", 1)[0])
    assert counts[0] == head
    assert sum(int(r[2]) for r in counts[1:]) == flags
    assert city_client.get("/weak?format=xlsx&table=nope", headers=HTML).status_code == 400
