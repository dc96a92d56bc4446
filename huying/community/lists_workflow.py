"""The workflow of a match, declared as one table (the shape of
:mod:`huying.cases.workflow`): proposed → accepted | declined; accepted → fulfilled (or
declined, when it falls through) → evaluated (a rating 1–5 and a comment).

``TRANSITIONS`` maps (status, action) to the next status and the roles that may take it;
nothing else changes a match's status. An illegal move raises :class:`IllegalMove`, listing
the allowed actions. The capacity guard of ``accept`` (never more people accepted than an
offer's places) is the service's (:func:`huying.community.lists_service.act`): it needs the
database."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from huying.community.roles import OFFICERS
from huying.errors import Refused
from huying.orgs.actor import SYSTEM_ROLE


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


@dataclass(frozen=True)
class Move:
    source: MatchStatus
    action: MatchAction
    target: MatchStatus
    roles: frozenset[str]


TABLE: tuple[Move, ...] = (
    Move(S.START, A.PROPOSE, S.PROPOSED, PROPOSERS),
    Move(S.PROPOSED, A.ACCEPT, S.ACCEPTED, DECIDERS),
    Move(S.PROPOSED, A.DECLINE, S.DECLINED, DECIDERS),
    Move(S.ACCEPTED, A.DECLINE, S.DECLINED, DECIDERS),
    Move(S.ACCEPTED, A.FULFIL, S.FULFILLED, DECIDERS),
    Move(S.FULFILLED, A.EVALUATE, S.EVALUATED, DECIDERS),
)
TRANSITIONS: dict[tuple[MatchStatus, MatchAction], Move] = {(m.source, m.action): m for m in TABLE}


class IllegalMove(Refused):
    """The action is not allowed from this status for this role (HTTP 409, listing the
    actions that are)."""

    def __init__(self, status: str, action: str, role: str, allowed: list[str]) -> None:
        self.status, self.action, self.role, self.allowed = status, action, role, allowed
        super().__init__(f"{action!r} is not allowed for a {role} when the match is {status!r}; "
                         f"allowed: {', '.join(allowed) if allowed else 'nothing'}")


def allowed_actions(status: str, role: str) -> list[MatchAction]:
    """What ``role`` may do to a match in ``status`` (the buttons a page shows)."""
    return [m.action for m in TABLE if m.source.value == str(status) and str(role) in m.roles]


def next_status(status: str, action: str, role: str) -> MatchStatus:
    """The status after ``action``; raises :class:`IllegalMove` listing the allowed ones."""
    allowed = [a.value for a in allowed_actions(status, role)]
    try:
        move = TRANSITIONS.get((MatchStatus(status), MatchAction(action)))
    except ValueError:
        move = None
    if move is None or str(role) not in move.roles:
        raise IllegalMove(str(status), str(action), str(role), allowed)
    return move.target


def shape_problems() -> list[str]:
    """Definition checks: one initial state, nothing leaves a final state, every state is
    reachable and can reach a final one. Empty when the table is sound."""
    problems: list[str] = []
    initial = {s for s in S if not any(m.target is s for m in TABLE)}
    if initial != {S.START}:
        problems.append(f"initial states must be exactly {{start}}, got {sorted(initial)}")
    problems += [f"{m.action} leaves final state {m.source}" for m in TABLE if m.source in FINAL]
    problems += [f"{m.source}/{m.action} has no role" for m in TABLE if not m.roles]

    def reach(s: MatchStatus) -> set[MatchStatus]:
        seen, todo = {s}, [s]
        while todo:
            x = todo.pop()
            for m in TABLE:
                if m.source is x and m.target not in seen:
                    seen.add(m.target)
                    todo.append(m.target)
        return seen

    problems += [f"{s} is unreachable" for s in S if s not in reach(S.START)]
    problems += [f"{s} cannot reach a final state" for s in S if s not in FINAL and not reach(s) & FINAL]
    return problems


def mermaid() -> str:
    """The table as a Mermaid state diagram."""
    lines = ["stateDiagram-v2", "    [*] --> start"]
    lines += [f"    {m.source.value} --> {m.target.value}: {m.action.value}" for m in TABLE]
    lines += [f"    {s.value} --> [*]" for s in sorted(FINAL)]
    return "\n".join(lines)
