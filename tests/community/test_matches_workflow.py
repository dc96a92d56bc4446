"""The workflow of a match, declared as one table: its shape, every status × action × role,
and illegal moves refused with the allowed ones."""

from __future__ import annotations

import pytest

from huying.community import lists_workflow as wf
from huying.community.lists_workflow import MatchAction as A
from huying.community.lists_workflow import MatchStatus as S
from huying.errors import Conflict
from huying.orgs.models import Role

OFFICERS = {"community_officer", "town_officer", "city_officer", "admin"}
#: Written by hand from the rules: (status, action) → next status.
EXPECTED = {(S.START, A.PROPOSE): S.PROPOSED, (S.PROPOSED, A.ACCEPT): S.ACCEPTED,
            (S.PROPOSED, A.DECLINE): S.DECLINED, (S.ACCEPTED, A.DECLINE): S.DECLINED,
            (S.ACCEPTED, A.FULFIL): S.FULFILLED, (S.FULFILLED, A.EVALUATE): S.EVALUATED}


def test_the_table_is_sound() -> None:
    assert wf.shape_problems() == []
    assert "proposed --> accepted: accept" in wf.mermaid()


@pytest.mark.parametrize("role", [*(r.value for r in Role), "system"])
def test_every_status_action_and_role(role: str) -> None:
    for status in S:
        for action in A:
            move = EXPECTED.get((status, action))
            may = move is not None and (role in OFFICERS or (role == "system" and action is A.PROPOSE))
            if may:
                assert wf.next_status(status, action, role) is move
                assert action in wf.allowed_actions(status, role)
            else:
                with pytest.raises(wf.IllegalMove) as e:
                    wf.next_status(status, action, role)
                assert e.value.allowed == [a.value for a in wf.allowed_actions(status, role)]
                assert isinstance(e.value, Conflict)


def test_an_illegal_move_names_the_allowed_ones() -> None:
    with pytest.raises(wf.IllegalMove, match="allowed: accept, decline"):
        wf.next_status("proposed", "evaluate", "community_officer")
    with pytest.raises(wf.IllegalMove, match="allowed: nothing"):
        wf.next_status("evaluated", "accept", "community_officer")
    with pytest.raises(wf.IllegalMove):
        wf.next_status("proposed", "no-such-action", "community_officer")
