"""The units that answer for a case: looked up by code, the level that handles a case, the
unit one level up (escalation), and who answers for a case not yet dispatched."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases.models import Case
from huying.cases.workflow import NEXT_LEVEL
from huying.errors import InvalidInput
from huying.geo.models import Level, Node
from huying.orgs.models import Organisation, OrgKind

#: The level that handles a case whose unit sits at a node of this level.
HANDLING_LEVEL = {
    Level.GRID: "community", Level.COMMUNITY: "community", Level.TOWN: "town",
    Level.AREA: "city", Level.CITY: "city",
}


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    name_zh: str
    active: bool


@dataclass(frozen=True)
class NodeRef:
    id: int
    path: str
    level: str
    name_zh: str


def unit(session: Session, city_id: int, code: str) -> tuple[UnitRef, NodeRef]:
    """A unit (organisation) by code, with its node; looked up once per session. Refuses
    an unknown or inactive unit (field ``unit``)."""
    cache: dict[tuple[int, str], tuple[UnitRef, NodeRef] | None] = session.info.setdefault("huying.units", {})
    key = (city_id, code)
    if key not in cache:
        row = session.execute(
            select(Organisation.id, Organisation.code, Organisation.name_zh, Organisation.active,
                   Node.id, Node.path, Node.level, Node.name_zh)
            .join(Node, Node.id == Organisation.node_id)
            .where(Organisation.city_id == city_id, Organisation.code == code)
        ).first()
        cache[key] = None if row is None else (UnitRef(*row[:4]), NodeRef(*row[4:]))
    found = cache[key]
    if found is None:
        raise InvalidInput(f"no unit with code {code!r}", "unit")
    if not found[0].active:
        raise InvalidInput(f"unit {code!r} is inactive", "unit")
    return found


def unit_changes(org: Any, node: Any) -> dict[str, Any]:
    """The case's columns when ``org`` (at ``node``) becomes its responsible unit."""
    return {"unit_id": org.id, "unit_path": node.path,
            "handling_level": HANDLING_LEVEL[Level(node.level)]}


def escalation_target(session: Session, case: Case, code: str | None = None) -> tuple[Any, Any]:
    """The unit a case goes to when escalated: by default the Party committee of the next
    level up (community → town → city: 三级问题研处); or ``code``, which must sit at that level."""
    level = case.handling_level or "community"
    nxt = NEXT_LEVEL.get(level)
    if nxt is None:
        raise InvalidInput("the case is already handled at city level: it cannot go higher", "unit")
    codes = [c for c in case.grid_path.split("/") if c]
    anchor_level = Level.TOWN if nxt == "town" else Level.CITY
    anchor = session.scalar(select(Node).where(
        Node.city_id == case.city_id, Node.code.in_(codes), Node.level == anchor_level.value))
    if anchor is None:
        raise InvalidInput(f"the case's grid has no {anchor_level.value} above it", "unit")
    if code:
        org, node = unit(session, case.city_id, code)
        if HANDLING_LEVEL[Level(node.level)] != nxt or not node.path.startswith(anchor.path):
            raise InvalidInput(f"unit {code} is not a {nxt}-level unit above this case", "unit")
        return org, node
    party = session.scalar(select(Organisation).where(
        Organisation.node_id == anchor.id, Organisation.kind == OrgKind.PARTY_COMMITTEE.value
    ).order_by(Organisation.id))
    if party is None:
        raise InvalidInput(f"{anchor.name_zh} has no Party committee to escalate to", "unit")
    return party, anchor


def answering_unit(session: Session, case: Case) -> int:
    """Who answers for a case not yet dispatched: the Party organisation of its community
    (the deepest Party organisation above its grid)."""
    codes = [c for c in case.grid_path.split("/") if c]
    org = session.scalar(
        select(Organisation.id).join(Node, Node.id == Organisation.node_id)
        .where(Node.city_id == case.city_id, Node.code.in_(codes),
               Organisation.kind.in_([OrgKind.PARTY_ORGANISATION.value, OrgKind.PARTY_COMMITTEE.value]))
        .order_by(Node.path.desc())  # the deepest: the community's own
    )
    if org is None:
        raise InvalidInput("no unit answers for this case's place", "unit")
    return int(org)
