"""Resident-point contact (驻点联系, issue #16): cadres assigned to households, their visits,
the problems a visit raises (each a case through intake, channel ``resident_point_visit``),
and coverage per cadre, node and period.

Who may do what, on the one scope rule of :mod:`huying.cases.policy` (a node and everything
below it):

* a cadre (a staff user in :data:`CADRE_ROLES`) records visits of, and sees, the households
  assigned to them;
* an officer (:data:`SCOPE_ROLES`: community, town, city officers and administrators)
  records and sees visits of the households whose grid their scope covers, and assigns
  cadres to them; a leader sees them within scope (and records only as an assigned cadre);
* residents and department handlers see no visits.

When a household is due and overdue is :mod:`huying.contact.visits`, the one rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huying.cases import service as svc
from huying.cases.attachments import Upload
from huying.cases.models import Case
from huying.cases.policy import CITYWIDE, covers_node
from huying.cases.reports import Channel, ReportIn
from huying.contact import (
    roles,
    visit_jobs,  # noqa: F401 - registers the sweep of overdue households
    visits,
)
from huying.contact.identity import heads, mask_name  # noqa: F401 - the visit pages' masking
from huying.contact.models import (
    Address,
    ContactKind,
    Household,
    Need,
    Unit,
    Visit,
    VisitAssignment,
    VisitCase,
    VisitHow,
)
from huying.errors import InvalidInput, NotPermitted, NotVisible
from huying.geo.models import Node
from huying.http.body import clean_text
from huying.intake.service import intake
from huying.metrics.period import Period
from huying.orgs.actor import Actor
from huying.orgs.models import User

#: Who may be assigned households to visit (:data:`huying.contact.roles.CADRES`).
CADRE_ROLES = roles.CADRES
#: Who records and sees visits of every household their scope covers, and assigns cadres.
SCOPE_ROLES = roles.OFFICERS
#: Who sees visits within their scope without recording them.
READ_ROLES = roles.READERS
#: Who sees visits at all (their own assignments at least).
VISITORS = CADRE_ROLES | SCOPE_ROLES

NOTES_MAX = 2000
PROBLEM_MAX = 2000
PROBLEMS_MAX = 5
#: How far back a visit may be recorded (a draft kept offline for a while), and ahead (clocks).
BACKDATE_DAYS = 30
AHEAD = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class ProblemIn:
    """A problem raised during a visit: it becomes a case (``text``: what, ``photos``: optional)."""

    text: str
    photos: Sequence[Upload] = ()


@dataclass(frozen=True)
class VisitIn:
    """A visit as every channel (API, the phone form) receives it: one parameter model."""

    household: str
    how: str
    at: dt.datetime | None = None
    #: An enterprise's code instead of a household's (``household`` then empty).
    unit: str = ""
    notes: str = ""
    needs: Sequence[str] = ()
    problems: Sequence[ProblemIn] = field(default_factory=tuple)


@dataclass
class Recorded:
    visit: Visit
    cases: list[Case]
    #: The visit was stored by an earlier request with the same idempotency key.
    replayed: bool = False


# --------------------------------------------------------------------------- scope


@dataclass(frozen=True)
class Target:
    """Who is visited: a household or an enterprise (a register ``Unit``), with its grid's path."""

    kind: ContactKind
    row: Household | Unit
    path: str
    address: str

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def code(self) -> str:
        return self.row.code

    @property
    def household_id(self) -> int | None:
        return self.row.id if self.kind is ContactKind.HOUSEHOLD else None

    @property
    def unit_id(self) -> int | None:
        return self.row.id if self.kind is ContactKind.UNIT else None

    @property
    def gone(self) -> bool:
        """Moved out of the register (households only)."""
        return isinstance(self.row, Household) and self.row.moved_out_at is not None

    def of(self, table: Any) -> ColumnElement[bool]:
        """The rows of ``table`` (assignments, visits) that are about this target."""
        if self.kind is ContactKind.HOUSEHOLD:
            return table.household_id == self.row.id  # type: ignore[no-any-return]
        return table.unit_id == self.row.id  # type: ignore[no-any-return]


def _target(session: Session, actor: Actor, code: str, kind: ContactKind | str = ContactKind.HOUSEHOLD) -> Target:
    """The household or enterprise of ``code`` in the actor's city (404 when there is none)."""
    kind = ContactKind(kind)
    if kind is ContactKind.HOUSEHOLD:
        hh = session.scalar(select(Household).where(Household.city_id == actor.city_id, Household.code == code))
        if hh is None:
            raise NotVisible(f"no household {code!r}")
        return Target(kind, hh, session.scalar(select(Node.path).where(Node.id == hh.grid_id)) or "", hh.address)
    row = session.execute(select(Unit, Address.text, Node.path).join(Address, Address.id == Unit.address_id)
                          .join(Node, Node.id == Unit.grid_id)
                          .where(Unit.city_id == actor.city_id, Unit.code == code)).first()
    if row is None:
        raise NotVisible(f"no enterprise {code!r}")
    return Target(kind, row[0], row[2], row[1])


def _household(session: Session, actor: Actor, code: str) -> tuple[Household, str]:
    t = _target(session, actor, code)
    assert isinstance(t.row, Household)
    return t.row, t.path


def open_assignment(session: Session, target: Target) -> VisitAssignment | None:
    """The target's open assignment, if any."""
    return session.scalar(select(VisitAssignment).where(target.of(VisitAssignment), visits.open_clause()))


def may_visit(actor: Actor, grid_path: str, assignment: VisitAssignment | None) -> bool:
    """May ``actor`` record a visit of a household in ``grid_path`` (open assignment given)?"""
    if actor.is_system:
        return False
    if assignment is not None and actor.user_id is not None and assignment.cadre_id == actor.user_id:
        return actor.role in CADRE_ROLES
    return actor.role in SCOPE_ROLES and covers_node(actor, grid_path)


def check_reader(actor: Actor, what: str = "visits") -> None:
    if actor.role not in VISITORS | READ_ROLES:
        raise NotPermitted(f"a {actor.role} sees no {what}")


def visible_contacts(actor: Actor, household_id: Any, unit_id: Any, grid_path: Any) -> ColumnElement[bool]:
    """SQL: the visits (or assignments) of a household or enterprise (``household_id`` /
    ``unit_id`` columns) in the grid ``grid_path`` that ``actor`` sees: those of their own
    open assignments, and for officers and leaders those within their scope (the rule of
    :func:`may_visit`)."""
    if actor.role not in VISITORS | READ_ROLES:
        return false()
    if actor.user_id is not None and actor.role in CADRE_ROLES:
        theirs = select(VisitAssignment.household_id, VisitAssignment.unit_id).where(
            VisitAssignment.cadre_id == actor.user_id, visits.open_clause()).subquery()
        mine: ColumnElement[bool] = or_(household_id.in_(select(theirs.c.household_id)),
                                        unit_id.in_(select(theirs.c.unit_id)))
    else:
        mine = false()
    if actor.role in READ_ROLES:
        return or_(mine, true() if actor.role in CITYWIDE else grid_path.startswith(actor.node_path))
    return mine


def visible_households(actor: Actor) -> ColumnElement[bool]:
    """SQL over ``households`` (joined with their grid ``geo_nodes``): those whose visits
    ``actor`` sees (the same rule as :func:`may_visit`, and leaders within scope)."""
    city = Household.city_id == actor.city_id
    if actor.role not in VISITORS | READ_ROLES:
        return false()
    mine = (Household.id.in_(select(VisitAssignment.household_id).where(
        VisitAssignment.cadre_id == actor.user_id, visits.open_clause()))
        if actor.user_id is not None and actor.role in CADRE_ROLES else false())
    if actor.role in READ_ROLES:
        scoped = true() if actor.role in CITYWIDE else Node.path.startswith(actor.node_path)
        return and_(city, or_(mine, scoped))
    return and_(city, mine)


# --------------------------------------------------------------------------- commands


def check_assigner(actor: Actor) -> None:
    if actor.role not in SCOPE_ROLES:
        raise NotPermitted(f"a {actor.role} does not assign households")


def _cadre(session: Session, actor: Actor, username: str) -> User:
    cadre = session.scalar(select(User).where(User.city_id == actor.city_id, User.username == username))
    if cadre is None or not cadre.active:
        raise InvalidInput(f"no active user {username!r}", "cadre")
    if cadre.role not in CADRE_ROLES:
        raise InvalidInput(f"a {cadre.role} is not assigned households; one of "
                           f"{', '.join(sorted(CADRE_ROLES))}", "cadre")
    return cadre


def _assign(session: Session, actor: Actor, code: str, cadre: User, now: dt.datetime,
            kind: ContactKind = ContactKind.HOUSEHOLD) -> VisitAssignment:
    t = _target(session, actor, code, kind)
    if not covers_node(actor, t.path):
        raise NotPermitted(f"this {kind} is outside your scope")
    if t.gone:
        raise InvalidInput(f"household {code} has moved out of the register", "household")
    current = open_assignment(session, t)
    if current is not None and current.cadre_id == cadre.id:
        return current
    if current is not None:
        visits.end(current, now)
    last = session.scalar(select(func.max(Visit.at)).where(t.of(Visit)))
    row = VisitAssignment(city_id=actor.city_id, cadre_id=cadre.id, household_id=t.household_id,
                          unit_id=t.unit_id, since=now, last_visit_at=last, created_at=now)
    visits.set_due(row, visits.next_due(last, now))
    session.add(row)
    session.flush()
    return row


def assign(session: Session, actor: Actor, code: str, cadre_username: str, *,
           now: dt.datetime, kind: ContactKind = ContactKind.HOUSEHOLD) -> VisitAssignment:
    """Assign a cadre to a household or an enterprise (ending its open assignment, if
    another cadre's): by an officer whose scope covers it. The next visit is due from its
    last visit, or from now."""
    check_assigner(actor)
    cadre = _cadre(session, actor, cadre_username)
    row = _assign(session, actor, code, cadre, now, kind)
    session.commit()
    return row


#: The most households one request assigns.
ASSIGN_MAX = 500


def assign_many(session: Session, actor: Actor, household_codes: Sequence[str], cadre_username: str, *,
                now: dt.datetime, unit_codes: Sequence[str] = ()) -> int:
    """:func:`assign` for several households and enterprises at once, all or none (the
    first refusal names its field and stores nothing). Returns how many changed cadre."""
    check_assigner(actor)
    wanted = [(ContactKind.HOUSEHOLD, c) for c in dict.fromkeys(c.strip() for c in household_codes if c and c.strip())]
    wanted += [(ContactKind.UNIT, c) for c in dict.fromkeys(c.strip() for c in unit_codes if c and c.strip())]
    if not wanted:
        raise InvalidInput("choose at least one household", "households")
    if len(wanted) > ASSIGN_MAX:
        raise InvalidInput(f"at most {ASSIGN_MAX} households at once", "households")
    cadre = _cadre(session, actor, cadre_username)
    changed = 0
    with svc.one_transaction(session):
        for kind, code in wanted:
            before = open_assignment(session, _target(session, actor, code, kind))
            row = _assign(session, actor, code, cadre, now, kind)
            changed += before is None or before.id != row.id
    return changed


def cadres_for(session: Session, actor: Actor, node: Node) -> list[User]:
    """Who may be given the households of ``node``: the active cadres whose own node is on
    its branch (the grid's workers, its community's and town's cadres, and cadres below it),
    by name."""
    check_assigner(actor)
    ancestors = [node.path[:i + 1] for i, ch in enumerate(node.path) if ch == "/"]
    return list(session.scalars(
        select(User).join(Node, Node.id == User.node_id)
        .where(User.city_id == actor.city_id, User.active.is_(True), User.role.in_([r.value for r in CADRE_ROLES]),
               or_(Node.path.in_(ancestors), Node.path.startswith(node.path)))
        .order_by(User.display_name, User.username)))


@dataclass(frozen=True)
class HouseholdRow:
    """A household of a grid as the assignment page lists it."""

    household: Household
    cadre: str | None
    state: visits.VisitState | None
    last_visit_at: dt.datetime | None


def households_of(session: Session, actor: Actor, node: Node, *, now: dt.datetime,
                  limit: int = ASSIGN_MAX) -> list[HouseholdRow]:
    """The registered households of ``node`` (in the register, not moved out) with their
    cadre, for an officer whose scope covers it: unassigned first, then by address."""
    check_assigner(actor)
    if not covers_node(actor, node.path):
        raise NotPermitted("this place is outside your scope")
    rows = session.execute(
        select(Household, VisitAssignment, User.display_name)
        .join(Node, Node.id == Household.grid_id)
        .outerjoin(VisitAssignment, and_(VisitAssignment.household_id == Household.id, visits.open_clause()))
        .outerjoin(User, User.id == VisitAssignment.cadre_id)
        .where(Household.city_id == actor.city_id, Household.moved_out_at.is_(None), Node.path.startswith(node.path))
        .order_by(VisitAssignment.id.is_not(None), Household.address, Household.code).limit(limit)).all()
    return [HouseholdRow(h, name, visits.state(a, now) if a is not None else None,
                         a.last_visit_at if a is not None else None) for h, a, name in rows]


@dataclass(frozen=True)
class UnitRow:
    """An enterprise of a place as the assignment page lists it."""

    unit: Unit
    address: str
    cadre: str | None
    state: visits.VisitState | None
    last_visit_at: dt.datetime | None


def units_of(session: Session, actor: Actor, node: Node, *, now: dt.datetime,
             limit: int = ASSIGN_MAX) -> list[UnitRow]:
    """The enterprises and other units of ``node`` with their cadre (as :func:`households_of`)."""
    check_assigner(actor)
    if not covers_node(actor, node.path):
        raise NotPermitted("this place is outside your scope")
    rows = session.execute(
        select(Unit, Address.text, VisitAssignment, User.display_name)
        .join(Node, Node.id == Unit.grid_id).join(Address, Address.id == Unit.address_id)
        .outerjoin(VisitAssignment, and_(VisitAssignment.unit_id == Unit.id, visits.open_clause()))
        .outerjoin(User, User.id == VisitAssignment.cadre_id)
        .where(Unit.city_id == actor.city_id, Node.path.startswith(node.path))
        .order_by(VisitAssignment.id.is_not(None), Unit.name, Unit.code).limit(limit)).all()
    return [UnitRow(u, text, name, visits.state(a, now) if a is not None else None,
                    a.last_visit_at if a is not None else None) for u, text, a, name in rows]


def check(data: VisitIn, *, now: dt.datetime) -> tuple[VisitHow, dt.datetime, str, list[Need], list[ProblemIn]]:
    """The one check of a visit: its parts cleaned, or ``InvalidInput`` naming the field."""
    try:
        how = VisitHow((data.how or "").strip())
    except ValueError:
        raise InvalidInput(f"one of {', '.join(VisitHow)}", "how") from None
    at = data.at or now
    if at.tzinfo is None:
        raise InvalidInput("give a time zone (e.g. +08:00)", "at")
    if at > now + AHEAD:
        raise InvalidInput("a visit cannot be in the future", "at")
    if at < now - dt.timedelta(days=BACKDATE_DAYS):
        raise InvalidInput(f"more than {BACKDATE_DAYS} days ago", "at")
    notes = clean_text(data.notes, "notes", NOTES_MAX)
    needs: list[Need] = []
    for raw in data.needs:
        try:
            need = Need((raw or "").strip())
        except ValueError:
            raise InvalidInput(f"{raw!r} is not one of {', '.join(Need)}", "needs") from None
        if need not in needs:
            needs.append(need)
    if len(data.problems) > PROBLEMS_MAX:
        raise InvalidInput(f"at most {PROBLEMS_MAX} problems per visit", "problems")
    problems = []
    for i, p in enumerate(data.problems):
        text = clean_text(p.text, f"problems[{i}]", PROBLEM_MAX)
        if not text:
            raise InvalidInput("a problem raised must say what it is", f"problems[{i}]")
        problems.append(ProblemIn(text, tuple(p.photos)))
    return how, at, notes, needs, problems


def _replay(session: Session, actor: Actor, key: str, digest: str) -> Recorded | None:
    row = session.scalar(select(Visit).where(Visit.city_id == actor.city_id, Visit.cadre_id == actor.user_id,
                                             Visit.idempotency_key == key))
    if row is None:
        return None
    if row.fingerprint != digest:
        raise InvalidInput("this key was used for a different visit; use a new key for a new visit",
                           "Idempotency-Key")
    return Recorded(row, cases_of_visit(session, row.id), replayed=True)


def _where(session: Session, target: Target) -> dict[str, Any]:
    """Where the problem raised happened: the household's point, else its (or the
    enterprise's) registered address's."""
    row = target.row
    if isinstance(row, Household) and row.lon is not None and row.lat is not None:
        return {"lon": row.lon, "lat": row.lat, "address": row.address[:200]}
    if row.address_id is not None:
        addr = session.get(Address, row.address_id)
        if addr is not None:
            return {"lon": addr.lon, "lat": addr.lat, "address": addr.text}
    return {"address": target.address[:200]}


def visit_target(session: Session, actor: Actor, data: VisitIn) -> Target:
    """The household or the enterprise a visit is about: exactly one of the two codes."""
    household, unit = (data.household or "").strip(), (data.unit or "").strip()
    if bool(household) == bool(unit):
        raise InvalidInput("name either a household or an enterprise", "household")
    return _target(session, actor, household or unit, ContactKind.HOUSEHOLD if household else ContactKind.UNIT)


def record_visit(session: Session, actor: Actor, data: VisitIn, *, now: dt.datetime,
                 key: str | None = None, digest: str | None = None) -> Recorded:
    """Record a visit (one transaction): the visit, the household's next due moment, and
    each problem raised as a case through intake (channel ``resident_point_visit``) linked
    to the visit and household (``visit_cases``). With ``key`` (an idempotency key and the
    request's ``digest``) a retry returns the visit stored the first time."""
    if actor.role not in VISITORS or actor.user_id is None:
        raise NotPermitted(f"a {actor.role} does not record visits")
    target = visit_target(session, actor, data)
    assignment = open_assignment(session, target)
    if not may_visit(actor, target.path, assignment):
        raise NotPermitted("you record visits only of the households assigned to you"
                           + (" or within your scope" if actor.role in SCOPE_ROLES else ""))
    if key is not None:
        earlier = _replay(session, actor, key, digest or "")
        if earlier is not None:
            return earlier
    how, at, notes, needs, problems = check(data, now=now)
    if target.gone:
        raise InvalidInput("the household has moved out of the register", "household")
    visit = Visit(city_id=actor.city_id, household_id=target.household_id, unit_id=target.unit_id,
                  cadre_id=actor.user_id, at=at, how=how.value,
                  notes=notes, needs=",".join(n.value for n in needs), idempotency_key=key,
                  fingerprint=digest if key is not None else None, created_at=now)
    cases: list[Case] = []
    try:
        with svc.one_transaction(session):
            session.add(visit)
            session.flush()
            if assignment is not None and (assignment.last_visit_at is None or at > assignment.last_visit_at):
                assignment.last_visit_at = at
                visits.set_due(assignment, visits.next_due(at, assignment.since))
            where = _where(session, target)
            for p in problems:
                title = p.text.splitlines()[0][:60]
                report = ReportIn(title=title, description=p.text, uploads=p.photos, **where)
                case_ = intake(session, actor, report, channel=Channel.RESIDENT_POINT_VISIT.value, now=now).case
                session.add(VisitCase(city_id=actor.city_id, visit_id=visit.id, household_id=target.household_id,
                                      unit_id=target.unit_id, case_id=case_.id))
                cases.append(case_)
    except IntegrityError:
        if key is None:
            raise
        earlier = _replay(session, actor, key, digest or "")
        if earlier is None:
            raise
        return earlier
    return Recorded(visit, cases)


# --------------------------------------------------------------------------- queries


def cases_of_visit(session: Session, visit_id: int) -> list[Case]:
    return list(session.scalars(select(Case).join(VisitCase, VisitCase.case_id == Case.id)
                                .where(VisitCase.visit_id == visit_id).order_by(Case.id)))


def list_visits(session: Session, actor: Actor, *, household: str | None = None, unit: str | None = None,
                limit: int = 50, offset: int = 0) -> tuple[int, list[tuple[Visit, str, str, str]]]:
    """The visits ``actor`` sees, newest first: (total, [(visit, household's code, enterprise's
    code, cadre's username)]) — one of the two codes empty."""
    check_reader(actor)
    q = (select(Visit, Household.code, Unit.code, User.username)
         .outerjoin(Household, Household.id == Visit.household_id).outerjoin(Unit, Unit.id == Visit.unit_id)
         .join(Node, Node.id == func.coalesce(Household.grid_id, Unit.grid_id)).join(User, User.id == Visit.cadre_id)
         .where(Visit.city_id == actor.city_id, visible_contacts(actor, Visit.household_id, Visit.unit_id, Node.path)))
    if household:
        q = q.where(Household.code == household)
    if unit:
        q = q.where(Unit.code == unit)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.execute(q.order_by(Visit.at.desc(), Visit.id.desc()).limit(limit).offset(offset)).all()
    return total, [(v, h or "", u or "", n) for v, h, u, n in rows]


@dataclass(frozen=True)
class MyHousehold:
    """A household or an enterprise assigned to a cadre, as their list shows it."""

    assignment: VisitAssignment
    kind: ContactKind
    code: str
    address: str
    #: The head of household's masked name, or the enterprise's name.
    head: str
    state: visits.VisitState


def my_households(session: Session, actor: Actor, *, now: dt.datetime) -> list[MyHousehold]:
    """The households assigned to ``actor``, overdue first, then the soonest due."""
    if actor.user_id is None:
        return []
    rows = session.execute(
        select(VisitAssignment, Household, Unit, Address.text)
        .outerjoin(Household, Household.id == VisitAssignment.household_id)
        .outerjoin(Unit, Unit.id == VisitAssignment.unit_id).outerjoin(Address, Address.id == Unit.address_id)
        .where(VisitAssignment.city_id == actor.city_id, VisitAssignment.cadre_id == actor.user_id,
               visits.open_clause()).order_by(*visits.urgency_order())).all()
    names = heads(session, [h.id for _, h, _, _ in rows if h is not None])
    out = []
    for a, h, u, unit_address in rows:
        if h is not None:
            out.append(MyHousehold(a, ContactKind.HOUSEHOLD, h.code, h.address, names.get(h.id, ""),
                                   visits.state(a, now)))
        else:
            out.append(MyHousehold(a, ContactKind.UNIT, u.code, unit_address or "", u.name, visits.state(a, now)))
    return out


def target_for_visit(session: Session, actor: Actor, code: str,
                     kind: ContactKind | str = ContactKind.HOUSEHOLD) -> tuple[Target, str]:
    """The household or enterprise of the visit form, with the head of household's masked
    name or the enterprise's name (403 out of scope)."""
    t = _target(session, actor, code, kind)
    if not may_visit(actor, t.path, open_assignment(session, t)):
        raise NotPermitted("you record visits only of the households assigned to you")
    if isinstance(t.row, Unit):
        return t, t.row.name
    return t, heads(session, [t.id]).get(t.id, "")


# --------------------------------------------------------------------------- coverage


@dataclass
class Tally:
    """Households assigned, visited at least once in the period, overdue now; and the same
    of the enterprises (``units_…``)."""

    assigned: int = 0
    visited: int = 0
    overdue: int = 0
    units_assigned: int = 0
    units_visited: int = 0
    units_overdue: int = 0

    @property
    def coverage(self) -> float | None:
        return round(self.visited / self.assigned, 4) if self.assigned else None

    @property
    def units_coverage(self) -> float | None:
        return round(self.units_visited / self.units_assigned, 4) if self.units_assigned else None

    def add(self, assigned: int, visited: int, overdue: int, kind: ContactKind = ContactKind.HOUSEHOLD) -> None:
        if kind is ContactKind.UNIT:
            self.units_assigned += assigned
            self.units_visited += visited
            self.units_overdue += overdue
            return
        self.assigned += assigned
        self.visited += visited
        self.overdue += overdue

    def as_dict(self) -> dict[str, Any]:
        return {"assigned": self.assigned, "visited": self.visited, "coverage": self.coverage,
                "overdue": self.overdue,
                "enterprises": {"assigned": self.units_assigned, "visited": self.units_visited,
                                "coverage": self.units_coverage, "overdue": self.units_overdue}}


@dataclass
class Coverage:
    node: Node
    period: Period
    total: Tally
    by_cadre: list[tuple[User, Tally]]
    by_child: list[tuple[Node, Tally]]
    #: Per grid path under the node (grids with households assigned).
    by_grid: dict[str, Tally] = field(default_factory=dict)


def coverage(session: Session, actor: Actor, node: Node, period: Period, *, now: dt.datetime) -> Coverage:
    """Per cadre and per child node of ``node``: the households (and enterprises) under
    open assignments, those visited (by anyone) at least once in ``period``, and those
    overdue now."""
    def visited(column: Any) -> Any:
        q = select(column).where(Visit.city_id == actor.city_id, column.is_not(None))
        if period.since is not None:
            q = q.where(Visit.at >= period.since)
        if period.until is not None:
            q = q.where(Visit.at < period.until)
        return q.distinct()

    is_visited = case((or_(VisitAssignment.household_id.in_(visited(Visit.household_id)),
                           VisitAssignment.unit_id.in_(visited(Visit.unit_id))), 1), else_=0)
    is_late = case((visits.overdue_clause(now), 1), else_=0)
    is_unit = VisitAssignment.unit_id.is_not(None)
    rows = session.execute(
        select(VisitAssignment.cadre_id, Node.path, is_unit, func.count(), func.sum(is_visited), func.sum(is_late))
        .outerjoin(Household, Household.id == VisitAssignment.household_id)
        .outerjoin(Unit, Unit.id == VisitAssignment.unit_id)
        .join(Node, Node.id == func.coalesce(Household.grid_id, Unit.grid_id))
        .where(VisitAssignment.city_id == actor.city_id, visits.open_clause(), Node.path.startswith(node.path))
        .group_by(VisitAssignment.cadre_id, Node.path, is_unit)).all()
    children = list(session.scalars(select(Node).where(Node.parent_id == node.id).order_by(Node.code)))
    total, per_cadre, per_grid = Tally(), dict[int, Tally](), dict[str, Tally]()
    per_child = {c.id: Tally() for c in children}
    for cadre_id, path, unit, n, v, late in rows:
        n, v, late = int(n), int(v or 0), int(late or 0)
        kind = ContactKind.UNIT if unit else ContactKind.HOUSEHOLD
        total.add(n, v, late, kind)
        per_cadre.setdefault(cadre_id, Tally()).add(n, v, late, kind)
        per_grid.setdefault(path, Tally()).add(n, v, late, kind)
        for c in children:
            if path.startswith(c.path):
                per_child[c.id].add(n, v, late, kind)
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(list(per_cadre))))}
    by_cadre = sorted(((users[i], t) for i, t in per_cadre.items()), key=lambda ut: ut[0].username)
    return Coverage(node, period, total, by_cadre, [(c, per_child[c.id]) for c in children], per_grid)


@dataclass(frozen=True)
class Unvisited:
    """A household under an open assignment not visited in the period (for the map)."""

    code: str
    address: str
    grid: str
    lon: float
    lat: float
    overdue: bool


def unvisited(session: Session, actor: Actor, node: Node, period: Period, *, now: dt.datetime,
              limit: int = 2000) -> tuple[list[Unvisited], bool]:
    """The households of ``node`` not visited in ``period`` that have a point, most overdue
    first, at most ``limit`` (and whether there were more). Only households whose visits the
    actor sees (:func:`visible_households`)."""
    visited = select(Visit.household_id).where(Visit.city_id == actor.city_id, Visit.household_id.is_not(None))
    if period.since is not None:
        visited = visited.where(Visit.at >= period.since)
    if period.until is not None:
        visited = visited.where(Visit.at < period.until)
    pt_lon = func.coalesce(Household.lon, Address.lon)
    pt_lat = func.coalesce(Household.lat, Address.lat)
    rows = session.execute(
        select(Household.code, Household.address, Node.code, pt_lon, pt_lat, VisitAssignment.due_at)
        .join(VisitAssignment, and_(VisitAssignment.household_id == Household.id, visits.open_clause()))
        .join(Node, Node.id == Household.grid_id)
        .outerjoin(Address, Address.id == Household.address_id)
        .where(visible_households(actor), Node.path.startswith(node.path),
               Household.id.not_in(visited), pt_lon.is_not(None), pt_lat.is_not(None))
        .order_by(*visits.urgency_order()).limit(limit + 1)).all()
    out = [Unvisited(code, address, grid, float(lon), float(lat), due < now)
           for code, address, grid, lon, lat, due in rows[:limit]]
    return out, len(rows) > limit
