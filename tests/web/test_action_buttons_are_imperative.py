"""A button says what the person does (分类, not 已分类); the timeline says what was done."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.web.scene import HTML, in_progress, report, sign_in


def summary(html: str, action: str) -> str:
    m = re.search(rf'<details class="action" data-action="{action}"[^>]*>\s*<summary[^>]*>(.*?)</summary>',
                  html, re.S)
    assert m, action
    return m.group(1).strip()


def test_the_buttons_are_imperative_and_the_timeline_is_not(
        city_client: TestClient, city_session: Session) -> None:
    new = report(city_session, title="路灯不亮")
    working = in_progress(city_session, title="井盖松动")
    city_session.commit()
    sign_in(city_client, "community")
    page = city_client.get(f"/cases/{new.code}", headers=HTML).text
    assert summary(page, "classify") == "分类"
    assert "已分类" not in page
    assert re.search(r'<span class="what">已上报</span>', page)  # what was done
    sign_in(city_client, "gridworker")
    page = city_client.get(f"/cases/{working.code}", headers=HTML).text
    assert summary(page, "mark_handled") == "提交处理结果"
    assert ">提交处理结果</button>" in page
