"""Who may see and act on a case: role (from the workflow table) and node scope.

The one place these rules live: the service calls ``check_act`` for every command, the API
and the pages call ``can_see`` / ``visible_filter`` for every read.

Scope: a person acts for a node and everything below it (prefix of the tree path). A
department handler acts on the cases assigned to their unit (responsible or co-handling);
a resident on their own reports; the sweeper on every case of its city.
"""

from __future__ import annotations

import functools

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from huying.cases.models import (
    Case,
    CaseCohandler,
    CaseReporter,
    Ledger,
    Milestone,
    SupervisionNotice,
)
from huying.cases.workflow import (
    ELSEWHERE,
    IMPORTED_ONLY,
    Action,
    Facts,
    IllegalTransition,
    Kind,
    Status,
    allowed_actions,
    cohandler_only,
    next_status,
    role_ever_may,
    workflow_of,
)
from huying.db import under
from huying.errors import NotPermitted, NotVisible, Refused
from huying.orgs.actor import Actor
from huying.orgs.models import Role, is_staff

#: Actions the lead unit's people take on the cases assigned to the unit (a co-handling unit
#: takes none of them: it records its part, ``record_part``).
UNIT_ACTIONS = frozenset({
    Action.ACCEPT, Action.RETURN, Action.REQUEST_EXTENSION, Action.MARK_HANDLED,
    Action.ADD_COHANDLER, Action.OPEN_LEDGER, Action.COMPLETE_MILESTONE,
    Action.REQUEST_MATERIALS, Action.SUPPLY_MATERIALS, Action.DELIVER,
})


#: Actions that the dispatcher's side (the reporter's place) may take too.
REPORTER_SIDE = frozenset({Action.FOLLOW_UP, Action.REOPEN, Action.CLOSE})


def _covers(scope: str, path: str | None) -> bool:
    return bool(path) and path.startswith(scope)  # type: ignore[union-attr]


def is_cohandler(session: Session, case: Case, organisation_id: int | None) -> bool:
    if organisation_id is None:
        return False
    return session.scalar(
        select(CaseCohandler.id).where(CaseCohandler.case_id == case.id,
                                       CaseCohandler.unit_id == organisation_id)
    ) is not None


def is_coreporter(session: Session, case: Case, user_id: int | None) -> bool:
    """The user joined the case as a co-reporter (huying.intake)."""
    if user_id is None:
        return False
    return session.scalar(
        select(CaseReporter.id).where(CaseReporter.case_id == case.id, CaseReporter.user_id == user_id)
    ) is not None


def can_see(session: Session, actor: Actor, case: Case) -> bool:
    if case.city_id != actor.city_id:
        return False
    if actor.is_system or actor.role == Role.ADMIN:
        return True
    if not is_staff(actor.role):
        return actor.user_id is not None and (
            case.reporter_id == actor.user_id or is_coreporter(session, case, actor.user_id))
    if actor.role == Role.DEPARTMENT_HANDLER:
        return (actor.organisation_id is not None and case.unit_id == actor.organisation_id) or \
            is_cohandler(session, case, actor.organisation_id) or \
            (actor.user_id is not None and case.reporter_id == actor.user_id)
    return _covers(actor.node_path, case.grid_path) or _covers(actor.node_path, case.unit_path) or \
        (actor.user_id is not None and case.reporter_id == actor.user_id)


def visible_filter(actor: Actor) -> ColumnElement[bool]:
    """The SQL condition selecting the cases ``actor`` may see (the same rule as ``can_see``)."""
    city = Case.city_id == actor.city_id
    own = Case.reporter_id == actor.user_id if actor.user_id is not None else false()
    if actor.is_system or actor.role == Role.ADMIN:
        return and_(city, true())
    if not is_staff(actor.role):
        if actor.user_id is None:
            return and_(city, own)
        joined = select(CaseReporter.case_id).where(CaseReporter.user_id == actor.user_id)
        return and_(city, or_(own, Case.id.in_(joined)))
    if actor.role == Role.DEPARTMENT_HANDLER:
        org = actor.organisation_id
        if org is None:
            return and_(city, own)
        co = select(CaseCohandler.case_id).where(CaseCohandler.unit_id == org)
        return and_(city, or_(Case.unit_id == org, Case.id.in_(co), own))
    return and_(city, or_(under(Case.grid_path, actor.node_path), under(Case.unit_path, actor.node_path), own))


def in_unit(actor: Actor, case: Case) -> bool:
    """The actor belongs to the responsible (lead) unit, or is an officer whose scope covers
    the unit's node. A co-handling unit is not the lead unit."""
    if actor.organisation_id is not None and actor.organisation_id == case.unit_id:
        return True
    if actor.role == Role.DEPARTMENT_HANDLER:
        return False
    return _covers(actor.node_path, case.unit_path)


class SessionFacts:
    """:class:`huying.cases.workflow.Facts` read from the database when a guard asks (each
    at most once): what the table's guards know besides the case row."""

    def __init__(self, session: Session, case: Case, actor: Actor) -> None:
        self.session, self.case, self.actor = session, case, actor

    @functools.cached_property
    def merged_into_it(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(Case).where(
            Case.duplicate_of_id == self.case.id, Case.status == Status.MERGED.value)) or 0)

    @functools.cached_property
    def actor_cohandles(self) -> bool:
        return is_cohandler(self.session, self.case, self.actor.organisation_id)

    @functools.cached_property
    def open_milestones(self) -> int | None:
        ledger = self.session.scalar(select(Ledger.id).where(Ledger.case_id == self.case.id))
        if ledger is None:
            return None
        return int(self.session.scalar(select(func.count()).select_from(Milestone).where(
            Milestone.ledger_id == ledger, Milestone.done_at.is_(None))) or 0)

    @functools.cached_property
    def actor_supervises(self) -> bool:
        if self.actor.user_id is None:
            return False
        return self.session.scalar(select(Ledger.id).where(
            Ledger.case_id == self.case.id, Ledger.supervisor_id == self.actor.user_id)) is not None


def check_guards(case: Case, action: Action, facts: Facts | SessionFacts, role: str) -> None:
    """The table's guards of ``action`` from the case's status: the first refusal raises
    ``Refused`` (409) with its reason, except the co-handler's guard, which is about who
    acts (403)."""
    row = workflow_of(case.kind).transitions.get((Status(case.status), action))
    for guard in row.guards if row is not None else ():
        reason = guard(case, facts, role)  # type: ignore[arg-type]
        if reason is not None:
            raise (NotPermitted if guard is cohandler_only else Refused)(reason)


def check_act(session: Session, actor: Actor, case: Case | None, action: Action,
              facts: Facts | SessionFacts | None = None, *, kind: Kind | str = Kind.PROBLEM) -> Status:
    """The status after ``action`` in the workflow of the case's kind (``kind`` for a case
    not yet created), or the reason it may not happen:
    NotVisible (404) · NotPermitted (403: never for this role, outside the actor's scope, or
    refused by a guard of the table) · IllegalTransition (409: not from this status, listing
    what is allowed)."""
    target = _check_act(session, actor, case, action, case.kind if case is not None else kind)
    if case is not None:
        check_guards(case, action, facts or SessionFacts(session, case, actor), actor.role)
    return target


def _check_act(session: Session, actor: Actor, case: Case | None, action: Action, kind: str) -> Status:
    status = Status(case.status) if case is not None else Status.START
    if action is Action.JOIN and case is not None and case.city_id == actor.city_id:
        # Anyone may join an open case as a co-reporter of the same problem: intake offered
        # it for their report, and the service checks it is near their point. Joining shows
        # them the case's progress; it gives no power to act on it.
        if not role_ever_may(actor.role, action, kind):
            raise NotPermitted(f"a {actor.role} may never {action.value}")
        if actor.user_id is not None and case.reporter_id == actor.user_id:
            raise NotPermitted("you reported this case: there is nothing to join")
        return next_status(status, action, actor.role, kind)
    if case is not None and not can_see(session, actor, case):
        raise NotVisible("no such case")
    if not role_ever_may(actor.role, action, kind):
        raise NotPermitted(f"a {actor.role} may never {action.value}")
    target = next_status(status, action, actor.role, kind)
    if case is None or actor.is_system or actor.role == Role.ADMIN:
        return target
    if not is_staff(actor.role):
        if case.reporter_id != actor.user_id:
            raise NotPermitted("a resident acts only on their own reports")
        return target
    if action in UNIT_ACTIONS:
        if case.unit_id is None or not in_unit(actor, case):
            raise NotPermitted(f"only the responsible unit may {action.value} this case")
        return target
    if action is Action.RECORD_PART:
        return target  # the guard: the actor's unit co-handles the case
    # Dispatching, transferring, escalating, closing...: the actor's scope must cover where
    # the case is handled now (the unit's node), or where it happened if not yet dispatched.
    # The follow-up and the close belong as well to those who answer for the place where
    # the reporter lives (the dispatcher's side of the loop).
    where = [case.unit_path or case.grid_path]
    if action in REPORTER_SIDE:
        where.append(case.grid_path)
    if actor.role == Role.DEPARTMENT_HANDLER:
        if not in_unit(actor, case):
            raise NotPermitted(f"only the responsible unit may {action.value} this case")
    elif not any(_covers(actor.node_path, w) for w in where):
        raise NotPermitted(f"this case is handled outside your scope; you may not {action.value} it")
    return target


def allowed_for(session: Session, actor: Actor, case: Case) -> list[Action]:
    """The actions ``actor`` may take on ``case`` now (what the UI offers). Joining is not a
    button on a case: intake offers it to a reporter whose report looks like this case; nor
    is what only a history import writes."""
    out: list[Action] = []
    facts = SessionFacts(session, case, actor)
    for action in allowed_actions(case.status, actor.role, case.kind):
        if action is Action.JOIN or action in IMPORTED_ONLY or action in ELSEWHERE:
            continue
        try:
            check_act(session, actor, case, action, facts)
        except (NotPermitted, NotVisible, IllegalTransition, Refused):
            continue
        out.append(action)
    return out


def may_assign_to(actor: Actor, unit_path: str) -> bool:
    """A case may be dispatched or transferred only to units within the actor's scope; a
    unit above it is reached by escalation."""
    return actor.is_system or actor.role == Role.ADMIN or _covers(actor.node_path, unit_path)


def can_supervise(supervisor: Actor, case: Case) -> bool:
    """Who may be the supervising leader of a case's ledger: a leader of the case's city whose
    scope covers where the case happened or where it is handled."""
    return (supervisor.role == Role.LEADER and supervisor.city_id == case.city_id
            and (_covers(supervisor.node_path, case.grid_path)
                 or _covers(supervisor.node_path, case.unit_path)))


def can_reply(session: Session, actor: Actor, notice: SupervisionNotice) -> bool:
    """Who answers a supervision notice: the unit it was sent to (its members, or officers
    whose scope covers the unit's node; not the leaders who issue notices), or an admin."""
    if notice.city_id != actor.city_id or actor.is_system:
        return False
    if actor.role == Role.ADMIN:
        return True
    if actor.role == Role.LEADER or not is_staff(actor.role):
        return False
    if actor.organisation_id == notice.unit_id:
        return True
    if actor.role == Role.DEPARTMENT_HANDLER:
        return False
    from huying.geo.models import Node
    from huying.orgs.models import Organisation

    unit_path = session.scalar(select(Node.path).join(Organisation, Organisation.node_id == Node.id)
                               .where(Organisation.id == notice.unit_id))
    return _covers(actor.node_path, unit_path)


# --------------------------------------------------------------------------- beyond cases
# The same scope rule for what is not a case: figures of a node, the city's settings.

#: Roles that see every node of their city (their seat is the city).
CITYWIDE = frozenset({Role.ADMIN, Role.LEADER, Role.CITY_OFFICER})


def covers_node(actor: Actor, node_path: str) -> bool:
    """The actor's scope includes the node (their node or one below it)."""
    if actor.is_system or actor.role in CITYWIDE:
        return True
    return _covers(actor.node_path, node_path)


def check_node(actor: Actor | None, node_path: str, what: str) -> None:
    """May ``actor`` see ``what`` about the node (e.g. its figures)? Residents and the
    public may not; staff within their scope may. The tree itself is public, so a refusal
    is a 403, not a 404."""
    if actor is None or not is_staff(actor.role):
        raise NotPermitted(f"{what} are for staff of the node or above it")
    if not covers_node(actor, node_path):
        raise NotPermitted(f"this node is outside your scope: you may not see its {what}")


def check_admin(actor: Actor, what: str) -> None:
    """City settings (SLA rules...) are changed by administrators only."""
    if actor.role != Role.ADMIN:
        raise NotPermitted(f"only an administrator may {what}")


def sees_report_in_full(actor: Actor | None, case: Case) -> bool:
    """Whether ``actor`` may read what the reporter wrote and where exactly (description,
    address, point, report photos): staff and the reporter may; a resident who joined as a
    co-reporter follows the case's progress but reads another resident's report as the
    public does (their own report is in their join)."""
    if actor is None or actor.role == Role.CLIENT:
        return False  # an application files for people: what they wrote is theirs, not its
    if is_staff(actor.role):
        return True
    return actor.user_id is not None and case.reporter_id == actor.user_id


def on_public_lists() -> ColumnElement[bool]:
    """The cases the public lists and map show: problems. A service request is a resident's
    own application: the public finds it only by its receipt code (and then without a place)."""
    return Case.kind == Kind.PROBLEM.value


def public_point(lon: float | None, lat: float | None) -> tuple[float | None, float | None]:
    """What the public may see of a location: rounded to 0.001° (about 100 m), so that a
    report cannot be traced to a door."""
    if lon is None or lat is None:
        return None, None
    return round(lon, 3), round(lat, 3)
