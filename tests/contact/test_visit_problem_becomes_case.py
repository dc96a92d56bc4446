"""A problem raised during a visit arrives as a case through intake, with the channel
``resident_point_visit``, at the household, linked to the household and the visit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from huying.cases.models import Case, CaseEvent
from huying.contact import visit_service as vs
from huying.contact.models import Household, Visit, VisitCase
from tests.cases.conftest import T0, World

NOW = T0 + dt.timedelta(days=3)


def test_each_problem_raised_becomes_a_case_linked_to_the_visit_and_household(visiting: World) -> None:
    s = visiting.session
    r = vs.record_visit(s, visiting["gridworker"], vs.VisitIn(
        "H1", "door", notes="入户走访", problems=[vs.ProblemIn("楼道灯坏了\n三楼到五楼都不亮"),
                                               vs.ProblemIn("门口垃圾堆放")]), now=NOW)
    assert len(r.cases) == 2
    hh = s.scalar(select(Household).where(Household.code == "H1"))
    assert hh is not None
    links = list(s.scalars(select(VisitCase).order_by(VisitCase.id)))
    assert [(ln.visit_id, ln.household_id, ln.case_id) for ln in links] == [
        (r.visit.id, hh.id, c.id) for c in r.cases]
    first = s.get(Case, r.cases[0].id)
    assert first is not None
    assert first.channel == "resident_point_visit"
    assert (first.title, first.description) == ("楼道灯坏了", "楼道灯坏了\n三楼到五楼都不亮")
    assert first.grid_path.endswith("441900101001001/")  # the household's grid
    assert first.reporter_id == visiting["gridworker"].user_id
    assert s.scalar(select(CaseEvent.id).where(CaseEvent.case_id == first.id)) is not None
    assert [c.code for c in vs.cases_of_visit(s, r.visit.id)] == [c.code for c in r.cases]


def test_a_refused_problem_stores_neither_the_visit_nor_a_case(visiting: World) -> None:
    s = visiting.session
    before = len(list(s.scalars(select(Case))))
    try:
        vs.record_visit(s, visiting["gridworker"], vs.VisitIn("H1", "door", problems=[vs.ProblemIn("x" * 2001)]),
                        now=NOW)
    except Exception:  # noqa: BLE001 - the reason is the other file's business
        pass
    assert s.scalar(select(Visit.id)) is None
    assert len(list(s.scalars(select(Case)))) == before
