"""The organisation chart administered (issue 22): create an organisation, rename it (Chinese
and English), move it to another node, change its kind, set the towns a department serves,
and dissolve it (``huying.cases.succession`` first hands its open cases to the successor).
People (staff, cadres, members, deputies) are created, moved and linked to their accounts here too.

Each command checks the administrator's place (:func:`huying.orgs.scope.check_administers`:
the organisation's node, and the new node of a move), refuses bad input with a field and a
reason key (``SettingError``), writes one audit row with before and after (names, not ids),
and flushes; the caller commits. ``actor`` None is the operator at the command line.

A service alliance's teams (纠纷调解 / 治安巡防 / 设施维护) are organisations of kind
``alliance_team`` under their ``service_alliance`` (``parent``), with a ``team_kind``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huying import audit
from huying.errors import NotPermitted, NotVisible, SettingError
from huying.geo.models import Level, Node
from huying.orgs.actor import Actor
from huying.orgs.models import (
    Department,
    Organisation,
    OrganisationTown,
    OrgKind,
    Person,
    Role,
    TeamKind,
    User,
)
from huying.orgs.scope import check_administers

MAX_ZH = 120
MAX_EN = 160
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")


def _actor_id(actor: Actor | None) -> int | None:
    return actor.user_id if actor is not None else None


def _node_of(session: Session, node_id: int | None) -> Node | None:
    return session.get(Node, node_id) if node_id else None


def _named(obj: Any) -> str | None:
    return f"{obj.name_zh} ({obj.code})" if obj is not None else None


def towns_of(session: Session, org: Organisation) -> list[Node]:
    """The towns a department serves (empty: all below its node)."""
    return list(session.scalars(select(Node).join(OrganisationTown, OrganisationTown.node_id == Node.id)
                                .where(OrganisationTown.organisation_id == org.id).order_by(Node.code)))


def snapshot(session: Session, org: Organisation) -> dict[str, Any]:
    """What the audit keeps of an organisation: names, not ids."""
    parent = session.get(Organisation, org.parent_id) if org.parent_id else None
    return {"code": org.code, "name_zh": org.name_zh, "name_en": org.name_en, "kind": org.kind,
            "department": org.department, "team_kind": org.team_kind,
            "node": _named(_node_of(session, org.node_id)), "parent": _named(parent), "active": org.active,
            "serves": ", ".join(f"{n.name_zh} ({n.code})" for n in towns_of(session, org)) or None}


def _record(session: Session, org: Organisation, action: str, actor: Actor | None, now: dt.datetime,
            before: dict[str, Any], **extra: Any) -> None:
    b, a = audit.changes(before, snapshot(session, org))
    audit.record(session, org.city_id, "organisation", org.id, action, actor_id=_actor_id(actor), now=now,
                 before=b, after=a, name=org.name_zh, **extra)


def get(session: Session, city_id: int, code: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.city_id == city_id, Organisation.code == code.strip()))
    if org is None:
        raise SettingError(f"no organisation {code!r}", "organisation", "organisation")
    return org


def _check(session: Session, actor: Actor | None, org: Organisation, what: str) -> None:
    node = _node_of(session, org.node_id)
    check_administers(actor, node.path if node else None, what)


def _names(name_zh: str, name_en: str) -> tuple[str, str]:
    zh, en = " ".join(name_zh.split()), " ".join(name_en.split())
    if not zh:
        raise SettingError("an organisation needs a Chinese name", "name_zh", "name_missing")
    if len(zh) > MAX_ZH or len(en) > MAX_EN:
        raise SettingError(f"names have at most {MAX_ZH} (Chinese) and {MAX_EN} (English) characters",
                           "name_zh" if len(zh) > MAX_ZH else "name_en", "name_long")
    return zh, en


def _kind(session: Session, kind: str, department: str | None, team_kind: str | None,
          parent: Organisation | None) -> tuple[str, str | None, str | None]:
    """The kind with its department or team, checked together."""
    if kind not in {k.value for k in OrgKind}:
        raise SettingError(f"unknown kind {kind!r}; kinds: {', '.join(OrgKind)}", "kind", "kind")
    department = (department or "").strip() or None
    team_kind = (team_kind or "").strip() or None
    if kind == OrgKind.DEPARTMENT:
        if department not in {d.value for d in Department}:
            raise SettingError("a department needs its line (e.g. urban_management)", "department", "department")
    else:
        department = None
    if kind == OrgKind.ALLIANCE_TEAM:
        if team_kind not in {t.value for t in TeamKind}:
            raise SettingError("an alliance team needs its kind of team", "team_kind", "team_kind")
        if parent is None or parent.kind != OrgKind.SERVICE_ALLIANCE:
            raise SettingError("an alliance team belongs to a service alliance (its parent)", "parent", "alliance")
    else:
        team_kind = None
    return kind, department, team_kind


def create(session: Session, actor: Actor | None, *, node: Node, code: str, name_zh: str, name_en: str,
           kind: str, now: dt.datetime, department: str | None = None, team_kind: str | None = None,
           parent: Organisation | None = None, phone_masked: str | None = None) -> Organisation:
    """A new organisation at ``node`` (in the administrator's place)."""
    check_administers(actor, node.path, "create an organisation here")
    code = code.strip()
    if not _CODE.match(code):
        raise SettingError("a code is 1 to 80 letters, digits, '-', '_' or '.'", "code", "code")
    if session.scalar(select(Organisation.id).where(Organisation.city_id == node.city_id,
                                                    Organisation.code == code)) is not None:
        raise SettingError(f"the code {code!r} is taken", "code", "taken")
    if parent is not None and parent.city_id != node.city_id:
        raise NotVisible("no such organisation")
    zh, en = _names(name_zh, name_en)
    kind, department, team_kind = _kind(session, kind, department, team_kind, parent)
    org = Organisation(city_id=node.city_id, code=code, kind=kind, department=department, team_kind=team_kind,
                       node_id=node.id, parent_id=parent.id if parent else None, name_zh=zh, name_en=en or zh,
                       phone_masked=phone_masked, active=True, created_at=now)
    session.add(org)
    session.flush()
    _record(session, org, "create", actor, now, {})
    return org


def rename(session: Session, org: Organisation, actor: Actor | None, *, name_zh: str, name_en: str,
           now: dt.datetime) -> None:
    _check(session, actor, org, "rename this organisation")
    before = snapshot(session, org)
    org.name_zh, org.name_en = _names(name_zh, name_en)
    org.name_en = org.name_en or org.name_zh
    session.flush()
    _record(session, org, "rename", actor, now, before)


def move(session: Session, org: Organisation, actor: Actor | None, *, node: Node, now: dt.datetime) -> None:
    """Attach the organisation to another node (both in the administrator's place). Its open
    cases keep their unit; the new node is their place from the next command on."""
    _check(session, actor, org, "move this organisation")
    if node.city_id != org.city_id:
        raise NotVisible("no such node")
    check_administers(actor, node.path, "move an organisation there")
    before = snapshot(session, org)
    org.node_id = node.id
    session.flush()
    _record(session, org, "move", actor, now, before)


def change_kind(session: Session, org: Organisation, actor: Actor | None, *, kind: str, now: dt.datetime,
                department: str | None = None, team_kind: str | None = None,
                parent: Organisation | None | bool = False) -> None:
    """Another kind (with its department or team; ``parent`` False keeps the parent)."""
    _check(session, actor, org, "change this organisation")
    if parent is not False and isinstance(parent, Organisation) and parent.city_id != org.city_id:
        raise NotVisible("no such organisation")
    new_parent = (session.get(Organisation, org.parent_id) if org.parent_id else None) if parent is False \
        else (parent if isinstance(parent, Organisation) else None)
    if new_parent is not None and new_parent.id == org.id:
        raise SettingError("an organisation cannot be its own parent", "parent", "parent")
    kind, department, team_kind = _kind(session, kind, department, team_kind, new_parent)
    before = snapshot(session, org)
    org.kind, org.department, org.team_kind = kind, department, team_kind
    org.parent_id = new_parent.id if new_parent else None
    if kind != OrgKind.DEPARTMENT:
        _drop_towns(session, org)
    session.flush()
    _record(session, org, "change", actor, now, before)


def _drop_towns(session: Session, org: Organisation) -> None:
    """Forget the towns a department serves, through the unit of work (whose flush tells the
    caches of the organisations: ``huying.orgs.models.organisations_changed``)."""
    for row in session.scalars(select(OrganisationTown).where(OrganisationTown.organisation_id == org.id)):
        session.delete(row)


def set_towns(session: Session, org: Organisation, actor: Actor | None, *, towns: list[Node],
              now: dt.datetime) -> None:
    """The towns a department serves: towns below its node, each in the administrator's place
    (empty: every town below its node)."""
    _check(session, actor, org, "change this organisation")
    if org.kind != OrgKind.DEPARTMENT:
        raise SettingError("only a department serves towns", "towns", "not_department")
    node = _node_of(session, org.node_id)
    assert node is not None
    for town in towns:
        if town.city_id != org.city_id or town.level != Level.TOWN.value or not town.path.startswith(node.path):
            raise SettingError(f"{town.code} is not a town below the department's place", "towns", "town")
        check_administers(actor, town.path, "set this department's towns")
    before = snapshot(session, org)
    _drop_towns(session, org)
    session.flush()  # the old rows gone before the new ones (one row per organisation and town)
    session.add_all([OrganisationTown(city_id=org.city_id, organisation_id=org.id, node_id=t.id)
                     for t in {t.id: t for t in towns}.values()])
    session.flush()
    _record(session, org, "change", actor, now, before)


def check_dissolve(session: Session, org: Organisation, successor: Organisation | None,
                   actor: Actor | None) -> None:
    """May ``org`` be dissolved with ``successor`` taking over (both in the administrator's
    place, the successor active and another one)?"""
    _check(session, actor, org, "dissolve this organisation")
    if not org.active:
        raise SettingError("the organisation is dissolved already", "organisation", "inactive")
    if successor is None:
        return
    if successor.city_id != org.city_id:
        raise NotVisible("no such organisation")
    if successor.id == org.id:
        raise SettingError("the successor must be another organisation", "successor", "same")
    if not successor.active:
        raise SettingError("the successor is dissolved itself", "successor", "inactive")
    _check(session, actor, successor, "hand cases to this organisation")


def dissolve(session: Session, org: Organisation, actor: Actor | None, *, now: dt.datetime,
             successor: Organisation | None = None, cases: list[str] | None = None) -> None:
    """Mark the organisation dissolved (its open cases are handed over first, by
    ``huying.cases.succession``); the audit row names the successor and the cases."""
    check_dissolve(session, org, successor, actor)
    before = snapshot(session, org)
    org.active = False
    session.flush()
    _record(session, org, "dissolve", actor, now, before, successor=_named(successor), cases=cases or [])


# --------------------------------------------------------------------------- people


@dataclass(frozen=True)
class PersonIn:
    """A person as an administrator gives them (one parameter model for the page, the API, the
    CLI and the import)."""

    name: str
    node: Node | None = None
    organisation: Organisation | None = None
    phone_masked: str | None = None
    is_party_member: bool = False


_PHONE = re.compile(r"^[0-9*+\- ]{3,20}$")


def person_snapshot(session: Session, p: Person) -> dict[str, Any]:
    org = session.get(Organisation, p.organisation_id) if p.organisation_id else None
    return {"name": p.name, "node": _named(_node_of(session, p.node_id)), "organisation": _named(org),
            "phone_masked": p.phone_masked, "is_party_member": p.is_party_member,
            "accounts": ", ".join(f"{u.display_name} ({u.username})" for u in accounts_of(session, p)) or None}


def accounts_of(session: Session, p: Person) -> list[User]:
    """The accounts linked to a person (a cadre may hold one per role)."""
    return list(session.scalars(select(User).where(User.person_id == p.id).order_by(User.username)))


def person_place(session: Session, p: Person) -> Node | None:
    """Where a person is administered: their node, else their organisation's."""
    org = session.get(Organisation, p.organisation_id) if p.organisation_id else None
    return _node_of(session, p.node_id) or _node_of(session, org.node_id if org else None)


def account_named(session: Session, city_id: int, username: str) -> User:
    """The city's account of that username, to link to or unlink from a person (the page's
    and the API's one look-up); none is a :class:`SettingError` on the field ``account``."""
    user = session.scalar(select(User).where(User.city_id == city_id, User.username == username.strip()))
    if user is None or not username.strip():
        raise SettingError(f"no account {username!r}", "account", "account")
    return user


def administered_person(session: Session, actor: Actor | None, city_id: int, person_id: int) -> Person:
    """The person ``person_id`` of the city when ``actor`` administers their place (the page's
    and the API's one way in: another city's person is not found, 404; one outside the
    actor's place is refused, 403)."""
    if actor is not None and actor.role != Role.ADMIN:
        raise NotPermitted("only an administrator may administer people")
    p = session.get(Person, person_id)
    if p is None or p.city_id != city_id:
        raise NotVisible(f"no person {person_id}")
    place = person_place(session, p)
    check_administers(actor, place.path if place else None, "administer this person")
    return p


def _record_person(session: Session, p: Person, action: str, actor: Actor | None, now: dt.datetime,
                   before: dict[str, Any]) -> None:
    b, a = audit.changes(before, person_snapshot(session, p))
    audit.record(session, p.city_id, "person", p.id, action, actor_id=_actor_id(actor), now=now,
                 before=b, after=a, name=p.name)


def link_account(session: Session, actor: Actor | None, p: Person, user: User, *, now: dt.datetime) -> None:
    """Link an account to the person (the account in the administrator's place too). An account
    belongs to one person: one linked to somebody else is refused (unlink it there first)."""
    place = person_place(session, p)
    check_administers(actor, place.path if place else None, "change this person")
    if user.city_id != p.city_id or user.role == Role.CLIENT.value:
        raise NotVisible("no such account")
    node = _node_of(session, user.node_id)
    check_administers(actor, node.path if node else None, "link this account")
    if user.person_id == p.id:
        raise SettingError("the account is linked to this person already", "account", "linked")
    if user.person_id is not None:
        raise SettingError("the account belongs to another person: unlink it there first", "account", "taken")
    before = person_snapshot(session, p)
    user.person_id = p.id
    session.flush()
    _record_person(session, p, "link", actor, now, before)


def unlink_account(session: Session, actor: Actor | None, p: Person, user: User, *, now: dt.datetime) -> None:
    """The account no longer belongs to the person (the account itself stays as it is)."""
    place = person_place(session, p)
    check_administers(actor, place.path if place else None, "change this person")
    if user.person_id != p.id:
        raise SettingError("the account is not linked to this person", "account", "not_linked")
    before = person_snapshot(session, p)
    user.person_id = None
    session.flush()
    _record_person(session, p, "unlink", actor, now, before)


def _person_fields(actor: Actor | None, data: PersonIn) -> tuple[str, str | None]:
    name = " ".join(data.name.split())
    if not name or len(name) > 60:
        raise SettingError("a person needs a name of at most 60 characters", "name", "name")
    phone = (data.phone_masked or "").strip() or None
    if phone is not None and not _PHONE.match(phone):
        raise SettingError("a phone number is digits (masked with *)", "phone_masked", "phone")
    place = data.node or None
    if place is None and data.organisation is None:
        raise SettingError("a person needs a place or an organisation", "node", "node")
    return name, phone


def create_person(session: Session, actor: Actor | None, city_id: int, data: PersonIn, *,
                  now: dt.datetime) -> Person:
    """A person (staff, a cadre, a member, a deputy) with their organisation and node."""
    name, phone = _person_fields(actor, data)
    for obj in (data.node, data.organisation):
        if obj is not None and obj.city_id != city_id:
            raise NotVisible("no such place or organisation")
    place = data.node or _node_of(session, data.organisation.node_id if data.organisation else None)
    check_administers(actor, place.path if place else None, "add a person here")
    p = Person(city_id=city_id, name=name, phone_masked=phone, node_id=data.node.id if data.node else None,
               organisation_id=data.organisation.id if data.organisation else None,
               is_party_member=data.is_party_member, created_at=now)
    session.add(p)
    session.flush()
    audit.record(session, city_id, "person", p.id, "create", actor_id=_actor_id(actor), now=now,
                 after=person_snapshot(session, p), name=p.name)
    return p


def update_person(session: Session, actor: Actor | None, p: Person, data: PersonIn, *, now: dt.datetime) -> None:
    """Another name, place, organisation, phone or membership (old and new place administered)."""
    old = person_place(session, p)
    check_administers(actor, old.path if old else None, "change this person")
    name, phone = _person_fields(actor, data)
    place = data.node or _node_of(session, data.organisation.node_id if data.organisation else None)
    check_administers(actor, place.path if place else None, "move this person there")
    before = person_snapshot(session, p)
    p.name, p.phone_masked, p.is_party_member = name, phone, data.is_party_member
    p.node_id = data.node.id if data.node else None
    p.organisation_id = data.organisation.id if data.organisation else None
    session.flush()
    _record_person(session, p, "change", actor, now, before)
