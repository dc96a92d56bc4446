"""Recording a visit: a cadre for the households assigned to them, an officer within their
scope; everyone else is refused with the reason, and bad input names its field."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from huying.contact import visit_service as vs
from huying.contact.models import Visit, VisitAssignment
from huying.errors import InvalidInput, NotPermitted, NotVisible
from tests.cases.conftest import T0, World

NOW = T0 + dt.timedelta(days=3)


def visit(w: World, persona: str, household: str = "H1", **kw: object) -> vs.Recorded:
    kw.setdefault("how", "door")
    return vs.record_visit(w.session, w[persona], vs.VisitIn(household=household, **kw), now=NOW)  # type: ignore[arg-type]


def count(w: World) -> int:
    return int(w.session.scalar(select(func.count()).select_from(Visit)) or 0)


def test_a_cadre_records_a_visit_of_a_household_assigned_to_them(visiting: World) -> None:
    r = visit(visiting, "gridworker", notes="老人身体尚可", needs=["elder_alone", "elder_alone"], how="phone")
    assert (r.visit.how, r.visit.notes, r.visit.needs, r.visit.at) == ("phone", "老人身体尚可", "elder_alone", NOW)
    assert r.cases == []
    a = visiting.session.scalar(select(VisitAssignment).where(VisitAssignment.household_id == r.visit.household_id))
    assert a is not None and a.last_visit_at == NOW and a.due_at == NOW + dt.timedelta(days=90)


@pytest.mark.parametrize(("persona", "household"), [
    ("gridworker", "H3"),  # not assigned to them
    ("community2", "H1"),  # a cadre of another household, outside their community
    ("community", "H3"),  # an officer outside their scope
    ("town2", "H1"),
    ("resident", "H1"), ("handler", "H1"), ("leader", "H1"),
])
def test_others_are_refused_with_the_reason(visiting: World, persona: str, household: str) -> None:
    with pytest.raises(NotPermitted) as e:
        visit(visiting, persona, household)
    assert str(e.value)
    assert count(visiting) == 0


@pytest.mark.parametrize(("persona", "household"), [("community", "H2"), ("town", "H1"), ("city", "H3"),
                                                     ("community2", "H3")])
def test_officers_record_visits_within_their_scope(visiting: World, persona: str, household: str) -> None:
    visit(visiting, persona, household)
    assert count(visiting) == 1


def test_an_unknown_household_is_not_found(visiting: World) -> None:
    with pytest.raises(NotVisible):
        visit(visiting, "gridworker", "H9")


@pytest.mark.parametrize(("fields", "field", "reason"), [
    ({"how": "pigeon"}, "how", "one of door, phone, online"),
    ({"notes": "好\x07"}, "notes", "control character (U+0007)"),
    ({"notes": "x" * 2001}, "notes", "longer than 2000"),
    ({"needs": ["rich"]}, "needs", "not one of"),
    ({"at": NOW + dt.timedelta(hours=1)}, "at", "future"),
    ({"at": NOW - dt.timedelta(days=31)}, "at", "30 days"),
    ({"at": dt.datetime(2025, 3, 5, 9)}, "at", "time zone"),
    ({"problems": [vs.ProblemIn("  ")]}, "problems[0]", "must say what"),
    ({"problems": [vs.ProblemIn("a\x1bb")]}, "problems[0]", "control character"),
    ({"problems": [vs.ProblemIn("x")] * 6}, "problems", "at most 5"),
])
def test_bad_input_is_refused_naming_the_field(visiting: World, fields: dict[str, object], field: str,
                                               reason: str) -> None:
    with pytest.raises(InvalidInput) as e:
        visit(visiting, "gridworker", **fields)
    assert e.value.field == field and reason in str(e.value)
    assert count(visiting) == 0


def test_a_household_that_moved_out_is_no_longer_assigned(visiting: World) -> None:
    from huying.contact import service as register

    register.move_out(visiting.session, visiting["community"], "H2", at=NOW)
    assert [m.code for m in vs.my_households(visiting.session, visiting["gridworker"], now=NOW)] == ["H1"]
    with pytest.raises(NotPermitted):
        visit(visiting, "gridworker", "H2")
