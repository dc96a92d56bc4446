"""HTTP JSON endpoints of resident-point contact (驻点联系): record a visit (once per
``Idempotency-Key``), list the visits in scope, coverage of a node in a period. Thin: parse,
call :mod:`huying.contact.visit_service` (which checks scope through the one policy), present."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from sqlalchemy import select

from huying.cases.policy import check_node
from huying.contact import visit_service as vs
from huying.contact.models import Household, Unit, Visit
from huying.contact.schemas import (
    AssignCreate,
    AssignRead,
    CoverageRead,
    VisitCreate,
    VisitPage,
    VisitRead,
)
from huying.deps import SessionDep
from huying.errors import NotVisible
from huying.geo import service as geo
from huying.geo.models import Node
from huying.http import idempotency
from huying.http.clock import Now
from huying.http.errors import reject_nul_body
from huying.http.pagination import paginate
from huying.metrics.period import parse_period
from huying.orgs.actor import Actor
from huying.orgs.auth import CurrentActor
from huying.orgs.models import User

router = APIRouter(prefix="/api/v1/visits", tags=["visits"], dependencies=[Depends(reject_nul_body)])

IdempotencyKeyHeader = Annotated[str | None, Header(
    alias="Idempotency-Key", description="A client-chosen key: a retry with the same key returns "
    "the visit the first request stored instead of storing another.")]


def visit_dict(session: SessionDep, visit: Visit, household: str | None = None, unit: str | None = None,
               cadre: str | None = None) -> dict[str, Any]:
    if household is None:
        household = session.scalar(select(Household.code).where(Household.id == visit.household_id)) or ""
    if unit is None:
        unit = session.scalar(select(Unit.code).where(Unit.id == visit.unit_id)) or ""
    if cadre is None:
        cadre = session.scalar(select(User.username).where(User.id == visit.cadre_id)) or ""
    return {"id": visit.id, "household": household, "unit": unit, "cadre": cadre, "at": visit.at, "how": visit.how,
            "notes": visit.notes, "needs": [n for n in visit.needs.split(",") if n],
            "cases": [c.code for c in vs.cases_of_visit(session, visit.id)]}


def visit_in(body: VisitCreate) -> vs.VisitIn:
    return vs.VisitIn(household=body.household or "", unit=body.unit or "", how=body.how, at=body.at, notes=body.notes,
                      needs=tuple(body.needs), problems=tuple(vs.ProblemIn(p) for p in body.problems))


@router.post("", response_model=VisitRead, status_code=201)
def record(body: VisitCreate, session: SessionDep, actor: CurrentActor, now: Now, response: Response,
           idempotency_key: IdempotencyKeyHeader = None) -> dict[str, Any]:
    """Record a visit to a household assigned to you (or within your scope, for officers);
    each problem raised becomes a case. With ``Idempotency-Key`` a retry returns the visit
    stored the first time (200, ``Idempotent-Replayed: true``)."""
    key = idempotency.check_key(idempotency_key)
    digest = idempotency.fingerprint("visits", body.model_dump(mode="json"))
    rec = vs.record_visit(session, actor, visit_in(body), now=now, key=key, digest=digest)
    if rec.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return visit_dict(session, rec.visit)


@router.get("", response_model=VisitPage)
def visits(request: Request, response: Response, session: SessionDep, actor: CurrentActor,
           household: str | None = Query(None, max_length=30, description="Only this household's visits."),
           unit: str | None = Query(None, max_length=30, description="Only this enterprise's visits."),
           limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=2**31 - 1)) -> dict[str, Any]:
    """The visits you see (your households' and enterprises', or your scope's for officers),
    newest first."""
    total, rows = vs.list_visits(session, actor, household=household, unit=unit, limit=limit, offset=offset)
    paginate(request, response, total, limit, offset)
    return {"total": total, "items": [visit_dict(session, v, h, u, cadre) for v, h, u, cadre in rows]}


def _node(session: SessionDep, actor: Actor, code: str | None) -> Node:
    if not code:
        node = session.scalar(select(Node).where(Node.path == actor.node_path, Node.city_id == actor.city_id))
        if node is None:
            raise NotVisible("your account has no node")
        return node
    return geo.get_node(session, actor.city_id, code)


@router.get("/coverage", response_model=CoverageRead)
def coverage(session: SessionDep, actor: CurrentActor, now: Now,
             node: str | None = Query(None, max_length=60, description="A node code (default: yours)."),
             period: str = Query("quarter", max_length=10, description="month, quarter, year, custom or all"),
             from_: str = Query("", alias="from", max_length=10), to: str = Query("", max_length=10),
             ) -> dict[str, Any]:
    """Households visited at least once in the period / households assigned, and those
    overdue now: for the node, each cadre with households under it, and each child node."""
    target = _node(session, actor, node)
    check_node(actor, target.path, "visit coverage")
    per = parse_period(period, from_, to, now=now)
    cov = vs.coverage(session, actor, target, per, now=now)
    return {"node": target.code, "period": per.query(), "total": cov.total.as_dict(),
            "cadres": [{"cadre": u.username, "name": u.display_name, **t.as_dict()} for u, t in cov.by_cadre],
            "children": [{"node": n.code, "name": n.name_zh, **t.as_dict()} for n, t in cov.by_child]}


@router.post("/assignments", response_model=AssignRead)
def assign(body: AssignCreate, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    """Give households to a cadre (驻点联系): by an officer whose scope covers every one of
    them, all or none. A household's visit is then due a cycle after its last visit (or now)."""
    n = vs.assign_many(session, actor, body.households, body.cadre, now=now, unit_codes=body.units)
    return {"assigned": n, "cadre": body.cadre}
