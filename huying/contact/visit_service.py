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
from huying.contact import visits
from huying.contact.masking import heads, mask_name  # noqa: F401 - mask_name: re-exported (moved there)
from huying.contact.models import (
    Address,
    Household,
    Need,
    Visit,
    VisitAssignment,
    VisitCase,
    VisitHow,
)
from huying.errors import InvalidInput, NotPermitted, NotVisible
from huying.geo.models import Node
from huying.http.body import control_character
from huying.intake.service import intake
from huying.metrics.period import Period
from huying.orgs.actor import Actor
from huying.orgs.models import Role, User

#: Who may be assigned households to visit (deputies too, as users in one of these roles).
CADRE_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_OFFICER, Role.TOWN_OFFICER,
                         Role.CITY_OFFICER, Role.LEADER})
#: Who records and sees visits of every household their scope covers, and assigns cadres.
SCOPE_ROLES = frozenset({Role.COMMUNITY_OFFICER, Role.TOWN_OFFICER, Role.CITY_OFFICER, Role.ADMIN})
#: Who sees visits within their scope without recording them.
READ_ROLES = SCOPE_ROLES | {Role.LEADER}
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


def _household(session: Session, actor: Actor, code: str) -> tuple[Household, str]:
    hh = session.scalar(select(Household).where(Household.city_id == actor.city_id, Household.code == code))
    if hh is None:
        raise NotVisible(f"no household {code!r}")
    return hh, session.scalar(select(Node.path).where(Node.id == hh.grid_id)) or ""


def assignment_of(session: Session, household_id: int) -> VisitAssignment | None:
    """The household's open assignment, if any."""
    return session.scalar(select(VisitAssignment).where(
        VisitAssignment.household_id == household_id, visits.open_clause()))


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


def assign(session: Session, actor: Actor, household_code: str, cadre_username: str, *,
           now: dt.datetime) -> VisitAssignment:
    """Assign a cadre to a household (ending its open assignment, if another cadre's): by
    an officer whose scope covers the household. The next visit is due from the household's
    last visit, or from now."""
    if actor.role not in SCOPE_ROLES:
        raise NotPermitted(f"a {actor.role} does not assign households")
    hh, path = _household(session, actor, household_code)
    if not covers_node(actor, path):
        raise NotPermitted("this household lives outside your scope")
    if hh.moved_out_at is not None:
        raise InvalidInput("the household has moved out of the register", "household")
    cadre = session.scalar(select(User).where(User.city_id == actor.city_id, User.username == cadre_username))
    if cadre is None or not cadre.active:
        raise InvalidInput(f"no active user {cadre_username!r}", "cadre")
    if cadre.role not in CADRE_ROLES:
        raise InvalidInput(f"a {cadre.role} is not assigned households; one of "
                           f"{', '.join(sorted(CADRE_ROLES))}", "cadre")
    current = assignment_of(session, hh.id)
    if current is not None and current.cadre_id == cadre.id:
        return current
    if current is not None:
        current.ended_at = now
    last = session.scalar(select(func.max(Visit.at)).where(Visit.household_id == hh.id))
    row = VisitAssignment(city_id=actor.city_id, cadre_id=cadre.id, household_id=hh.id, since=now,
                          last_visit_at=last, due_at=visits.next_due(last, now), created_at=now)
    session.add(row)
    session.commit()
    return row


def _text(value: str, name: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise InvalidInput(f"longer than {limit} characters", name)
    bad = control_character(value)
    if bad:
        raise InvalidInput(f"contains a control character ({bad})", name)
    return value


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
    notes = _text(data.notes, "notes", NOTES_MAX)
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
        text = _text(p.text, f"problems[{i}]", PROBLEM_MAX)
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


def _where(session: Session, hh: Household) -> dict[str, Any]:
    """Where the household's problem happened: its point, else its registered address's."""
    if hh.lon is not None and hh.lat is not None:
        return {"lon": hh.lon, "lat": hh.lat, "address": hh.address[:200]}
    if hh.address_id is not None:
        addr = session.get(Address, hh.address_id)
        if addr is not None:
            return {"lon": addr.lon, "lat": addr.lat, "address": addr.text}
    return {"address": hh.address[:200]}


def record_visit(session: Session, actor: Actor, data: VisitIn, *, now: dt.datetime,
                 key: str | None = None, digest: str | None = None) -> Recorded:
    """Record a visit (one transaction): the visit, the household's next due moment, and
    each problem raised as a case through intake (channel ``resident_point_visit``) linked
    to the visit and household (``visit_cases``). With ``key`` (an idempotency key and the
    request's ``digest``) a retry returns the visit stored the first time."""
    if actor.role not in VISITORS or actor.user_id is None:
        raise NotPermitted(f"a {actor.role} does not record visits")
    hh, path = _household(session, actor, data.household)
    assignment = assignment_of(session, hh.id)
    if not may_visit(actor, path, assignment):
        raise NotPermitted("you record visits only of the households assigned to you"
                           + (" or within your scope" if actor.role in SCOPE_ROLES else ""))
    if key is not None:
        earlier = _replay(session, actor, key, digest or "")
        if earlier is not None:
            return earlier
    how, at, notes, needs, problems = check(data, now=now)
    if hh.moved_out_at is not None:
        raise InvalidInput("the household has moved out of the register", "household")
    visit = Visit(city_id=actor.city_id, household_id=hh.id, cadre_id=actor.user_id, at=at, how=how.value,
                  notes=notes, needs=",".join(n.value for n in needs), idempotency_key=key,
                  fingerprint=digest if key is not None else None, created_at=now)
    cases: list[Case] = []
    try:
        with svc.one_transaction(session):
            session.add(visit)
            session.flush()
            if assignment is not None and (assignment.last_visit_at is None or at > assignment.last_visit_at):
                assignment.last_visit_at = at
                assignment.due_at = visits.next_due(at, assignment.since)
            where = _where(session, hh)
            for p in problems:
                title = p.text.splitlines()[0][:60]
                report = ReportIn(title=title, description=p.text, uploads=p.photos, **where)
                case_ = intake(session, actor, report, channel=Channel.RESIDENT_POINT_VISIT.value, now=now).case
                session.add(VisitCase(city_id=actor.city_id, visit_id=visit.id, household_id=hh.id,
                                      case_id=case_.id))
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


def list_visits(session: Session, actor: Actor, *, household: str | None = None, limit: int = 50,
                offset: int = 0) -> tuple[int, list[tuple[Visit, Household, str]]]:
    """The visits ``actor`` sees, newest first: (total, [(visit, household, cadre's name)])."""
    check_reader(actor)
    q = (select(Visit, Household, User.display_name).join(Household, Household.id == Visit.household_id)
         .join(Node, Node.id == Household.grid_id).join(User, User.id == Visit.cadre_id)
         .where(Visit.city_id == actor.city_id, visible_households(actor)))
    if household:
        q = q.where(Household.code == household)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.execute(q.order_by(Visit.at.desc(), Visit.id.desc()).limit(limit).offset(offset)).all()
    return total, [(v, h, n) for v, h, n in rows]


@dataclass(frozen=True)
class MyHousehold:
    assignment: VisitAssignment
    household: Household
    head: str
    state: visits.VisitState


def my_households(session: Session, actor: Actor, *, now: dt.datetime) -> list[MyHousehold]:
    """The households assigned to ``actor``, overdue first, then the soonest due."""
    if actor.user_id is None:
        return []
    rows = session.execute(
        select(VisitAssignment, Household).join(Household, Household.id == VisitAssignment.household_id)
        .where(VisitAssignment.city_id == actor.city_id, VisitAssignment.cadre_id == actor.user_id,
               visits.open_clause()).order_by(*visits.urgency_order())).all()
    names = heads(session, [h.id for _, h in rows])
    return [MyHousehold(a, h, names.get(h.id, ""), visits.state(a, now)) for a, h in rows]


def household_for_visit(session: Session, actor: Actor, code: str) -> tuple[Household, str]:
    """The household of the visit form, with its head's masked name (403 out of scope)."""
    hh, path = _household(session, actor, code)
    if not may_visit(actor, path, assignment_of(session, hh.id)):
        raise NotPermitted("you record visits only of the households assigned to you")
    return hh, heads(session, [hh.id]).get(hh.id, "")


# --------------------------------------------------------------------------- coverage


@dataclass
class Tally:
    """Households assigned, visited at least once in the period, overdue now."""

    assigned: int = 0
    visited: int = 0
    overdue: int = 0

    @property
    def coverage(self) -> float | None:
        return round(self.visited / self.assigned, 4) if self.assigned else None

    def add(self, assigned: int, visited: int, overdue: int) -> None:
        self.assigned += assigned
        self.visited += visited
        self.overdue += overdue

    def as_dict(self) -> dict[str, Any]:
        return {"assigned": self.assigned, "visited": self.visited, "coverage": self.coverage,
                "overdue": self.overdue}


@dataclass
class Coverage:
    node: Node
    period: Period
    total: Tally
    by_cadre: list[tuple[User, Tally]]
    by_child: list[tuple[Node, Tally]]


def coverage(session: Session, actor: Actor, node: Node, period: Period, *, now: dt.datetime) -> Coverage:
    """Per cadre and per child node of ``node``: the households under open assignments,
    those visited (by anyone) at least once in ``period``, and those overdue now."""
    visited = select(Visit.household_id).where(Visit.city_id == actor.city_id)
    if period.since is not None:
        visited = visited.where(Visit.at >= period.since)
    if period.until is not None:
        visited = visited.where(Visit.at < period.until)
    is_visited = case((VisitAssignment.household_id.in_(visited.distinct()), 1), else_=0)
    is_late = case((visits.overdue_clause(now), 1), else_=0)
    rows = session.execute(
        select(VisitAssignment.cadre_id, Node.path, func.count(), func.sum(is_visited), func.sum(is_late))
        .join(Household, Household.id == VisitAssignment.household_id)
        .join(Node, Node.id == Household.grid_id)
        .where(VisitAssignment.city_id == actor.city_id, visits.open_clause(), Node.path.startswith(node.path))
        .group_by(VisitAssignment.cadre_id, Node.path)).all()
    children = list(session.scalars(select(Node).where(Node.parent_id == node.id).order_by(Node.code)))
    total, per_cadre = Tally(), dict[int, Tally]()
    per_child = {c.id: Tally() for c in children}
    for cadre_id, path, n, v, late in rows:
        n, v, late = int(n), int(v or 0), int(late or 0)
        total.add(n, v, late)
        per_cadre.setdefault(cadre_id, Tally()).add(n, v, late)
        for c in children:
            if path.startswith(c.path):
                per_child[c.id].add(n, v, late)
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(list(per_cadre))))}
    by_cadre = sorted(((users[i], t) for i, t in per_cadre.items()), key=lambda ut: ut[0].username)
    return Coverage(node, period, total, by_cadre, [(c, per_child[c.id]) for c in children])
