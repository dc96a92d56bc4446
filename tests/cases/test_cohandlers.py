"""A co-handling unit (协办) records its part of the work and takes none of the lead unit's
actions (before: ``policy.in_unit`` counted co-handlers, so a co-handler could accept,
return or mark handled a case that belongs to another unit)."""

from __future__ import annotations

import pytest

from huying.cases import service as svc
from huying.cases.policy import allowed_for
from huying.cases.workflow import Action
from huying.errors import NotPermitted
from tests.cases.conftest import T0, World

LEAD, CO = "441900101-dept-housing", "441900101-dept-urban_management"  # the handler's unit is CO


def _cohandled(world: World):  # type: ignore[no-untyped-def]
    s = world.session
    case = world.report()
    svc.dispatch(s, case, world["town"], unit=LEAD, now=T0)
    svc.add_cohandlers(s, case, world["town"], units=[CO], now=T0)
    return case


def test_a_cohandler_is_offered_only_its_part(world: World) -> None:
    case = _cohandled(world)
    assert allowed_for(world.session, world["handler"], case) == [Action.RECORD_PART]


@pytest.mark.parametrize("action,params", [
    ("accept", {}), ("return", {"note": "不归我们管"}), ("add_cohandler", {"units": ["441900101-party"]}),
    ("open_ledger", {"plan": "计划", "milestones": [["一", "2030-01-01"]]}),
])
def test_a_cohandler_takes_no_action_of_the_lead_unit(world: World, action: str, params: dict) -> None:  # type: ignore[type-arg]
    case = _cohandled(world)
    with pytest.raises(NotPermitted, match="responsible unit"):
        svc.perform(world.session, case, world["handler"], action, now=T0, params=params)


def test_a_cohandler_cannot_mark_the_case_handled(world: World) -> None:
    s = world.session
    case = _cohandled(world)
    svc.accept(s, case, world["town"], now=T0)
    with pytest.raises(NotPermitted, match="responsible unit"):
        svc.mark_handled(s, case, world["handler"], evidence="我们修好了", now=T0)


def test_the_cohandlers_part_is_in_the_timeline_and_the_lead_cannot_record_one(world: World) -> None:
    s = world.session
    case = _cohandled(world)
    svc.record_part(s, case, world["handler"], note="已清理路面积水", now=T0)
    last = svc.events_of(s, case)[-1]
    assert (last.action, last.note) == ("record_part", "已清理路面积水")
    assert case.status == "dispatched"  # the lead unit still has to accept it
    with pytest.raises(NotPermitted, match="co-handling unit"):
        svc.record_part(s, case, world["community"], note="我们也做了", now=T0)


def test_the_session_that_made_the_case_sees_the_cohandlers_it_added(world: World) -> None:
    """A case this session created is known to have no co-handlers without a read
    (``kernel.created_here``) until the session adds some: then they are read."""
    s = world.session
    case = world.report()
    assert svc.cohandler_names(s, case) == []
    svc.dispatch(s, case, world["town"], unit=LEAD, now=T0)
    svc.add_cohandlers(s, case, world["town"], units=[CO], now=T0)
    assert [code for code, _ in svc.cohandler_names(s, case)] == [CO]


def test_a_case_read_back_is_not_taken_for_one_this_session_made(world: World) -> None:
    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from huying.cases.kernel import created_here
    from huying.cases.models import Case, CaseCohandler
    from huying.orgs.models import Organisation

    s = world.session
    case = world.report()
    s.commit()
    assert created_here(s, case)
    with Session(s.get_bind()) as other:  # another request: co-handlers behind this session's back
        unit_id = other.query(Organisation.id).filter(Organisation.code == CO).scalar()
        other.execute(insert(CaseCohandler), [{"city_id": case.city_id, "case_id": case.id, "unit_id": unit_id}])
        other.commit()
    with Session(s.get_bind()) as fresh:
        again = fresh.get(Case, case.id)
        assert again is not None and not created_here(fresh, again)
        assert [code for code, _ in svc.cohandler_names(fresh, again)] == [CO]
