"""The workflow of a case, declared as one table per kind of case.

A case is of a :class:`Kind`: a resident's ``problem`` (the closed loop: report → dispatch →
handle → follow-up → close) or a ``service`` request accepted at a service centre (一站受理:
accept → the responsible unit handles it → ready → delivered → evaluated). Each kind has its
own :class:`Workflow`: a table mapping (status, action) to the next status and the roles that
may take it, and the SLA step of each status. Nothing else changes a status: the service looks
every command up in the table of the case's kind, and an illegal one raises
``IllegalTransition`` listing what is allowed. ``START`` is the one initial state: a problem
comes into being by ``report`` (→ new) or ``fix_on_spot`` (立行立改: → closed at once), a
service request by ``accept_request`` (→ dispatched to its unit) or ``accept_pending``
(容缺受理: accepted with materials still to bring → awaiting materials).

``TABLE``, ``TRANSITIONS`` and ``STEP_OF_STATUS`` are the problem workflow's (the default kind).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from huying.errors import IllegalTransition
from huying.orgs.models import Role


class Status(enum.StrEnum):
    START = "start"  # pseudo-state before the case exists
    NEW = "new"  # reported, waiting to be classified and dispatched (分类推送)
    DISPATCHED = "dispatched"  # sent to a unit, waiting for it to accept
    IN_PROGRESS = "in_progress"  # the unit is handling it (协调处理)
    EXTENSION_REQUESTED = "extension_requested"  # the unit asked for more time (延期)
    HANDLED = "handled"  # handled with evidence, waiting for the follow-up (跟踪回访)
    FOLLOWED_UP = "followed_up"  # the reporter was visited and is satisfied: ready to close
    CLOSED = "closed"  # evaluated and closed (评价结案)
    REJECTED = "rejected"  # not actionable / duplicate / not our responsibility
    #: Merged into another open case (a duplicate): no deadline of its own, it closes when
    #: its primary closes. Not final, so that staff can unmerge it (→ new).
    MERGED = "merged"
    # A service request's own statuses (the others it shares with a problem: dispatched to
    # its unit, in progress, closed, rejected).
    #: The unit asked the resident for missing materials (补正材料); the clock stops.
    AWAITING_MATERIALS = "awaiting_materials"
    #: Done: the result is ready for the resident (办结待取件 / 待告知).
    READY = "ready"
    #: The resident collected the result or was told it: waiting for their evaluation.
    DELIVERED = "delivered"

    @property
    def label_zh(self) -> str:
        return STATUS_ZH[self]


STATUS_ZH = {
    Status.START: "未上报",
    Status.NEW: "待分派",
    Status.DISPATCHED: "待签收",
    Status.IN_PROGRESS: "处理中",
    Status.EXTENSION_REQUESTED: "延期审核中",
    Status.HANDLED: "待回访",
    Status.FOLLOWED_UP: "待结案",
    Status.CLOSED: "已结案",
    Status.REJECTED: "不予受理",
    Status.MERGED: "已合并",
    Status.AWAITING_MATERIALS: "待补正材料",
    Status.READY: "已办结待领取",
    Status.DELIVERED: "已领取待评价",
}

#: The one definition of the final and the open statuses (a merged case is open: it can be
#: unmerged, and it closes with its primary).
FINAL = frozenset({Status.CLOSED, Status.REJECTED})
OPEN = frozenset(s for s in Status if s not in FINAL and s is not Status.START)
FINAL_VALUES = tuple(sorted(s.value for s in FINAL))
OPEN_VALUES = tuple(sorted(s.value for s in OPEN))


class Action(enum.StrEnum):
    REPORT = "report"
    FIX_ON_SPOT = "fix_on_spot"
    CLASSIFY = "classify"
    DISPATCH = "dispatch"
    ACCEPT = "accept"
    RETURN = "return"  # back to the dispatcher: misrouted (回退)
    TRANSFER = "transfer"  # to another unit (转办)
    ADD_COHANDLER = "add_cohandler"  # 协办
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    REFUSE_EXTENSION = "refuse_extension"
    ESCALATE = "escalate"  # community → town → city (三级问题研处)
    MARK_HANDLED = "mark_handled"
    FOLLOW_UP = "follow_up"  # satisfied / basically satisfied
    REOPEN = "reopen"  # dissatisfied follow-up: back to the unit, rework + 1
    CLOSE = "close"
    REJECT = "reject"
    SUPERVISE = "supervise"  # a supervision notice about the case (督办)
    OPEN_LEDGER = "open_ledger"  # 台账
    SLA_WARNING = "sla_warning"
    OVERDUE = "overdue"
    MERGE = "merge"  # a duplicate joins another open case (its primary)
    UNMERGE = "unmerge"  # a wrong merge undone: the case stands on its own again
    JOIN = "join"  # another reporter of the same problem joins as a co-reporter
    #: A case closed before huying ran, imported from the old ledger (历史办结): its report
    #: is followed by the ledger's outcome (huying.intake.history).
    CLOSE_IMPORTED = "close_imported"
    #: A merged duplicate closes in the same transaction as its primary (never offered).
    CLOSE_WITH_PRIMARY = "close_with_primary"
    #: A co-handling unit (协办) records its part of the work: a note and evidence.
    RECORD_PART = "record_part"
    #: A milestone of the case's ledger (台账) is done.
    COMPLETE_MILESTONE = "complete_milestone"
    # A service request's own actions.
    #: Accepted at a service centre's counter with every required material (一站受理).
    ACCEPT_REQUEST = "accept_request"
    #: Accepted with required materials still to bring (容缺受理): the clock waits for them.
    ACCEPT_PENDING = "accept_pending"
    #: The unit asks the resident for missing materials (补正): the clock stops.
    REQUEST_MATERIALS = "request_materials"
    #: The missing materials are in: the request is back with its unit, its clock starts again.
    SUPPLY_MATERIALS = "supply_materials"
    #: The resident collected the result, or was told it (送达).
    DELIVER = "deliver"
    # A rectification's own actions (软弱涣散整改, huying.cases.rectification).
    #: A weak organisation's rectification begins (flagged by a rule or by hand).
    OPEN_RECTIFICATION = "open_rectification"
    #: Cleared: its plan is done and its indicators recovered (the caller checks the figures).
    CLEAR = "clear"
    #: Cleared by the supervising leader's decision, with a reason.
    CLEAR_BY_HAND = "clear_by_hand"
    #: The map was redrawn under the case: it moves to the grid that now holds its point
    #: (重划网格, ``huying.mapedit``); its status, unit and deadline stay.
    REGRID = "regrid"
    #: The responsible unit is dissolved (机构撤并): an administrator hands its open cases to
    #: the successor it names, each where it stands (status and deadline kept)
    #: (:mod:`huying.cases.succession`).
    HAND_OVER = "hand_over"


class Kind(enum.StrEnum):
    """The kinds of case, each with its own workflow table."""

    PROBLEM = "problem"  # a resident's problem (the closed loop)
    SERVICE = "service"  # a service request accepted at a centre (一站受理 · 全区域通办)
    #: The rectification of a weak organisation (软弱涣散党组织整顿): its plan is the case's
    #: ledger (台账), with milestones and a supervising leader.
    RECTIFICATION = "rectify"  # (the column holds 12 characters)


R = Role
#: Who redraws the map (an administrator, within their scope).
MAP_EDITORS = frozenset({R.ADMIN})
STAFF_OFFICERS = frozenset({R.COMMUNITY_OFFICER, R.TOWN_OFFICER, R.CITY_OFFICER, R.ADMIN})
HANDLERS = frozenset(
    {R.DEPARTMENT_HANDLER, R.GRID_WORKER, R.COMMUNITY_OFFICER, R.TOWN_OFFICER, R.CITY_OFFICER}
)
EVERYONE = frozenset(Role)
#: People (not an application: an API client files reports for others and joins nothing).
PEOPLE = EVERYONE - {R.CLIENT}
INSPECTORS = frozenset({R.GRID_WORKER, R.LEADER, R.COMMUNITY_OFFICER, R.TOWN_OFFICER, R.CITY_OFFICER})
SUPERVISORS = frozenset({R.LEADER, R.TOWN_OFFICER, R.CITY_OFFICER, R.ADMIN})
APPROVERS = frozenset({R.COMMUNITY_OFFICER, R.TOWN_OFFICER, R.CITY_OFFICER, R.LEADER, R.ADMIN})
FOLLOWERS = frozenset({R.RESIDENT, R.GRID_WORKER, R.COMMUNITY_OFFICER, R.TOWN_OFFICER, R.CITY_OFFICER, R.ADMIN})


class System(enum.StrEnum):
    """The non-person actor: the SLA sweeper."""

    SWEEPER = "system"


SYSTEM = frozenset({System.SWEEPER})
#: Who hands a dissolved unit's cases to its successor: an administrator, or the operator at
#: the command line (as the system).
SUCCESSION = frozenset({R.ADMIN}) | SYSTEM


class Audience(enum.IntEnum):
    """Who reads a step of a case's timeline (each level sees what the ones below it see)."""

    PUBLIC = 0  # anyone: the public page, the reporter, staff
    REPORTER = 1  # the reporter and co-reporters, and staff
    STAFF = 2  # staff only


@dataclass(frozen=True)
class Facts:
    """What the guards know about a case besides its row, read once by the policy: how many
    cases are merged into it, whether the actor's unit is a co-handler of it, the open
    milestones of its ledger (None: no ledger)."""

    merged_into_it: int = 0
    actor_cohandles: bool = False
    open_milestones: int | None = None
    #: The actor is the supervising leader of the case's ledger.
    actor_supervises: bool = False


#: A guard: the reason the action may not be taken now, or None. Pure: over the case row
#: (any object with the ``Case`` columns), the facts and the actor's role.
Guard = Callable[[Any, Facts, str], "str | None"]


def no_merged_cases(case: Any, facts: Facts, role: str) -> str | None:
    if facts.merged_into_it:
        return "other cases are merged into this one: unmerge them first"
    return None


def cohandler_only(case: Any, facts: Facts, role: str) -> str | None:
    return None if facts.actor_cohandles else "only a co-handling unit records its part"


def has_open_milestone(case: Any, facts: Facts, role: str) -> str | None:
    if not facts.open_milestones:
        return "the case has no ledger milestone left to complete"
    return None


def no_ledger_yet(case: Any, facts: Facts, role: str) -> str | None:
    return None if facts.open_milestones is None else "this case already has a ledger"


def plan_done(case: Any, facts: Facts, role: str) -> str | None:
    if facts.open_milestones is None:
        return "the rectification has no plan yet"
    if facts.open_milestones:
        return "milestones of the rectification plan are still open"
    return None


def supervising_leader(case: Any, facts: Facts, role: str) -> str | None:
    return None if facts.actor_supervises else "only the supervising leader clears a rectification by hand"


#: The level above each level that handles cases (三级问题研处: community → town → city).
NEXT_LEVEL = {"community": "town", "town": "city"}


def below_city(case: Any, facts: Facts, role: str) -> str | None:
    if case.handling_level in NEXT_LEVEL:
        return None
    return "the case is already handled at city level: it cannot go higher"


def extension_asked(case: Any, facts: Facts, role: str) -> str | None:
    return None if case.extension_days else "no extension was asked for"


@dataclass(frozen=True)
class Transition:
    source: Status
    action: Action
    target: Status
    roles: frozenset[Role | System]
    #: Checked by the policy for every command and for every action it offers.
    guards: tuple[Guard, ...] = ()
    #: Who reads the step in a timeline; ``note_audience`` who reads its note.
    audience: Audience = Audience.STAFF
    note_audience: Audience = Audience.STAFF


def _t(sources: Iterable[Status], action: Action, target: Status | None, roles: Iterable[Role | System],
       *guards: Guard) -> list[Transition]:
    """Rows for several sources; ``target=None`` means "stays in its status"."""
    return [Transition(s, action, target or s, frozenset(roles), guards, AUDIENCE.get(action, Audience.STAFF),
                       NOTE_AUDIENCE.get(action, Audience.STAFF)) for s in sources]


#: The steps a resident and the public follow (the rest are the office's own work).
AUDIENCE: dict[Action, Audience] = {Action(a): Audience.PUBLIC for a in (
    "report", "fix_on_spot", "dispatch", "accept", "return", "transfer", "escalate",
    "approve_extension", "mark_handled", "follow_up", "reopen", "close", "reject", "merge",
    "unmerge", "close_imported", "close_with_primary", "accept_request", "accept_pending",
    "request_materials", "supply_materials", "deliver")} | {Action.JOIN: Audience.REPORTER}


def audience_of(action: str) -> tuple[Audience, Audience]:
    """(who reads the step, who reads its note) of an event's action; an action the table
    does not know is the office's own."""
    try:
        act = Action(action)
    except ValueError:
        return Audience.STAFF, Audience.STAFF
    return AUDIENCE.get(act, Audience.STAFF), NOTE_AUDIENCE.get(act, Audience.STAFF)


#: Whose words an event's note is for: the reporter reads the report (their own), the
#: evidence of the handling, the resolution and the reason of a refusal; every other note
#: (a dispatcher's instruction, a return's reason, a supervision notice...) is internal.
NOTE_AUDIENCE: dict[Action, Audience] = {Action(a): Audience.REPORTER for a in (
    "report", "fix_on_spot", "mark_handled", "follow_up", "reopen", "close", "reject",
    "close_imported", "close_with_primary", "accept_request", "accept_pending", "request_materials",
    "deliver")}


S = Status
A = Action
_UNIT_OPEN = (S.DISPATCHED, S.IN_PROGRESS, S.EXTENSION_REQUESTED)
#: Statuses a case can be merged from: before the unit has started work on it.
_MERGEABLE = (S.NEW, S.DISPATCHED)
_SUPERVISABLE = (S.NEW, S.DISPATCHED, S.IN_PROGRESS, S.EXTENSION_REQUESTED, S.HANDLED, S.FOLLOWED_UP)

#: The step whose SLA applies while a case is in a status (None: no deadline).
STEP_OF_STATUS: dict[Status, str | None] = {
    S.NEW: "dispatch",
    S.DISPATCHED: "accept",
    S.IN_PROGRESS: "handle",
    S.EXTENSION_REQUESTED: "handle",
    S.HANDLED: "followup",
    S.FOLLOWED_UP: "followup",
    S.CLOSED: None,
    S.REJECTED: None,
    S.MERGED: None,
}
#: The statuses with a deadline, where the sweeper warns and marks overdue.
_DUE = tuple(st for st, step in STEP_OF_STATUS.items() if step is not None)

TABLE: list[Transition] = [
    *_t([S.START], A.REPORT, S.NEW, EVERYONE),
    *_t([S.START], A.FIX_ON_SPOT, S.CLOSED, INSPECTORS),
    *_t([S.NEW], A.CLASSIFY, None, STAFF_OFFICERS),
    # The system dispatches only where a routing rule says ``auto`` (huying.triage.routing).
    *_t([S.NEW], A.DISPATCH, S.DISPATCHED, STAFF_OFFICERS | SYSTEM),
    *_t([S.DISPATCHED], A.ACCEPT, S.IN_PROGRESS, HANDLERS),
    *_t([S.DISPATCHED, S.IN_PROGRESS], A.RETURN, S.NEW, HANDLERS),
    *_t([S.DISPATCHED, S.IN_PROGRESS], A.TRANSFER, S.DISPATCHED, STAFF_OFFICERS),
    *_t([S.DISPATCHED, S.IN_PROGRESS], A.ADD_COHANDLER, None, STAFF_OFFICERS | {R.DEPARTMENT_HANDLER}),
    *_t(_UNIT_OPEN, A.RECORD_PART, None, HANDLERS, cohandler_only),
    *_t([S.IN_PROGRESS], A.REQUEST_EXTENSION, S.EXTENSION_REQUESTED, HANDLERS),
    *_t([S.EXTENSION_REQUESTED], A.APPROVE_EXTENSION, S.IN_PROGRESS, APPROVERS, extension_asked),
    *_t([S.EXTENSION_REQUESTED], A.REFUSE_EXTENSION, S.IN_PROGRESS, APPROVERS),
    *_t([S.NEW, *_UNIT_OPEN], A.ESCALATE, S.DISPATCHED, STAFF_OFFICERS | SYSTEM, below_city),
    *_t([S.IN_PROGRESS], A.MARK_HANDLED, S.HANDLED, HANDLERS),
    *_t([S.HANDLED], A.FOLLOW_UP, S.FOLLOWED_UP, FOLLOWERS),
    *_t([S.HANDLED], A.REOPEN, S.IN_PROGRESS, FOLLOWERS),
    *_t([S.FOLLOWED_UP, S.HANDLED], A.CLOSE, S.CLOSED, STAFF_OFFICERS),
    *_t([S.NEW, S.DISPATCHED], A.REJECT, S.REJECTED, STAFF_OFFICERS, no_merged_cases),
    *_t(_MERGEABLE, A.MERGE, S.MERGED, STAFF_OFFICERS, no_merged_cases),
    *_t([S.MERGED], A.UNMERGE, S.NEW, STAFF_OFFICERS),
    # History imported from a ledger: the case was handled and closed outside huying.
    *_t([S.NEW], A.CLOSE_IMPORTED, S.CLOSED, {R.CITY_OFFICER, R.ADMIN}),
    # A merged case closes with its primary (the primary's close closes it, same transaction).
    *_t([S.MERGED], A.CLOSE_WITH_PRIMARY, S.CLOSED, STAFF_OFFICERS),
    *_t((S.NEW, *_UNIT_OPEN, S.HANDLED), A.JOIN, None, PEOPLE),
    *_t(_SUPERVISABLE, A.SUPERVISE, None, SUPERVISORS | SYSTEM),
    *_t(_UNIT_OPEN, A.OPEN_LEDGER, None, HANDLERS | {R.LEADER}, no_ledger_yet),
    *_t(_UNIT_OPEN, A.COMPLETE_MILESTONE, None, HANDLERS | {R.LEADER}, has_open_milestone),
    # Every status with an SLA step can be warned and overdue (a followed-up case still has
    # its close to do within the follow-up step).
    *_t(_DUE, A.SLA_WARNING, None, SYSTEM),
    *_t(_DUE, A.OVERDUE, None, SYSTEM),
    *_t(sorted(OPEN - {S.AWAITING_MATERIALS, S.READY, S.DELIVERED}), A.REGRID, None, MAP_EDITORS),
    *_t([S.NEW, *_UNIT_OPEN, S.HANDLED, S.FOLLOWED_UP, S.MERGED], A.HAND_OVER, None, SUCCESSION),
]


#: Who accepts a service request at a centre's counter (the centre's staff: the community's
#: officers and grid workers who sit at the 党群服务中心; town and city officers at theirs).
COUNTER = frozenset({R.GRID_WORKER, R.COMMUNITY_OFFICER, R.TOWN_OFFICER, R.CITY_OFFICER, R.ADMIN})

#: A service request's deadline is the item's time limit (working days) over the whole of its
#: handling: from acceptance (or from the day the missing materials came in) until it is
#: ready. Waiting for the resident's materials stops the clock, and the time limit counts
#: again in full from their arrival (补正材料后重新计算, as the administrative licensing rules
#: count it); collecting the result and evaluating have no deadline: they are the resident's.
SERVICE_STEP_OF_STATUS: dict[Status, str | None] = {
    S.DISPATCHED: "handle",
    S.IN_PROGRESS: "handle",
    S.AWAITING_MATERIALS: None,
    S.READY: None,
    S.DELIVERED: None,
    S.CLOSED: None,
    S.REJECTED: None,
}
_SERVICE_DUE = tuple(st for st, step in SERVICE_STEP_OF_STATUS.items() if step is not None)
_SERVICE_OPEN = (S.DISPATCHED, S.IN_PROGRESS, S.AWAITING_MATERIALS)

SERVICE_TABLE: list[Transition] = [
    *_t([S.START], A.ACCEPT_REQUEST, S.DISPATCHED, COUNTER),
    *_t([S.START], A.ACCEPT_PENDING, S.AWAITING_MATERIALS, COUNTER),
    *_t([S.DISPATCHED], A.ACCEPT, S.IN_PROGRESS, HANDLERS),
    *_t([S.DISPATCHED, S.IN_PROGRESS], A.TRANSFER, S.DISPATCHED, STAFF_OFFICERS),
    *_t([S.IN_PROGRESS], A.REQUEST_MATERIALS, S.AWAITING_MATERIALS, HANDLERS),
    *_t([S.AWAITING_MATERIALS], A.SUPPLY_MATERIALS, S.DISPATCHED, HANDLERS),
    *_t([S.IN_PROGRESS], A.MARK_HANDLED, S.READY, HANDLERS),
    *_t([S.READY], A.DELIVER, S.DELIVERED, HANDLERS),
    # The resident's evaluation (by themselves, or taken by staff on the phone): satisfied
    # closes it, dissatisfied sends it back to the unit.
    *_t([S.DELIVERED], A.FOLLOW_UP, S.CLOSED, FOLLOWERS),
    *_t([S.DELIVERED], A.REOPEN, S.IN_PROGRESS, FOLLOWERS),
    # No evaluation given: the staff close it.
    *_t([S.DELIVERED], A.CLOSE, S.CLOSED, STAFF_OFFICERS),
    *_t(_SERVICE_OPEN, A.REJECT, S.REJECTED, HANDLERS | STAFF_OFFICERS),
    *_t(_SERVICE_DUE, A.SUPERVISE, None, SUPERVISORS | SYSTEM),
    *_t(_SERVICE_DUE, A.SLA_WARNING, None, SYSTEM),
    *_t(_SERVICE_DUE, A.OVERDUE, None, SYSTEM),
    *_t((S.DISPATCHED, S.IN_PROGRESS, S.AWAITING_MATERIALS, S.READY, S.DELIVERED), A.REGRID, None, MAP_EDITORS),
    *_t([*_SERVICE_OPEN, S.READY, S.DELIVERED], A.HAND_OVER, None, SUCCESSION),
]


#: Who opens and clears a rectification: the officers above the weak organisation and leaders.
RECTIFIERS = frozenset({R.TOWN_OFFICER, R.CITY_OFFICER, R.LEADER, R.ADMIN})
#: A rectification has no deadline of its own: the dates are its plan's milestones (the
#: ledger's, swept as every ledger's are).
RECTIFICATION_STEP_OF_STATUS: dict[Status, str | None] = {S.IN_PROGRESS: None, S.CLOSED: None}

RECTIFICATION_TABLE: list[Transition] = [
    *_t([S.START], A.OPEN_RECTIFICATION, S.IN_PROGRESS, RECTIFIERS | SYSTEM),
    *_t([S.IN_PROGRESS], A.OPEN_LEDGER, None, HANDLERS | {R.LEADER}, no_ledger_yet),
    *_t([S.IN_PROGRESS], A.COMPLETE_MILESTONE, None, HANDLERS | {R.LEADER}, has_open_milestone),
    *_t([S.IN_PROGRESS], A.SUPERVISE, None, SUPERVISORS | SYSTEM),
    *_t([S.IN_PROGRESS], A.CLEAR, S.CLOSED, RECTIFIERS | SYSTEM, plan_done),
    *_t([S.IN_PROGRESS], A.CLEAR_BY_HAND, S.CLOSED, {R.LEADER}, supervising_leader),
    *_t([S.IN_PROGRESS], A.REGRID, None, MAP_EDITORS),
    *_t([S.IN_PROGRESS], A.HAND_OVER, None, SUCCESSION),
]


@dataclass(frozen=True)
class Workflow:
    """The workflow of one kind of case: its table and the SLA step of each status."""

    kind: Kind
    table: tuple[Transition, ...]
    step_of_status: dict[Status, str | None]

    @functools.cached_property
    def transitions(self) -> dict[tuple[Status, Action], Transition]:
        out: dict[tuple[Status, Action], Transition] = {}
        for row in self.table:
            key = (row.source, row.action)
            if key in out:  # pragma: no cover - caught by the shape test
                raise RuntimeError(f"duplicate transition {key} in the {self.kind} workflow")
            out[key] = row
        return out

    @functools.cached_property
    def statuses(self) -> tuple[Status, ...]:
        """The statuses of this kind (in the order of ``Status``)."""
        used = {S.START} | {t.source for t in self.table} | {t.target for t in self.table}
        return tuple(s for s in Status if s in used)

    @functools.cached_property
    def creating(self) -> frozenset[Action]:
        return frozenset(t.action for t in self.table if t.source is S.START)

    @functools.cached_property
    def due(self) -> tuple[Status, ...]:
        """The statuses with a deadline, where the sweeper warns and marks overdue."""
        return tuple(st for st, step in self.step_of_status.items() if step is not None)


WORKFLOWS: dict[Kind, Workflow] = {
    Kind.PROBLEM: Workflow(Kind.PROBLEM, tuple(TABLE), STEP_OF_STATUS),
    Kind.SERVICE: Workflow(Kind.SERVICE, tuple(SERVICE_TABLE), SERVICE_STEP_OF_STATUS),
    Kind.RECTIFICATION: Workflow(Kind.RECTIFICATION, tuple(RECTIFICATION_TABLE), RECTIFICATION_STEP_OF_STATUS),
}
KIND_VALUES = tuple(k.value for k in Kind)


def workflow_of(kind: Kind | str | None) -> Workflow:
    """The workflow of a kind of case (a case row's ``kind``; None: a problem)."""
    try:
        return WORKFLOWS[Kind(kind or Kind.PROBLEM)]
    except ValueError:
        raise ValueError(f"no workflow for the kind {kind!r}") from None


def kind_created_by(action: Action | str) -> Kind:
    """The kind of case a creating action makes (each creating action belongs to one kind)."""
    for wf in WORKFLOWS.values():
        if action in wf.creating:
            return wf.kind
    raise ValueError(f"{action} creates no case")


def step_of(kind: Kind | str | None, status: Status | str) -> str | None:
    """The SLA step that applies while a case of ``kind`` is in ``status`` (None: no deadline)."""
    return workflow_of(kind).step_of_status.get(Status(status))


#: The problem workflow's transitions (the default kind).
TRANSITIONS: dict[tuple[Status, Action], Transition] = WORKFLOWS[Kind.PROBLEM].transitions

#: Actions that create a case (from START), of every kind.
CREATING = frozenset(a for wf in WORKFLOWS.values() for a in wf.creating)
#: Actions written only as a consequence of another (an import, the primary's close): legal
#: in a case's history, never offered to a person as a command.
IMPORTED_ONLY = frozenset({A.CLOSE_IMPORTED, A.CLOSE_WITH_PRIMARY})
#: A rectification's clearing: taken on the weak organisations' page (huying.accountability),
#: which checks that the indicators recovered; a dissolved unit's hand-over: taken on the
#: organisations' administration (huying.cases.succession); a case moved to another grid: by
#: a redraw of the map (huying.mapedit). Not buttons of the case page.
ELSEWHERE = frozenset({A.CLEAR, A.CLEAR_BY_HAND, A.REGRID, A.HAND_OVER})


def allowed_actions(status: Status | str, role: Role | System | str,
                    kind: Kind | str | None = Kind.PROBLEM) -> list[Action]:
    """The actions ``role`` may take from ``status`` in the workflow of ``kind`` (what the UI
    shows as buttons)."""
    status = Status(status)
    return [t.action for t in workflow_of(kind).table if t.source is status and _role_in(role, t.roles)]


def _role_in(role: Role | System | str, roles: frozenset[Role | System]) -> bool:
    return any(r.value == str(role) for r in roles)


def role_ever_may(role: str, action: Action, kind: Kind | str | None = Kind.PROBLEM) -> bool:
    """Whether ``role`` may take ``action`` from some status of the workflow of ``kind``."""
    return any(t.action is action and _role_in(role, t.roles) for t in workflow_of(kind).table)


def next_status(status: Status | str, action: Action | str, role: Role | System | str,
                kind: Kind | str | None = Kind.PROBLEM) -> Status:
    """The status after ``action`` in the workflow of ``kind``; raises ``IllegalTransition``
    listing the allowed actions."""
    status = Status(status)
    wf = workflow_of(kind)
    try:
        action = Action(action)
    except ValueError:
        raise IllegalTransition(status, str(action), str(role),
                                [a.value for a in allowed_actions(status, role, wf.kind)]) from None
    row = wf.transitions.get((status, action))
    if row is None or not _role_in(role, row.roles):
        raise IllegalTransition(status, action.value, str(role),
                                [a.value for a in allowed_actions(status, role, wf.kind)])
    return row.target


def shape_problems(kind: Kind | str | None = Kind.PROBLEM,
                   table: Iterable[Transition] | None = None) -> list[str]:
    """Definition checks of the workflow of ``kind`` (or of ``table``, a candidate table):
    one initial state, nothing leaves a final state, every state of the kind is reachable
    from the initial one and can reach a final one, every status with a deadline can be
    warned and marked overdue by the sweeper. Empty when the table is sound."""
    wf = workflow_of(kind)
    rows = list(wf.table if table is None else table)
    statuses = wf.statuses
    problems: list[str] = []
    initial = {s for s in statuses if not any(t.target is s for t in rows)}
    if initial != {S.START}:
        problems.append(f"initial states must be exactly {{start}}, got {sorted(initial)}")
    for t in rows:
        if t.source in FINAL:
            problems.append(f"{t.action} leaves final state {t.source}")
        if not t.roles:
            problems.append(f"{t.source}/{t.action} has no role")
    reach = {S.START}
    frontier = [S.START]
    while frontier:
        s = frontier.pop()
        for t in rows:
            if t.source is s and t.target not in reach:
                reach.add(t.target)
                frontier.append(t.target)
    problems += [f"{s} is unreachable" for s in statuses if s not in reach]
    for s in statuses:
        if s in FINAL:
            continue
        seen, todo = {s}, [s]
        while todo:
            x = todo.pop()
            for t in rows:
                if t.source is x and t.target not in seen:
                    seen.add(t.target)
                    todo.append(t.target)
        if not seen & FINAL:
            problems.append(f"{s} cannot reach a final state")
    keys = {(t.source, t.action): t for t in rows}
    for s in wf.due:
        for a in (A.SLA_WARNING, A.OVERDUE):
            row = keys.get((s, a))
            if row is None or System.SWEEPER not in row.roles:
                problems.append(f"{s} has a deadline but the sweeper may not {a} it")
    return problems


def mermaid(kind: Kind | str | None = Kind.PROBLEM) -> str:
    """The table of ``kind`` as a Mermaid state diagram (self-loops and roles omitted)."""
    lines = ["stateDiagram-v2", "    [*] --> start"]
    edges: dict[tuple[Status, Status], list[str]] = {}
    for t in workflow_of(kind).table:
        if t.source is t.target:
            continue
        edges.setdefault((t.source, t.target), []).append(t.action.value)
    for (a, b), actions in edges.items():
        lines.append(f"    {a.value} --> {b.value}: {' / '.join(actions)}")
    for s in sorted(FINAL):
        lines.append(f"    {s.value} --> [*]")
    return "\n".join(lines)
