"""The workflow of a yearly review (述职评议), declared as one table
(:class:`huying.statetable.Table`): draft → open (for scoring) → closed → published.

- ``invite`` (draft, open): the organiser (an officer of the level above) adds reviewers;
- ``submit_report`` (draft, open): the secretary (an officer of the node itself) hands in the
  written report (述职报告), again to replace it while scoring has not closed;
- ``open``: scoring begins (guard: someone is invited);
- ``score`` (open): an invited reviewer scores every item once (guards: invited, not yet scored);
- ``close``: scoring ends, the results are computed (guards: the report is in, a score is in);
- ``publish``: the results are shown inside the tree (the node and the nodes above it).

The guards read a :class:`State` the service builds from the database; an illegal move raises
:class:`IllegalMove` (409) listing what the role may do now."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from huying.errors import IllegalTransition
from huying.orgs.models import Role
from huying.statetable import Move, Table


class ReviewStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"


class ReviewAction(enum.StrEnum):
    INVITE = "invite"
    SUBMIT_REPORT = "submit_report"
    OPEN = "open"
    SCORE = "score"
    CLOSE = "close"
    PUBLISH = "publish"


#: Who organises a review (the officers above the node; the service checks "above").
ORGANISERS = frozenset({Role.TOWN_OFFICER.value, Role.CITY_OFFICER.value, Role.ADMIN.value})
#: Who may be a node's secretary (its own officer).
SECRETARIES = frozenset({Role.COMMUNITY_OFFICER.value, Role.TOWN_OFFICER.value})
#: Who may be invited to score: officers and leaders, council members' and residents'
#: representatives' accounts (any role but the system).
SCORERS = frozenset(r.value for r in Role)


@dataclass(frozen=True)
class State:
    """What the guards know: the review's facts and the actor's place in it."""

    reviewers: int = 0
    has_report: bool = False
    scored: int = 0
    organiser: bool = False
    secretary: bool = False
    invited: bool = False
    scored_by_actor: bool = False


def _organiser(s: State) -> str | None:
    return None if s.organiser else "only an officer above the node organises its review"


def _secretary(s: State) -> str | None:
    return None if s.secretary else "only the node's own officer (its secretary) hands in the report"


def _ready_to_open(s: State) -> str | None:
    return _organiser(s) or (None if s.reviewers else "invite the reviewers first")


def _may_score(s: State) -> str | None:
    if not s.invited:
        return "you are not among the reviewers invited to this review: it is outside your scope"
    return "you have already scored this review: a reviewer scores once" if s.scored_by_actor else None


def _ready_to_close(s: State) -> str | None:
    if _organiser(s):
        return _organiser(s)
    if not s.has_report:
        return "the secretary has not handed in the report yet"
    return None if s.scored else "no reviewer has scored yet"


S, A = ReviewStatus, ReviewAction


class IllegalMove(IllegalTransition):
    def __init__(self, status: str, action: str, role: str, allowed: list[str]) -> None:
        super().__init__(status, action, role, allowed)
        Exception.__init__(self, f"{action!r} is not allowed for a {role} when the review is {status!r}; "
                                 f"allowed: {', '.join(allowed) if allowed else 'nothing'}")


def _m(source: ReviewStatus, action: ReviewAction, target: ReviewStatus, roles: frozenset[str],
       guard: str | None = None) -> Move:
    return Move(source.value, action.value, target.value, roles, guard)


TABLE = Table[State]("review", (
    _m(S.DRAFT, A.INVITE, S.DRAFT, ORGANISERS, "organiser"),
    _m(S.OPEN, A.INVITE, S.OPEN, ORGANISERS, "organiser"),
    _m(S.DRAFT, A.SUBMIT_REPORT, S.DRAFT, SECRETARIES, "secretary"),
    _m(S.OPEN, A.SUBMIT_REPORT, S.OPEN, SECRETARIES, "secretary"),
    _m(S.DRAFT, A.OPEN, S.OPEN, ORGANISERS, "ready_to_open"),
    _m(S.OPEN, A.SCORE, S.OPEN, SCORERS, "may_score"),
    _m(S.OPEN, A.CLOSE, S.CLOSED, ORGANISERS, "ready_to_close"),
    _m(S.CLOSED, A.PUBLISH, S.PUBLISHED, ORGANISERS, "organiser"),
), statuses=[s.value for s in S], initial=S.DRAFT.value, final=[S.PUBLISHED.value],
    guards={"organiser": _organiser, "secretary": _secretary, "ready_to_open": _ready_to_open,
            "may_score": _may_score, "ready_to_close": _ready_to_close}, illegal=IllegalMove)


#: The grade of an overall score (0–100): 好 ≥ 90, 较好 ≥ 80, 一般 ≥ 60, 差 below.
GRADES = (("excellent", 90.0), ("good", 80.0), ("fair", 60.0), ("poor", 0.0))
GRADE_ZH = {"excellent": "好", "good": "较好", "fair": "一般", "poor": "差"}


def grade_of(overall: float | None) -> str | None:
    """The grade of an overall mean score (None: nothing scored)."""
    if overall is None:
        return None
    return next(g for g, floor in GRADES if overall >= floor)
