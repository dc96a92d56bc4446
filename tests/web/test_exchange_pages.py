"""The public-welfare exchange (公益汇) on the pages and the API, in the demo city: anyone
browses the projects and reads one without any person's data; the demo organisation's account
pledges (over the need: refused beside the form, nothing stored) and the community's officer
signs the agreement and marks a milestone; every endpoint answers each seat as the rules say."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.community import exchange_service as xs
from huying.community.exchange_models import Pledge, Project
from huying.community.models import CommunityEvent
from huying.orgs import tokens
from huying.orgs.models import Organisation, User
from tests.web.scene import HTML, HUMEN_COMMUNITY, HUMEN_TOWN, actor, post, sign_in, utcnow

PHONE = re.compile(r"1[3-9]\d{9}|1[3-9]\d\*{4}\d{4}|\d{3}\*{4}\d{4}")
MASKED_NAME = re.compile(r"[\u4e00-\u9fff]\*{1,2}(?![\d*])")


def _project(session: Session, *, budget: str = "5000.00", community: str = HUMEN_COMMUNITY,
             by: str = "community") -> str:
    p = xs.post(session, actor(session, by), xs.ProjectIn(
        title="测试长者饭堂页面", need="社区长者午餐（页面测试）", type="elderly_canteen", beneficiaries=40,
        beneficiary_kind="elderly", community=community, budget=budget,
        goods=[xs.GoodsIn("餐桌", 6, "张")], milestones=[("装修", 50), ("开餐", 50)], publish=True), now=utcnow())
    return p.code


def _no_personal_data(session: Session, text: str) -> None:
    people = session.execute(select(User.username, User.display_name)).all()
    names = {n for _, n in people if n and len(n) >= 2}
    leaked = [n for n in names if n in text]
    assert not leaked, leaked[:5]
    assert "demo-" not in text and PHONE.search(text) is None
    assert MASKED_NAME.search(text) is None, MASKED_NAME.search(text)


def test_anyone_browses_the_projects_and_reads_one_without_personal_data(
        city_client: TestClient, city_session: Session) -> None:
    c = city_client
    code = _project(city_session)
    xs.pledge(city_session, actor(city_session, "partner"), code, xs.PledgeIn(amount="1200.00", goods={"餐桌": 2}),
              now=utcnow())
    c.cookies.clear()
    listing = c.get(f"/exchange?town={HUMEN_TOWN}&type=elderly_canteen&needing=1", headers=HTML)
    assert listing.status_code == 200 and "党群公益汇" in listing.text and 'href="/exchange"' in listing.text
    assert code in listing.text
    page = c.get(f"/exchange/projects/{code}", headers=HTML)
    assert page.status_code == 200
    assert "¥3,800.00" in page.text and "企业0001有限公司" in page.text  # organisations are named
    assert "认捐" in page.text and 'id="pledge-form"' not in page.text  # the public sees no form
    _no_personal_data(city_session, page.text)
    api = c.get(f"/api/v1/exchange/projects/{code}")
    assert api.status_code == 200 and api.json()["remaining"] == "3800.00"
    _no_personal_data(city_session, api.text)
    ordered = c.get("/api/v1/exchange/projects?needing=true&limit=50").json()["items"]
    rem = [Decimal(i["remaining"]) for i in ordered if i["remaining"] is not None]
    assert rem == sorted(rem, reverse=True) and len(ordered) == 50  # the demo's projects, largest need first
    assert c.get("/exchange?page=2", headers=HTML).status_code == 200


def test_a_partner_pledges_on_the_page_and_an_officer_signs_the_agreement(
        city_client: TestClient, city_session: Session) -> None:
    c = city_client
    code = _project(city_session, budget="1000.00")
    sign_in(c, "partner")
    page = c.get(f"/exchange/projects/{code}", headers=HTML)
    assert 'id="pledge-form"' in page.text and "您代表" in page.text
    events = city_session.scalar(select(func.count()).select_from(CommunityEvent))
    over = post(c, f"/exchange/projects/{code}/pledge", {"amount": "1000.01"})
    assert over.status_code == 409 and "认捐未被接受" in over.text and "¥1,000.00" in over.text
    city_session.expire_all()
    assert city_session.scalar(select(func.count()).select_from(CommunityEvent)) == events
    bad = post(c, f"/exchange/projects/{code}/pledge", {"amount": "12.345"})
    assert bad.status_code == 422 and 'data-field="amount"' in bad.text
    ok = post(c, f"/exchange/projects/{code}/pledge", {"amount": "400.50"})
    assert ok.status_code == 303
    after = c.get(ok.headers["location"], headers=HTML)
    assert "感谢" in after.text and "¥599.50" in after.text
    sign_in(c, "community")
    page = c.get(f"/exchange/projects/{code}", headers=HTML)
    assert "登记已签订的共建协议" in page.text and 'id="pledge-form"' not in page.text
    today = dt.date.today()
    signed = post(c, f"/exchange/projects/{code}/agreements", {
        "organisation": "441900-ent-0001", "signed_on": today.isoformat(),
        "term_until": (today + dt.timedelta(days=365)).isoformat(), "milestones": "资金到位 | 60\n验收 | 40"})
    assert signed.status_code == 303, signed.text[:1500]
    wrong = post(c, f"/exchange/projects/{code}/agreements", {"organisation": "441900-ent-0001"})
    assert wrong.status_code == 409
    page = c.get(f"/exchange/projects/{code}", headers=HTML)
    assert "共建协议" in page.text and "资金到位" in page.text

    form = c.get("/exchange/new", headers=HTML)
    assert form.status_code == 200 and "东方社区" in form.text and "长安" not in form.text  # within scope
    fields = {"title": "社区书屋", "need": "孩子放学后无处看书", "type": "student_aid", "beneficiaries": "50",
              "beneficiary_kind": "children", "community": HUMEN_COMMUNITY, "budget": "3000",
              "goods": "图书 | 500 | 册", "publish": "1"}
    bad = post(c, "/exchange/projects", {**fields, "milestones": "采购 | 50\n开放 | 40"})
    assert bad.status_code == 422 and 'data-field="milestones"' in bad.text and "合计100" in bad.text
    made = post(c, "/exchange/projects", {**fields, "milestones": "采购 | 60\n开放 | 40"})
    assert made.status_code == 303
    shown = c.get(made.headers["location"], headers=HTML).text
    assert "社区书屋" in shown and "¥3,000.00" in shown and "500册" in shown


ENDPOINTS = [
    ("POST", "/api/v1/exchange/projects"),
    ("POST", "/api/v1/exchange/projects/{code}/publish"),
    ("POST", "/api/v1/exchange/projects/{code}/start"),
    ("POST", "/api/v1/exchange/projects/{code}/complete"),
    ("POST", "/api/v1/exchange/projects/{code}/cancel"),
    ("PUT", "/api/v1/exchange/projects/{code}/milestones"),
    ("POST", "/api/v1/exchange/projects/{code}/milestones/{m}/reach"),
    ("POST", "/api/v1/exchange/projects/{code}/pledges"),
    ("POST", "/api/v1/exchange/projects/{code}/claim"),
    ("POST", "/api/v1/exchange/projects/{code}/agreements"),
    ("GET", "/api/v1/exchange/projects"),
    ("GET", "/api/v1/exchange/projects/{code}"),
]
#: What each seat gets from each endpoint on an open project of 虎门's first community
#: (None: the public). 403: never theirs; 409: theirs but not in this state; 422: their input
#: is refused (the other town's community is outside their scope).
OFFICER = {"POST /projects": 201, "publish": 409, "start": 409, "complete": 409, "cancel": 200,
           "milestones": 200, "reach": 409, "pledges": 403, "claim": 403, "agreements": 422}
NOT_THEIRS = dict.fromkeys(OFFICER, 403)
EXPECTED: dict[str | None, dict[str, int]] = {
    None: dict.fromkeys(OFFICER, 401),
    "community": OFFICER, "town": OFFICER, "city": OFFICER,
    "town2": {**NOT_THEIRS, "POST /projects": 422},
    "partner": {**NOT_THEIRS, "pledges": 201, "claim": 200},
    "resident": NOT_THEIRS, "gridworker": NOT_THEIRS, "handler": NOT_THEIRS, "leader": NOT_THEIRS,
}


def _bodies(code_community: str) -> dict[str, dict[str, object]]:
    today = dt.date.today()
    return {
        "POST /projects": {"title": "矩阵测试", "need": "矩阵测试", "type": "care", "beneficiaries": 3,
                           "beneficiary_kind": "elderly", "community": code_community, "budget": "100.00",
                           "milestones": [{"title": "完成", "weight": 100}], "publish": True},
        "cancel": {"reason": "矩阵测试"}, "milestones": {"milestones": [{"title": "完成", "weight": 100}]},
        "pledges": {"amount": "1.00"}, "claim": {},
        "agreements": {"organisation": "441900-ent-0001", "signed_on": today.isoformat(),
                       "term_until": (today + dt.timedelta(days=30)).isoformat(),
                       "milestones": [{"title": "完成", "weight": 100}]},
    }


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_every_exchange_endpoint_answers_each_seat_by_the_rules(
        city_client: TestClient, city_session: Session, persona: str | None) -> None:
    c = city_client
    c.cookies.clear()
    headers: dict[str, str] = {}
    if persona is not None:
        user = city_session.scalar(select(User).where(User.username == persona))
        assert user is not None
        _, token = tokens.create(city_session, user, "exchange-matrix", now=utcnow())
        city_session.commit()
        headers = {"Authorization": f"Bearer {token}"}
    for (method, template) in ENDPOINTS:
        code = _project(city_session, budget="1000.00")  # a fresh open project for each call
        milestone = xs.get_project(city_session, actor(city_session, "city"), code).milestones[0].id
        key = template.rsplit("/", 1)[-1].replace("{m}", "reach")
        key = "POST /projects" if template.endswith("/projects") and method == "POST" else key
        key = "reach" if template.endswith("/reach") else key
        url = template.format(code=code, m=milestone)
        r = c.request(method, url, json=_bodies(HUMEN_COMMUNITY).get(key, {}), headers=headers)
        if method == "GET":
            assert r.status_code == 200, (persona, url, r.text)
            continue
        assert r.status_code == EXPECTED[persona][key], (persona, method, url, r.status_code, r.text[:300])
    city_session.expire_all()
    org = city_session.scalar(select(Organisation.id).where(Organisation.code == "441900-ent-0001"))
    assert org is not None and city_session.scalar(select(func.count()).select_from(Pledge)) >= 1
    assert city_session.scalar(select(func.count()).select_from(Project)) > 130
