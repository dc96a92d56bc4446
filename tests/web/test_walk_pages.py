"""The walk pages (行走) in Chinese: a town officer plans a walk (the form refuses a past day
beside the field), starts it, records a problem fixed on the spot and one put on a ledger
from the phone form, and finds them in the walk log; the others see the walk once started,
within scope only."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases.models import Case
from huying.contact import walk_service as ws
from huying.contact.walk_models import Walk, WalkCase
from huying.geo.models import Node
from tests.web.scene import HTML, HUMEN_GRID, actor, point_in, post, shown_errors, sign_in, utcnow

PLACE = "步行街口试走标记"


def test_a_walk_from_plan_to_problems_on_the_pages(city_client: TestClient, city_session: Session) -> None:
    c = city_client
    sign_in(c, "town")
    log = c.get("/walks", headers=HTML)
    assert log.status_code == 200 and "行走记录" in log.text and 'href="/walks"' in log.text
    form = c.get("/walks/new", headers=HTML)
    assert form.status_code == 200 and "虎门" in form.text and "长安" not in form.text  # within scope
    today = ws.today(utcnow())
    bad = post(c, "/walks", {"node": HUMEN_GRID[:-3], "planned_on": (today - dt.timedelta(days=1)).isoformat()})
    assert bad.status_code == 422 and shown_errors(bad.text) == ["planned_on"]
    done = post(c, "/walks", {"node": "", "grid": HUMEN_GRID, "planned_on": today.isoformat(), "place": PLACE})
    assert done.status_code == 303, done.text[:500]
    url = done.headers["location"].split("?")[0]
    page = c.get(url, headers=HTML)
    assert PLACE in page.text and "开始行走" in page.text

    for other in ("leader", "community", "city"):
        sign_in(c, other)
        assert c.get(url, headers=HTML).status_code == 404
        assert PLACE not in c.get("/walks", headers=HTML).text
    sign_in(c, "town")
    assert post(c, f"{url}/start").status_code == 303
    lon, lat = point_in(city_session, HUMEN_GRID)
    problem = c.get(f"{url}/problem", headers=HTML)
    assert problem.status_code == 200 and "立行立改" in problem.text and "挂账" in problem.text
    missing = post(c, f"{url}/problems", {"what": "井盖松动", "outcome": "fixed_on_spot", "lon": lon, "lat": lat})
    assert missing.status_code == 422 and shown_errors(missing.text) == ["evidence"]
    fixed = post(c, f"{url}/problems", {"what": "井盖松动", "outcome": "fixed_on_spot", "lon": lon, "lat": lat,
                                        "evidence": "已现场固定"})
    assert fixed.status_code == 303
    ledger = post(c, f"{url}/problems", {"what": "人行道破损", "outcome": "ledger", "lon": lon, "lat": lat,
                                         "plan": "重新铺设", "due": (today + dt.timedelta(days=20)).isoformat()})
    assert ledger.status_code == 303, ledger.text[:2000]
    codes = [re.search(r"recorded=([^&]+)", r.headers["location"]).group(1) for r in (fixed, ledger)]  # type: ignore[union-attr]
    city_session.expire_all()
    statuses = [city_session.scalar(select(Case.status).where(Case.code == code)) for code in codes]
    assert statuses == ["closed", "dispatched"]
    walk = c.get(url, headers=HTML)
    assert all(code in walk.text for code in codes) and "立行立改" in walk.text
    assert post(c, f"{url}/end").status_code == 303
    assert c.get(f"{url}/problem", headers=HTML).status_code == 409  # ended: no more problems

    sign_in(c, "leader")
    assert PLACE in c.get(url, headers=HTML).text
    assert PLACE in c.get("/walks", headers=HTML).text
    sign_in(c, "town2")
    assert c.get(url, headers=HTML).status_code == 404
    for persona in ("resident", "gridworker", "handler", "admin"):
        sign_in(c, persona)
        assert c.get("/walks", headers=HTML).status_code == 403
        assert c.get(url, headers=HTML).status_code == 404


def test_the_demo_city_has_walks_whose_problems_entered_the_loop(city_session: Session) -> None:
    s = city_session
    if s.scalar(select(Walk.id).limit(1)) is None:
        pytest.skip("the tiny city has no demo walks (HUYING_WEB_TEST_CITY=tiny)")
    outcomes = {o for (o,) in s.execute(select(WalkCase.outcome))}
    assert outcomes == {"fixed_on_spot", "ledger"}
    channels = set(s.scalars(select(Case.channel).join(WalkCase, WalkCase.case_id == Case.id)))
    assert channels == {"inspection_walk"}
    ended = s.scalars(select(Walk.node_id).where(Walk.status == "ended")).all()
    assert len(ended) >= 10
    towns = {p.split("/")[2] for p in s.scalars(
        select(Node.path).join(Walk, Walk.node_id == Node.id))}
    assert len(towns) >= 4  # walks in several towns
    planned = s.scalar(select(Walk).where(Walk.status == "planned"))
    assert planned is not None  # the leader's: nobody else sees it
    for who in ("city", "town", "town2", "community"):
        assert all(v.walk.id != planned.id for v in ws.list_walks(s, actor(s, who), limit=500)[1])
