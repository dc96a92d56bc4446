"""HTTP JSON endpoints of the public-welfare exchange (党群公益汇): browse and read projects
(public), post and keep them (officers), claim and pledge (partner accounts). Thin: parse,
call :mod:`huying.community.exchange_service`, present."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from huying.community import exchange_service as xs
from huying.community.exchange_schemas import (
    AgreementCreate,
    CancelBody,
    ClaimCreate,
    MilestonesSet,
    PledgeCreate,
    ProjectCreate,
    ProjectPage,
    ProjectRead,
)
from huying.deps import SessionDep
from huying.geo import service as geo
from huying.http.clock import Now
from huying.http.errors import reject_nul_body
from huying.http.pagination import paginate
from huying.orgs.actor import Actor
from huying.orgs.auth import CurrentActor, MaybeActor

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"], dependencies=[Depends(reject_nul_body)])

Code = Path(min_length=1, max_length=20, description="The project's code, e.g. GY2019-0001.")
MilestoneId = Path(ge=1, le=2**31 - 1)


def city_id_of(session: SessionDep, actor: Actor | None) -> int:
    """The city a request is about: the actor's, or (for the public) the one city served."""
    return actor.city_id if actor is not None else geo.get_city(session).id


def _read(session: SessionDep, actor: Actor | None, code: str) -> dict[str, Any]:
    view = xs.get_project(session, actor, code, city_id=city_id_of(session, actor))
    return {**view.as_dict(), "allowed_actions": xs.actions_for(actor, view)}


@router.get("/projects", response_model=ProjectPage)
def projects(request: Request, response: Response, session: SessionDep, actor: MaybeActor,
             town: str = Query("", max_length=20), community: str = Query("", max_length=20),
             type: str = Query("", max_length=20), needing: bool = Query(False),
             status: str = Query("", max_length=12), sort: str = Query("remaining", max_length=10),
             limit: int = Query(20, ge=1, le=200), offset: int = Query(0, ge=0, le=1_000_000)) -> dict[str, Any]:
    """The posted projects (public): by town, community, type and what is still needed,
    sorted by the amount still needed (largest first) or the newest."""
    total, rows = xs.browse(session, actor, city_id_of(session, actor), xs.Browse(
        town=town, community=community, type=type, needing=needing, status=status, sort=sort,
        limit=limit, offset=offset))
    paginate(request, response, total, limit, offset)
    return {"total": total, "items": [
        {"code": r.project.code, "title": r.project.title, "type": r.project.type, "status": r.project.status,
         "community": r.node.code, "community_name": r.node.name_zh, "budget": xs.money(r.project.budget),
         "pledged": xs.money(r.project.pledged_amount), "remaining": r.remaining} for r in rows]}


@router.get("/projects/{code}", response_model=ProjectRead)
def project(session: SessionDep, actor: MaybeActor, code: str = Code) -> dict[str, Any]:
    """One project (public once posted): its need, budget, what is still needed, pledges,
    agreements, milestones, progress and history; no person is named."""
    return _read(session, actor, code)


@router.post("/projects", response_model=ProjectRead, status_code=201)
def post(body: ProjectCreate, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    """Post a project (officers of its community)."""
    p = xs.post(session, actor, xs.ProjectIn(
        title=body.title, need=body.need, type=body.type, beneficiaries=body.beneficiaries,
        beneficiary_kind=body.beneficiary_kind, community=body.community, budget=body.budget,
        goods=[xs.GoodsIn(g.name, g.quantity, g.unit) for g in body.goods],
        milestones=[(m.title, m.weight) for m in body.milestones], publish=body.publish,
        decision=body.decision), now=now)
    return _read(session, actor, p.code)


@router.post("/projects/{code}/publish", response_model=ProjectRead)
def publish(session: SessionDep, actor: CurrentActor, now: Now, code: str = Code) -> dict[str, Any]:
    xs.publish(session, actor, code, now=now)
    return _read(session, actor, code)


@router.post("/projects/{code}/start", response_model=ProjectRead)
def start(session: SessionDep, actor: CurrentActor, now: Now, code: str = Code) -> dict[str, Any]:
    xs.start(session, actor, code, now=now)
    return _read(session, actor, code)


@router.post("/projects/{code}/complete", response_model=ProjectRead)
def complete(session: SessionDep, actor: CurrentActor, now: Now, code: str = Code) -> dict[str, Any]:
    xs.complete(session, actor, code, now=now)
    return _read(session, actor, code)


@router.post("/projects/{code}/cancel", response_model=ProjectRead)
def cancel(body: CancelBody, session: SessionDep, actor: CurrentActor, now: Now, code: str = Code) -> dict[str, Any]:
    xs.cancel(session, actor, code, body.reason, now=now)
    return _read(session, actor, code)


@router.put("/projects/{code}/milestones", response_model=ProjectRead)
def milestones(body: MilestonesSet, session: SessionDep, actor: CurrentActor, now: Now,
               code: str = Code) -> dict[str, Any]:
    """Set the milestones of a draft or open project (weights summing to 100)."""
    xs.plan_milestones(session, actor, code, [(m.title, m.weight) for m in body.milestones], now=now)
    return _read(session, actor, code)


@router.post("/projects/{code}/milestones/{milestone}/reach", response_model=ProjectRead)
def reach(session: SessionDep, actor: CurrentActor, now: Now, code: str = Code,
          milestone: int = MilestoneId) -> dict[str, Any]:
    xs.reach_milestone(session, actor, code, milestone, now=now)
    return _read(session, actor, code)


@router.post("/projects/{code}/pledges", response_model=ProjectRead, status_code=201)
def pledge(body: PledgeCreate, session: SessionDep, actor: CurrentActor, now: Now,
           code: str = Code) -> dict[str, Any]:
    """Pledge (认捐) money and/or goods for your organisation: refused (409, with the
    reason, nothing stored) over what is still needed."""
    xs.pledge(session, actor, code, xs.PledgeIn(amount=body.amount, goods=body.goods,
                                                 organisation=body.organisation), now=now)
    return _read(session, actor, code)


@router.post("/projects/{code}/claim", response_model=ProjectRead)
def claim(body: ClaimCreate, session: SessionDep, actor: CurrentActor, now: Now,
          code: str = Code) -> dict[str, Any]:
    """Claim (认领) the whole project for your organisation."""
    xs.claim(session, actor, code, body.organisation, now=now)
    return _read(session, actor, code)


@router.post("/projects/{code}/agreements", response_model=ProjectRead, status_code=201)
def agreement(body: AgreementCreate, session: SessionDep, actor: CurrentActor, now: Now,
              code: str = Code) -> dict[str, Any]:
    """Record the co-building agreement (共建协议) signed with an organisation."""
    xs.sign_agreement(session, actor, code, xs.AgreementIn(
        organisation=body.organisation, signed_on=body.signed_on, term_until=body.term_until,
        milestones=[(m.title, m.weight) for m in body.milestones]), now=now)
    return _read(session, actor, code)
