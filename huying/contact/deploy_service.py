"""Deployments (下沉, issue #16): staff of departments, towns and firms sent down to the grids
of a node as three-person teams (三人小组), solved by :mod:`huying.contact.deploy`; their
rosters, daily check-ins from the phone, figures and the roster as a spreadsheet.

Who may do what, written once here on the one scope rule of :mod:`huying.cases.policy` (a
node and everything below it):

* town and city officers and administrators (:data:`MANAGE_ROLES`) create and end
  deployments over a node their scope covers;
* they and leaders (:data:`READ_ROLES`) see the deployments that overlap their scope, and
  of each the teams of the grids within it (:func:`access`);
* a deployed member of staff (the user linked to a deployed person) sees their own team
  and checks in to it, once a day;
* everyone else (residents, handlers, grid workers not deployed) sees nothing: 404.

The staff available to a deployment over a node (:func:`pool`): the people of the
departments, party committees (towns) and firms at that node, above it or below it, who
are not in a team of another active deployment and whose home is known (their household's
point, else the centre of the grid they are registered in).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import ColumnElement, and_, case, false, func, insert, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huying.cases.kernel import end_command
from huying.cases.policy import CITYWIDE, covers_node
from huying.cityconfig import deadlines
from huying.contact import deploy as D
from huying.contact.deploy_models import (
    CheckIn,
    Deployment,
    DeploymentMember,
    DeploymentStatus,
    DeploymentTeam,
)
from huying.contact.linking import project
from huying.contact.models import Household
from huying.contact.service import mask_phone
from huying.db import under
from huying.errors import InvalidInput, NotPermitted, NotVisible, Refused
from huying.geo import service as geo
from huying.geo.models import Level, Node
from huying.http.body import clean_text
from huying.http.sheets import Table, safe_row
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation, OrgKind, Person, Role, User, is_staff

#: Who creates and ends deployments over a node their scope covers.
MANAGE_ROLES = frozenset({Role.TOWN_OFFICER, Role.CITY_OFFICER, Role.ADMIN})
#: Who sees the rosters of the grids within their scope.
READ_ROLES = MANAGE_ROLES | {Role.LEADER}
#: Whose people are sent down: departments, towns (their party committees) and firms.
STAFF_KINDS = frozenset({OrgKind.DEPARTMENT, OrgKind.PARTY_COMMITTEE, OrgKind.ENTERPRISE})

NAME_MAX = 120
REASON_MAX = 1000
NOTE_MAX = 500
AHEAD = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class DeploymentIn:
    """A deployment as every channel (API, CLI, page) receives it: one parameter model."""

    node: str
    name: str
    reason: str = ""
    #: How many teams (default: every three available staff one team).
    teams: int | None = None
    started_at: dt.datetime | None = None


@dataclass(frozen=True)
class CheckInIn:
    lon: float | None = None
    lat: float | None = None
    note: str = ""


# --------------------------------------------------------------------------- who may do what


def person_of(session: Session, actor: Actor) -> int | None:
    """The person (member of staff) the actor's account stands for."""
    if actor.user_id is None:
        return None
    return session.scalar(select(User.person_id).where(User.id == actor.user_id))


def may_manage(actor: Actor, node_path: str) -> bool:
    """May ``actor`` create or end a deployment over the node at ``node_path``?"""
    return actor.role in MANAGE_ROLES and covers_node(actor, node_path)


def _ancestors(path: str) -> list[str]:
    """The paths of the node at ``path`` and of every node above it (``a/``, ``a/b/`` ...)."""
    parts = [p for p in path.split("/") if p]
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def check_reader(actor: Actor) -> None:
    """Residents (and the system) see no deployments at all; staff see theirs."""
    if not is_staff(actor.role) or actor.is_system:
        raise NotPermitted(f"a {actor.role} sees no deployments")


def check_creator(actor: Actor) -> None:
    """Only officers of a town or the city and administrators deploy staff."""
    if actor.role not in MANAGE_ROLES:
        raise NotPermitted(f"a {actor.role} does not deploy staff")


def _reads(actor: Actor) -> bool:
    return actor.role in READ_ROLES


def deployments_clause(actor: Actor, person_id: int | None) -> ColumnElement[bool]:
    """SQL over ``deployments`` joined with their node: those ``actor`` sees (their scope
    and the deployment's node overlap; or they are in one of its teams)."""
    mine = (Deployment.id.in_(select(DeploymentMember.deployment_id).where(DeploymentMember.person_id == person_id))
            if person_id is not None else false())
    if not _reads(actor):
        return and_(Deployment.city_id == actor.city_id, mine)
    if actor.role in CITYWIDE:
        return Deployment.city_id == actor.city_id
    overlap = or_(under(Node.path, actor.node_path), Node.path.in_(_ancestors(actor.node_path)))
    return and_(Deployment.city_id == actor.city_id, or_(overlap, mine))


def teams_clause(actor: Actor, person_id: int | None) -> ColumnElement[bool]:
    """SQL over ``deployment_teams`` joined with their grid: the teams ``actor`` sees (those
    of the grids within their scope; a member their own team)."""
    mine = (DeploymentTeam.id.in_(select(DeploymentMember.team_id).where(DeploymentMember.person_id == person_id))
            if person_id is not None else false())
    if not _reads(actor):
        return mine
    if actor.role in CITYWIDE:
        return true()
    return or_(under(Node.path, actor.node_path), mine)


@dataclass(frozen=True)
class Access:
    deployment: Deployment
    node: Node
    #: The actor may end it.
    manage: bool
    person_id: int | None


def access(session: Session, actor: Actor, deployment_id: int) -> Access:
    """The deployment as ``actor`` sees it, or ``NotVisible`` (404: no such deployment, or
    none of theirs: not told apart)."""
    pid = person_of(session, actor)
    row = session.execute(select(Deployment, Node).join(Node, Node.id == Deployment.node_id)
                          .where(Deployment.id == deployment_id, deployments_clause(actor, pid))).first()
    if row is None:
        raise NotVisible(f"no deployment {deployment_id}")
    dep, node = row
    return Access(dep, node, may_manage(actor, node.path), pid)


# --------------------------------------------------------------------------- the staff and the problem


@dataclass(frozen=True)
class Staff:
    person_id: int
    organisation_id: int | None
    lon: float
    lat: float
    home_grid_id: int | None


@dataclass
class Pool:
    """The staff available to a deployment over ``node``, its grids, and the solver's problem."""

    node: Node
    staff: list[Staff]
    grids: list[Node]
    #: Staff of the node's organisations whose home is not known (left out).
    without_home: int = 0

    def problem(self, n_teams: int | None = None) -> D.DeployProblem:
        index = {g.id: i for i, g in enumerate(self.grids)}
        sxy = project(np.array([s.lon for s in self.staff]), np.array([s.lat for s in self.staff]))
        gxy = project(np.array([g.centroid_lon for g in self.grids], dtype=float),
                      np.array([g.centroid_lat for g in self.grids], dtype=float))
        home = [index.get(s.home_grid_id, -1) if s.home_grid_id is not None else -1 for s in self.staff]
        pop = [float(g.population or 0) for g in self.grids]
        return D.DeployProblem.build(sxy, home, gxy, pop, n_teams)


def _active_members(city_id: int) -> ColumnElement[bool]:
    return Person.id.in_(select(DeploymentMember.person_id).join(Deployment, Deployment.id == DeploymentMember.deployment_id)
                         .where(Deployment.city_id == city_id, Deployment.status == DeploymentStatus.ACTIVE.value))


def pool(session: Session, city_id: int, node: Node) -> Pool:
    """The staff available to a deployment over ``node`` (see the module's docstring) and its
    grids (those with a centre), both in a stable order."""
    grids = list(session.scalars(select(Node).where(
        Node.city_id == city_id, Node.level == Level.GRID.value, under(Node.path, node.path),
        Node.centroid_lon.is_not(None), Node.centroid_lat.is_not(None)).order_by(Node.path)))
    org_node = Node.__table__.alias("org_node")
    home_node = Node.__table__.alias("home_node")
    rows = session.execute(
        select(Person.id, Person.organisation_id, Household.lon, Household.lat, Household.grid_id,
               home_node.c.id, home_node.c.level, home_node.c.centroid_lon, home_node.c.centroid_lat)
        .join(Organisation, Organisation.id == Person.organisation_id)
        .join(org_node, org_node.c.id == Organisation.node_id)
        .outerjoin(Household, Household.id == Person.household_id)
        .outerjoin(home_node, home_node.c.id == Person.node_id)
        .where(Person.city_id == city_id, Organisation.kind.in_([k.value for k in STAFF_KINDS]),
               Organisation.active.is_(True),
               or_(under(org_node.c.path, node.path), org_node.c.path.in_(_ancestors(node.path))),
               ~_active_members(city_id))
        .order_by(Person.id)).all()
    staff, without_home = [], 0
    for pid, oid, hlon, hlat, hgrid, nid, nlevel, clon, clat in rows:
        if hlon is not None and hlat is not None:
            staff.append(Staff(pid, oid, hlon, hlat, hgrid))
        elif nlevel == Level.GRID.value and clon is not None and clat is not None:
            staff.append(Staff(pid, oid, clon, clat, nid))
        else:
            without_home += 1
    return Pool(node, staff, grids, without_home)


# --------------------------------------------------------------------------- commands


def _node(session: Session, actor: Actor, code: str) -> Node:
    code = (code or "").strip()
    if not code:
        raise InvalidInput("give the node (the city or a town) to deploy over", "node")
    try:
        return geo.get_node(session, actor.city_id, code)
    except geo.NodeNotFound:
        raise InvalidInput(f"no node {code!r} in this city", "node") from None


def create(session: Session, actor: Actor, data: DeploymentIn, *, now: dt.datetime) -> Deployment:
    """Send the available staff down to the grids of a node as three-person teams (one
    transaction): the solver's optimum stored as teams and members. Nothing is stored when
    any part is wrong."""
    check_creator(actor)
    node = _node(session, actor, data.node)
    if not covers_node(actor, node.path):
        raise NotPermitted("this node is outside your scope")
    name = clean_text(data.name, "name", NAME_MAX)
    if not name:
        raise InvalidInput("give the deployment a name", "name")
    reason = clean_text(data.reason, "reason", REASON_MAX)
    started = data.started_at or now
    if started.tzinfo is None:
        raise InvalidInput("give a time zone (e.g. +08:00)", "started_at")
    if started > now + AHEAD:
        raise InvalidInput("a deployment starts now or has started", "started_at")
    if data.teams is not None and data.teams < 1:
        raise InvalidInput("at least one team", "teams")
    found = pool(session, actor.city_id, node)
    if not found.grids:
        raise InvalidInput("there are no grids under this node", "node")
    n = len(found.staff)
    if n < D.TEAM_SIZE:
        raise InvalidInput(f"{n} staff are available here; a team needs {D.TEAM_SIZE}", "node")
    teams = data.teams if data.teams is not None else n // D.TEAM_SIZE
    if teams * D.TEAM_SIZE > n:
        raise InvalidInput(f"{teams} teams need {teams * D.TEAM_SIZE} staff; {n} are available", "teams")
    problem = found.problem(teams)
    try:
        solved = D.solve(problem)
    except D.flow.Infeasible:
        raise InvalidInput("these staff cannot form the teams (too few live near the grids)", "teams") from None
    try:
        dep = _store(session, actor, found, problem, solved, node, name, reason, started, now)
        end_command(session)
    except BaseException:
        session.rollback()
        raise
    return dep


def _store(session: Session, actor: Actor, found: Pool, problem: D.DeployProblem, solved: D.Deployment, node: Node,
           name: str, reason: str, started: dt.datetime, now: dt.datetime) -> Deployment:
    bound = solved.certificate.lower_bound if solved.certificate is not None else None
    dep = Deployment(city_id=actor.city_id, name=name, reason=reason, node_id=node.id,
                     status=DeploymentStatus.ACTIVE.value, started_at=started, created_by_id=actor.user_id,
                     travel_m=int(solved.cost), bound_m=int(bound) if bound is not None and bound > -(2**61) else None,
                     created_at=now)
    session.add(dep)
    session.flush()
    team_rows = [DeploymentTeam(city_id=actor.city_id, deployment_id=dep.id, grid_id=found.grids[int(g)].id,
                                number=i + 1) for i, g in enumerate(solved.team_grid.tolist())]
    session.add_all(team_rows)
    session.flush()
    members = []
    for team, row, g in zip(team_rows, solved.teams.tolist(), solved.team_grid.tolist(), strict=True):
        dist = problem.cost(np.array(row), np.full(len(row), g))
        for slot, (s, d) in enumerate(zip(row, dist.tolist(), strict=True)):
            st = found.staff[s]
            members.append({"city_id": actor.city_id, "deployment_id": dep.id, "team_id": team.id,
                            "person_id": st.person_id, "organisation_id": st.organisation_id, "slot": slot,
                            "is_local": bool(solved.local[s]), "home_lon": st.lon, "home_lat": st.lat,
                            "home_grid_id": st.home_grid_id, "distance_m": int(d)})
    if members:
        session.execute(insert(DeploymentMember), members)
    session.flush()
    return dep


def end(session: Session, actor: Actor, deployment_id: int, *, now: dt.datetime) -> Deployment:
    """End a deployment: no check-ins after it; the rosters stay."""
    acc = access(session, actor, deployment_id)
    if not acc.manage:
        raise NotPermitted("you end only the deployments over a node your scope covers")
    dep = acc.deployment
    if dep.status == DeploymentStatus.ENDED.value:
        raise Refused("the deployment has already ended")
    dep.status, dep.ended_at, dep.ended_by_id = DeploymentStatus.ENDED.value, max(now, dep.started_at), actor.user_id
    end_command(session)
    return dep


@dataclass
class CheckedIn:
    checkin: CheckIn
    #: The member had already checked in that day: the first check-in, not a new one.
    replayed: bool = False


def local_day(at: dt.datetime) -> dt.date:
    """The day of ``at`` in the city's time zone (a check-in counts once per such day)."""
    return at.astimezone(deadlines.zone()).date()


def _member(session: Session, deployment_id: int, person_id: int | None) -> DeploymentMember | None:
    if person_id is None:
        return None
    return session.scalar(select(DeploymentMember).where(DeploymentMember.deployment_id == deployment_id,
                                                         DeploymentMember.person_id == person_id))


def check_in(session: Session, actor: Actor, deployment_id: int, data: CheckInIn, *, now: dt.datetime) -> CheckedIn:
    """A deployed member checks in to their team (from the phone): once per member and day;
    a repeat that day returns the first check-in."""
    acc = access(session, actor, deployment_id)
    member = _member(session, deployment_id, acc.person_id)
    if member is None:
        raise NotPermitted("only the members of its teams check in")
    dep = acc.deployment
    if dep.status != DeploymentStatus.ACTIVE.value:
        raise Refused("the deployment has ended")
    if now < dep.started_at:
        raise Refused("the deployment has not started yet")
    if (data.lon is None) != (data.lat is None):
        raise InvalidInput("give both lon and lat, or neither", "lon" if data.lon is None else "lat")
    if data.lon is not None and not -180 <= data.lon <= 180:
        raise InvalidInput("between -180 and 180", "lon")
    if data.lat is not None and not -90 <= data.lat <= 90:
        raise InvalidInput("between -90 and 90", "lat")
    note = clean_text(data.note, "note", NOTE_MAX)
    day = local_day(now)
    earlier = _checkin_of(session, member.id, day)
    if earlier is not None:
        return CheckedIn(earlier, replayed=True)
    row = CheckIn(city_id=actor.city_id, member_id=member.id, team_id=member.team_id, day=day, at=now,
                  lon=data.lon, lat=data.lat, note=note, user_id=actor.user_id, created_at=now)
    try:
        session.add(row)
        end_command(session)
    except IntegrityError:  # the same member checked in at the same moment elsewhere
        session.rollback()
        earlier = _checkin_of(session, member.id, day)
        if earlier is None:
            raise
        return CheckedIn(earlier, replayed=True)
    return CheckedIn(row)


def _checkin_of(session: Session, member_id: int, day: dt.date) -> CheckIn | None:
    return session.scalar(select(CheckIn).where(CheckIn.member_id == member_id, CheckIn.day == day))


# --------------------------------------------------------------------------- queries


@dataclass
class Figures:
    """Of the teams one sees: teams, staff, staff checked in (ever; today), grids covered,
    total and mean travel (metres, home to the grid's centre)."""

    teams: int = 0
    staff: int = 0
    checked_in: int = 0
    checked_in_today: int = 0
    grids: int = 0
    travel_m: int = 0
    local: int = 0

    @property
    def mean_travel_m(self) -> int | None:
        return round(self.travel_m / self.staff) if self.staff else None

    def as_dict(self) -> dict[str, int | None]:
        return {"teams": self.teams, "staff": self.staff, "checked_in": self.checked_in,
                "checked_in_today": self.checked_in_today, "grids": self.grids, "travel_m": self.travel_m,
                "mean_travel_m": self.mean_travel_m, "local": self.local}


@dataclass(frozen=True)
class MemberRow:
    member: DeploymentMember
    name: str
    phone: str
    organisation: Organisation | None
    checkins: int
    last_checkin: dt.datetime | None
    today: bool


@dataclass(frozen=True)
class TeamRow:
    team: DeploymentTeam
    grid: Node
    community: Node | None
    town: Node | None
    members: list[MemberRow]

    @property
    def checked_in(self) -> int:
        return sum(1 for m in self.members if m.checkins)


@dataclass
class Roster:
    deployment: Deployment
    node: Node
    manage: bool
    teams: list[TeamRow]
    figures: Figures
    #: The team of the actor, when they are a member.
    my_team_id: int | None = None
    grid: Node | None = None
    #: The actor's person (a member of staff), if any.
    my_person_id: int | None = None


def _day_of(dep: Deployment, now: dt.datetime) -> dt.date | None:
    return local_day(now) if dep.status == DeploymentStatus.ACTIVE.value else None


def roster(session: Session, actor: Actor, deployment_id: int, *, now: dt.datetime, grid: str | None = None) -> Roster:
    """The teams of a deployment that ``actor`` sees (of one grid, with ``grid``): each
    with its grid, members (the local first), their check-ins; and their figures."""
    acc = access(session, actor, deployment_id)
    dep = acc.deployment
    q = (select(DeploymentTeam, Node).join(Node, Node.id == DeploymentTeam.grid_id)
         .where(DeploymentTeam.deployment_id == dep.id, teams_clause(actor, acc.person_id)))
    grid_node = None
    if grid:
        grid_node = session.scalar(select(Node).where(Node.city_id == actor.city_id, Node.code == grid))
        if grid_node is None:
            raise NotVisible(f"no grid {grid!r}")
        q = q.where(DeploymentTeam.grid_id == grid_node.id)
    pairs = session.execute(q.order_by(DeploymentTeam.number)).all()
    team_ids = [t.id for t, _ in pairs]
    day = _day_of(dep, now)
    rows = session.execute(
        select(DeploymentMember, Person.name, Person.phone_masked, Organisation)
        .join(Person, Person.id == DeploymentMember.person_id)
        .outerjoin(Organisation, Organisation.id == DeploymentMember.organisation_id)
        .where(DeploymentMember.team_id.in_(team_ids))
        .order_by(DeploymentMember.team_id, DeploymentMember.slot, DeploymentMember.id)).all() if team_ids else []
    stats = {mid: (int(n), last, bool(today)) for mid, n, last, today in session.execute(
        select(CheckIn.member_id, func.count(), func.max(CheckIn.at),
               func.max(case((CheckIn.day == day, 1), else_=0)) if day is not None else func.count() * 0)
        .where(CheckIn.team_id.in_(team_ids)).group_by(CheckIn.member_id))} if team_ids else {}
    by_team: dict[int, list[MemberRow]] = {}
    for m, pname, phone, org in rows:
        n, last, today = stats.get(m.id, (0, None, False))
        by_team.setdefault(m.team_id, []).append(
            MemberRow(m, pname, mask_phone(phone) if phone else "", org, n, last, today))
    parents = _parents(session, actor.city_id, [g for _, g in pairs])
    teams = [TeamRow(t, g, *parents.get(g.id, (None, None)), by_team.get(t.id, [])) for t, g in pairs]
    my_team = None
    if acc.person_id is not None:
        my_team = session.scalar(select(DeploymentMember.team_id).where(
            DeploymentMember.deployment_id == dep.id, DeploymentMember.person_id == acc.person_id))
    return Roster(dep, acc.node, acc.manage, teams, figures_of(teams), my_team, grid_node, acc.person_id)


def _parents(session: Session, city_id: int, grids: Sequence[Node]) -> dict[int, tuple[Node | None, Node | None]]:
    """Each grid's community and town."""
    ids = {g.parent_id for g in grids if g.parent_id is not None}
    comms = {n.id: n for n in session.scalars(select(Node).where(Node.id.in_(ids)))} if ids else {}
    tids = {c.parent_id for c in comms.values() if c.parent_id is not None}
    towns = {n.id: n for n in session.scalars(select(Node).where(Node.id.in_(tids)))} if tids else {}
    out: dict[int, tuple[Node | None, Node | None]] = {}
    for g in grids:
        c = comms.get(g.parent_id) if g.parent_id is not None else None
        t = towns.get(c.parent_id) if c is not None and c.parent_id is not None else None
        out[g.id] = (c, t)
    return out


def figures_of(teams: Sequence[TeamRow]) -> Figures:
    f = Figures(teams=len(teams), grids=len({t.grid.id for t in teams}))
    for t in teams:
        for m in t.members:
            f.staff += 1
            f.travel_m += m.member.distance_m
            f.checked_in += 1 if m.checkins else 0
            f.checked_in_today += 1 if m.today else 0
            f.local += 1 if m.member.is_local else 0
    return f


@dataclass(frozen=True)
class Listed:
    deployment: Deployment
    node: Node
    teams: int
    staff: int
    manage: bool
    mine: bool = False


def list_deployments(session: Session, actor: Actor, *, status: str | None = None, limit: int = 50,
                     offset: int = 0) -> tuple[int, list[Listed]]:
    """The deployments ``actor`` sees, the newest first: (total, rows)."""
    check_reader(actor)
    if status is not None and status not in {s.value for s in DeploymentStatus}:
        raise InvalidInput(f"one of {', '.join(DeploymentStatus)}", "status")
    pid = person_of(session, actor)
    q = select(Deployment, Node).join(Node, Node.id == Deployment.node_id).where(deployments_clause(actor, pid))
    if status:
        q = q.where(Deployment.status == status)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.execute(q.order_by(Deployment.started_at.desc(), Deployment.id.desc())
                           .limit(limit).offset(offset)).all()
    ids = [d.id for d, _ in rows]
    teams = dict(session.execute(select(DeploymentTeam.deployment_id, func.count()).where(
        DeploymentTeam.deployment_id.in_(ids)).group_by(DeploymentTeam.deployment_id)).all()) if ids else {}
    staff = dict(session.execute(select(DeploymentMember.deployment_id, func.count()).where(
        DeploymentMember.deployment_id.in_(ids)).group_by(DeploymentMember.deployment_id)).all()) if ids else {}
    mine = set(session.scalars(select(DeploymentMember.deployment_id).where(
        DeploymentMember.deployment_id.in_(ids), DeploymentMember.person_id == pid))) if ids and pid else set()
    return int(total), [Listed(d, n, int(teams.get(d.id, 0)), int(staff.get(d.id, 0)), may_manage(actor, n.path),
                               d.id in mine) for d, n in rows]


def my_teams(session: Session, actor: Actor, *, now: dt.datetime) -> list[Roster]:
    """The actor's teams in the active deployments (a member's "my team")."""
    pid = person_of(session, actor)
    if pid is None:
        return []
    ids = session.scalars(select(Deployment.id).join(DeploymentMember, DeploymentMember.deployment_id == Deployment.id)
                          .where(Deployment.city_id == actor.city_id, DeploymentMember.person_id == pid,
                                 Deployment.status == DeploymentStatus.ACTIVE.value)
                          .order_by(Deployment.started_at.desc())).all()
    out = []
    for i in ids:
        r = roster(session, actor, i, now=now)
        r.teams = [t for t in r.teams if t.team.id == r.my_team_id]
        r.figures = figures_of(r.teams)
        out.append(r)
    return out


# --------------------------------------------------------------------------- export


#: The roster's columns (English: the API's and the CLI's; the pages pass their language's).
HEADERS: dict[str, str] = {
    "team": "Team", "town": "Town", "community": "Community", "grid": "Grid", "member": "Member",
    "organisation": "Organisation", "phone": "Phone", "local": "Local member", "distance_km": "Distance (km)",
    "checkins": "Check-ins", "last_checkin": "Last check-in",
}
WORDS: dict[str, str] = {"yes": "yes", "no": ""}
WIDTHS = (8, 14, 18, 18, 14, 28, 14, 12, 12, 10, 17)


def _name(obj: Node | Organisation | None, lang: str) -> str:
    if obj is None:
        return ""
    return obj.name_en if lang == "en" and obj.name_en else obj.name_zh


def roster_table(r: Roster, lang: str = "zh", headers: Mapping[str, str] | None = None,
                 words: Mapping[str, str] | None = None) -> Table:
    """The roster as a spreadsheet's header and rows, one row per member: names, not codes;
    phone numbers masked; every text cell safe from formulas; times in the city's zone."""
    h, w = headers or HEADERS, words or WORDS
    zone = deadlines.zone()
    body = []
    for t in r.teams:
        for m in t.members:
            last = m.last_checkin.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0) if m.last_checkin else ""
            body.append(safe_row([t.team.number, _name(t.town, lang), _name(t.community, lang), _name(t.grid, lang),
                                  m.name, _name(m.organisation, lang), m.phone,
                                  w["yes"] if m.member.is_local else w["no"],
                                  round(m.member.distance_m / 1000, 1), m.checkins, last]))
    return [h[k] for k in HEADERS], body


def team_number(session: Session, team_id: int) -> int:
    return int(session.scalar(select(DeploymentTeam.number).where(DeploymentTeam.id == team_id)) or 0)
