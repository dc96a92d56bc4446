"""The lists leaders ask for as CSV and XLSX: the ledger and the supervision notices hold the
page's rows (every page of them) with the page's filters, scoped by the one policy, with
formula-looking text guarded; on SQLite and PostgreSQL (the small city of
``tests.api.conftest``, the ledger's case added here through the services)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases import service as svc
from huying.orgs.actor import Actor
from huying.orgs.models import User
from tests.api.conftest import NOW, T1_URBAN, Served, make_client, served  # noqa: F401 - the fixture
from tests.web.exports_kit import both, sign_in_as
from tests.web.scene import HTML

TOWN1 = "441900101"
FORMULA = "=HYPERLINK(\"http://x\",\"点我\") 路灯"


@pytest.fixture(scope="module")
def ledger_case(served: Served) -> str:  # noqa: F811
    """A case of town 1 titled like a formula, on a ledger whose plan names a phone number."""
    with Session(served.engine, expire_on_commit=False) as s:
        def who(name: str) -> Actor:
            user = s.scalar(select(User).where(User.username == name))
            assert user is not None
            return Actor.of(s, user)
        at = NOW - dt.timedelta(hours=2)
        case = svc.report(s, who("resident"), svc.ReportIn(title=FORMULA, description="门口", lon=113.05, lat=23.05),
                          channel="resident_web", now=at)
        svc.dispatch(s, case, who("town"), unit=T1_URBAN, now=at)
        svc.open_ledger(s, case, who("town"), plan="先换灯，再查线路，联系13800138000",
                        milestones=[("换灯", NOW + dt.timedelta(days=2)), ("查线路", NOW + dt.timedelta(days=9))],
                        now=at + dt.timedelta(minutes=5))
        return case.code


@pytest.fixture
def client(served: Served) -> Iterator[TestClient]:  # noqa: F811
    yield from make_client(served.url)


def test_the_ledger_downloads_its_rows_guarded_and_masked(client: TestClient, ledger_case: str) -> None:
    sign_in_as(client, "town", "secret-pass")
    html = client.get(f"/ledger?node={TOWN1}", headers=HTML).text
    shown = re.findall(r'<a href="/cases/([^"]+)" class="code"', html)
    assert ledger_case in shown and "format=xlsx" in html
    rows = both(client, f"/ledger?node={TOWN1}")
    assert rows[0] == ["案件", "标题", "状态", "工作方案", "台账", "节点", "办理期限", "节点状态"]
    assert sorted({str(r[0]) for r in rows[1:]}) == sorted(set(shown))
    mine = [r for r in rows[1:] if r[0] == ledger_case]
    assert [r[5] for r in mine] == ["换灯", "查线路"]  # a row per milestone
    assert all(str(r[1]).startswith("'=HYPERLINK") for r in mine), "a formula is written as text"
    assert all("13800138000" not in str(r[3]) for r in mine), "a phone number in the plan is masked"
    assert isinstance(mine[0][6], dt.datetime)  # the due moment is a date in the workbook


def test_another_towns_officer_cannot_download_this_towns_ledger(client: TestClient, ledger_case: str) -> None:
    sign_in_as(client, "town2", "secret-pass")
    for kind in ("csv", "xlsx"):
        r = client.get(f"/ledger?node={TOWN1}&format={kind}", headers=HTML)
        assert r.status_code == 403 and 'data-status="403"' in r.text
        assert "attachment" not in r.headers.get("content-disposition", "")


def _notice_cases(html: str) -> list[str]:
    return re.findall(r'class="muted notice-case">[^<]*<a href="/cases/([^"]+)"', html)


def test_the_notices_download_with_the_pages_filters_and_scope(client: TestClient, ledger_case: str) -> None:
    sign_in_as(client, "leader", "secret-pass")
    html = client.get("/notices", headers=HTML).text
    rows = both(client, "/notices")
    assert rows[0][:3] == ["案件", "督办对象", "督办人"]
    assert [str(r[0]) for r in rows[1:]] == _notice_cases(html) and len(rows) > 1
    assert both(client, "/notices?state=answered")[1:] == []  # nothing answered yet
    waiting = both(client, "/notices?state=unanswered")
    assert [str(r[0]) for r in waiting[1:]] == _notice_cases(client.get("/notices?state=unanswered", headers=HTML).text)
    assert {r[6] for r in waiting[1:]} <= {"待回复", "逾期未回复"}
    # the town 1 officer does not see town 2's notice, in the list nor in the file
    sign_in_as(client, "town", "secret-pass")
    theirs = both(client, "/notices")
    assert [str(r[0]) for r in theirs[1:]] == _notice_cases(client.get("/notices", headers=HTML).text)
    assert len(theirs) < len(rows)
