"""Reading a page's table and its downloads back, for the export tests: the XLSX through
openpyxl, the CSV through the csv module (with its BOM), and the rows of an HTML table."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from html import unescape

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from huying.http.sheets import WHEN
from tests.web.scene import CSRF, HTML


def xlsx_rows(body: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode()), "a BOM, so that Excel reads UTF-8"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _plain(v: object) -> str:
    """A cell as text, a number as its value (the XLSX keeps 100.0 as 100, the CSV as 100.0)."""
    if isinstance(v, dt.datetime):  # a date in the workbook, "YYYY-MM-DD HH:MM" in the CSV
        return v.strftime(WHEN)
    text = str(v)
    try:
        return f"{float(text):g}" if text.strip() and not text.startswith("'") else text
    except ValueError:
        return text


def as_text(rows: list[list[object]] | list[list[str]]) -> list[list[str]]:
    """Cells as comparable text, whether read from the XLSX or the CSV."""
    return [[_plain(v) for v in row] for row in rows]


def download(client: TestClient, url: str, kind: str) -> bytes:
    sep = "&" if "?" in url else "?"
    r = client.get(f"{url}{sep}format={kind}", headers=HTML)
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    assert "attachment" in r.headers["content-disposition"]
    return r.content


def both(client: TestClient, url: str) -> list[list[object]]:
    """The XLSX of ``url`` read back, after checking that its CSV holds the same cells."""
    x = xlsx_rows(download(client, url, "xlsx"))
    c = csv_rows(download(client, url, "csv"))
    assert as_text(x) == as_text(c)
    return x


def table_rows(html: str, table_id: str) -> list[str]:
    """The ``<tr>`` elements of the body of the table ``table_id``."""
    part = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    body = part.split("<tbody>", 1)[1]
    return re.findall(r"<tr[^>]*>.*?</tr>", body, re.S)


def cells(tr: str) -> list[str]:
    """The texts of a row's cells, tags dropped, spaces squeezed."""
    out = []
    for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, re.S):
        out.append(" ".join(unescape(re.sub(r"<[^>]+>", " ", c)).split()))
    return out


def sign_in_as(client: TestClient, username: str, password: str) -> None:
    client.cookies.clear()
    token = CSRF.search(client.get("/login", headers=HTML).text)
    assert token
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token.group(1)},
                    headers=HTML, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
