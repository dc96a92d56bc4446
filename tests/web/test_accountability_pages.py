"""Responsibilities, reviews and weak organisations on the pages, in the demo city: the lists
with their editing for the city officer (a bad edit refused beside the form, nothing lost),
the demo community's review scored once by an invited council member (the second time
refused with the reason in Chinese; an officer of another town does not see it), and a weak
organisation identified by hand whose clearing is refused until it has a plan."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.accountability.models import DutyItem, Review, WeakFlag
from huying.geo.models import Node
from tests.web.scene import CHANGAN_TOWN, HTML, HUMEN_COMMUNITY, HUMEN_TOWN, post, sign_in


def _community_review(s: Session) -> int:
    rid = s.scalar(select(Review.id).join(Node, Node.id == Review.node_id).where(Node.code == HUMEN_COMMUNITY))
    assert rid is not None, "the demo builds the demo community's review"
    return rid


def test_the_lists_are_shown_and_edited_by_the_city_officer(city_client: TestClient, city_session: Session) -> None:
    c = city_client
    sign_in(c, "town")
    page = c.get("/duties", headers=HTML)
    assert page.status_code == 200 and 'href="/duties"' in page.text and 'href="/weak"' in page.text
    assert "镇街党委抓基层党建责任清单" in page.text and "添加条目" not in page.text
    sign_in(c, "city")
    bad = post(c, "/duties", {"op": "add", "list": "community_duties", "text": "  "})
    assert bad.status_code == 422 and "请填写" in bad.text
    ok = post(c, "/duties", {"op": "add", "list": "community_duties", "text": "组织开展邻里互助（测试）"})
    assert ok.status_code == 303
    item = city_session.scalar(select(DutyItem).where(DutyItem.text == "组织开展邻里互助（测试）"))
    assert item is not None
    assert post(c, "/duties", {"op": "retire", "item": str(item.id), "reason": "测试"}).status_code == 303
    assert "已停用" in c.get("/duties", headers=HTML).text
    sign_in(c, "resident")
    assert c.get("/duties", headers=HTML).status_code == 403


def test_an_invited_reviewer_scores_once_and_others_do_not_see_the_review(
        city_client: TestClient, city_session: Session) -> None:
    c = city_client
    rid = _community_review(city_session)
    sign_in(c, "partner")
    page = c.get(f"/reviews/{rid}", headers=HTML)
    assert page.status_code == 200 and 'id="score-form"' in page.text and "述职报告" in page.text
    names = re.findall(r'name="(score_\d+)"', page.text)
    assert len(names) == 22  # the community's three micro-power lists and eleven duties
    form = {n: "85" for n in names}
    missing = post(c, f"/reviews/{rid}", {"op": "score", **dict(list(form.items())[1:])})
    assert missing.status_code == 422 and "0 到 100" in missing.text
    assert post(c, f"/reviews/{rid}", {"op": "score", **form}).status_code == 303
    again = post(c, f"/reviews/{rid}", {"op": "score", **form})
    assert again.status_code == 409 and "您已经评过分" in again.text
    sign_in(c, "town2")
    assert c.get(f"/reviews/{rid}", headers=HTML).status_code == 404
    sign_in(c, "town")
    shown = c.get("/reviews", headers=HTML).text
    assert f'data-review="{rid}"' in shown


def test_a_weak_organisation_is_identified_and_not_cleared_without_a_plan(
        city_client: TestClient, city_session: Session) -> None:
    """In a town of no demo account's (their work lists stay as the other tests read them)."""
    c = city_client
    flagged = select(Node.code).join(WeakFlag, WeakFlag.node_id == Node.id)
    comm = city_session.scalar(select(Node.code).where(
        Node.level == "community", ~Node.code.startswith(HUMEN_TOWN), ~Node.code.startswith(CHANGAN_TOWN),
        Node.code.not_in(flagged)).order_by(Node.code.desc()))
    assert comm is not None
    sign_in(c, "city")
    assert post(c, "/weak", {"op": "flag", "node": comm, "reason": "组织生活不正常（测试）"}).status_code == 303
    flag = city_session.scalar(select(WeakFlag).join(Node, Node.id == WeakFlag.node_id).where(Node.code == comm))
    assert flag is not None
    page = c.get("/weak", headers=HTML).text
    assert f'id="flag-{flag.id}"' in page and "组织生活不正常（测试）" in page and 'id="counts"' in page
    refused = post(c, "/weak", {"op": "clear", "flag": str(flag.id), "note": "整改完毕"})
    assert refused.status_code == 409 and "尚无整顿方案" in refused.text
    sign_in(c, "town")
    assert f'id="flag-{flag.id}"' not in c.get("/weak", headers=HTML).text
    sign_in(c, "town2")
    refused = post(c, "/weak", {"op": "flag", "node": comm, "reason": "越权"})
    assert refused.status_code == 403 and "您无权进行此操作" in refused.text
