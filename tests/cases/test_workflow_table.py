"""The workflow tables (one per kind of case): every (status, action, role) combination, and
their shapes."""

from __future__ import annotations

import itertools

import pytest

from huying.cases import workflow as wf
from huying.cases.workflow import Action, IllegalTransition, Kind, Status, System
from huying.orgs.models import Role

ROLES = [*Role, System.SWEEPER]


@pytest.mark.parametrize("kind", list(Kind))
def test_every_status_action_role_combination(kind: Kind) -> None:
    table = wf.workflow_of(kind)
    legal = 0
    for status, action, role in itertools.product(Status, Action, ROLES):
        row = table.transitions.get((status, action))
        allowed = wf.allowed_actions(status, role, kind)
        if row is not None and any(r.value == role.value for r in row.roles):
            assert wf.next_status(status, action, role, kind) is row.target
            assert action in allowed
            legal += 1
        else:
            with pytest.raises(IllegalTransition) as err:
                wf.next_status(status, action, role, kind)
            assert action not in allowed
            assert err.value.allowed == [a.value for a in allowed]
            assert f"allowed: {', '.join(a.value for a in allowed)}" in str(err.value) or not allowed
    assert legal == sum(len(t.roles) for t in table.table)


@pytest.mark.parametrize("kind", list(Kind))
def test_the_table_has_a_sound_shape(kind: Kind) -> None:
    assert wf.shape_problems(kind) == []


def test_the_problem_table_is_the_default() -> None:
    assert wf.TABLE == list(wf.workflow_of(Kind.PROBLEM).table)
    assert wf.TRANSITIONS is wf.workflow_of(None).transitions
    assert wf.allowed_actions(Status.NEW, Role.TOWN_OFFICER) == wf.allowed_actions(Status.NEW, Role.TOWN_OFFICER,
                                                                                   Kind.PROBLEM)


def test_shape_check_catches_a_broken_table() -> None:
    broken = [*wf.TABLE, wf.Transition(Status.CLOSED, Action.REOPEN, Status.IN_PROGRESS, frozenset({Role.ADMIN}))]
    assert any("leaves final state" in p for p in wf.shape_problems(Kind.PROBLEM, broken))
    cut = [t for t in wf.TABLE if t.target is not Status.EXTENSION_REQUESTED]
    assert any("extension_requested is unreachable" in p for p in wf.shape_problems(Kind.PROBLEM, cut))
    service = wf.workflow_of(Kind.SERVICE).table
    no_sweep = [t for t in service if not (t.action is Action.OVERDUE and t.source is Status.IN_PROGRESS)]
    assert any("sweeper may not overdue" in p for p in wf.shape_problems(Kind.SERVICE, no_sweep))
    stuck = [t for t in service if t.source is not Status.AWAITING_MATERIALS]
    assert any("awaiting_materials cannot reach a final state" in p
               for p in wf.shape_problems(Kind.SERVICE, stuck))


def test_unknown_actions_are_illegal_and_list_what_is_allowed() -> None:
    with pytest.raises(IllegalTransition) as err:
        wf.next_status(Status.NEW, "teleport", Role.TOWN_OFFICER)
    assert "dispatch" in err.value.allowed


def test_the_five_steps_are_covered() -> None:
    path = [Action.REPORT, Action.DISPATCH, Action.ACCEPT, Action.MARK_HANDLED, Action.FOLLOW_UP, Action.CLOSE]
    roles = [Role.RESIDENT, Role.TOWN_OFFICER, Role.DEPARTMENT_HANDLER, Role.DEPARTMENT_HANDLER,
             Role.COMMUNITY_OFFICER, Role.COMMUNITY_OFFICER]
    status = Status.START
    for action, role in zip(path, roles, strict=True):
        status = wf.next_status(status, action, role)
    assert status is Status.CLOSED


def test_a_service_request_goes_from_the_counter_to_the_residents_evaluation() -> None:
    path = [Action.ACCEPT_REQUEST, Action.ACCEPT, Action.REQUEST_MATERIALS, Action.SUPPLY_MATERIALS,
            Action.ACCEPT, Action.MARK_HANDLED, Action.DELIVER, Action.FOLLOW_UP]
    roles = [Role.COMMUNITY_OFFICER, Role.DEPARTMENT_HANDLER, Role.DEPARTMENT_HANDLER, Role.DEPARTMENT_HANDLER,
             Role.DEPARTMENT_HANDLER, Role.DEPARTMENT_HANDLER, Role.DEPARTMENT_HANDLER, Role.RESIDENT]
    status = Status.START
    for action, role in zip(path, roles, strict=True):
        status = wf.next_status(status, action, role, Kind.SERVICE)
    assert status is Status.CLOSED
    # a problem's own steps are not a service request's, and the other way round
    with pytest.raises(IllegalTransition):
        wf.next_status(Status.START, Action.REPORT, Role.RESIDENT, Kind.SERVICE)
    with pytest.raises(IllegalTransition):
        wf.next_status(Status.START, Action.ACCEPT_REQUEST, Role.COMMUNITY_OFFICER, Kind.PROBLEM)
    assert wf.next_status(Status.IN_PROGRESS, Action.MARK_HANDLED, Role.DEPARTMENT_HANDLER) is Status.HANDLED
    assert wf.kind_created_by(Action.ACCEPT_PENDING) is Kind.SERVICE
    assert wf.kind_created_by(Action.FIX_ON_SPOT) is Kind.PROBLEM


def test_waiting_for_materials_stops_the_clock_and_the_residents_steps_have_none() -> None:
    assert wf.step_of(Kind.SERVICE, Status.AWAITING_MATERIALS) is None
    assert wf.step_of(Kind.SERVICE, Status.DISPATCHED) == wf.step_of(Kind.SERVICE, Status.IN_PROGRESS) == "handle"
    assert wf.step_of(Kind.SERVICE, Status.READY) is None and wf.step_of(Kind.SERVICE, Status.DELIVERED) is None


@pytest.mark.parametrize("kind", list(Kind))
def test_mermaid_diagram_names_every_status(kind: Kind) -> None:
    text = wf.mermaid(kind)
    assert text.startswith("stateDiagram-v2")
    for s in wf.workflow_of(kind).statuses:
        assert s.value in text


def test_nothing_but_the_service_record_sets_a_status() -> None:
    """"Nothing else can change a status": no module assigns a case's status or updates the
    cases table in bulk, except the kernel's one event-writing function."""
    import pathlib
    import re

    root = pathlib.Path(wf.__file__).parents[1]
    assign = re.compile(r"\bcase\w*\.status\s*=(?!=)|update\((Case\b|Case\.__table__|_CASES)")
    offenders = [
        f"{path.relative_to(root)}:{text.count(chr(10), 0, m.start()) + 1}"
        for path in root.rglob("*.py")
        for text in [path.read_text(encoding="utf-8")]
        for m in assign.finditer(text)
    ]
    kernel = (root / "cases" / "kernel.py").read_text(encoding="utf-8")
    # the one compare-and-set UPDATE of the kernel's record
    assert [o for o in offenders if not o.startswith("cases/kernel.py:")] == [], offenders
    assert len(offenders) == 1 and kernel.count('changes["status"] = ') == 1, offenders


def test_every_status_with_a_deadline_can_be_warned_and_marked_overdue() -> None:
    """A status with an SLA step gets a sweep time, so the sweeper must be allowed to act on
    it (a followed-up case waiting for its close was not: found by the random walk)."""
    for table in wf.WORKFLOWS.values():
        for status, step in table.step_of_status.items():
            if step is None:
                continue
            for action in (Action.SLA_WARNING, Action.OVERDUE):
                row = table.transitions.get((status, action))
                assert row is not None and "system" in {str(r) for r in row.roles}, (table.kind, status, action)


def test_every_action_a_person_is_offered_is_a_command() -> None:
    """What ``allowed_actions`` gives a person on an existing case (the buttons, the API's
    actions) runs through ``service.perform``: creating actions, joining (offered by intake),
    the sweeper's, what only a history import writes and a rectification's clearing (taken on
    the weak organisations' page, which checks the figures) are the exceptions."""
    from huying.cases.commands import SPECS as COMMANDS
    from huying.cases.workflow import (
        CREATING,
        ELSEWHERE,
        IMPORTED_ONLY,
        Action,
        Status,
        allowed_actions,
    )
    from huying.orgs.models import Role

    for kind, status in itertools.product(wf.Kind, Status):
        if status is Status.START:
            continue
        for role in Role:
            offered = set(allowed_actions(status, role, kind)) - {Action.JOIN} - IMPORTED_ONLY - ELSEWHERE - CREATING
            assert offered <= COMMANDS.keys(), (kind, status, role, offered - COMMANDS.keys())
