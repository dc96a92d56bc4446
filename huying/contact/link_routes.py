"""HTTP JSON endpoints of member–household links (党员联户): the links of a node, a member's
households, linking a node, a member leaving, a household moved, a node's figures. Thin:
parse, call :mod:`huying.contact.link_service` (which checks scope through the one policy),
present."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from huying.contact import link_service as ls
from huying.contact.link_models import LinkMember
from huying.contact.link_schemas import (
    FiguresRead,
    LeaveRead,
    LinkPage,
    MemberRead,
    MemberUpdate,
    RunRead,
    SolveIn,
)
from huying.deps import SessionDep
from huying.http.clock import Now
from huying.http.errors import reject_nul_body
from huying.http.pagination import paginate
from huying.orgs.auth import CurrentActor

router = APIRouter(prefix="/api/v1/links", tags=["links"], dependencies=[Depends(reject_nul_body)])

MemberId = Path(ge=1, le=2**31 - 1, description="The member's person id.")


def link_dict(row: ls.LinkRow) -> dict[str, Any]:
    link = row.link
    return {"id": link.id, "member": link.person_id, "member_name": row.member_name, "household": row.household.code,
            "head": row.head, "since": link.since, "ended_at": link.ended_at, "end_reason": link.end_reason,
            "distance_m": link.distance_m, "need": link.need, "need_matched": link.need_matched}


def member_dict(member: LinkMember, name: str, rows: list[ls.LinkRow]) -> dict[str, Any]:
    return {"member": member.person_id, "name": name, "capacity": member.capacity,
            "specialties": [s for s in member.specialties.split(",") if s], "active": member.active,
            "left_at": member.left_at, "households": [link_dict(r) for r in rows]}


@router.get("", response_model=LinkPage)
def links(request: Request, response: Response, session: SessionDep, actor: CurrentActor,
          node: str | None = Query(None, max_length=60, description="Only the households under this node."),
          member: int | None = Query(None, ge=1, le=2**31 - 1, description="Only this member's (person id)."),
          history: bool = Query(False, description="Ended links too."),
          limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=2**31 - 1)) -> dict[str, Any]:
    """The links you see: under a node of your scope (officers, leaders), or your own (a
    member); open ones unless ``history``."""
    target = ls.reader_node(session, actor, node) if node else None
    total, rows = ls.list_links(session, actor, node=target, person_id=member, history=history, limit=limit,
                                offset=offset)
    paginate(request, response, total, limit, offset)
    return {"total": total, "items": [link_dict(r) for r in rows]}


@router.get("/figures", response_model=FiguresRead)
def figures(session: SessionDep, actor: CurrentActor,
            node: str | None = Query(None, max_length=60, description="A node code (default: yours).")) -> dict[str, Any]:
    """Members, households linked, linked for a need and matched by specialty, mean distance."""
    return ls.figures(session, actor, ls.reader_node(session, actor, node)).as_dict()


@router.get("/mine", response_model=MemberRead | None)
def mine(session: SessionDep, actor: CurrentActor) -> dict[str, Any] | None:
    """Your own linked households, if you are a linked member (null otherwise)."""
    member, rows = ls.my_links(session, actor)
    return None if member is None else member_dict(member, actor.name, rows)


@router.get("/members/{member}/households", response_model=MemberRead)
def member_households(session: SessionDep, actor: CurrentActor, member: int = MemberId) -> dict[str, Any]:
    """A member's linked households: for the member, or an officer or leader over where they live."""
    m, rows = ls.member_households(session, actor, member)
    name = rows[0].member_name if rows else ""
    return member_dict(m, name, rows)


@router.patch("/members/{member}", response_model=MemberRead)
def update_member(body: MemberUpdate, session: SessionDep, actor: CurrentActor,
                  member: int = MemberId) -> dict[str, Any]:
    """An officer sets a member's capacity or specialties (used by the next linking)."""
    m = ls.set_member(session, actor, member, capacity=body.capacity, specialties=body.specialties)
    _, rows = ls.member_households(session, actor, member)
    return member_dict(m, rows[0].member_name if rows else "", rows)


@router.post("/solve", response_model=RunRead)
def solve(body: SolveIn, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    """Link (again) the members living under a node to its households: the certified optimum,
    ending only the links it changes."""
    run = ls.link_node(session, actor, body.node, now=now)
    session.commit()
    return run.as_dict()


@router.post("/members/{member}/leave", response_model=LeaveRead)
def leave(session: SessionDep, actor: CurrentActor, now: Now, member: int = MemberId) -> dict[str, Any]:
    """A member leaves: marked inactive, their households re-linked changing as few links as possible."""
    runs = ls.member_leaves(session, actor, member, now=now)
    return {"member": member, "runs": [r.as_dict() for r in runs]}


@router.post("/households/{code}/moved", response_model=RunRead | None)
def moved(session: SessionDep, actor: CurrentActor, now: Now,
          code: str = Path(min_length=1, max_length=30)) -> dict[str, Any] | None:
    """After a household moved in the register: its node re-optimised around it (null when it
    had no link)."""
    run = ls.household_moved(session, actor, code, now=now)
    return None if run is None else run.as_dict()
