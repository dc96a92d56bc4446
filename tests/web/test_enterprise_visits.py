"""Enterprises in resident-point contact: the demo city registers its enterprises as units,
gives each to the cadre of its grid, and a cadre visits one from their list with the same
phone form (a problem raised becomes a case at the enterprise's address); coverage counts
the enterprises beside the households, equal to a recount."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.cases.models import Case
from huying.contact import visit_service as vs
from huying.contact.models import Address, ContactKind, Unit, Visit, VisitAssignment, VisitCase
from huying.demo.build import BUILD_DATE
from huying.geo.models import Node
from huying.metrics.period import parse_period
from tests.web.scene import HTML, actor, post, sign_in, utcnow


def test_the_demo_gives_its_enterprises_to_cadres(city_session: Session) -> None:
    s = city_session
    demo = select(Unit.id).where(Unit.created_at == BUILD_DATE)  # the demo's (tests may add others)
    units = s.scalar(select(func.count()).select_from(demo.subquery())) or 0
    assigned = s.scalar(select(func.count()).select_from(VisitAssignment).where(
        VisitAssignment.unit_id.in_(demo), VisitAssignment.ended_at.is_(None))) or 0
    assert units > 0 and assigned == units
    city = s.scalar(select(Node).where(Node.level == "city"))
    assert city is not None
    cov = vs.coverage(s, actor(s, "city"), city, parse_period("all", now=utcnow()), now=utcnow())
    visited = s.scalar(select(func.count(func.distinct(Visit.unit_id))).where(Visit.unit_id.is_not(None))) or 0
    every = s.scalar(select(func.count()).select_from(VisitAssignment).where(
        VisitAssignment.unit_id.is_not(None), VisitAssignment.ended_at.is_(None)))
    assert cov.total.units_assigned == every and cov.total.units_visited == visited > 0


def test_a_cadre_visits_an_enterprise_and_its_problem_becomes_a_case(
        city_client: TestClient, city_session: Session) -> None:
    s = city_session
    row = s.execute(select(Unit.code, Unit.name, Address.text).join(Address, Address.id == Unit.address_id)
                    .order_by(Unit.id.desc())).first()
    assert row is not None
    code, name, address = row
    vs.assign(s, actor(s, "city"), code, "gridworker", now=utcnow(), kind=ContactKind.UNIT)
    s.commit()
    sign_in(city_client, "gridworker")
    mine = city_client.get("/visits", headers=HTML)
    assert mine.status_code == 200 and f'data-unit="{code}"' in mine.text and "走访该企业" in mine.text
    form = city_client.get(f"/visits/new?unit={code}", headers=HTML)
    assert form.status_code == 200 and name in form.text and address in form.text
    key = re.search(r'name="key" value="([^"]+)"', form.text)
    assert key and f'name="unit" value="{code}"' in form.text
    done = post(city_client, "/visits", {"unit": code, "how": "door", "problem": "厂区门口排水沟堵塞",
                                          "key": key.group(1)})
    assert done.status_code == 303, done.text
    unit_id = s.scalar(select(Unit.id).where(Unit.code == code))
    visit = s.scalar(select(Visit).where(Visit.unit_id == unit_id).order_by(Visit.id.desc()))
    assert visit is not None and visit.household_id is None
    case_ = s.scalar(select(Case).join(VisitCase, VisitCase.case_id == Case.id).where(VisitCase.visit_id == visit.id))
    assert case_ is not None and case_.channel == "resident_point_visit" and case_.address == address
    # neither or both named: refused with a reason
    assert city_client.get("/visits/new", headers=HTML).status_code == 400
    assert city_client.get(f"/visits/new?unit={code}&household=H0000001", headers=HTML).status_code == 400
