"""Member–household links (党员联户, issue #16), stored and kept up to date.

The solver is :mod:`huying.contact.linking` (the certified min-cost-flow optimum, its greedy
baseline, and the incremental re-optimisation). This module feeds it from the register and
stores what it chose as :class:`~huying.contact.link_models.MemberLink` rows: a link that
changes is ended (``ended_at``, ``end_reason``) and a new one opened, never deleted.

* **Linking a node** (a town, a community or a grid; :func:`link_node`): the active members
  living under it (party members are enrolled on the way, with their household's point as
  their home) and the households in the register under it; links to or from outside the node
  are kept and count against the members' capacity.
* **A member leaves** (:func:`member_leaves`): marked inactive, and the node of their links
  re-optimised around their home, changing as few links as possible.
* **A household moved** (:func:`household_moved`): the node of its link re-optimised around
  its old member and its new place.

Who may do what, on the one scope rule of :mod:`huying.cases.policy`:

* officers (:data:`OFFICERS`: community, town and city officers, administrators) link the
  nodes their scope covers, and record that a member left;
* they and leaders (:data:`READERS`) see the links and figures of the nodes their scope covers;
* a member (a user whose person is a linked party member) sees only their own households;
* nobody else sees any link.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import ColumnElement, and_, case, false, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huying.cases.policy import CITYWIDE, check_node, covers_node
from huying.contact import linking as L
from huying.contact import roles
from huying.contact.identity import heads, mask_name
from huying.contact.link_models import EndReason, LinkMember, MemberLink
from huying.contact.models import Address, Household, Need
from huying.db import under
from huying.errors import Conflict, InvalidInput, NotPermitted, NotVisible
from huying.geo import service as geo
from huying.geo.models import Level, Node
from huying.orgs.actor import Actor
from huying.orgs.models import Person, User

#: Who links nodes and records that a member left (within their scope).
OFFICERS = roles.OFFICERS
#: Who sees the links and figures of the nodes their scope covers.
READERS = roles.READERS
#: The levels a node is linked at.
LINK_LEVELS = frozenset({Level.TOWN.value, Level.COMMUNITY.value, Level.GRID.value})
#: The needs in the solver's order: specialty ``s`` (a bit of a member's mask) is ``NEEDS[s]``.
NEEDS: tuple[Need, ...] = tuple(Need)
CAPACITY_MAX = 50
#: How far around a change the re-optimisation looks first (metres; it grows when needed).
RADIUS_M = 1_500.0


# --------------------------------------------------------------------------- the model's words


def need_index(needs: str) -> int:
    """The need a household is linked for: the first of its needs in :data:`NEEDS`, or -1."""
    have = {n for n in (needs or "").split(",") if n}
    for i, n in enumerate(NEEDS):
        if n.value in have:
            return i
    return -1


def skills_mask(specialties: str) -> int:
    have = {s for s in (specialties or "").split(",") if s}
    return sum(1 << i for i, n in enumerate(NEEDS) if n.value in have)


def check_specialties(values: Sequence[str]) -> str:
    """Specialties as stored (``Need`` values joined by ``,``), or ``InvalidInput``."""
    out: list[str] = []
    for raw in values:
        v = (raw or "").strip()
        if v not in {n.value for n in NEEDS}:
            raise InvalidInput(f"{raw!r} is not one of {', '.join(NEEDS)}", "specialties")
        if v not in out:
            out.append(v)
    return ",".join(out)


# --------------------------------------------------------------------------- scope


def person_of(session: Session, actor: Actor) -> int | None:
    """The person behind the actor's account, if any."""
    if actor.user_id is None:
        return None
    return session.scalar(select(User.person_id).where(User.id == actor.user_id))


def officer_node(session: Session, actor: Actor, code: str | None) -> Node:
    """The node an officer links (default: their own); 403 out of their scope."""
    if actor.role not in OFFICERS:
        raise NotPermitted(f"a {actor.role} does not link members to households")
    node = _node(session, actor, code)
    if not covers_node(actor, node.path):
        raise NotPermitted("this node is outside your scope")
    if node.level not in LINK_LEVELS:
        raise InvalidInput("link members by town, community or grid", "node")
    return node


def reader_node(session: Session, actor: Actor, code: str | None) -> Node:
    """The node whose links and figures an officer or leader reads (default: their own)."""
    if actor.role not in READERS:
        raise NotPermitted(f"a {actor.role} sees no member–household links of a node")
    node = _node(session, actor, code)
    check_node(actor, node.path, "member–household links")
    return node


def _node(session: Session, actor: Actor, code: str | None) -> Node:
    if code:
        return geo.get_node(session, actor.city_id, code)
    node = session.scalar(select(Node).where(Node.city_id == actor.city_id, Node.path == actor.node_path))
    if node is None:
        raise NotVisible("your account has no node")
    return node


def visible_links(actor: Actor, person_id: int | None) -> ColumnElement[bool]:
    """SQL over ``member_links`` joined with the household's grid (``geo_nodes``): the links
    ``actor`` sees (a member their own, readers those of the households their scope covers)."""
    city = MemberLink.city_id == actor.city_id
    mine = MemberLink.person_id == person_id if person_id is not None else false()
    if actor.role in READERS:
        if actor.role in CITYWIDE:
            return city
        return and_(city, or_(mine, under(Node.path, actor.node_path)))
    return and_(city, mine)


def _member(session: Session, actor: Actor, person_id: int) -> tuple[LinkMember, str]:
    row = session.execute(select(LinkMember, Node.path).join(Node, Node.id == LinkMember.node_id).where(
        LinkMember.city_id == actor.city_id, LinkMember.person_id == person_id)).first()
    if row is None:
        raise NotVisible(f"no member {person_id}")
    return row[0], row[1]


def may_see_member(session: Session, actor: Actor, member_path: str, person_id: int) -> bool:
    """The member themself, or a reader whose scope covers where the member lives."""
    if person_of(session, actor) == person_id:
        return True
    return actor.role in READERS and covers_node(actor, member_path)


# --------------------------------------------------------------------------- the problem of a node


@dataclass
class NodeProblem:
    """The linking problem of a node, with the rows behind each index."""

    node: Node
    problem: L.LinkingProblem
    person_ids: np.ndarray  # member index → person
    household_ids: np.ndarray  # household index → household
    needs: list[str | None]  # household index → the need it is linked for
    current: np.ndarray  # household index → member index of its open link (-1: none)
    link_ids: np.ndarray  # household index → id of its open link (-1: none)
    #: Open links of households under the node that are not in the problem (no point, moved
    #: out, or their member is not under the node and active): household → (link, person).
    outside: dict[int, tuple[int, int]] = field(default_factory=dict)

    def candidates(self) -> L.Candidates:
        """The solver's candidate arcs, with every current link among them (so that a
        solution keeping them can be certified)."""
        cand = L.candidates(self.problem)
        h = np.flatnonzero(self.current >= 0)
        return cand.add(self.problem, h, self.current[h]) if len(h) else cand

    def old(self, p: L.LinkingProblem, cand: L.Candidates) -> L.Links:
        return L.Links(self.current.copy(), L.cost_of(p, self.current), None, cand)


def _household_points(city_id: int, path: str):  # type: ignore[no-untyped-def]
    lon = func.coalesce(Household.lon, Address.lon)
    lat = func.coalesce(Household.lat, Address.lat)
    return (select(Household.id, Household.code, Household.needs, lon, lat)
            .join(Node, Node.id == Household.grid_id)
            .outerjoin(Address, Address.id == Household.address_id)
            .where(Household.city_id == city_id, Household.moved_out_at.is_(None), under(Node.path, path),
                   lon.is_not(None), lat.is_not(None))
            .order_by(Household.id))


def build_problem(session: Session, city_id: int, node: Node, *, keep: int | None = None) -> NodeProblem:
    """The members (active, or the person ``keep`` whatever their state) living under
    ``node``, the households under it with a point, and their open links."""
    members = session.execute(
        select(LinkMember.person_id, LinkMember.lon, LinkMember.lat, LinkMember.capacity, LinkMember.specialties)
        .join(Node, Node.id == LinkMember.node_id)
        .where(LinkMember.city_id == city_id, under(Node.path, node.path),
               or_(LinkMember.active.is_(True), LinkMember.person_id == (keep if keep is not None else -1)))
        .order_by(LinkMember.person_id)).all()
    households = session.execute(_household_points(city_id, node.path)).all()
    person_ids = np.array([m[0] for m in members], dtype=np.int64)
    m_index = {int(p): i for i, p in enumerate(person_ids)}
    capacity = np.array([m[3] for m in members], dtype=np.int64)
    in_node = select(Household.id).join(Node, Node.id == Household.grid_id).where(
        Household.city_id == city_id, under(Node.path, node.path))
    links = session.execute(
        select(MemberLink.id, MemberLink.person_id, MemberLink.household_id,
               MemberLink.household_id.in_(in_node))
        .where(MemberLink.city_id == city_id, MemberLink.ended_at.is_(None),
               or_(MemberLink.household_id.in_(in_node), MemberLink.person_id.in_(person_ids.tolist() or [-1])))
    ).all()
    h_index = {int(h[0]): i for i, h in enumerate(households)}
    current = np.full(len(households), -1, dtype=np.int64)
    link_ids = np.full(len(households), -1, dtype=np.int64)
    outside: dict[int, tuple[int, int]] = {}
    for link_id, person, hid, here in links:
        m, h = m_index.get(person), h_index.get(hid)
        if here and m is not None and h is not None:
            current[h], link_ids[h] = m, link_id
        elif here:  # kept as it is: its household is not in the problem, or its member is not
            outside[hid] = (link_id, person)
            if m is not None:
                capacity[m] -= 1
        elif m is not None:  # the member's household outside the node: counts against them
            capacity[m] -= 1
    keep_h = np.array([int(h[0]) not in outside for h in households], dtype=bool)
    households = [h for h, k in zip(households, keep_h, strict=True) if k]
    current, link_ids = current[keep_h], link_ids[keep_h]
    mxy = L.project(np.array([m[1] for m in members], dtype=float), np.array([m[2] for m in members], dtype=float))
    hxy = L.project(np.array([h[3] for h in households], dtype=float),
                    np.array([h[4] for h in households], dtype=float))
    need = np.array([need_index(h[2]) for h in households], dtype=np.int64)
    problem = L.LinkingProblem.build(
        mxy, hxy, np.maximum(capacity, 0), np.array([skills_mask(m[4]) for m in members], dtype=np.int64), need)
    return NodeProblem(node, problem, person_ids, np.array([int(h[0]) for h in households], dtype=np.int64),
                       [NEEDS[i].value if i >= 0 else None for i in need], current, link_ids, outside)


def _store(session: Session, city_id: int, np_: NodeProblem, p: L.LinkingProblem, new_of: np.ndarray,
           now: dt.datetime, reason: Callable[[int], EndReason]) -> tuple[int, int]:
    """End the open links that changed (with ``reason(household index)``) and open the new
    ones; (ended, opened)."""
    changed = np.flatnonzero(new_of != np_.current)
    ended: dict[EndReason, list[int]] = {}
    for hc in changed.tolist():
        if np_.link_ids[hc] >= 0:
            ended.setdefault(reason(hc), []).append(int(np_.link_ids[hc]))
    for why, ids in ended.items():
        for start in range(0, len(ids), 1_000):
            session.execute(update(MemberLink).where(MemberLink.id.in_(ids[start:start + 1_000]))
                            .values(ended_at=now, end_reason=why.value).execution_options(synchronize_session=False))
    h = changed[new_of[changed] >= 0]
    m = new_of[h]
    dist = np.rint(np.hypot(*(p.household_xy[h] - p.member_xy[m]).T)).astype(np.int64).reshape(-1)
    rows = []
    for hi, mi, d in zip(h.tolist(), m.tolist(), dist.tolist(), strict=True):
        need = np_.needs[hi]
        matched = need is not None and bool((int(p.member_skills[mi]) >> NEEDS.index(Need(need))) & 1)
        rows.append({"city_id": city_id, "person_id": int(np_.person_ids[mi]),
                     "household_id": int(np_.household_ids[hi]), "node_id": np_.node.id, "since": now,
                     "distance_m": int(d), "need": need, "need_matched": matched, "created_at": now})
    for start in range(0, len(rows), 5_000):
        session.execute(insert(MemberLink), rows[start:start + 5_000])
    return sum(len(v) for v in ended.values()), len(rows)


# --------------------------------------------------------------------------- commands


@contextmanager
def committed(session: Session) -> Iterator[None]:
    """One command, one transaction: committed at the end, rolled back as a whole if it
    raises; two commands changing the same household's open link at once (the partial
    unique index refuses the second) is a 409, not a 500."""
    try:
        yield
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict("the links of this area were changed at the same time; try again") from None
    except BaseException:
        session.rollback()
        raise


def enrol(session: Session, city_id: int, node: Node, *, now: dt.datetime) -> int:
    """Enrol the party members living under ``node`` who are not members of the links yet,
    with their household's point as their home, capacity 10 and no specialties (an officer
    sets those). Members without a household point are left out. Returns how many."""
    lon = func.coalesce(Household.lon, Address.lon)
    lat = func.coalesce(Household.lat, Address.lat)
    rows = session.execute(
        select(Person.id, func.coalesce(Person.node_id, Household.grid_id), lon, lat)
        .join(Household, Household.id == Person.household_id)
        .outerjoin(Address, Address.id == Household.address_id)
        .join(Node, Node.id == func.coalesce(Person.node_id, Household.grid_id))
        .where(Person.city_id == city_id, Person.is_party_member.is_(True), under(Node.path, node.path),
               lon.is_not(None), lat.is_not(None), Household.moved_out_at.is_(None),
               ~select(LinkMember.id).where(LinkMember.city_id == city_id,
                                            LinkMember.person_id == Person.id).exists())
        .order_by(Person.id)).all()
    if rows:
        session.execute(insert(LinkMember), [
            {"city_id": city_id, "person_id": pid, "node_id": nid, "lon": x, "lat": y, "capacity": L.DEFAULT_CAPACITY,
             "specialties": "", "active": True, "created_at": now} for pid, nid, x, y in rows])
    return len(rows)


def set_member(session: Session, actor: Actor, person_id: int, *, capacity: int | None = None,
               specialties: Sequence[str] | None = None) -> LinkMember:
    """An officer sets a member's capacity or specialties (the next linking uses them)."""
    if actor.role not in OFFICERS:
        raise NotPermitted(f"a {actor.role} does not set members' capacity")
    member, path = _member(session, actor, person_id)
    if not covers_node(actor, path):
        raise NotPermitted("this member lives outside your scope")
    if capacity is not None:
        if not 0 <= capacity <= CAPACITY_MAX:
            raise InvalidInput(f"between 0 and {CAPACITY_MAX}", "capacity")
        member.capacity = capacity
    if specialties is not None:
        member.specialties = check_specialties(specialties)
    session.commit()
    return member


@dataclass(frozen=True)
class Run:
    """What a linking or a re-optimisation did."""

    node: str
    members: int
    households: int
    linked: int
    unlinked: int
    need_matched: int
    cost: int
    lower_bound: int | None
    optimal: bool
    #: Households whose member changed, as the solver counts them.
    changed: int
    #: Link rows ended and opened.
    ended: int
    opened: int
    seconds: float
    greedy_cost: int | None = None
    enrolled: int = 0

    def as_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _run(np_: NodeProblem, p: L.LinkingProblem, links: L.Links, changed: int, stored: tuple[int, int],
         t0: float, **more: int | None) -> Run:
    d = L.describe(p, links.member_of)
    cert = links.certificate
    return Run(np_.node.code, p.n_members, p.n_households, d["linked"], d["unlinked"], d["need_matched"],
               links.cost, None if cert is None else cert.lower_bound, bool(cert and cert.optimal), changed,
               stored[0], stored[1], round(time.perf_counter() - t0, 3), **more)  # type: ignore[arg-type]


def link_node(session: Session, actor: Actor, code: str | None, *, now: dt.datetime) -> Run:
    """Link the members living under a node to its households, optimally (the certified
    min-cost flow), keeping the links that the optimum keeps and ending the others. One
    transaction."""
    node = officer_node(session, actor, code)
    with committed(session):
        return solve_node(session, actor.city_id, node, now=now)


def solve_node(session: Session, city_id: int, node: Node, *, now: dt.datetime) -> Run:
    """:func:`link_node` without the actor (the demo's build), committed by the caller."""
    t0 = time.perf_counter()
    enrolled = enrol(session, city_id, node, now=now)
    np_ = build_problem(session, city_id, node)
    p = np_.problem
    links = L.solve(p)
    greedy = L.cost_of(p, L.greedy(p, links.candidates))
    changed = int((links.member_of != np_.current).sum())
    stored = _store(session, city_id, np_, p, links.member_of, now, lambda _h: EndReason.RELINKED)
    session.flush()
    return _run(np_, p, links, changed, stored, t0, greedy_cost=greedy, enrolled=enrolled)


def _reoptimise(session: Session, city_id: int, np_: NodeProblem, p: L.LinkingProblem, near: np.ndarray,
                now: dt.datetime, reason: Callable[[int], EndReason],
                households: np.ndarray | None = None) -> Run:
    t0 = time.perf_counter()
    cand = np_.candidates()
    old = np_.old(p, cand)
    r = L.reoptimise(p, old, near, radius=RADIUS_M, cand=cand, households=households)
    stored = _store(session, city_id, np_, p, r.links.member_of, now, reason)
    return _run(np_, p, r.links, r.changed, stored, t0)


def member_leaves(session: Session, actor: Actor, person_id: int, *, now: dt.datetime) -> list[Run]:
    """A member leaves (an officer over where they live records it): marked inactive, and
    each node holding their links re-optimised around their home, changing as few links as
    possible (their households go to others, the rest stays). One transaction."""
    if actor.role not in OFFICERS:
        raise NotPermitted(f"a {actor.role} does not record that a member left")
    member, path = _member(session, actor, person_id)
    if not covers_node(actor, path):
        raise NotPermitted("this member lives outside your scope")
    if not member.active:
        raise InvalidInput("this member has already left", "member")
    with committed(session):
        return _leave(session, actor, member, now=now)


def _leave(session: Session, actor: Actor, member: LinkMember, *, now: dt.datetime) -> list[Run]:
    person_id = member.person_id
    nodes = list(session.scalars(select(Node).where(Node.id.in_(select(MemberLink.node_id).where(
        MemberLink.person_id == person_id, MemberLink.ended_at.is_(None)))).order_by(Node.path)))
    runs: list[Run] = []
    for node in nodes:
        np_ = build_problem(session, actor.city_id, node, keep=person_id)
        where = np.flatnonzero(np_.person_ids == person_id)
        if not len(where):  # their links here are kept from outside the problem: end them
            continue
        i = int(where[0])
        q = L.member_leaves(np_.problem, i)
        mine = np_.current == i

        def why(h: int, mine: np.ndarray = mine) -> EndReason:
            return EndReason.MEMBER_LEFT if mine[h] else EndReason.REOPTIMISED

        runs.append(_reoptimise(session, actor.city_id, np_, q, np_.problem.member_xy[[i]], now, why))
    left = session.execute(select(MemberLink.id).where(MemberLink.person_id == person_id,
                                                       MemberLink.ended_at.is_(None))).scalars().all()
    if left:  # links of theirs that no problem held
        session.execute(update(MemberLink).where(MemberLink.id.in_(left)).values(
            ended_at=now, end_reason=EndReason.MEMBER_LEFT.value).execution_options(synchronize_session=False))
    member.active = False
    member.left_at = now
    session.flush()
    return runs


def household_moved(session: Session, actor: Actor, household_code: str, *, now: dt.datetime) -> Run | None:
    """After a household moved (its point or address changed in the register, or it moved
    out): :func:`relink_household` by an officer whose scope covers it. One transaction."""
    if actor.role not in OFFICERS:
        raise NotPermitted(f"a {actor.role} does not re-link households")
    hh = session.scalar(select(Household).where(Household.city_id == actor.city_id, Household.code == household_code))
    if hh is None:
        raise NotVisible(f"no household {household_code!r}")
    path = session.scalar(select(Node.path).where(Node.id == hh.grid_id)) or ""
    if not covers_node(actor, path):
        raise NotPermitted("this household lives outside your scope")
    with committed(session):
        return relink_household(session, actor.city_id, hh, now=now)


def relink_household(session: Session, city_id: int, hh: Household, *, now: dt.datetime) -> Run | None:
    """The node of the household's open link re-optimised around its member's home and the
    household's new place, changing as few links as possible; its link ends when it left
    the node (or the register). None when it had no open link (the next linking of its node
    takes it in). Flushed, not committed (the register's move calls it in its transaction)."""
    link = session.execute(select(MemberLink.id, MemberLink.person_id, MemberLink.node_id).where(
        MemberLink.household_id == hh.id, MemberLink.ended_at.is_(None))).first()
    if link is None:
        return None
    link_id, person_id, node_id = link
    node = session.get(Node, node_id)
    assert node is not None
    home = session.execute(select(LinkMember.lon, LinkMember.lat).where(
        LinkMember.city_id == city_id, LinkMember.person_id == person_id)).first()
    np_ = build_problem(session, city_id, node)
    here = np.flatnonzero(np_.household_ids == hh.id)
    points = [L.project(np.array([home[0]]), np.array([home[1]]))[0]] if home is not None else []
    if hh.id in np_.outside or not len(here):  # out of the node (or the register): its link ends
        session.execute(update(MemberLink).where(MemberLink.id == link_id).values(
            ended_at=now, end_reason=EndReason.HOUSEHOLD_MOVED.value).execution_options(synchronize_session=False))
        if not points:
            session.flush()
            return None
        np_ = build_problem(session, city_id, node)
        run = _reoptimise(session, city_id, np_, np_.problem, np.array(points).reshape(-1, 2), now,
                          lambda _h: EndReason.REOPTIMISED)
        run = Run(**{**run.as_dict(), "changed": run.changed + 1, "ended": run.ended + 1})  # type: ignore[arg-type]
    else:
        h = int(here[0])
        points.append(np_.problem.household_xy[h])
        run = _reoptimise(session, city_id, np_, np_.problem, np.array(points).reshape(-1, 2), now,
                          lambda x: EndReason.HOUSEHOLD_MOVED if x == h else EndReason.REOPTIMISED,
                          households=np.array([h]))
    session.flush()
    return run


# --------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class LinkRow:
    link: MemberLink
    household: Household
    member_name: str  # masked
    head: str  # the household's head, masked


def list_links(session: Session, actor: Actor, *, node: Node | None = None, person_id: int | None = None,
               history: bool = False, limit: int = 500, offset: int = 0) -> tuple[int, list[LinkRow]]:
    """The links ``actor`` sees (open ones, or every one with ``history``), under ``node``
    and/or of one member; (total, rows), by member then household."""
    me = person_of(session, actor)
    if actor.role not in READERS and me is None:
        raise NotPermitted(f"a {actor.role} sees no member–household links")
    q = (select(MemberLink, Household, Person.name).join(Household, Household.id == MemberLink.household_id)
         .join(Node, Node.id == Household.grid_id).join(Person, Person.id == MemberLink.person_id)
         .where(visible_links(actor, me)))
    if not history:
        q = q.where(MemberLink.ended_at.is_(None))
    if node is not None:
        q = q.where(under(Node.path, node.path))
    if person_id is not None:
        q = q.where(MemberLink.person_id == person_id)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.execute(q.order_by(MemberLink.person_id, Household.code, MemberLink.id)
                           .limit(limit).offset(offset)).all()
    shown = heads(session, [h.id for _, h, _ in rows])
    return total, [LinkRow(link, h, mask_name(name), shown.get(h.id, "")) for link, h, name in rows]


def member_households(session: Session, actor: Actor, person_id: int) -> tuple[LinkMember, list[LinkRow]]:
    """A member's open links: for the member themself, or a reader whose scope covers where
    the member lives (403 otherwise; 404 for no such member)."""
    member, path = _member(session, actor, person_id)
    if not may_see_member(session, actor, path, person_id):
        raise NotPermitted("this member lives outside your scope")
    _, rows = list_links(session, actor, person_id=person_id)
    return member, rows


def my_links(session: Session, actor: Actor) -> tuple[LinkMember | None, list[LinkRow]]:
    """The actor's own linked households (none when they are not a linked member)."""
    me = person_of(session, actor)
    if me is None:
        return None, []
    member = session.scalar(select(LinkMember).where(LinkMember.city_id == actor.city_id, LinkMember.person_id == me))
    if member is None:
        return None, []
    q = (select(MemberLink, Household).join(Household, Household.id == MemberLink.household_id)
         .where(MemberLink.city_id == actor.city_id, MemberLink.person_id == me, MemberLink.ended_at.is_(None))
         .order_by(MemberLink.distance_m, Household.code))
    rows = session.execute(q).all()
    shown = heads(session, [h.id for _, h in rows])
    return member, [LinkRow(link, h, "", shown.get(h.id, "")) for link, h in rows]


@dataclass(frozen=True)
class Figures:
    """A node's links now: members (active, living under it) and those with households;
    households in the register under it, linked, linked for a need and of those matched by
    the member's specialty; the mean distance of a link in metres."""

    node: str
    members: int
    linked_members: int
    households: int
    linked: int
    with_need: int
    need_matched: int
    mean_distance_m: int | None

    def as_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def figures(session: Session, actor: Actor, node: Node) -> Figures:
    """The figures of ``node`` (checked by :func:`reader_node` first)."""
    city = actor.city_id
    members = session.scalar(select(func.count()).select_from(LinkMember).join(Node, Node.id == LinkMember.node_id)
                             .where(LinkMember.city_id == city, LinkMember.active.is_(True),
                                    under(Node.path, node.path))) or 0
    households = session.scalar(select(func.count()).select_from(Household).join(Node, Node.id == Household.grid_id)
                                .where(Household.city_id == city, Household.moved_out_at.is_(None),
                                       under(Node.path, node.path))) or 0
    row = session.execute(
        select(func.count(), func.count(func.distinct(MemberLink.person_id)), func.count(MemberLink.need),
               func.sum(case((MemberLink.need_matched.is_(True), 1), else_=0)),
               func.avg(MemberLink.distance_m))
        .join(Household, Household.id == MemberLink.household_id).join(Node, Node.id == Household.grid_id)
        .where(MemberLink.city_id == city, MemberLink.ended_at.is_(None), under(Node.path, node.path))).one()
    linked, linked_members, with_need, matched, mean = row
    return Figures(node.code, int(members), int(linked_members or 0), int(households), int(linked or 0),
                   int(with_need or 0), int(matched or 0), None if mean is None else int(round(float(mean))))


@dataclass(frozen=True)
class MapMember:
    person_id: int
    name: str  # masked
    lon: float
    lat: float
    capacity: int
    load: int
    specialties: list[str]


@dataclass(frozen=True)
class NodeMap:
    members: list[MapMember]
    #: (household code, lon, lat, member index or -1, need or None)
    households: list[tuple[str, float, float, int, str | None]]


def _map_members(session: Session, city_id: int, where: ColumnElement[bool], limit: int) -> list[MapMember]:
    rows = session.execute(
        select(LinkMember, Person.name).join(Node, Node.id == LinkMember.node_id)
        .join(Person, Person.id == LinkMember.person_id)
        .where(LinkMember.city_id == city_id, where).order_by(LinkMember.person_id).limit(limit)).all()
    load = dict(session.execute(
        select(MemberLink.person_id, func.count()).where(
            MemberLink.city_id == city_id, MemberLink.ended_at.is_(None),
            MemberLink.person_id.in_([m.person_id for m, _ in rows] or [-1]))
        .group_by(MemberLink.person_id)).all())
    return [MapMember(m.person_id, mask_name(name), m.lon, m.lat, m.capacity, int(load.get(m.person_id, 0)),
                      [s for s in m.specialties.split(",") if s]) for m, name in rows]


def node_map(session: Session, actor: Actor, node: Node, *, limit: int = 5_000,
             households: bool = True) -> NodeMap:
    """The active members living under ``node`` (masked names, home, load) and, with
    ``households``, the households under it with their member (the members living
    elsewhere who are linked to one of them come after those living under it). Checked by
    :func:`reader_node` first."""
    members = _map_members(session, actor.city_id, and_(LinkMember.active.is_(True), under(Node.path, node.path)),
                           limit)
    if not households:
        return NodeMap(members, [])
    linked = dict(session.execute(select(MemberLink.household_id, MemberLink.person_id).where(
        MemberLink.city_id == actor.city_id, MemberLink.ended_at.is_(None),
        MemberLink.household_id.in_(select(Household.id).join(Node, Node.id == Household.grid_id).where(
            Household.city_id == actor.city_id, under(Node.path, node.path))))).all())
    index = {m.person_id: i for i, m in enumerate(members)}
    elsewhere = sorted(set(linked.values()) - set(index))
    if elsewhere:
        members += _map_members(session, actor.city_id, LinkMember.person_id.in_(elsewhere), limit)
        index = {m.person_id: i for i, m in enumerate(members)}
    out = []
    for hid, code, needs, lon, lat in session.execute(_household_points(actor.city_id, node.path).limit(limit)).all():
        i = need_index(needs)
        out.append((code, round(float(lon), 5), round(float(lat), 5), index.get(linked.get(hid, -1), -1),
                    NEEDS[i].value if i >= 0 else None))
    return NodeMap(members, out)
