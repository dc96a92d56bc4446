"""HTTP JSON endpoints of co-building councils (共建议事会): members, meetings, decisions.
Thin: parse, call :mod:`huying.community.council_service`, present."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from huying.community import council_service as cs
from huying.community import lists_service as ls
from huying.community.council_schemas import (
    DecisionCreate,
    DecisionRead,
    MeetingCreate,
    MeetingPage,
    MeetingRead,
    MemberCreate,
    MemberRead,
)
from huying.deps import SessionDep
from huying.http.clock import Now
from huying.http.errors import reject_nul_body
from huying.http.pagination import paginate
from huying.orgs.auth import CurrentActor

router = APIRouter(prefix="/api/v1/community/councils", tags=["community"], dependencies=[Depends(reject_nul_body)])

MeetingId = Path(ge=1, le=2**31 - 1)


def decision_data(d: DecisionCreate) -> cs.DecisionData:
    need = ls.NeedData(source="council", **d.need.model_dump()) if d.need else None
    return cs.DecisionData(text=d.text, kind=d.kind, need=need)


@router.get("/members", response_model=list[MemberRead])
def members(session: SessionDep, actor: CurrentActor,
            node: str = Query(max_length=20, description="The community's code.")) -> list[dict[str, Any]]:
    """A community council's member organisations (officers and leaders within scope)."""
    return [v.as_dict() for v in cs.members(session, actor, node)]


@router.post("/members", response_model=MemberRead, status_code=201)
def seat(body: MemberCreate, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    """Seat an organisation in a community's council (officers within scope)."""
    member = cs.seat(session, actor, node=body.node, organisation=body.organisation, role=body.role, now=now)
    return next(v.as_dict() for v in cs.members(session, actor, body.node) if v.member.id == member.id)


@router.get("/meetings", response_model=MeetingPage)
def meetings(request: Request, response: Response, session: SessionDep, actor: CurrentActor,
             node: str = Query(max_length=20, description="The community's code."),
             limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=2**31 - 1)) -> dict[str, Any]:
    total, views = cs.meetings(session, actor, node, limit=limit, offset=offset)
    paginate(request, response, total, limit, offset)
    return {"total": total, "items": [v.as_dict() for v in views]}


@router.post("/meetings", response_model=MeetingRead, status_code=201)
def hold(body: MeetingCreate, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    """Record a council meeting: attendees, topics and decisions (a decision of kind need
    puts a need on the needs list; of kind project, its text waits for the exchange)."""
    meeting = cs.hold_meeting(session, actor, cs.MeetingData(
        node=body.node, held_on=body.held_on, place=body.place, topics=body.topics, notes=body.notes,
        organisations=body.organisations, users=body.users,
        decisions=[decision_data(d) for d in body.decisions]), now=now)
    return cs.get_meeting(session, actor, meeting.id).as_dict()


@router.get("/meetings/{meeting_id}", response_model=MeetingRead)
def meeting(session: SessionDep, actor: CurrentActor, meeting_id: int = MeetingId) -> dict[str, Any]:
    return cs.get_meeting(session, actor, meeting_id).as_dict()


@router.post("/meetings/{meeting_id}/decisions", response_model=DecisionRead, status_code=201)
def decide(body: DecisionCreate, session: SessionDep, actor: CurrentActor, now: Now,
           meeting_id: int = MeetingId) -> dict[str, Any]:
    d = cs.add_decision(session, actor, meeting_id, decision_data(body), now=now)
    return {"id": d.id, "text": d.text, "kind": d.kind, "need_id": d.need_id, "project_id": d.project_id}
