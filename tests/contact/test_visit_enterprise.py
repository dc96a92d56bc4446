"""An enterprise is assigned, visited and covered like a household: one assignment each,
visits through the same command (a problem raised becomes a case at its address), coverage
counting enterprises apart from households, the sweeper telling its cadre."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from huying.cases import jobs
from huying.cases.models import OutboxMessage
from huying.contact import visit_service as vs
from huying.contact.models import ContactKind, Visit, VisitCase
from huying.errors import InvalidInput, NotPermitted
from huying.geo.models import Node
from huying.metrics.period import parse_period
from tests.cases.conftest import T0, World
from tests.contact.conftest import load

DAY = dt.timedelta(days=1)
UNITS = [{"code": "91441900MA0000001X", "name": "测试制衣有限公司", "address": "测试1镇测试1社区人民路14号",
          "employees": "120"},
         {"code": "91441900MA0000002X", "name": "测试二镇五金厂", "address": "测试2镇测试2社区人民路12号"}]


@pytest.fixture
def firms(visiting: World) -> World:
    assert load(visiting.session, visiting["city"], "units", UNITS).stored
    vs.assign(visiting.session, visiting["community"], UNITS[0]["code"], "gridworker", now=T0, kind=ContactKind.UNIT)
    return visiting


def test_an_enterprise_is_visited_and_its_problem_becomes_a_case(firms: World) -> None:
    w, s = firms, firms.session
    at = T0 + 5 * DAY
    rec = vs.record_visit(s, w["gridworker"], vs.VisitIn("", "door", at=at, unit=UNITS[0]["code"],
                                                         problems=(vs.ProblemIn("厂区外路灯不亮"),)), now=at)
    assert rec.visit.unit_id is not None and rec.visit.household_id is None
    [case_] = rec.cases
    assert case_.channel == "resident_point_visit" and case_.address == UNITS[0]["address"]
    link = s.scalar(select(VisitCase).where(VisitCase.case_id == case_.id))
    assert link is not None and link.unit_id == rec.visit.unit_id and link.household_id is None
    mine = vs.my_households(s, w["gridworker"], now=at)
    firm = next(m for m in mine if m.kind is ContactKind.UNIT)
    assert firm.code == UNITS[0]["code"] and firm.head == UNITS[0]["name"] and firm.state == "ok"
    total, rows = vs.list_visits(s, w["community"], unit=UNITS[0]["code"])
    assert total == 1 and rows[0][2] == UNITS[0]["code"] and rows[0][1] == ""
    assert vs.list_visits(s, w["community2"], unit=UNITS[0]["code"])[0] == 0  # town 2 sees none of it


def test_a_visit_names_a_household_or_an_enterprise(firms: World) -> None:
    w, s = firms, firms.session
    for data in (vs.VisitIn("", "door"), vs.VisitIn("H1", "door", unit=UNITS[0]["code"])):
        with pytest.raises(InvalidInput) as exc:
            vs.record_visit(s, w["gridworker"], data, now=T0)
        assert exc.value.field == "household"
    with pytest.raises(NotPermitted):  # not assigned to them, out of their scope
        vs.record_visit(s, w["gridworker"], vs.VisitIn("", "door", unit=UNITS[1]["code"]), now=T0)
    assert s.scalar(select(Visit.id).where(Visit.unit_id.is_not(None))) is None


def test_coverage_counts_enterprises_apart(firms: World) -> None:
    w, s = firms, firms.session
    town = s.scalar(select(Node).where(Node.code == "441900101"))
    assert town is not None
    at = T0 + 5 * DAY
    vs.record_visit(s, w["gridworker"], vs.VisitIn("", "phone", at=at, unit=UNITS[0]["code"]), now=at)
    cov = vs.coverage(s, w["town"], town, parse_period("all", now=at), now=at)
    assert (cov.total.assigned, cov.total.visited) == (2, 0)  # H1, H2: households unchanged
    assert (cov.total.units_assigned, cov.total.units_visited, cov.total.units_coverage) == (1, 1, 1.0)
    assert cov.total.as_dict()["enterprises"]["visited"] == 1


def test_the_sweeper_tells_the_cadre_of_an_overdue_enterprise(firms: World) -> None:
    w, s = firms, firms.session
    s.commit()
    report = jobs.sweep(s.get_bind(), now=T0 + 91 * DAY)  # type: ignore[arg-type]
    assert report.more["visits"] == 4  # H1, H2, H3 and the enterprise
    s.expire_all()
    msg = s.scalar(select(OutboxMessage).where(OutboxMessage.recipient == str(w["gridworker"].user_id),
                                               OutboxMessage.idempotency_key.like("visit-overdue:%")))
    assert msg is not None and UNITS[0]["name"] in msg.body and "3 户（家）" in msg.subject
