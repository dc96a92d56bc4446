"""HTTP JSON endpoints of the register (issue #16), for staff within scope. Thin: parse,
load, check through the one scope rule (``check_node``), call the service, present."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from huying.cases.policy import check_node
from huying.contact import service
from huying.contact.models import Household
from huying.contact.schemas import HouseholdRead, MatchRead
from huying.deps import SessionDep
from huying.errors import NotVisible
from huying.geo.models import Node
from huying.orgs.auth import CurrentActor

router = APIRouter(prefix="/api/v1/register", tags=["register"])


@router.get("/households/{code}", response_model=HouseholdRead)
def household(code: str, session: SessionDep, actor: CurrentActor) -> dict[str, Any]:
    """A household and its people, identity numbers masked (``4419**********1234``): for
    staff whose scope covers the household's grid (403 otherwise)."""
    hh = session.scalar(select(Household).where(Household.city_id == actor.city_id, Household.code == code))
    if hh is None:
        raise NotVisible("no such household")
    path = session.scalar(select(Node.path).where(Node.id == hh.grid_id)) or ""
    check_node(actor, path, "household register")
    return service.household_view(session, actor, hh)


@router.get("/locate", response_model=MatchRead)
def locate(session: SessionDep, actor: CurrentActor,
           address: str = Query(..., min_length=1, max_length=200)) -> dict[str, Any]:
    """The grid of an address from the register: exact, fuzzy, ambiguous (with the
    candidates) or unknown. For staff."""
    check_node(actor, actor.node_path, "register")  # staff: residents are refused
    m = service.locate_address(session, actor.city_id, address)
    return {"kind": m.kind, "grid": m.grid_code,
            "candidates": [{"address": c.text, "grid": c.grid_code, "score": c.score} for c in m.candidates]}
