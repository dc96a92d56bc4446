"""我的走访户 for a cadre: their households, overdue first, each with a 走访 button; the
phone form shows the household by address and its head's masked name; a plain post records
the visit once per form key; others are refused."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.contact import visit_service as vs
from huying.contact.models import Household, Visit
from huying.orgs.models import Person
from tests.web.scene import HTML, assigned_households, csrf, post, sign_in, utcnow


def test_a_cadre_sees_their_households_overdue_first_and_records_a_visit(
        city_client: TestClient, city_session: Session) -> None:
    s = city_session
    late = assigned_households(s, 1, since=utcnow() - dt.timedelta(days=120))
    fresh = assigned_households(s, 1, since=utcnow())
    sign_in(city_client, "gridworker")
    r = city_client.get("/visits", headers=HTML)
    assert r.status_code == 200
    assert "我的走访户" in r.text and 'href="/visits"' in r.text  # in the navigation too
    order = re.findall(r'data-household="([^"]+)" data-state="([^"]+)"', r.text)
    assert (late[0], "overdue") in order and (fresh[0], "ok") in order
    states = [st for _, st in order]
    assert states == sorted(states, key=["overdue", "due", "ok"].index)  # overdue, then due, then the rest
    assert r.text.count(">走访</a>") == len(order)

    hh = s.scalar(select(Household).where(Household.code == late[0]))
    assert hh is not None
    form = city_client.get(f"/visits/new?household={late[0]}", headers=HTML)
    assert form.status_code == 200
    assert hh.address in form.text
    head = s.scalar(select(Person.name).where(Person.household_id == hh.id).order_by(Person.id))
    if head:
        assert head not in form.text and vs.mask_name(head) in form.text and "*" in vs.mask_name(head)
    for word in ("入户", "电话", "线上", "独居老人", "留守儿童", "提交走访"):
        assert word in form.text, word
    key = re.search(r'name="key" value="([^"]+)"', form.text)
    assert key
    data = {"household": late[0], "how": "door", "notes": "一切正常", "needs": ["elder_alone"], "key": key.group(1)}
    for _ in range(2):  # sent twice (a double tap): stored once
        done = post(city_client, "/visits", data)
        assert done.status_code == 303 and done.headers["location"] == "/visits?done=1"
    assert s.scalar(select(func.count()).select_from(Visit).where(Visit.household_id == hh.id)) == 1
    after = city_client.get("/visits?done=1", headers=HTML).text
    assert "走访已记录" in after
    assert (late[0], "ok") in re.findall(r'data-household="([^"]+)" data-state="([^"]+)"', after)


def test_bad_input_is_shown_beside_the_form(city_client: TestClient, city_session: Session) -> None:
    [code] = assigned_households(city_session, 1)
    sign_in(city_client, "gridworker")
    r = post(city_client, "/visits", {"household": code, "how": "pigeon", "key": "k-bad"})
    assert r.status_code == 422 and "请选择联系方式" in r.text
    r = post(city_client, "/visits", {"household": code, "how": "door", "notes": "a\x07b", "key": "k-bad2"})
    assert r.status_code == 422


def test_others_may_not_open_the_form(city_client: TestClient, city_session: Session) -> None:
    [code] = assigned_households(city_session, 1)
    city_session.commit()
    for who, status in (("resident", 403), ("town2", 403), ("handler", 403)):
        sign_in(city_client, who)
        assert city_client.get(f"/visits/new?household={code}", headers=HTML).status_code == status, who
    sign_in(city_client, "resident")
    assert city_client.get("/visits", headers=HTML).status_code == 403


def test_the_script_gets_the_reason_in_the_pages_words(city_client: TestClient, city_session: Session) -> None:
    [code] = assigned_households(city_session, 1)
    sign_in(city_client, "gridworker")
    r = city_client.post("/visits", data={"household": code, "how": "fax", "key": "k-js",
                                          "csrf_token": csrf(city_client)},
                         headers={"accept": "application/json"}, follow_redirects=False)
    assert r.status_code == 422
    body = r.json()
    assert body["field"] == "how" and "请选择联系方式" in body["html"]


def test_officers_see_coverage_within_their_scope(city_client: TestClient) -> None:
    sign_in(city_client, "town")
    r = city_client.get("/visits/coverage?node=441900121&period=quarter", headers=HTML)
    assert r.status_code == 200
    assert "走访覆盖" in r.text and "覆盖率" in r.text and 'id="coverage-children"' in r.text
    assert city_client.get("/visits/coverage?node=441900119", headers=HTML).status_code == 403  # 长安镇
    assert city_client.get("/visits/coverage?node=441900121&period=decade", headers=HTML).status_code in (400, 422)
    assert 'href="/visits/coverage"' in city_client.get("/visits", headers=HTML).text
    sign_in(city_client, "resident")
    assert city_client.get("/visits/coverage", headers=HTML).status_code == 403
