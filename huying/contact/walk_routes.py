"""HTTP JSON endpoints of inspection walks (行走): plan, list, figures, one walk, start, end,
record a problem. Thin: parse, call :mod:`huying.contact.walk_service` (whose one rule
decides who sees a walk's destination), present."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy import select

from huying.contact import walk_service as ws
from huying.contact.walk_schemas import (
    ProblemCreate,
    WalkCreate,
    WalkFiguresRead,
    WalkPage,
    WalkProblemRead,
    WalkRead,
)
from huying.deps import SessionDep
from huying.errors import NotVisible
from huying.geo import service as geo
from huying.geo.models import Node
from huying.http.clock import Now
from huying.http.errors import reject_nul_body
from huying.http.pagination import paginate
from huying.metrics.period import parse_period
from huying.orgs.auth import CurrentActor

router = APIRouter(prefix="/api/v1/walks", tags=["walks"], dependencies=[Depends(reject_nul_body)])

WalkId = Path(ge=1, le=2**31 - 1)


@router.post("", response_model=WalkRead, status_code=201)
def plan(body: WalkCreate, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    """Plan a walk (leaders, city and town officers): its destination is seen by you alone
    until you start it."""
    walk = ws.plan(session, actor, node=body.node, planned_on=body.planned_on, place=body.place, now=now)
    return ws.get_walk(session, actor, walk.id).as_dict()


@router.get("", response_model=WalkPage)
def walks(request: Request, response: Response, session: SessionDep, actor: CurrentActor,
          mine: bool = Query(False, description="Only the walks you planned."),
          limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=2**31 - 1)) -> dict[str, Any]:
    """The walks you see: yours, and the walks under way or ended whose destination your
    scope covers; the latest day first."""
    total, views = ws.list_walks(session, actor, mine=mine, limit=limit, offset=offset)
    paginate(request, response, total, limit, offset)
    return {"total": total, "items": [v.as_dict() for v in views]}


@router.get("/figures", response_model=WalkFiguresRead)
def figures(session: SessionDep, actor: CurrentActor, now: Now,
            node: str | None = Query(None, max_length=60, description="A node code (default: yours)."),
            period: str = Query("quarter", max_length=10, description="month, quarter, year, custom or all"),
            from_: str = Query("", alias="from", max_length=10), to: str = Query("", max_length=10),
            ) -> dict[str, Any]:
    """Walks started, problems found, fixed on the spot, put on a ledger and closed, under a
    node in a period, and per child node. A planned walk counts nowhere."""
    if node:
        target = geo.get_node(session, actor.city_id, node)
    else:
        found = session.scalar(select(Node).where(Node.path == actor.node_path, Node.city_id == actor.city_id))
        if found is None:
            raise NotVisible("your account has no node")
        target = found
    per = parse_period(period, from_, to, now=now)
    fig = ws.figures(session, actor, target, per)
    return {"node": target.code, "period": per.query(), "total": fig.total.as_dict(),
            "children": [{"node": n.code, "name": n.name_zh, **t.as_dict()} for n, t in fig.by_child]}


@router.get("/{walk_id}", response_model=WalkRead)
def walk(session: SessionDep, actor: CurrentActor, walk_id: int = WalkId) -> dict[str, Any]:
    """One walk (404 unless you may see it)."""
    return ws.get_walk(session, actor, walk_id).as_dict()


@router.post("/{walk_id}/start", response_model=WalkRead)
def start(session: SessionDep, actor: CurrentActor, now: Now, walk_id: int = WalkId) -> dict[str, Any]:
    """Start your walk: from now on its destination is seen within scope."""
    ws.start(session, actor, walk_id, now=now)
    return ws.get_walk(session, actor, walk_id).as_dict()


@router.post("/{walk_id}/end", response_model=WalkRead)
def end(session: SessionDep, actor: CurrentActor, now: Now, walk_id: int = WalkId) -> dict[str, Any]:
    ws.end(session, actor, walk_id, now=now)
    return ws.get_walk(session, actor, walk_id).as_dict()


@router.post("/{walk_id}/problems", response_model=WalkProblemRead, status_code=201)
def problem(body: ProblemCreate, session: SessionDep, actor: CurrentActor, now: Now,
            walk_id: int = WalkId) -> dict[str, Any]:
    """A problem found on your walk under way: a case (channel ``inspection_walk``), fixed on
    the spot or put on a ledger."""
    link, case = ws.record_problem(session, actor, walk_id, ws.ProblemIn(
        what=body.what, outcome=body.outcome, lon=body.lon, lat=body.lat, address=body.address,
        evidence=body.evidence, plan=body.plan, due=body.due), now=now)
    return {"case": case.code, "outcome": link.outcome, "status": case.status}
