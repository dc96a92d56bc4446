"""The workflow of a match, declared as one table (the shape of
:mod:`huying.cases.workflow`): proposed → accepted | declined; accepted → fulfilled (or
declined, when it falls through) → evaluated (a rating 1–5 and a comment).

``TABLE`` (a :class:`huying.statetable.Table`) maps (status, action) to the next status and the roles that may take it;
nothing else changes a match's status. An illegal move raises :class:`IllegalMove`, listing
the allowed actions. The capacity guard of ``accept`` (never more people accepted than an
offer's places) is the service's (:func:`huying.community.lists_service.act`): it needs the
database."""

from __future__ import annotations

import enum

from huying.community.roles import OFFICERS
from huying.errors import IllegalTransition
from huying.orgs.actor import SYSTEM_ROLE
from huying.statetable import Move, Table


class MatchStatus(enum.StrEnum):
    START = "start"  # pseudo-state before the match exists
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    FULFILLED = "fulfilled"
    EVALUATED = "evaluated"


class MatchAction(enum.StrEnum):
    PROPOSE = "propose"
    ACCEPT = "accept"
    DECLINE = "decline"
    FULFIL = "fulfil"
    EVALUATE = "evaluate"


S, A = MatchStatus, MatchAction
FINAL = frozenset({S.DECLINED, S.EVALUATED})
#: A match that holds its need (the need is not proposed again) …
LIVE = frozenset({S.PROPOSED, S.ACCEPTED, S.FULFILLED, S.EVALUATED})
#: … and one that holds places of its offer.
COMMITTED = frozenset({S.ACCEPTED})
#: Who proposes: officers and the system (the demo, a scheduled run).
PROPOSERS = frozenset({*(r.value for r in OFFICERS), SYSTEM_ROLE})
DECIDERS = frozenset(r.value for r in OFFICERS)


class IllegalMove(IllegalTransition):
    """The action is not allowed from this status for this role (HTTP 409, listing the
    actions that are)."""

    def __init__(self, status: str, action: str, role: str, allowed: list[str]) -> None:
        super().__init__(status, action, role, allowed)
        Exception.__init__(self, f"{action!r} is not allowed for a {role} when the match is {status!r}; "
                                 f"allowed: {', '.join(allowed) if allowed else 'nothing'}")


def _m(source: MatchStatus, action: MatchAction, target: MatchStatus, roles: frozenset[str]) -> Move:
    return Move(source.value, action.value, target.value, roles)


TABLE = Table[None]("match", (
    _m(S.START, A.PROPOSE, S.PROPOSED, PROPOSERS),
    _m(S.PROPOSED, A.ACCEPT, S.ACCEPTED, DECIDERS),
    _m(S.PROPOSED, A.DECLINE, S.DECLINED, DECIDERS),
    _m(S.ACCEPTED, A.DECLINE, S.DECLINED, DECIDERS),
    _m(S.ACCEPTED, A.FULFIL, S.FULFILLED, DECIDERS),
    _m(S.FULFILLED, A.EVALUATE, S.EVALUATED, DECIDERS),
), statuses=[s.value for s in S], initial=S.START.value, final=[s.value for s in FINAL], illegal=IllegalMove)


def allowed_actions(status: str, role: str) -> list[MatchAction]:
    """What ``role`` may do to a match in ``status`` (the buttons a page shows)."""
    return [MatchAction(a) for a in TABLE.allowed(status, role)]


def next_status(status: str, action: str, role: str) -> MatchStatus:
    """The status after ``action``; raises :class:`IllegalMove` listing the allowed ones."""
    return MatchStatus(TABLE.next(status, action, role))


def shape_problems() -> list[str]:
    """Definition checks (:meth:`huying.statetable.Table.problems`): empty when sound."""
    return TABLE.problems()


def mermaid() -> str:
    """The table as a Mermaid state diagram."""
    return TABLE.mermaid()
