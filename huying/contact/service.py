"""The register (一标三实, issue #16): standard addresses with their grid and point, the
households, people and units at them, the households' moves; the register's import; and
address → grid (:func:`locate_address`, :func:`place`), which intake uses for a report
with an address and no point.

The address index (:class:`huying.contact.address.AddressIndex`) is kept per process and
city, rebuilt when the register's addresses change: every change bumps the city's
``register`` version (:mod:`huying.cityconfig.config_cache`, the rule of every per-process
cache of a city), read at most once a second by a session.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, true
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.cases.models import Case
from huying.cases.policy import CITYWIDE, Actor, covers_node
from huying.cityconfig import config_cache
from huying.contact import identity, link_service, roles, visits
from huying.contact.address import AddressIndex, AddressParts, Match, parse
from huying.contact.models import (
    Address,
    AddressKind,
    Household,
    HouseholdMove,
    MoveKind,
    Need,
    Unit,
    Visit,
    VisitCase,
)
from huying.errors import InvalidInput, NotPermitted, NotVisible
from huying.geo import service as geo
from huying.geo.models import Node
from huying.intake.rows import Mode, Outcome, Problem, counting, read_float, read_moment, read_table
from huying.orgs.contacts import mask_phone
from huying.orgs.models import Person, User, is_staff

#: The config_cache topic of the register's addresses.
REGISTER = "register"

#: Roles that import into the register: city-wide ones for any grid, officers for the grids
#: their scope covers.
IMPORTERS = roles.OFFICERS

#: How a need may be written in a file.
NEED_NAMES: dict[str, Need] = {
    **{n.value: n for n in Need},
    "独居老人": Need.ELDER_ALONE, "空巢老人": Need.ELDER_ALONE, "残疾": Need.DISABILITY,
    "残疾人": Need.DISABILITY, "低保": Need.LOW_INCOME, "低收入": Need.LOW_INCOME,
    "困难": Need.LOW_INCOME, "留守儿童": Need.LEFT_BEHIND_CHILDREN,
}
_YES = frozenset({"1", "true", "yes", "y", "是"})
_NO = frozenset({"", "0", "false", "no", "n", "否"})
_MIGRANT = {"local": False, "本地": False, "户籍": False, "migrant": True, "外来": True, "流动": True,
            **{y: True for y in _YES}, **{n: False for n in _NO}}


# --------------------------------------------------------------------------- address → grid


@dataclass(frozen=True)
class Spot:
    """Where a registered address is: its point and grid."""

    lon: float
    lat: float
    grid_id: int
    grid_path: str


@dataclass(frozen=True)
class RegisterIndex:
    index: AddressIndex
    spots: dict[int, Spot]


def register_index(session: Session, city_id: int) -> RegisterIndex:
    """The city's address index, built once per process and rebuilt when the register's
    addresses change (another process's change is seen within a second)."""

    def build(_token: object) -> RegisterIndex:
        rows = session.execute(
            select(Address.id, Address.text, Node.code, Address.lon, Address.lat, Address.grid_id, Node.path)
            .join(Node, Node.id == Address.grid_id).where(Address.city_id == city_id).order_by(Address.id)
        ).all()
        return RegisterIndex(AddressIndex((r[0], r[1], r[2]) for r in rows),
                             {r[0]: Spot(r[3], r[4], r[5], r[6]) for r in rows})

    return config_cache.cached(session, city_id, REGISTER, build)


def locate_address(session: Session, city_id: int, text: str) -> Match:
    """The grid of an address from the register: exact, fuzzy, ambiguous (the candidates
    listed) or unknown (:meth:`AddressIndex.match`)."""
    return register_index(session, city_id).index.match(text)


@dataclass(frozen=True)
class Placed:
    """An address placed through the register: the point and grid of the best match."""

    address_id: int
    text: str
    spot: Spot
    match: Match


def place(session: Session, city_id: int, text: str) -> Placed:
    """The point and grid of ``text`` through the register, or ``InvalidInput`` on field
    ``address`` saying why not: an ambiguous address lists its candidates."""
    reg = register_index(session, city_id)
    m = reg.index.match(text)
    if m.kind == "ambiguous":
        shown = "; ".join(f"{c.text} (grid {c.grid_code})" for c in m.candidates)
        raise InvalidInput(f"{text!r} is ambiguous in the register; it could be: {shown}. "
                           "Give a fuller address or lon/lat", "address")
    if m.kind == "unknown" or not m.candidates:
        raise InvalidInput(f"{text!r} is not in the address register; give lon/lat", "address")
    best = next(c for c in m.candidates if c.grid_code == m.grid_code)
    return Placed(best.address_id, best.text, reg.spots[best.address_id], m)


def place_if_registered(session: Session, city_id: int, text: str) -> Placed | None:
    """As :func:`place`, but None when the register does not know the address (the caller
    may place it another way); an ambiguous address is still refused, listing its candidates."""
    try:
        return place(session, city_id, text)
    except InvalidInput:
        if register_index(session, city_id).index.match(text).kind == "ambiguous":
            raise
        return None


# --------------------------------------------------------------------------- commands


def bump(session: Session, city_id: int) -> None:
    """Record that the city's addresses changed (every process rebuilds its index)."""
    config_cache.bump(session, city_id, REGISTER)


def check_importer(actor: Actor) -> None:
    if actor.role not in IMPORTERS:
        raise NotPermitted("only city officers, administrators and town or community officers "
                           "(within their scope) import into the register")


def parse_needs(text: str) -> tuple[list[Need], list[str]]:
    """(needs, the words not understood) of a ``needs`` cell (separated by , ; 、 or spaces)."""
    got: list[Need] = []
    bad: list[str] = []
    for word in re.split(r"[,，;；、\s]+", text.strip()):
        if not word:
            continue
        need = NEED_NAMES.get(word) or NEED_NAMES.get(word.lower())
        if need is None:
            bad.append(word)
        elif need not in got:
            got.append(need)
    return got, bad


def move_household(session: Session, actor: Actor, household: Household, to: Address | None, *,
                   at: dt.datetime, place: str | None = None) -> HouseholdMove:
    """Move a household to another registered address, or out of the register (``to`` None,
    ``place``: where to). The move is kept (``household_moves``, append-only)."""
    if household.moved_out_at is not None and to is None:
        raise InvalidInput("the household has already moved out", "household")
    kind = MoveKind.MOVED if to is not None else MoveKind.MOVED_OUT
    move = HouseholdMove(city_id=household.city_id, household_id=household.id, kind=kind.value,
                         from_address_id=household.address_id, to_address_id=to.id if to else None,
                         place=place, at=at, actor_id=actor.user_id)
    session.add(move)
    if to is None:
        household.moved_out_at = at
        visits.end_assignments(session, household.id, at)
    else:
        _settle(household, to)
        household.moved_out_at = None
    session.flush()
    return move


def move_out(session: Session, actor: Actor, code: str, *, at: dt.datetime,
             place: str | None = None, now: dt.datetime | None = None) -> HouseholdMove:
    """Household ``code`` moved out of the register (``place``: where to, as told): by an
    editor of the register whose scope covers the household's grid (:func:`may_edit`). With
    ``now``, ``at`` is checked against it and the household's history (:func:`check_move_at`)."""
    check_importer(actor)
    hh = session.scalar(select(Household).where(Household.city_id == actor.city_id, Household.code == code))
    if hh is None:
        raise InvalidInput(f"no household {code!r} in the register", "household")
    if not may_edit(actor, grid_path_of(session, hh)):
        raise NotPermitted("this household lives outside your scope")
    place = (place or "").strip() or None
    if place is not None and len(place) > 200:
        raise InvalidInput("longer than 200 characters", "place")
    if now is not None:
        if hh.moved_out_at is not None:
            raise InvalidInput("the household has already moved out", "household")
        check_move_at(session, hh, at, now)
    move = move_household(session, actor, hh, None, at=at, place=place)
    link_service.relink_household(session, actor.city_id, hh, now=at)  # its member's place goes to another
    return move


def regrid_household(session: Session, actor: Actor, household: Household, grid_id: int, *,
                     from_code: str, to_code: str, at: dt.datetime) -> HouseholdMove:
    """The map was redrawn: the household's place now lies in grid ``grid_id``. It moves
    there, and its history says so (``regridded``, from one grid's code to the other's); its
    address and point stay. Flushed."""
    move = HouseholdMove(city_id=household.city_id, household_id=household.id, kind=MoveKind.REGRIDDED.value,
                         from_address_id=household.address_id, to_address_id=household.address_id,
                         place=f"grid={from_code}>{to_code}", at=at, actor_id=actor.user_id)
    session.add(move)
    household.grid_id = grid_id
    session.flush()
    return move


def regrid_places(session: Session, city_id: int, grid_of: dict[int, int]) -> int:
    """The map was redrawn: every registered address (and the units at it) whose grid is
    given a new one in ``grid_of`` (address id → grid id) moves there; every process
    rebuilds its address index (:func:`bump`). Returns how many addresses moved."""
    moved = 0
    for address in session.scalars(select(Address).where(Address.id.in_(list(grid_of)))):
        if address.grid_id != grid_of[address.id]:
            address.grid_id = grid_of[address.id]
            moved += 1
    for unit in session.scalars(select(Unit).where(Unit.address_id.in_(list(grid_of)))):
        unit.grid_id = grid_of[unit.address_id]
    if grid_of:
        session.flush()
        bump(session, city_id)
    return moved


def moves_of(session: Session, household: Household) -> list[HouseholdMove]:
    """The household's moves, oldest first."""
    return list(session.scalars(select(HouseholdMove).where(HouseholdMove.household_id == household.id)
                                .order_by(HouseholdMove.at, HouseholdMove.id)))


def _settle(household: Household, to: Address) -> None:
    household.address_id, household.address, household.grid_id = to.id, to.text, to.grid_id
    household.lon, household.lat = to.lon, to.lat


# --------------------------------------------------------------------------- reading in scope


def household_view(session: Session, actor: Actor | None, household: Household) -> dict[str, Any]:
    """A household and its people as ``actor`` may see them: identity numbers masked, and
    only to staff whose scope covers the household's grid (the one scope rule,
    :func:`covers_node`); to anyone else the people's names without numbers."""
    path = session.scalar(select(Node.path).where(Node.id == household.grid_id)) or ""
    in_scope = actor is not None and is_staff(actor.role) and covers_node(actor, path)
    people = session.scalars(select(Person).where(Person.household_id == household.id).order_by(Person.id))
    return {"code": household.code, "address": household.address, "size": household.size,
            "is_migrant": household.is_migrant, "needs": [n for n in household.needs.split(",") if n],
            "moved_out": household.moved_out_at is not None,
            "people": [{"name": p.name, "id_number": p.id_masked if in_scope else None,
                        "phone": p.phone_masked if in_scope else None} for p in people]}


# --------------------------------------------------------------------------- the register in the web
# Who reads and edits the register (one rule, called by the pages, the API and the CLI): the
# officers and administrators of :data:`IMPORTERS`, each within the scope of their node
# (:func:`covers_node`). Residents, handlers, grid workers and leaders do not: a grid worker
# meets their households through their visits (:mod:`huying.contact.visit_service`).

#: The most households a register page lists at once.
PAGE_SIZE = 25
#: How far back a move may be recorded, and ahead (clocks).
MOVE_BACKDATE_DAYS = 366
MOVE_AHEAD = dt.timedelta(minutes=10)
#: The most rooms of a building offered as where a household moves to.
MOVE_TARGETS_MAX = 30


def may_edit(actor: Actor, grid_path: str) -> bool:
    """May ``actor`` read and edit the register's households of the grid at ``grid_path``?"""
    return not actor.is_system and actor.role in IMPORTERS and covers_node(actor, grid_path)


def check_register(actor: Actor) -> None:
    """Refuses (403) anyone who reads no register at all."""
    if actor.role not in IMPORTERS:
        raise NotPermitted(f"a {actor.role} does not keep the register")


def grid_path_of(session: Session, household: Household) -> str:
    return session.scalar(select(Node.path).where(Node.id == household.grid_id)) or ""


def register_household(session: Session, actor: Actor, code: str) -> Household:
    """The household ``code`` for a register page or command: 403 for those who keep no
    register, 404 when there is none or its grid is outside the actor's scope."""
    check_register(actor)
    hh = session.scalar(select(Household).where(Household.city_id == actor.city_id, Household.code == code))
    if hh is None or not may_edit(actor, grid_path_of(session, hh)):
        raise NotVisible(f"no household {code!r} in your register")
    return hh


def register_node(session: Session, actor: Actor, code: str) -> Node:
    """The place of a register page (``code``, else the actor's own node), within scope."""
    check_register(actor)
    try:
        node = (geo.get_node(session, actor.city_id, code) if code else
                session.scalar(select(Node).where(Node.city_id == actor.city_id, Node.path == actor.node_path)))
    except geo.NodeNotFound:
        node = None
    if node is None:
        raise NotVisible("no such place")
    if not covers_node(actor, node.path):
        raise NotPermitted("this place is outside your scope: you may not see its register")
    return node


def _in_scope(actor: Actor) -> ColumnElement[bool]:
    """SQL over ``geo_nodes`` joined as a row's grid: within the actor's scope."""
    return true() if actor.is_system or actor.role in CITYWIDE else Node.path.startswith(actor.node_path)


def has_need(need: Need) -> ColumnElement[bool]:
    """SQL: the household has ``need`` (``needs`` holds the values joined by ``,``)."""
    return (literal(",") + Household.needs + literal(",")).like(f"%,{need.value},%")


@dataclass(frozen=True)
class Filters:
    """The register list's search: text of the address or a household code, local or migrant,
    a need, and current households or those moved out."""

    q: str = ""
    origin: str = ""  # "", "local", "migrant"
    need: str = ""
    moved_out: bool = False

    def checked(self) -> Filters:
        q = self.q.strip()
        if len(q) > 100:
            raise InvalidInput("at most 100 characters", "q")
        if self.origin not in ("", "local", "migrant"):
            raise InvalidInput("local or migrant", "origin")
        if self.need and self.need not in {n.value for n in Need}:
            raise InvalidInput(f"one of {', '.join(Need)}", "need")
        return Filters(q, self.origin, self.need, self.moved_out)


@dataclass
class Counts:
    households: int = 0
    people: int = 0
    migrants: int = 0
    needs: dict[str, int] = field(default_factory=dict)
    units: int = 0


def counts(session: Session, actor: Actor, node: Node) -> Counts:
    """The register of ``node`` in figures: households living there (not moved out), their
    people, the migrant households, the households with each need, and the units."""
    under = and_(Household.city_id == actor.city_id, Household.moved_out_at.is_(None),
                 Node.path.startswith(node.path), _in_scope(actor))
    need_cols = [func.sum(case((has_need(n), 1), else_=0)) for n in Need]
    row = session.execute(select(func.count(Household.id), func.sum(case((Household.is_migrant.is_(True), 1), else_=0)),
                                 *need_cols).join(Node, Node.id == Household.grid_id).where(under)).one()
    people = session.scalar(select(func.count(Person.id)).join(Household, Household.id == Person.household_id)
                            .join(Node, Node.id == Household.grid_id).where(under)) or 0
    units = session.scalar(select(func.count(Unit.id)).join(Node, Node.id == Unit.grid_id).where(
        Unit.city_id == actor.city_id, Node.path.startswith(node.path), _in_scope(actor))) or 0
    return Counts(int(row[0] or 0), int(people), int(row[1] or 0),
                  {n.value: int(v or 0) for n, v in zip(Need, row[2:], strict=True)}, int(units))


@dataclass(frozen=True)
class HouseholdRow:
    household: Household
    grid: str
    head: str  # masked


def search(session: Session, actor: Actor, node: Node, filters: Filters, *, page: int = 1,
           size: int = PAGE_SIZE) -> tuple[int, list[HouseholdRow]]:
    """The households of ``node`` matching ``filters``, by address: (how many, one page)."""
    f = filters.checked()
    q = (select(Household, Node.code).join(Node, Node.id == Household.grid_id)
         .where(Household.city_id == actor.city_id, Node.path.startswith(node.path), _in_scope(actor),
                Household.moved_out_at.is_not(None) if f.moved_out else Household.moved_out_at.is_(None)))
    if f.q:
        like = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        q = q.where(or_(Household.address.like(like, escape="\\"), Household.code == f.q))
    if f.origin:
        q = q.where(Household.is_migrant.is_(f.origin == "migrant"))
    if f.need:
        q = q.where(has_need(Need(f.need)))
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.execute(q.order_by(Household.address, Household.code)
                           .limit(size).offset((max(page, 1) - 1) * size)).all()
    names = identity.heads(session, [h.id for h, _ in rows])
    return total, [HouseholdRow(h, g, names.get(h.id, "")) for h, g in rows]


@dataclass(frozen=True)
class PersonView:
    name: str  # masked
    id_number: str | None  # masked, within scope only
    phone: str | None  # masked


@dataclass(frozen=True)
class MoveView:
    kind: str
    at: dt.datetime
    from_address: str | None
    to_address: str | None
    place: str | None
    changes: dict[str, Any]


@dataclass(frozen=True)
class CaseView:
    code: str
    title: str
    status: str


@dataclass
class HouseholdDetail:
    household: Household
    grid: Node
    lon: float | None
    lat: float | None
    people: list[PersonView]
    cadre: str | None
    state: visits.VisitState | None
    last_visit_at: dt.datetime | None
    due_at: dt.datetime | None
    cases: list[CaseView]
    moves: list[MoveView]


def changes_of(move: HouseholdMove) -> dict[str, Any]:
    """The new values an edit recorded (``size``, ``migrant``, ``needs``)."""
    if move.kind != MoveKind.CHANGED.value or not move.place:
        return {}
    out: dict[str, Any] = {}
    for part in move.place.split(";"):
        key, _, value = part.partition("=")
        if key == "size" and value.isdigit():
            out["size"] = int(value)
        elif key == "migrant":
            out["migrant"] = value == "1"
        elif key == "needs":
            out["needs"] = [n for n in value.split(",") if n]
    return out


def household_detail(session: Session, actor: Actor, code: str, *, now: dt.datetime) -> HouseholdDetail:
    """One household as its register page shows it (404 outside the actor's scope): people
    masked, its cadre and visits, the cases its visits raised, its moves oldest first."""
    hh = register_household(session, actor, code)
    grid = session.get(Node, hh.grid_id)
    assert grid is not None
    lon, lat = hh.lon, hh.lat
    if (lon is None or lat is None) and hh.address_id is not None:
        addr = session.get(Address, hh.address_id)
        lon, lat = (addr.lon, addr.lat) if addr is not None else (None, None)
    people = [PersonView(identity.mask_name(p.name), p.id_masked, p.phone_masked) for p in session.scalars(
        select(Person).where(Person.household_id == hh.id).order_by(Person.id))]
    a = visits.assignment_of(session, hh.id)
    cadre = session.scalar(select(User.display_name).where(User.id == a.cadre_id)) if a is not None else None
    last = session.scalar(select(func.max(Visit.at)).where(Visit.household_id == hh.id))
    cases = [CaseView(c.code, c.title, c.status) for c in session.scalars(
        select(Case).join(VisitCase, VisitCase.case_id == Case.id).where(VisitCase.household_id == hh.id)
        .order_by(Case.id.desc()).limit(50))]
    moves = moves_of(session, hh)
    ids = {i for m in moves for i in (m.from_address_id, m.to_address_id) if i is not None}
    texts = dict(session.execute(select(Address.id, Address.text).where(Address.id.in_(ids))).all()) if ids else {}
    return HouseholdDetail(
        hh, grid, lon, lat, people, cadre, visits.state(a, now) if a is not None else None, last,
        a.due_at if a is not None else None, cases,
        [MoveView(m.kind, m.at, texts.get(m.from_address_id) if m.from_address_id else None,
                  texts.get(m.to_address_id) if m.to_address_id else None, m.place, changes_of(m))
         for m in moves])


@dataclass(frozen=True)
class HouseholdEdit:
    """An edit of a household as every channel receives it: one parameter model."""

    size: str
    origin: str  # "local" or "migrant"
    needs: tuple[str, ...] = ()


def check_move_at(session: Session, household: Household, at: dt.datetime, now: dt.datetime) -> None:
    """A move's moment: with a time zone, not ahead of ``now``, at most
    :data:`MOVE_BACKDATE_DAYS` back, and not before the household's last recorded move (an
    edit of its details does not count: a move told late may come after it)."""
    if at.tzinfo is None:
        raise InvalidInput("give a time zone (e.g. +08:00)", "at")
    if at > now + MOVE_AHEAD:
        raise InvalidInput("a move cannot be in the future", "at")
    if at < now - dt.timedelta(days=MOVE_BACKDATE_DAYS):
        raise InvalidInput(f"more than {MOVE_BACKDATE_DAYS} days ago", "at")
    last = session.scalar(select(func.max(HouseholdMove.at)).where(
        HouseholdMove.household_id == household.id,
        HouseholdMove.kind.notin_((MoveKind.CHANGED.value, MoveKind.REGRIDDED.value))))
    if last is not None and at < last:
        raise InvalidInput("before the household's last recorded move", "at")


def edit_household(session: Session, actor: Actor, code: str, data: HouseholdEdit, *,
                   now: dt.datetime) -> HouseholdMove | None:
    """Change a household's size, local/migrant and needs (all checked before anything is
    written); the new values are kept in its history (a ``changed`` row). None when nothing
    changed. Flushed, not committed."""
    hh = register_household(session, actor, code)
    if hh.moved_out_at is not None:
        raise InvalidInput("the household has moved out of the register", "household")
    raw = (data.size or "").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= 30:
        raise InvalidInput("a whole number from 1 to 30", "size")
    if data.origin not in ("local", "migrant"):
        raise InvalidInput("local or migrant", "origin")
    needs: list[Need] = []
    for n in data.needs:
        try:
            need = Need((n or "").strip())
        except ValueError:
            raise InvalidInput(f"{n!r} is not one of {', '.join(Need)}", "needs") from None
        if need not in needs:
            needs.append(need)
    size, migrant = int(raw), data.origin == "migrant"
    joined = ",".join(n.value for n in Need if n in needs)
    if (hh.size, hh.is_migrant, hh.needs) == (size, migrant, joined):
        return None
    hh.size, hh.is_migrant, hh.needs = size, migrant, joined
    move = HouseholdMove(city_id=hh.city_id, household_id=hh.id, kind=MoveKind.CHANGED.value,
                         place=f"size={size};migrant={int(migrant)};needs={joined}", at=now,
                         actor_id=actor.user_id, created_at=now)
    session.add(move)
    session.flush()
    return move


@dataclass(frozen=True)
class Target:
    """A registered address a household may move to."""

    address_id: int
    text: str
    grid: str


def move_targets(session: Session, actor: Actor, text: str) -> list[Target]:
    """The registered addresses ``text`` may mean, within the actor's scope (the register's
    index: exact, fuzzy or ambiguous): the officer chooses one."""
    check_register(actor)
    text = (text or "").strip()
    if not text:
        raise InvalidInput("type the new address", "address")
    if len(text) > 200:
        raise InvalidInput("longer than 200 characters", "address")
    m = locate_address(session, actor.city_id, text)
    if m.kind == "unknown" or not m.candidates:
        return []
    spots = register_index(session, actor.city_id).spots
    found = [Target(c.address_id, c.text, c.grid_code) for c in m.candidates
             if c.address_id in spots and covers_node(actor, spots[c.address_id].grid_path)]
    if m.kind == "exact" and found:  # a building: its rooms too, to choose among
        rooms = session.execute(
            select(Address.id, Address.text, Node.code).join(Node, Node.id == Address.grid_id)
            .where(Address.parent_id.in_([t.address_id for t in found]))
            .order_by(Address.text).limit(MOVE_TARGETS_MAX)).all()
        found += [Target(i, t, g) for i, t, g in rooms]
    return found


def relocate(session: Session, actor: Actor, code: str, address_id: int, *, at: dt.datetime,
             now: dt.datetime) -> HouseholdMove:
    """Move household ``code`` to the registered address ``address_id`` (within the actor's
    scope, not its present one); a household that had moved out moves back in. Flushed."""
    hh = register_household(session, actor, code)
    to = session.get(Address, address_id)
    if to is None or to.city_id != actor.city_id:
        raise InvalidInput("not a registered address", "address")
    if not covers_node(actor, session.scalar(select(Node.path).where(Node.id == to.grid_id)) or ""):
        raise InvalidInput("this address is outside your scope", "address")
    if to.id == hh.address_id and hh.moved_out_at is None:
        raise InvalidInput("the household already lives at this address", "address")
    check_move_at(session, hh, at, now)
    move = move_household(session, actor, hh, to, at=at)
    link_service.relink_household(session, actor.city_id, hh, now=at)  # its member, re-optimised near its new place
    return move


@dataclass(frozen=True)
class UnitRow:
    unit: Unit
    address: str
    grid: str


def _unit_query(actor: Actor) -> Any:
    return (select(Unit, Address.text, Node.code).join(Address, Address.id == Unit.address_id)
            .join(Node, Node.id == Unit.grid_id).where(Unit.city_id == actor.city_id, _in_scope(actor)))


def units_of(session: Session, actor: Actor, node: Node, q: str = "", *, page: int = 1,
             size: int = PAGE_SIZE) -> tuple[int, list[UnitRow]]:
    """The units of ``node`` whose name, code or address holds ``q``: (how many, one page)."""
    q = (q or "").strip()
    if len(q) > 100:
        raise InvalidInput("at most 100 characters", "q")
    stmt = _unit_query(actor).where(Node.path.startswith(node.path))
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(Unit.name.like(like, escape="\\"), Address.text.like(like, escape="\\"),
                              Unit.code == q))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(Unit.name, Unit.code).limit(size).offset((max(page, 1) - 1) * size)).all()
    return total, [UnitRow(u, a, g) for u, a, g in rows]


def unit_detail(session: Session, actor: Actor, code: str) -> UnitRow:
    """One unit (404 when none or outside the actor's scope)."""
    check_register(actor)
    row = session.execute(_unit_query(actor).where(Unit.code == code)).first()
    if row is None:
        raise NotVisible(f"no unit {code!r} in your register")
    return UnitRow(row[0], row[1], row[2])


# --------------------------------------------------------------------------- import


KINDS = ("addresses", "households", "people", "units")

#: The columns of each kind of file (docs/contact.md), its required ones and Chinese headers.
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "addresses": (("address", "kind", "lon", "lat", "grid", "parent"), ("address",)),
    "households": (("code", "address", "size", "migrant", "needs", "moved_in_at", "from"), ("code", "address")),
    "people": (("name", "id_number", "household", "phone", "party_member"), ("name", "household")),
    "units": (("code", "name", "kind", "address", "employees"), ("code", "name", "address")),
}
ALIASES = {"标准地址": "address", "楼栋": "parent", "所属楼栋": "parent", "网格": "grid", "地址类型": "kind",
           "户号": "code", "户编号": "code", "人数": "size", "人口": "size", "户籍类型": "migrant",
           "是否外来": "migrant", "需求": "needs", "困难类型": "needs", "迁入时间": "moved_in_at",
           "迁入地": "from", "来源地": "from", "姓名": "name", "身份证号": "id_number",
           "身份证号码": "id_number", "所属户": "household", "电话": "phone", "手机": "phone",
           "党员": "party_member", "单位编码": "code", "统一社会信用代码": "code", "单位名称": "name",
           "单位类型": "kind", "从业人数": "employees"}


@dataclass
class RegisterReport(Outcome):
    kind: str = ""
    #: Households already registered whose address changed: recorded as moves.
    moves: int = 0

    def details(self) -> dict[str, Any]:
        return {"kind": self.kind, "moves": self.moves}


@dataclass
class _Ctx:
    """What the rows of one file see: the register, and the good rows before them."""

    session: Session
    actor: Actor
    now: dt.datetime
    addresses: dict[str, Address] = field(default_factory=dict)  # text -> registered or new
    households: dict[str, Household] = field(default_factory=dict)
    codes: set[str] = field(default_factory=set)
    id_hashes: set[str] = field(default_factory=set)
    key: bytes | None = None
    #: rooms whose building is an earlier row of the file (its id comes at the flush)
    pending_parent: dict[str, Address] = field(default_factory=dict)
    #: the buildings of earlier rows of the file, by their parsed key
    new_buildings: dict[str, Address] = field(default_factory=dict)
    paths: dict[int, str] = field(default_factory=dict)
    reg: RegisterIndex | None = None

    def address(self, text: str) -> Address | None:
        """The registered (or earlier in the file) address of that text, else the one whose
        parsed parts are all equal (the same address written another way)."""
        if text in self.addresses:
            return self.addresses[text]
        index = self.register().index
        hits = index.by_key.get(parse(text).key(), ())
        same = [i for i in hits if index.texts[i] == text] or (list(hits) if len(hits) == 1 else [])
        a = self.session.get(Address, index.ids[same[0]]) if same else None
        if a is not None:
            self.addresses[text] = a
        return a

    def register(self) -> RegisterIndex:
        """The register as the file's checking began (its own rows are in ``addresses``)."""
        if self.reg is None:
            self.reg = register_index(self.session, self.actor.city_id)
        return self.reg

    def building(self, key: str) -> Address | None:
        """The building whose parsed key is ``key``: an earlier row of the file, else the
        register's (one of that key)."""
        if key in self.new_buildings:
            return self.new_buildings[key]
        index = self.register().index
        ids = [index.ids[i] for i in index.by_key.get(key, ())]
        found = [a for a in (self.session.get(Address, i) for i in ids)
                 if a is not None and a.kind == AddressKind.BUILDING.value]
        return found[0] if len(found) == 1 else None

    def grid_path(self, grid_id: int) -> str:
        if grid_id not in self.paths:
            self.paths[grid_id] = self.session.scalar(select(Node.path).where(Node.id == grid_id)) or ""
        return self.paths[grid_id]

    def in_scope(self, line: int, fld: str, grid_id: int, p: list[Problem]) -> bool:
        path = self.grid_path(grid_id)
        if not covers_node(self.actor, path):
            p.append(Problem(line, fld, f"in grid {path.rstrip('/').split('/')[-1]}, outside your scope"))
            return False
        return True


def _text(raw: dict[str, str], name: str) -> str:
    return (raw.get(name) or "").strip()


def _int(raw: dict[str, str], name: str, lo: int, hi: int, line: int, p: list[Problem]) -> int | None:
    t = _text(raw, name)
    if not t:
        return None
    if not t.isdigit() or not lo <= int(t) <= hi:
        p.append(Problem(line, name, f"{t!r} is not a whole number in [{lo}, {hi}]"))
        return None
    return int(t)


_PART_LIMITS = {"town": 20, "community": 30, "road": 30, "number": 20, "estate": 40, "building": 10,
                "unit": 10, "room": 10}


def _building_key(parts: AddressParts) -> str:
    return AddressParts(parts.town, parts.community, parts.road, parts.number, parts.estate,
                        parts.building).key()


def _address_row(ctx: _Ctx, line: int, raw: dict[str, str]) -> tuple[Address | None, list[Problem]]:
    p: list[Problem] = []
    text = _text(raw, "address")
    if not text:
        return None, [Problem(line, "address", "must not be empty")]
    if len(text) > 200:
        return None, [Problem(line, "address", f"{len(text)} characters, at most 200")]
    if ctx.address(text) is not None:
        return None, [Problem(line, "address", "already registered")]
    parts = parse(text)
    if not (parts.road or parts.community):
        p.append(Problem(line, "address", "no road or community read: not a standard address"))
    for name, limit in _PART_LIMITS.items():
        v = getattr(parts, name)
        if v and len(v) > limit:
            p.append(Problem(line, "address", f"its {name} {v!r} is longer than {limit} characters"))
    kind_t = _text(raw, "kind") or (AddressKind.ROOM.value if parts.room or parts.unit else AddressKind.BUILDING.value)
    if kind_t not in (AddressKind.BUILDING.value, AddressKind.ROOM.value):
        p.append(Problem(line, "kind", f"{kind_t!r} is not building or room"))
    lon = read_float(raw, "lon", -180, 180, line, p)
    lat = read_float(raw, "lat", -90, 90, line, p)
    if (lon is None) != (lat is None) and not p:
        p.append(Problem(line, "lat" if lon is not None else "lon", "give both lon and lat"))
    parent: Address | None = None
    if kind_t == AddressKind.ROOM.value:
        ptext = _text(raw, "parent")
        if ptext:
            parent = ctx.address(ptext)
        else:
            parent = ctx.building(_building_key(parts))
        if parent is not None and parent.kind != AddressKind.BUILDING.value:
            p.append(Problem(line, "parent", f"{parent.text} is not a building"))
        elif parent is None:
            p.append(Problem(line, "parent", "the room's building is not registered (give the parent column, "
                             "or register the building first)"))
        elif lon is None:
            lon, lat = parent.lon, parent.lat
    elif lon is None and not p:
        p.append(Problem(line, "lon", "a building needs its point (lon, lat)"))
    if p or lon is None or lat is None:
        return None, p
    try:
        grid_id, path = geo.locate_grid(ctx.session, ctx.actor.city_id, lon, lat)
    except geo.OutsideCity:
        return None, [Problem(line, "lon", f"({lon}, {lat}) is outside the city")]
    code = path.rstrip("/").split("/")[-1]
    given = _text(raw, "grid")
    if given and given != code:
        return None, [Problem(line, "grid", f"the point lies in grid {code}, not {given}")]
    if parent is not None and parent.grid_id != grid_id:
        return None, [Problem(line, "lon", "the room's point lies in another grid than its building")]
    if not ctx.in_scope(line, "address", grid_id, p):
        return None, p
    a = Address(city_id=ctx.actor.city_id, text=text, kind=kind_t, grid_id=grid_id, lon=lon, lat=lat,
                created_at=ctx.now, **{n: getattr(parts, n) for n in _PART_LIMITS})
    a.parent_id = parent.id if parent is not None else None
    if parent is not None and parent.id is None:
        ctx.pending_parent[text] = parent
    ctx.addresses[text] = a
    if kind_t == AddressKind.BUILDING.value:
        ctx.new_buildings.setdefault(_building_key(parts), a)
    return a, []


def _household_row(ctx: _Ctx, line: int, raw: dict[str, str]) -> tuple[Callable[[], int] | None, list[Problem]]:
    p: list[Problem] = []
    code = _text(raw, "code")
    if not code:
        p.append(Problem(line, "code", "must not be empty"))
    elif len(code) > 30:
        p.append(Problem(line, "code", "longer than 30 characters"))
    elif code in ctx.codes:
        p.append(Problem(line, "code", "given twice in the file"))
    text = _text(raw, "address")
    addr = ctx.address(text) if text else None
    if addr is None:
        p.append(Problem(line, "address", "not a registered standard address" if text else "must not be empty"))
    size = _int(raw, "size", 1, 30, line, p) or 1
    mig = _text(raw, "migrant").lower()
    if mig not in _MIGRANT:
        p.append(Problem(line, "migrant", f"{mig!r} is not local or migrant"))
    needs, bad = parse_needs(_text(raw, "needs"))
    if bad:
        p.append(Problem(line, "needs", f"{', '.join(bad)} not one of {', '.join(Need)}"))
    at = read_moment(raw, "moved_in_at", line, p, now=ctx.now, naive=dt.UTC) or ctx.now
    origin = _text(raw, "from")[:200] or None
    if addr is not None and not p:
        ctx.in_scope(line, "address", addr.grid_id, p)
    if p or addr is None:
        return None, p
    ctx.codes.add(code)
    existing = ctx.session.scalar(select(Household).where(Household.city_id == ctx.actor.city_id,
                                                          Household.code == code))
    if existing is not None and not ctx.in_scope(line, "code", existing.grid_id, p):
        return None, p  # a household of another grid moving into the scope: its grid decides

    def write() -> int:
        s = ctx.session
        hh = existing
        moved = 0
        if hh is None:
            hh = Household(city_id=ctx.actor.city_id, code=code, grid_id=addr.grid_id, address=addr.text,
                           created_at=ctx.now)
            _settle(hh, addr)
            s.add(hh)
            s.flush()
            s.add(HouseholdMove(city_id=hh.city_id, household_id=hh.id, kind=MoveKind.MOVED_IN.value,
                                to_address_id=addr.id, place=origin, at=at, actor_id=ctx.actor.user_id))
        elif hh.address_id != addr.id or hh.moved_out_at is not None:
            move_household(s, ctx.actor, hh, addr, at=at, place=origin)
            moved = 1
        hh.size, hh.is_migrant, hh.needs = size, _MIGRANT[mig], ",".join(needs)
        ctx.households[code] = hh
        return moved

    return write, []


def _person_row(ctx: _Ctx, line: int, raw: dict[str, str]) -> tuple[Callable[[], int] | None, list[Problem]]:
    p: list[Problem] = []
    name = _text(raw, "name")
    if not name:
        p.append(Problem(line, "name", "must not be empty"))
    elif len(name) > 60:
        p.append(Problem(line, "name", "longer than 60 characters"))
    hcode = _text(raw, "household")
    hh = ctx.households.get(hcode) or ctx.session.scalar(
        select(Household).where(Household.city_id == ctx.actor.city_id, Household.code == hcode))
    if hh is None:
        p.append(Problem(line, "household", f"no household {hcode!r} in the register" if hcode else "must not be empty"))
    number = _text(raw, "id_number")
    masked = hashed = None
    if number:
        why = identity.problem(number)
        if why is not None:
            p.append(Problem(line, "id_number", why))
        else:
            if ctx.key is None:
                ctx.key = identity.key()  # NoIdKey: the whole file is refused
            hashed, masked = identity.digest(number, ctx.key), identity.mask(number)
            if hashed in ctx.id_hashes or ctx.session.scalar(
                    select(Person.id).where(Person.city_id == ctx.actor.city_id, Person.id_hash == hashed)):
                p.append(Problem(line, "id_number", "already registered (another person has this number)"))
    phone = _text(raw, "phone")
    party = _text(raw, "party_member").lower()
    if party not in _YES | _NO:
        p.append(Problem(line, "party_member", f"{party!r} is not yes/no"))
    if hh is not None and not p:
        ctx.in_scope(line, "household", hh.grid_id, p)
    if p or hh is None:
        return None, p
    if hashed:
        ctx.id_hashes.add(hashed)

    def write() -> int:
        ctx.session.add(Person(city_id=ctx.actor.city_id, name=name, node_id=hh.grid_id, household_id=hh.id,
                               phone_masked=mask_phone(phone) if phone else None, is_party_member=party in _YES,
                               id_masked=masked, id_hash=hashed, created_at=ctx.now))
        return 0

    return write, []


def _unit_row(ctx: _Ctx, line: int, raw: dict[str, str]) -> tuple[Callable[[], int] | None, list[Problem]]:
    p: list[Problem] = []
    code, name, kind = _text(raw, "code"), _text(raw, "name"), _text(raw, "kind") or "enterprise"
    if not code:
        p.append(Problem(line, "code", "must not be empty"))
    elif len(code) > 30:
        p.append(Problem(line, "code", "longer than 30 characters"))
    elif code in ctx.codes or ctx.session.scalar(
            select(Unit.id).where(Unit.city_id == ctx.actor.city_id, Unit.code == code)):
        p.append(Problem(line, "code", "already registered"))
    if not name:
        p.append(Problem(line, "name", "must not be empty"))
    elif len(name) > 120:
        p.append(Problem(line, "name", "longer than 120 characters"))
    if len(kind) > 30:
        p.append(Problem(line, "kind", "longer than 30 characters"))
    text = _text(raw, "address")
    addr = ctx.address(text) if text else None
    if addr is None:
        p.append(Problem(line, "address", "not a registered standard address" if text else "must not be empty"))
    employees = _int(raw, "employees", 0, 1_000_000, line, p)
    if addr is not None and not p:
        ctx.in_scope(line, "address", addr.grid_id, p)
    if p or addr is None:
        return None, p
    ctx.codes.add(code)

    def write() -> int:
        ctx.session.add(Unit(city_id=ctx.actor.city_id, code=code, name=name, kind=kind, address_id=addr.id,
                             grid_id=addr.grid_id, employees=employees, created_at=ctx.now))
        return 0

    return write, []


def import_register(session: Session, actor: Actor, kind: str, rows: list[tuple[int, dict[str, str]]], *,
                    now: dt.datetime, mode: Mode = Mode.ALL_OR_NOTHING,
                    progress: Callable[[int], None] | None = None) -> RegisterReport:
    """Check every row (each problem named by line, field and reason), then write the good
    ones in ``session`` (flushed, not committed): none when a row is bad in
    ``all-or-nothing`` mode. ``report.stored`` tells the caller whether to commit."""
    if kind not in KINDS:
        raise InvalidInput(f"{kind!r} is not one of {', '.join(KINDS)}", "kind")
    check_importer(actor)
    rep = RegisterReport(rows=len(rows), mode=mode.value, kind=kind)
    ctx = _Ctx(session, actor, now)
    if kind == "addresses":
        new: list[Address] = []
        for line, raw in rows:
            a, problems = _address_row(ctx, line, raw)
            rep.problems += problems
            if a is not None:
                new.append(a)
            if progress is not None:
                progress(1)
        if rep.problems and mode is Mode.ALL_OR_NOTHING:
            return rep
        for tier in (AddressKind.BUILDING.value, AddressKind.ROOM.value):
            for a in new:
                if a.kind == tier:
                    parent = ctx.pending_parent.get(a.text)
                    if parent is not None:
                        a.parent_id = parent.id
                    session.add(a)
            session.flush()
        rep.imported = len(new)
        if new:
            bump(session, actor.city_id)
    else:
        check = {"households": _household_row, "people": _person_row, "units": _unit_row}[kind]
        writes: list[Callable[[], int]] = []
        for line, raw in rows:
            w, problems = check(ctx, line, raw)
            rep.problems += problems
            if w is not None:
                writes.append(w)
            if progress is not None:
                progress(1)
        if rep.problems and mode is Mode.ALL_OR_NOTHING:
            return rep
        for w in writes:
            rep.moves += w()
        session.flush()
        rep.imported = len(writes)
    rep.stored = rep.imported > 0 and (mode is Mode.SKIP_BAD or not rep.problems)
    return rep


def run(engine: Engine, actor_of: Callable[[Session], Actor], path: Path, *, kind: str, now: dt.datetime,
        mode: Mode = Mode.ALL_OR_NOTHING, progress: Callable[[int, int], None] | None = None) -> RegisterReport:
    """Import a register file (CSV or XLSX) of ``kind`` into the database of ``engine``: one
    transaction, committed only when ``report.stored``."""
    if kind not in KINDS:
        raise InvalidInput(f"{kind!r} is not one of {', '.join(KINDS)}", "kind")
    columns, required = COLUMNS[kind]
    rows = list(read_table(path, columns=columns, aliases=ALIASES, required=required, place=False))
    step = counting(progress, len(rows))

    with Session(engine, expire_on_commit=False) as session:  # closing it rolls back what is not committed
        rep = import_register(session, actor_of(session), kind, rows, now=now, mode=mode, progress=step)
        if rep.stored:
            session.commit()
        else:
            session.rollback()
            rep.imported = rep.moves = 0
    return rep
