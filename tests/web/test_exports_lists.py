"""The lists leaders ask for as CSV and XLSX: the ledger and the supervision notices hold the
page's rows (every page of them) with the page's filters, scoped by the one policy, with
formula-looking text guarded; on SQLite and PostgreSQL (the export scene of
``tests.web.conftest``: the small city and a case on a ledger)."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient

from tests.web.conftest import ExportScene
from tests.web.exports_kit import both, sign_in_as
from tests.web.scene import HTML

TOWN1 = "441900101"
def test_the_ledger_downloads_its_rows_guarded_and_masked(web: TestClient, export_scene: ExportScene) -> None:
    sign_in_as(web, "town", "secret-pass")
    html = web.get(f"/ledger?node={TOWN1}", headers=HTML).text
    shown = re.findall(r'<a href="/cases/([^"]+)" class="code"', html)
    ledger_case = export_scene.ledger_case
    assert ledger_case in shown and "format=xlsx" in html
    rows = both(web, f"/ledger?node={TOWN1}")
    assert rows[0] == ["案件", "标题", "状态", "工作方案", "台账", "节点", "办理期限", "节点状态"]
    assert sorted({str(r[0]) for r in rows[1:]}) == sorted(set(shown))
    mine = [r for r in rows[1:] if r[0] == ledger_case]
    assert [r[5] for r in mine] == ["换灯", "查线路"]  # a row per milestone
    assert all(str(r[1]).startswith("'=HYPERLINK") for r in mine), "a formula is written as text"
    assert all("13800138000" not in str(r[3]) for r in mine), "a phone number in the plan is masked"
    assert isinstance(mine[0][6], dt.datetime)  # the due moment is a date in the workbook


def test_another_towns_officer_cannot_download_this_towns_ledger(web: TestClient, export_scene: ExportScene) -> None:
    sign_in_as(web, "town2", "secret-pass")
    for kind in ("csv", "xlsx"):
        r = web.get(f"/ledger?node={TOWN1}&format={kind}", headers=HTML)
        assert r.status_code == 403 and 'data-status="403"' in r.text
        assert "attachment" not in r.headers.get("content-disposition", "")


def _notice_cases(html: str) -> list[str]:
    return re.findall(r'class="muted notice-case">[^<]*<a href="/cases/([^"]+)"', html)


def test_the_notices_download_with_the_pages_filters_and_scope(web: TestClient, export_scene: ExportScene) -> None:
    sign_in_as(web, "leader", "secret-pass")
    html = web.get("/notices", headers=HTML).text
    rows = both(web, "/notices")
    assert rows[0][:3] == ["案件", "督办对象", "督办人"]
    assert [str(r[0]) for r in rows[1:]] == _notice_cases(html) and len(rows) > 1
    assert both(web, "/notices?state=answered")[1:] == []  # nothing answered yet
    waiting = both(web, "/notices?state=unanswered")
    assert [str(r[0]) for r in waiting[1:]] == _notice_cases(web.get("/notices?state=unanswered", headers=HTML).text)
    assert {r[6] for r in waiting[1:]} <= {"待回复", "逾期未回复"}
    # the town 1 officer does not see town 2's notice, in the list nor in the file
    sign_in_as(web, "town", "secret-pass")
    theirs = both(web, "/notices")
    assert [str(r[0]) for r in theirs[1:]] == _notice_cases(web.get("/notices", headers=HTML).text)
    assert len(theirs) < len(rows)
