"""One-stop acceptance at any centre, handled anywhere (一站受理 · 全区域通办).

A resident asks at the counter of any service centre for an item of the catalogue. The
centre's staff check the materials against the item's list and accept it: the request is a
case of kind ``service`` (the kernel's, with its own workflow table: :mod:`huying.cases.workflow`),
routed at once to the unit responsible for the item **where the resident lives** (not where
it was accepted), with the item's time limit in working days as its deadline. From there the
unit handles it through the kernel's commands (accept, ask for materials, mark handled,
deliver, reject), the sweeper marks it overdue, and the resident follows it like a case.

Rules (each written once, here):

* who accepts at a centre: :func:`check_counter` — a role of ``workflow.COUNTER`` (grid
  workers, community, town and city officers, administrators) whose scope covers the centre's
  community; a department handler or a resident does not;
* what may be accepted: an active, one-stop item the centre offers;
* materials: every required one brought, or, with ``pending`` (容缺受理), accepted waiting for
  the missing ones (its clock starts when they come in); otherwise refused with the list;
* where it goes: :func:`responsible_unit` — the item's department at the item's level above
  the resident's home (the town's civil-affairs office of the town they live in; the city's
  social-security bureau), the community's Party organisation for a community-level item, the
  Party committee of the level for an item no department answers for; the same department one
  level up when the level has none.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, or_, select
from sqlalchemy.orm import Session

from huying.cases import policy
from huying.cases import service as svc
from huying.cases.kernel import check_text
from huying.cases.models import Case
from huying.cases.timing import open_clause
from huying.cases.units import unit as unit_ref
from huying.cases.workflow import COUNTER, STATUS_ZH, Kind, Status, workflow_of
from huying.community import centres as cs
from huying.community.models import Centre, CentreItem, ServiceItem
from huying.community.onestop_models import ServiceRequest
from huying.contact.models import Household
from huying.db import under
from huying.errors import InvalidInput, NotPermitted, NotVisible
from huying.geo.models import Level, Node
from huying.orgs.actor import Actor
from huying.orgs.contacts import mask_phone
from huying.orgs.models import Organisation, OrgKind, Role, User
from huying.triage.routing import Target, unit_at

#: How the resident wants the result.
DELIVERY = ("collect", "told", "mail")
_PHONE = re.compile(r"^1\d{10}$|^0\d{2,3}-?\d{7,8}$")


# --------------------------------------------------------------------------- rules


def check_counter(actor: Actor, centre: Centre, centre_path: str) -> None:
    """May ``actor`` accept requests at ``centre`` (at ``centre_path``, its community)? The
    counter's staff: a counter role whose scope covers the centre's community, or who works
    inside it (a grid worker of one of its grids sits at its counter)."""
    if actor.role not in {r.value for r in COUNTER}:
        raise NotPermitted("requests are accepted at a centre by its staff (grid workers and officers)")
    if not (policy.covers_node(actor, centre_path) or actor.node_path.startswith(centre_path)):
        raise NotPermitted("this centre is outside your scope: you accept at the centres of your place")


def item_target(item: ServiceItem) -> list[Target]:
    """The kinds of unit answering for an item, first choice first."""
    if item.level == Level.COMMUNITY.value:
        return [Target(OrgKind.PARTY_ORGANISATION.value, None, Level.COMMUNITY.value)]
    if item.department is None:
        return [Target(OrgKind.PARTY_COMMITTEE.value, None, item.level)]
    out = [Target(OrgKind.DEPARTMENT.value, item.department, item.level)]
    if item.level != Level.CITY.value:
        out.append(Target(OrgKind.DEPARTMENT.value, item.department, Level.CITY.value))
    return out


def responsible_unit(session: Session, city_id: int, item: ServiceItem, home_path: str) -> tuple[Any, Any]:
    """The unit responsible for ``item`` for a resident living at ``home_path`` (their grid
    or community), as (unit, node) refs; refused when no unit answers for it there."""
    for target in item_target(item):
        found = unit_at(session, city_id, home_path, target)
        if found is not None:
            return unit_ref(session, city_id, found[1])
    raise InvalidInput(f"no unit handles {item.code} where the resident lives", "item")


# --------------------------------------------------------------------------- accepting


def counters_of(session: Session, actor: Actor) -> list[Centre]:
    """The centres where ``actor`` may accept requests: those of the communities their scope
    covers, and their own community's when they work in one of its grids."""
    if actor.role not in {r.value for r in COUNTER}:
        raise NotPermitted("requests are accepted at a centre by its staff (grid workers and officers)")
    rows = session.execute(select(Centre, Node.path).join(Node, Node.id == Centre.node_id).where(
        Centre.city_id == actor.city_id, Centre.active.is_(True),
        or_(under(Node.path, actor.node_path), literal(actor.node_path).startswith(Node.path)))
        .order_by(Centre.kind, Centre.code).limit(500)).all()
    return [c for c, _path in rows]


def counter(session: Session, actor: Actor, centre_code: str) -> tuple[Centre, list[ServiceItem]]:
    """A centre's counter as its staff see it: the centre and the one-stop items it accepts
    (refused to anyone who may not accept there)."""
    centre = cs.centre(session, actor.city_id, centre_code)
    node = session.get(Node, centre.node_id)
    assert node is not None
    check_counter(actor, centre, node.path)
    return centre, [i for i in cs.offers(session, centre) if i.one_stop]


@dataclass(frozen=True)
class RequestIn:
    """What the counter enters: the item, where the resident lives (their household's code if
    registered, else their community's code; or their account), how to reach them, the
    materials brought (names from the item's list), whether to accept with materials missing
    (容缺受理), how they want the result and a note."""

    item: str
    household: str | None = None
    community: str | None = None
    resident: str | None = None
    contact: str | None = None
    materials: Sequence[str] = ()
    pending: bool = False
    delivery: str = "collect"
    note: str | None = None


@dataclass(frozen=True)
class Home:
    node: Node
    grid_id: int
    grid_path: str
    household_id: int | None
    user_id: int | None


def _home(session: Session, city_id: int, given: RequestIn) -> Home:
    """Where the resident lives, from their household, their account or their community."""
    user_id = None
    grid: Node | None = None
    household_id = None
    if given.resident:
        user = session.scalar(select(User).where(User.city_id == city_id, User.username == given.resident))
        if user is None or user.role != Role.RESIDENT.value:
            raise InvalidInput(f"no resident {given.resident!r}", "resident")
        user_id = user.id
        grid = session.get(Node, user.node_id) if user.node_id else None
    if given.household:
        hh = session.scalar(select(Household).where(Household.city_id == city_id, Household.code == given.household))
        if hh is None or hh.moved_out_at is not None:
            raise InvalidInput(f"no household {given.household!r} in the register", "household")
        household_id = hh.id
        grid = session.get(Node, hh.grid_id)
    if grid is None and given.community:
        grid = session.scalar(select(Node).where(Node.city_id == city_id, Node.code == given.community))
        if grid is None or grid.level not in (Level.COMMUNITY.value, Level.GRID.value):
            raise InvalidInput(f"no community {given.community!r}", "community")
    if grid is None:
        raise InvalidInput("say where the resident lives: their household or their community", "community")
    community = grid
    while community.level == Level.GRID.value and community.parent_id is not None:
        community = session.get(Node, community.parent_id)  # type: ignore[assignment]
    if community.level != Level.COMMUNITY.value:
        raise InvalidInput("the resident's home is not in a community", "community")
    if grid.level != Level.GRID.value:  # the community's first grid: the case sits under it
        first = session.scalar(select(Node).where(Node.parent_id == community.id, Node.level == Level.GRID.value)
                               .order_by(Node.code))
        grid = first or community
    return Home(community, grid.id, grid.path, household_id, user_id)


def _materials(item: ServiceItem, given: Sequence[str], pending: bool) -> tuple[list[str], list[str]]:
    """(brought, missing) against the item's list; refused when something unknown is given,
    or something is missing and ``pending`` is not asked for."""
    required = list(item.materials or [])
    brought = [m.strip() for m in given if m and m.strip()]
    unknown = [m for m in brought if m not in required]
    if unknown:
        raise InvalidInput(f"{item.code} does not ask for {', '.join(unknown)}", "materials")
    missing = [m for m in required if m not in brought]
    if missing and not pending:
        raise InvalidInput(f"missing required materials: {', '.join(missing)} "
                           "(accept with materials to come, 容缺受理, or ask the resident to bring them)",
                           "materials")
    if pending and not missing:
        raise InvalidInput("every material is here: accept it as complete", "pending")
    return [m for m in required if m in brought], missing


def accept(session: Session, actor: Actor, centre_code: str, given: RequestIn, *, now: dt.datetime) -> Case:
    """Accept a request at a centre's counter (one transaction: the case, its event and its
    one-stop facts); returns the case (its code is the resident's receipt)."""
    centre = cs.centre(session, actor.city_id, centre_code)
    centre_node = session.get(Node, centre.node_id)
    assert centre_node is not None
    check_counter(actor, centre, centre_node.path)
    item = session.scalar(select(ServiceItem).where(ServiceItem.city_id == actor.city_id,
                                                    ServiceItem.code == given.item))
    if item is None or not item.active:
        raise InvalidInput(f"no service item {given.item!r}", "item")
    if not item.one_stop:
        raise InvalidInput(f"{item.code} is a service on the spot, not a request to accept", "item")
    offered = session.scalar(select(CentreItem.id).where(CentreItem.centre_id == centre.id,
                                                         CentreItem.item_id == item.id))
    if offered is None:
        raise InvalidInput(f"{centre.code} does not offer {item.code}", "item")
    if given.delivery not in DELIVERY:
        raise InvalidInput(f"one of {', '.join(DELIVERY)}", "delivery")
    contact = (given.contact or "").replace(" ", "") or None
    if contact is not None and not _PHONE.match(contact):
        raise InvalidInput("a mobile (11 digits) or a landline (0769-12345678)", "contact")
    note = check_text(given.note, "note", max_len=2000, required=False)
    home = _home(session, actor.city_id, given)
    if home.user_id is None and contact is None:
        raise InvalidInput("give the resident's phone (or their account) so that they can be told", "contact")
    brought, missing = _materials(item, given.materials, given.pending)
    unit = responsible_unit(session, actor.city_id, item, home.grid_path)

    def facts(case: Case) -> None:
        session.add(ServiceRequest(
            city_id=actor.city_id, case_id=case.id, centre_id=centre.id, item_id=item.id,
            household_id=home.household_id, home_node_id=home.node.id, materials=brought, missing=missing,
            accepted_by_id=actor.user_id, accepted_at=now, delivery=given.delivery))
        session.flush()

    return svc.open_request(
        session, actor, title=item.name_zh, description=item.description or "", grid=(home.grid_id, home.grid_path),
        unit=unit, time_limit_days=int(item.time_limit_days), pending=bool(missing), now=now,
        resident_id=home.user_id, contact=contact, note=note,
        extra={"centre": centre.code, "item": item.code, "home": home.node.code,
               **({"missing": missing} if missing else {})},
        then=facts)


# --------------------------------------------------------------------------- reading


def request_of(session: Session, case: Case) -> ServiceRequest | None:
    return session.scalar(select(ServiceRequest).where(ServiceRequest.case_id == case.id))


def request_dict(session: Session, case: Case, *, public: bool = False) -> dict[str, Any] | None:
    """The one-stop facts of a service request as pages and the API show them: the centre,
    the item (with its time limit) and, unless ``public``, the materials and the resident's
    masked phone."""
    req = request_of(session, case)
    if req is None:
        return None
    centre = session.get(Centre, req.centre_id)
    item = session.get(ServiceItem, req.item_id)
    assert centre is not None and item is not None
    out: dict[str, Any] = {
        "centre": centre.code, "centre_name": centre.name_zh, "centre_name_en": centre.name_en,
        "item": item.code, "item_name": item.name_zh, "item_name_en": item.name_en,
        "time_limit_days": item.time_limit_days, "accepted_at": req.accepted_at,
    }
    if not public:
        out.update(materials=list(req.materials or []), missing=list(req.missing or []),
                   delivery=req.delivery, contact=mask_phone(case.reporter_contact) if case.reporter_contact else None,
                   household=req.household_id is not None)
    return out


def receipt(session: Session, case: Case) -> dict[str, Any]:
    """What the counter hands the resident (and the CLI prints): the receipt code, the item,
    the centre, the unit that handles it, its status and deadline; the phone masked."""
    unit = session.get(Organisation, case.unit_id) if case.unit_id else None
    return {"code": case.code, "status": case.status, "status_label": STATUS_ZH[Status(case.status)],
            "unit": unit.code if unit else None, "unit_name": unit.name_zh if unit else None,
            "due_at": case.due_at, **(request_dict(session, case) or {})}


def requests_filter(actor: Actor) -> ColumnElement[bool]:
    """The service requests ``actor`` may list: the kernel's visibility rule over cases of
    kind ``service``."""
    return and_(Case.kind == Kind.SERVICE.value, policy.visible_filter(actor))


def list_requests(session: Session, actor: Actor, *, centre: str | None = None, status: str | None = None,
                  open_only: bool = False, limit: int = 100, offset: int = 0) -> tuple[list[Case], int]:
    """The service requests the actor may see, newest first; by centre and status."""
    q = select(Case).where(requests_filter(actor))
    if centre:
        c = session.scalar(select(Centre.id).where(Centre.city_id == actor.city_id, Centre.code == centre))
        if c is None:
            raise NotVisible(f"no centre {centre!r}")
        q = q.where(Case.id.in_(select(ServiceRequest.case_id).where(ServiceRequest.centre_id == c)))
    if status:
        if status not in workflow_of(Kind.SERVICE).statuses or status == "start":
            raise InvalidInput(f"a service request is never {status!r}", "status")
        q = q.where(Case.status == status)
    if open_only:
        q = q.where(open_clause())
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = list(session.scalars(q.order_by(Case.id.desc()).limit(limit).offset(offset)))
    return rows, int(total)
