"""HTTP JSON endpoints of the three lists (需求清单 · 服务清单 · 资源清单) and their matches.
Thin: parse, call :mod:`huying.community.lists_service` (whose one rule decides who may),
present."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from huying.community import lists_service as ls
from huying.community.lists_models import OfferList
from huying.community.lists_schemas import (
    MatchAct,
    MatchPage,
    MatchRead,
    NeedCreate,
    NeedPage,
    NeedRead,
    OfferCreate,
    OfferPage,
    OfferRead,
    ProposeIn,
)
from huying.deps import SessionDep
from huying.http.clock import Now
from huying.http.errors import reject_nul_body
from huying.http.pagination import paginate
from huying.orgs.auth import CurrentActor

router = APIRouter(prefix="/api/v1/community", tags=["community"], dependencies=[Depends(reject_nul_body)])

NeedId = Path(ge=1, le=2**31 - 1)
MatchId = Path(ge=1, le=2**31 - 1)
NodeQ = Query(max_length=20, description="The community's code.")


@router.get("/needs", response_model=NeedPage)
def needs(request: Request, response: Response, session: SessionDep, actor: CurrentActor, node: str = NodeQ,
          limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=2**31 - 1)) -> dict[str, Any]:
    """A community's needs list (officers and leaders within scope), the latest first."""
    total, views = ls.list_needs(session, actor, node, limit=limit, offset=offset)
    paginate(request, response, total, limit, offset)
    return {"total": total, "items": [v.as_dict() for v in views]}


@router.post("/needs", response_model=NeedRead, status_code=201)
def add_need(body: NeedCreate, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    """Put a need on a community's needs list (officers within scope)."""
    need = ls.add_need(session, actor, ls.NeedData(**body.model_dump()), now=now)
    return ls.get_need(session, actor, need.id).as_dict()


@router.get("/needs/{need_id}", response_model=NeedRead)
def need(session: SessionDep, actor: CurrentActor, need_id: int = NeedId) -> dict[str, Any]:
    return ls.get_need(session, actor, need_id).as_dict()


def _offers(request: Request, response: Response, session: SessionDep, actor: CurrentActor, node: str,
            which: OfferList, limit: int, offset: int) -> dict[str, Any]:
    total, views = ls.list_offers(session, actor, node, which.value, limit=limit, offset=offset)
    paginate(request, response, total, limit, offset)
    return {"total": total, "items": [v.as_dict() for v in views]}


def _add_offer(body: OfferCreate, session: SessionDep, actor: CurrentActor, now: Now, which: OfferList) -> dict[str, Any]:
    offer = ls.add_offer(session, actor, ls.OfferData(list_kind=which.value, **body.model_dump()), now=now)
    node = ls.row_node(session, actor, offer.node_id, "offer")
    _, views = ls.list_offers(session, actor, node.code, which.value, limit=100_000)
    return next(v.as_dict() for v in views if v.offer.id == offer.id)


@router.get("/services", response_model=OfferPage)
def services(request: Request, response: Response, session: SessionDep, actor: CurrentActor, node: str = NodeQ,
             limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=2**31 - 1)) -> dict[str, Any]:
    """A community's services list: what its centres and organisations offer, with places left."""
    return _offers(request, response, session, actor, node, OfferList.SERVICES, limit, offset)


@router.post("/services", response_model=OfferRead, status_code=201)
def add_service(body: OfferCreate, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    return _add_offer(body, session, actor, now, OfferList.SERVICES)


@router.get("/resources", response_model=OfferPage)
def resources(request: Request, response: Response, session: SessionDep, actor: CurrentActor, node: str = NodeQ,
              limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=2**31 - 1)) -> dict[str, Any]:
    """A community's resources list: venues, funds, volunteers, skills, with places left."""
    return _offers(request, response, session, actor, node, OfferList.RESOURCES, limit, offset)


@router.post("/resources", response_model=OfferRead, status_code=201)
def add_resource(body: OfferCreate, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    return _add_offer(body, session, actor, now, OfferList.RESOURCES)


@router.post("/matches/propose", response_model=MatchPage, status_code=201)
def propose(body: ProposeIn, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    """Match a community's open needs to its services and resources (the optimal assignment:
    the most needs, then the least distance); each match proposed, explained in words."""
    made = ls.propose(session, actor, body.node, now=now)
    views = [ls.get_match(session, actor, m.id) for m in made]
    return {"total": len(views), "items": [v.as_dict() for v in views]}


@router.get("/matches", response_model=MatchPage)
def matches(request: Request, response: Response, session: SessionDep, actor: CurrentActor, node: str = NodeQ,
            status: str | None = Query(None, max_length=12), limit: int = Query(50, ge=1, le=500),
            offset: int = Query(0, ge=0, le=2**31 - 1)) -> dict[str, Any]:
    total, views = ls.list_matches(session, actor, node, status=status, limit=limit, offset=offset)
    paginate(request, response, total, limit, offset)
    return {"total": total, "items": [v.as_dict() for v in views]}


@router.get("/matches/{match_id}", response_model=MatchRead)
def match(session: SessionDep, actor: CurrentActor, match_id: int = MatchId) -> dict[str, Any]:
    """One match, with its explanation, the moves allowed to you and its history."""
    return ls.get_match(session, actor, match_id).as_dict()


@router.post("/matches/{match_id}/act", response_model=MatchRead)
def act(body: MatchAct, session: SessionDep, actor: CurrentActor, now: Now, match_id: int = MatchId) -> dict[str, Any]:
    """Accept, decline, fulfil or evaluate a match (409 with the allowed moves when illegal;
    accepting over the offer's places is refused)."""
    ls.act(session, actor, match_id, body.action, rating=body.rating, comment=body.comment, now=now)
    return ls.get_match(session, actor, match_id).as_dict()
