"""The notices page: filters by state and unit, 20 to a page, each notice naming who issued
it, the reply forms folded behind a button."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.cases import service as svc
from huying.cases.models import SupervisionNotice
from huying.orgs.models import Organisation
from tests.web.scene import HTML, HUMEN_GRID, actor, dispatched, post, sign_in, utcnow

TEAM = f"{HUMEN_GRID}-team"


def _notices_of_the_team(session: Session, n: int) -> list[int]:
    ids = []
    leader = actor(session, "leader")
    for i in range(n):
        case = dispatched(session, title=f"督办测试 {i}")
        svc.perform(session, case, leader, "supervise", now=utcnow(), params={"reason": f"请尽快处理 {i}"})
        ids.append(case.id)
    return ids


def _shown(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-notice="(\d+)"', html)]


def test_filters_and_pages(city_client: TestClient, city_session: Session) -> None:
    _notices_of_the_team(city_session, 22)
    team_id = city_session.scalar(select(Organisation.id).where(Organisation.code == TEAM))
    want = city_session.scalar(select(func.count()).select_from(SupervisionNotice).where(
        SupervisionNotice.unit_id == team_id, SupervisionNotice.open_clause())) or 0
    assert want >= 22
    sign_in(city_client, "leader")
    page1 = city_client.get(f"/notices?state=unanswered&unit={TEAM}", headers=HTML)
    assert page1.status_code == 200
    assert f'data-total="{want}"' in page1.text
    assert len(_shown(page1.text)) == 20
    assert f'<option value="{TEAM}" translate="no" selected>' in page1.text
    assert "page=2" in page1.text and "state=unanswered" in page1.text
    page2 = city_client.get(f"/notices?state=unanswered&unit={TEAM}&page=2", headers=HTML).text
    assert set(_shown(page2)).isdisjoint(_shown(page1.text))
    assert len(_shown(page1.text)) + len(_shown(page2)) == min(want, 40)
    answered = city_client.get(f"/notices?state=answered&unit={TEAM}", headers=HTML).text
    assert not set(_shown(answered)) & set(_shown(page1.text))
    # every notice shown names its issuer: a person for the leader's, the system for the sweeper's
    assert page1.text.count('class="muted issuer"') == 20 and page1.text.count("演示市领导") >= 20


def test_the_reply_form_is_folded_and_answering_moves_the_notice(city_client: TestClient,
                                                                  city_session: Session) -> None:
    _notices_of_the_team(city_session, 1)
    sign_in(city_client, "gridworker")
    html = city_client.get(f"/notices?state=unanswered&unit={TEAM}", headers=HTML).text
    first = _shown(html)[0]
    box = re.search(rf'data-notice="{first}".*?</article>', html, re.S)
    assert box is not None
    assert '<details class="reply-box">' in box.group(0)  # folded: no "open"
    assert box.group(0).index("<summary") < box.group(0).index("<form")
    r = post(city_client, f"/notices/{first}/reply", {"reply": "已安排人员处理", "back": "/notices?replied=1"})
    assert r.status_code == 303, r.text[:300]
    answered = city_client.get(f"/notices?state=answered&unit={TEAM}", headers=HTML).text
    assert first in _shown(answered)
    assert first not in _shown(city_client.get(f"/notices?state=unanswered&unit={TEAM}", headers=HTML).text)


def test_a_refused_reply_comes_back_to_the_same_list_with_its_form_open(city_client: TestClient,
                                                                        city_session: Session) -> None:
    _notices_of_the_team(city_session, 1)
    sign_in(city_client, "gridworker")
    html = city_client.get(f"/notices?state=unanswered&unit={TEAM}", headers=HTML).text
    first = _shown(html)[0]
    action = re.search(rf'action="(/notices/{first}/reply[^"]*)"', html)
    assert action is not None and "state=unanswered" in action.group(1)
    r = post(city_client, action.group(1).replace("&amp;", "&"), {"reply": "   ", "back": "/notices"})
    assert r.status_code == 422
    box = re.search(rf'data-notice="{first}".*?</article>', r.text, re.S)
    assert box is not None and '<details class="reply-box" open>' in box.group(0)
    assert 'data-field="reply"' in box.group(0)
    assert '<option value="unanswered" selected>' in r.text
