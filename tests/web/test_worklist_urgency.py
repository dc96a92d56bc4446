"""'Mine to handle' lists the most urgent first (the longest overdue, then the soonest due);
a case is badged 'due soon' only once the SLA's warning moment has passed, never when new."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from huying.cases import timing
from tests.web.scene import HTML, dispatched, report, sign_in, utcnow


def rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr data-code="([^"]+)".*?<td class="col-left">(.*?)</td>', html, flags=re.S)


def test_mine_lists_the_longest_overdue_first(city_client: TestClient, city_session: Session) -> None:
    w = "紧急" + uuid.uuid4().hex[:8]
    now = utcnow()
    recent = dispatched(city_session, title=f"{w} 刚派", at=now)
    old = dispatched(city_session, title=f"{w} 十天前", at=now - dt.timedelta(days=10))
    middle = dispatched(city_session, title=f"{w} 三天前", at=now - dt.timedelta(days=3))
    sign_in(city_client, "gridworker")
    html = city_client.get(f"/work?tab=mine&q={w}", headers=HTML).text
    listed = [code for code, _ in rows(html)]
    assert listed == [old.code, middle.code, recent.code]
    assert "超期" in dict(rows(html))[old.code]


def test_a_new_case_is_not_badged_due_soon(city_client: TestClient, city_session: Session) -> None:
    case = report(city_session, title="新的问题" + uuid.uuid4().hex[:6])
    now = utcnow()
    assert case.due_at is not None and case.due_at > now
    assert not timing.due_soon(case, now)
    sign_in(city_client, "community")
    html = city_client.get(f"/work?tab=all&q={case.code}", headers=HTML).text
    (code, left), = rows(html)
    assert code == case.code and "badge soon" not in left and "badge overdue" not in left
    assert "剩余" in left
    # past its warning moment (the last fifth of the step's time), it is due soon
    assert case.sweep_at is not None
    later = case.sweep_at + dt.timedelta(minutes=1)
    assert later < case.due_at and timing.due_soon(case, later)
    overdue_tab = city_client.get(f"/work?tab=overdue&q={case.code}", headers=HTML).text
    assert case.code not in overdue_tab.split('id="queue"')[1]
