"""The community resources pages (社区资源) in the demo city: the community officer lands on
their community with its council, lists and matches explained in words; adds a need (a bad
one is refused beside its field); runs the matcher; moves a match; a town officer sees the
communities of their town only; a resident and another town's officer are kept out."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.community.lists_models import Match, Need
from huying.geo.models import Node
from tests.web.scene import CHANGAN_TOWN, HTML, HUMEN_GRID, HUMEN_TOWN, post, shown_errors, sign_in

COMMUNITY = HUMEN_GRID[:-3]


def test_an_officer_keeps_the_lists_and_matches_on_the_pages(city_client: TestClient, city_session: Session) -> None:
    c = city_client
    sign_in(c, "community")
    landing = c.get("/community", headers=HTML, follow_redirects=False)
    assert landing.status_code == 303 and landing.headers["location"] == f"/community/{COMMUNITY}"
    page = c.get(f"/community/{COMMUNITY}", headers=HTML)
    assert page.status_code == 200, page.text[:500]
    for words in ("社区资源", "共建议事会", "需求清单", "服务清单", "资源清单", "示例共建单位", "个名额"):
        assert words in page.text, words
    assert 'href="/community"' in page.text
    assert re.search(r"(养老助餐|助医|助学|家政|法律咨询|心理疏导|文体活动|志愿服务|场地) · [\d.,]+ k?m · ", page.text)
    bad = post(c, f"/community/{COMMUNITY}/needs", {"type": "legal_advice", "windows": "周六上午", "people": "1"})
    assert bad.status_code == 422 and shown_errors(bad.text) == ["windows"]
    good = post(c, f"/community/{COMMUNITY}/needs", {"type": "legal_advice", "windows": "Sa 9-12", "people": "2",
                                                     "note": "页面测试需求"})
    assert good.status_code == 303
    need = city_session.scalar(select(Need).where(Need.note == "页面测试需求"))
    assert need is not None and need.people == 2
    assert post(c, f"/community/{COMMUNITY}/propose").status_code == 303
    proposed = city_session.scalar(
        select(Match).join(Need, Need.id == Match.need_id).join(Node, Node.id == Need.node_id)
        .where(Match.status == "proposed", Node.code == COMMUNITY).order_by(Match.id.desc()))
    if proposed is not None:
        moved = post(c, f"/community/matches/{proposed.id}/act", {"action": "decline"})
        assert moved.status_code == 303
        city_session.expire_all()
        assert city_session.get(Match, proposed.id).status == "declined"  # type: ignore[union-attr]
    en = c.get(f"/community/{COMMUNITY}?lang=en", headers=HTML)
    assert "Needs list" in en.text and "places left" in en.text and "需求清单" not in en.text


def test_scope_on_the_pages(city_client: TestClient) -> None:
    c = city_client
    sign_in(c, "town")
    index = c.get("/community", headers=HTML)
    assert index.status_code == 200 and COMMUNITY in index.text and CHANGAN_TOWN not in index.text
    assert all(code.startswith(HUMEN_TOWN) for code in re.findall(r'data-node="(\d+)"', index.text))
    sign_in(c, "town2")
    assert c.get(f"/community/{COMMUNITY}", headers=HTML).status_code == 403
    sign_in(c, "resident")
    assert c.get(f"/community/{COMMUNITY}", headers=HTML).status_code == 403
    assert c.get("/community", headers=HTML).status_code == 403


def test_a_councils_project_decision_opens_the_exchange_form_filled_in(city_client: TestClient,
                                                                      city_session: Session) -> None:
    from huying.community.council_models import CouncilDecision, CouncilMeeting

    c = city_client
    sign_in(c, "community")
    decision = city_session.scalar(
        select(CouncilDecision).join(CouncilMeeting, CouncilMeeting.id == CouncilDecision.meeting_id)
        .join(Node, Node.id == CouncilMeeting.node_id)
        .where(Node.code == COMMUNITY, CouncilDecision.kind == "project", CouncilDecision.project_id.is_(None)))
    assert decision is not None, "the demo's council of this community decides a project"
    page = c.get(f"/community/{COMMUNITY}", headers=HTML)
    assert f'href="/exchange/new?decision={decision.id}"' in page.text and "发布为公益项目" in page.text
    form = c.get(f"/exchange/new?decision={decision.id}", headers=HTML)
    assert form.status_code == 200
    assert f'name="decision" value="{decision.id}"' in form.text and decision.text in form.text
    assert re.search(rf'<option value="{COMMUNITY}" selected>', form.text)
    missing = c.get("/exchange/new?decision=999999", headers=HTML)
    assert missing.status_code == 422 and shown_errors(missing.text) == ["decision"] and "议事会决定" in missing.text
