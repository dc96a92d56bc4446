"""Inspection walks (行走, 四不两直, issue #16): plan, start, end, record a problem found on
the spot, list, figures.

**Secrecy, the one rule** (:func:`sees_destination`, with its SQL twin
:func:`visible_walks`): a planned walk, and so its destination, is seen by its planner and
by nobody else (not administrators, not city officers, not the destination's officers) until
it starts; no page, API answer, list, notification, log line or figure shows it. Once
started, the planner and the officers and leaders whose scope covers the destination see it.
A walk one may not see is "not found" (404), so that even its existence is not told.

Who may do what:

* plan a walk: :data:`PLANNERS` (leaders, city and town officers: the roles the kernel lets
  report through the walk channel and fix on the spot), to a town, community or grid their
  scope covers, for today or a later day;
* start it, record its problems and end it: its planner only (the walker);
* a problem found becomes a case through intake (channel ``inspection_walk``), either fixed
  on the spot (立行立改: the kernel's ``fix_on_spot``, closed at once with its evidence) or
  put on a ledger (挂账: dispatched to a unit, then the kernel's ``open_ledger`` with a
  plan, one dated milestone and, for a leader, the leader as its supervisor).

The ledger's unit: the one intake's automatic dispatch chose, else the unit the city's
routing names when the walker's scope covers it, else the walker's own unit (a town
officer's problem that routing sends to the city goes on the town's own ledger; it escalates
through the loop like any case). It is dispatched by the walker when the workflow
lets their role dispatch, else by the system on the routing rule's behalf, as intake's
automatic dispatch is (a leader does not dispatch). All of it is one transaction: a refusal
anywhere stores nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select, true, update
from sqlalchemy.orm import Session

from huying.cases import channels, policy
from huying.cases import service as svc
from huying.cases.attachments import Upload
from huying.cases.models import Case
from huying.cases.policy import CITYWIDE, covers_node
from huying.cases.reports import Channel, ReportIn
from huying.cases.units import unit as unit_ref
from huying.cases.workflow import INSPECTORS, Action, Kind, Status, allowed_actions
from huying.cityconfig import deadlines
from huying.contact.walk_models import Walk, WalkCase, WalkOutcome, WalkStatus
from huying.db import under
from huying.errors import InvalidInput, NotPermitted, NotVisible, Refused
from huying.geo.models import Level, Node
from huying.http.body import clean_text
from huying.intake.service import intake
from huying.metrics.period import Period
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation, Role, User

#: Who plans and walks: the roles the kernel lets report through the ``inspection_walk``
#: channel and fix a problem on the spot (leaders, city and town officers).
PLANNERS = frozenset(r for r in Role if Channel.INSPECTION_WALK in channels.allowed(r)
                     and r in INSPECTORS)
#: Who sees the walks (once started) whose destination their scope covers: the planners'
#: seats and the destination's community officers.
READERS = PLANNERS | {Role.COMMUNITY_OFFICER}
#: Where a walk may go.
DESTINATION_LEVELS = frozenset({Level.TOWN.value, Level.COMMUNITY.value, Level.GRID.value})
PLACE_MAX = 200
WHAT_MAX = 2000
EVIDENCE_MAX = 2000
PLAN_MAX = 2000
#: How far ahead a walk may be planned, and a ledger's milestone set.
AHEAD_DAYS = 366


# --------------------------------------------------------------------------- the one rule


def sees_destination(actor: Actor, walk: Walk, destination_path: str) -> bool:
    """May ``actor`` see the walk (and so its destination, at ``destination_path``)? Its
    planner always; nobody else while it is planned; once it has started, the officers and
    leaders whose scope covers the destination."""
    if actor.is_system or actor.city_id != walk.city_id:
        return False
    if actor.user_id is not None and walk.planner_id == actor.user_id:
        return True
    if walk.status == WalkStatus.PLANNED.value:
        return False
    return actor.role in READERS and covers_node(actor, destination_path)


def visible_walks(actor: Actor) -> ColumnElement[bool]:
    """SQL over ``walks`` joined with their destination ``geo_nodes``: the walks ``actor``
    sees (the same rule as :func:`sees_destination`)."""
    if actor.is_system:
        return false()
    city = Walk.city_id == actor.city_id
    mine = Walk.planner_id == actor.user_id if actor.user_id is not None else false()
    if actor.role not in READERS:
        return and_(city, mine)
    scoped = true() if actor.role in CITYWIDE else under(Node.path, actor.node_path)
    return and_(city, or_(mine, and_(Walk.status != WalkStatus.PLANNED.value, scoped)))


# --------------------------------------------------------------------------- reading


@dataclass
class WalkView:
    """A walk as its viewer may see it: with its destination and its problems."""

    walk: Walk
    node: Node
    planner: str
    problems: list[tuple[WalkCase, Case]] = field(default_factory=list)

    @property
    def fixed(self) -> int:
        return sum(1 for wc, _ in self.problems if wc.outcome == WalkOutcome.FIXED_ON_SPOT.value)

    @property
    def ledger(self) -> int:
        return sum(1 for wc, _ in self.problems if wc.outcome == WalkOutcome.LEDGER.value)

    def as_dict(self) -> dict[str, Any]:
        """The walk as the API and the CLI give it (built only from a view, which only
        :func:`get_walk` and :func:`list_walks` make, through the one rule)."""
        w = self.walk
        return {"id": w.id, "planner": self.planner, "planned_on": w.planned_on, "status": w.status,
                "node": self.node.code, "node_name": self.node.name_zh, "place": w.place,
                "started_at": w.started_at, "ended_at": w.ended_at,
                "problems": [{"case": c.code, "outcome": wc.outcome, "status": c.status}
                             for wc, c in self.problems]}


def _node_of(session: Session, walk: Walk) -> Node:
    node = session.get(Node, walk.node_id)
    assert node is not None
    return node


def get_walk(session: Session, actor: Actor, walk_id: int) -> WalkView:
    """The walk, if ``actor`` may see it (404 otherwise, whether or not it exists)."""
    walk = session.get(Walk, walk_id)
    if walk is None:
        raise NotVisible("no such walk")
    node = _node_of(session, walk)
    if not sees_destination(actor, walk, node.path):
        raise NotVisible("no such walk")
    planner = session.scalar(select(User.display_name).where(User.id == walk.planner_id)) or ""
    return WalkView(walk, node, planner, problems_of(session, [walk.id]).get(walk.id, []))


def problems_of(session: Session, walk_ids: Sequence[int]) -> dict[int, list[tuple[WalkCase, Case]]]:
    out: dict[int, list[tuple[WalkCase, Case]]] = {}
    if not walk_ids:
        return out
    for wc, c in session.execute(select(WalkCase, Case).join(Case, Case.id == WalkCase.case_id)
                                 .where(WalkCase.walk_id.in_(list(walk_ids))).order_by(WalkCase.id)):
        out.setdefault(wc.walk_id, []).append((wc, c))
    return out


def list_walks(session: Session, actor: Actor, *, mine: bool = False, limit: int = 50,
               offset: int = 0) -> tuple[int, list[WalkView]]:
    """The walks ``actor`` sees (``mine``: those they planned), the latest day first."""
    check_reader(actor)
    q = (select(Walk, Node, User.display_name).join(Node, Node.id == Walk.node_id)
         .join(User, User.id == Walk.planner_id).where(visible_walks(actor)))
    if mine:
        q = q.where(Walk.planner_id == (actor.user_id if actor.user_id is not None else -1))
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.execute(q.order_by(Walk.planned_on.desc(), Walk.id.desc()).limit(limit).offset(offset)).all()
    views = [WalkView(w, n, name) for w, n, name in rows if sees_destination(actor, w, n.path)]
    problems = problems_of(session, [v.walk.id for v in views])
    for v in views:
        v.problems = problems.get(v.walk.id, [])
    return total, views


# --------------------------------------------------------------------------- commands


def check_reader(actor: Actor) -> None:
    """May ``actor`` open the walk log at all (the seats that plan or see walks)?"""
    if actor.role not in READERS:
        raise NotPermitted(f"a {actor.role} sees no inspection walks")


def check_planner(actor: Actor) -> None:
    if actor.role not in PLANNERS or actor.user_id is None:
        raise NotPermitted(f"a {actor.role} does not plan inspection walks")


def today(now: dt.datetime) -> dt.date:
    return now.astimezone(deadlines.zone()).date()


def destinations(session: Session, actor: Actor) -> list[Node]:
    """The towns and communities a planner may choose as a destination (a grid is given by
    its code), in code order."""
    check_planner(actor)
    q = select(Node).where(Node.city_id == actor.city_id,
                           Node.level.in_([Level.TOWN.value, Level.COMMUNITY.value]))
    if actor.role not in CITYWIDE:
        q = q.where(under(Node.path, actor.node_path))
    return list(session.scalars(q.order_by(Node.path)))


def plan(session: Session, actor: Actor, *, node: str, planned_on: dt.date | None, place: str | None = None,
         now: dt.datetime) -> Walk:
    """Plan a walk (privately): to ``node`` (a town, community or grid within the planner's
    scope) on ``planned_on`` (today or later), optionally to a ``place`` in it."""
    check_planner(actor)
    code = clean_text(node, "node", 20, required=True)
    target = session.scalar(select(Node).where(Node.city_id == actor.city_id, Node.code == code))
    if target is None or target.level not in DESTINATION_LEVELS:
        raise InvalidInput("choose a town, community or grid", "node")
    if not covers_node(actor, target.path):
        raise InvalidInput("this place is outside your scope", "node")
    if planned_on is None:
        raise InvalidInput("required", "planned_on")
    day = today(now)
    if planned_on < day:
        raise InvalidInput("the day has passed", "planned_on")
    if planned_on > day + dt.timedelta(days=AHEAD_DAYS):
        raise InvalidInput(f"more than {AHEAD_DAYS} days ahead", "planned_on")
    where = clean_text(place, "place", PLACE_MAX) or None
    walk = Walk(city_id=actor.city_id, planner_id=actor.user_id, planned_on=planned_on, node_id=target.id,
                place=where, status=WalkStatus.PLANNED.value, created_at=now)
    session.add(walk)
    session.commit()
    return walk


def own_walk(session: Session, actor: Actor, walk_id: int) -> Walk:
    """The walk, for its planner's commands (404 to anyone who may not see it, 403 to
    those who see it but did not plan it)."""
    view = get_walk(session, actor, walk_id)
    if view.walk.planner_id != actor.user_id:
        raise NotPermitted("only the walk's planner starts, records and ends it")
    return view.walk


def under_way(session: Session, actor: Actor, walk_id: int) -> Walk:
    """The planner's walk, while it is under way (problems are recorded then only)."""
    walk = own_walk(session, actor, walk_id)
    if walk.status != WalkStatus.STARTED.value:
        raise Refused(f"the walk is {walk.status}: problems are recorded while it is under way")
    return walk


#: The walk's moves: (from, to) by command.
MOVES = {"start": (WalkStatus.PLANNED, WalkStatus.STARTED), "end": (WalkStatus.STARTED, WalkStatus.ENDED)}


def allowed(walk: Walk) -> list[str]:
    """The commands its planner may give the walk now (what the page offers)."""
    out = [name for name, (source, _) in MOVES.items() if walk.status == source.value]
    if walk.status == WalkStatus.STARTED.value:
        out.insert(0, "problem")
    return out


def _move(session: Session, actor: Actor, walk_id: int, name: str, now: dt.datetime) -> Walk:
    walk = own_walk(session, actor, walk_id)
    source, target = MOVES[name]
    stamp = {"started_at": now} if target is WalkStatus.STARTED else {"ended_at": now}
    done = session.execute(update(Walk).where(Walk.id == walk.id, Walk.status == source.value)
                           .values(status=target.value, **stamp)).rowcount  # type: ignore[attr-defined]
    if done != 1:
        session.rollback()
        raise Refused(f"the walk is {walk.status}: it cannot {name}; allowed: {', '.join(allowed(walk)) or 'nothing'}")
    session.commit()
    session.refresh(walk)
    return walk


def start(session: Session, actor: Actor, walk_id: int, *, now: dt.datetime) -> Walk:
    """The walk starts: from now on its destination is seen within scope."""
    return _move(session, actor, walk_id, "start", now)


def end(session: Session, actor: Actor, walk_id: int, *, now: dt.datetime) -> Walk:
    return _move(session, actor, walk_id, "end", now)


@dataclass(frozen=True)
class ProblemIn:
    """A problem found on a walk, as every channel (API, page, CLI) gives it.

    ``outcome``: ``fixed_on_spot`` (with ``evidence``, and optional ``evidence_photos``) or
    ``ledger`` (with the ``plan`` of the rectification and the day ``due`` it is done by)."""

    what: str
    outcome: str
    lon: float | None = None
    lat: float | None = None
    address: str | None = None
    photos: Sequence[Upload] = ()
    evidence: str = ""
    evidence_photos: Sequence[Upload] = ()
    plan: str = ""
    due: dt.date | None = None


def _outcome(data: ProblemIn, now: dt.datetime) -> tuple[WalkOutcome, str, str, dt.datetime | None]:
    try:
        outcome = WalkOutcome((data.outcome or "").strip())
    except ValueError:
        raise InvalidInput(f"one of {', '.join(WalkOutcome)}", "outcome") from None
    if outcome is WalkOutcome.FIXED_ON_SPOT:
        return outcome, clean_text(data.evidence, "evidence", EVIDENCE_MAX, required=True), "", None
    plan_v = clean_text(data.plan, "plan", PLAN_MAX, required=True)
    if data.due is None:
        raise InvalidInput("required", "due")
    if data.due <= today(now) or data.due > today(now) + dt.timedelta(days=AHEAD_DAYS):
        raise InvalidInput(f"a day after today, within {AHEAD_DAYS} days", "due")
    due = dt.datetime.combine(data.due, dt.time(18, 0), deadlines.zone())
    return outcome, "", plan_v, due


def _ledger_unit(session: Session, actor: Actor, routed: str | None) -> str:
    """The unit a walk's problem goes to for its ledger (see the module docstring)."""
    if routed:
        _, node = unit_ref(session, actor.city_id, routed)
        if policy.may_assign_to(actor, node.path):
            return routed
    if actor.organisation_id is not None:
        own = session.scalar(select(Organisation.code).where(Organisation.id == actor.organisation_id))
        if own:
            return own
    raise InvalidInput("no unit within your scope answers for this problem: fix it on the spot, "
                       "or report it through the loop", "outcome")


def _dispatcher(actor: Actor, case_: Case) -> Actor:
    if Action.DISPATCH in allowed_actions(Status.NEW, actor.role, Kind.PROBLEM):
        return actor
    return Actor.system(actor.city_id, case_.grid_path.split("/")[0] + "/")


def record_problem(session: Session, actor: Actor, walk_id: int, data: ProblemIn, *,
                   now: dt.datetime) -> tuple[WalkCase, Case]:
    """A problem found on the walk (under way, by its planner): a case through intake
    (channel ``inspection_walk``), fixed on the spot or put on a ledger; one transaction."""
    walk = under_way(session, actor, walk_id)
    what = clean_text(data.what, "what", WHAT_MAX, required=True)
    outcome, evidence, plan_v, due = _outcome(data, now)
    node = _node_of(session, walk)
    lon, lat, address = data.lon, data.lat, clean_text(data.address, "address", 200) or None
    if lon is None and lat is None and not address:
        address = walk.place  # the planned place, placed through the register
    report = ReportIn(title=what.splitlines()[0][:60], description=what, lon=lon, lat=lat, address=address,
                      uploads=(*data.photos, *data.evidence_photos),
                      fixed_on_spot=evidence if outcome is WalkOutcome.FIXED_ON_SPOT else None)
    with svc.one_transaction(session):
        result = intake(session, actor, report, channel=Channel.INSPECTION_WALK.value, now=now)
        case_ = result.case
        if not case_.grid_path.startswith(node.path):
            raise InvalidInput("the place is outside the walk's destination", "location")
        if outcome is WalkOutcome.LEDGER:
            if case_.status == Status.NEW.value:
                unit_code = _ledger_unit(session, actor, result.route.unit_code if result.route else None)
                svc.dispatch(session, case_, _dispatcher(actor, case_), unit=unit_code, now=now)
            supervisor = actor.user_id if actor.role == Role.LEADER and policy.can_supervise(actor, case_) else None
            assert due is not None
            svc.open_ledger(session, case_, actor, plan=plan_v, milestones=[(plan_v.splitlines()[0][:200], due)],
                            supervisor_id=supervisor, now=now)
        link = WalkCase(city_id=actor.city_id, walk_id=walk.id, case_id=case_.id, outcome=outcome.value,
                        created_at=now)
        session.add(link)
    session.refresh(case_)
    return link, case_


# --------------------------------------------------------------------------- figures


@dataclass
class WalkTally:
    """Walks started, problems found, fixed on the spot, put on a ledger, closed (now)."""

    walks: int = 0
    problems: int = 0
    fixed: int = 0
    ledger: int = 0
    closed: int = 0

    def add(self, other: WalkTally) -> None:
        for name in ("walks", "problems", "fixed", "ledger", "closed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, Any]:
        return {"walks": self.walks, "problems": self.problems, "fixed_on_spot": self.fixed,
                "ledger": self.ledger, "closed": self.closed}


@dataclass
class WalkFigures:
    node: Node
    period: Period
    total: WalkTally
    by_child: list[tuple[Node, WalkTally]]


def _in(column: Any, period: Period) -> list[ColumnElement[bool]]:
    out = []
    if period.since is not None:
        out.append(column >= period.since)
    if period.until is not None:
        out.append(column < period.until)
    return out


def walks_by_path(session: Session, city_id: int, node_path: str, period: Period) -> dict[str, int]:
    """The walks started in ``period`` whose destination is under ``node_path``, by the
    destination's node path (a planned walk counts nowhere: it has not started). The one
    rule of "walks" for these figures and the indicator catalogue."""
    rows = session.execute(
        select(Node.path, func.count()).select_from(Walk).join(Node, Node.id == Walk.node_id)
        .where(Walk.city_id == city_id, Walk.status != WalkStatus.PLANNED.value,
               under(Node.path, node_path), *_in(Walk.started_at, period))
        .group_by(Node.path)).all()
    return {path: int(n) for path, n in rows}


def figures(session: Session, actor: Actor, node: Node, period: Period) -> WalkFigures:
    """Walks and their problems under ``node`` (the destination's node and below) in
    ``period``: walks started in it; problems recorded in it, fixed on the spot, put on a
    ledger, and those whose case is closed now; for the node and each child. A planned walk
    counts nowhere (it has not started: its destination is secret)."""
    policy.check_node(actor, node.path, "walk figures")
    per_path: dict[str, WalkTally] = {}
    for path, n in walks_by_path(session, actor.city_id, node.path, period).items():
        per_path.setdefault(path, WalkTally()).walks += n
    fixed = case((WalkCase.outcome == WalkOutcome.FIXED_ON_SPOT.value, 1), else_=0)
    ledger = case((WalkCase.outcome == WalkOutcome.LEDGER.value, 1), else_=0)
    closed = case((Case.status == Status.CLOSED.value, 1), else_=0)
    rows = session.execute(
        select(Node.path, func.count(), func.sum(fixed), func.sum(ledger), func.sum(closed))
        .select_from(WalkCase).join(Walk, Walk.id == WalkCase.walk_id).join(Node, Node.id == Walk.node_id)
        .join(Case, Case.id == WalkCase.case_id)
        .where(WalkCase.city_id == actor.city_id, under(Node.path, node.path), *_in(WalkCase.created_at, period))
        .group_by(Node.path)).all()
    for path, n, f, led, c in rows:
        t = per_path.setdefault(path, WalkTally())
        t.problems += int(n)
        t.fixed += int(f or 0)
        t.ledger += int(led or 0)
        t.closed += int(c or 0)
    children = list(session.scalars(select(Node).where(Node.parent_id == node.id).order_by(Node.code)))
    total = WalkTally()
    per_child = {c.id: WalkTally() for c in children}
    for path, t in per_path.items():
        total.add(t)
        for c in children:
            if path.startswith(c.path):
                per_child[c.id].add(t)
    return WalkFigures(node, period, total, [(c, per_child[c.id]) for c in children])
