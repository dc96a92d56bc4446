"""HTTP JSON endpoints of one-stop acceptance: accept a request at a centre's counter, list
the service requests one may see. Thin: parse, call :mod:`huying.community.onestop_service`,
present. The unit's steps on a request are the kernel's case actions
(``POST /api/v1/cases/{code}/actions/...``), and the resident follows it at
``GET /api/v1/cases/{code}`` like any case."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.orm import Session

from huying.cases import present
from huying.cases.models import Case
from huying.community import onestop_service as onestop
from huying.community.onestop_schemas import RequestCreate, ServiceRequestPage, ServiceRequestRead
from huying.deps import SessionDep
from huying.http.clock import Now
from huying.http.errors import reject_nul_body
from huying.http.pagination import paginate
from huying.orgs.actor import Actor
from huying.orgs.auth import CurrentActor

router = APIRouter(prefix="/api/v1", tags=["service requests"], dependencies=[Depends(reject_nul_body)])

CentreCode = Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")


def request_read(session: Session, case: Case, actor: Actor, now: dt.datetime) -> dict[str, Any]:
    """A service request as the API returns it."""
    d = present.case_dict(session, case, actor, now)
    return {**{k: d[k] for k in ("code", "status", "status_label", "title", "unit", "unit_name", "due_at",
                                  "overdue", "created_at", "closed_at", "allowed_actions")},
            "onestop": onestop.request_dict(session, case)}


@router.post("/centres/{code}/requests", response_model=ServiceRequestRead, status_code=201)
def accept(body: RequestCreate, session: SessionDep, actor: CurrentActor, now: Now,
           code: str = CentreCode) -> dict[str, Any]:
    """Accept a request at a centre's counter (its staff): checked against the item's
    materials and routed to the unit responsible for it where the resident lives. The
    answer's ``code`` is the resident's receipt."""
    case = onestop.accept(session, actor, code, body.as_input(), now=now)
    return request_read(session, case, actor, now)


@router.get("/service-requests", response_model=ServiceRequestPage)
def requests(request: Request, response: Response, session: SessionDep, actor: CurrentActor, now: Now,
             centre: str | None = Query(None, max_length=40, description="Only those accepted at this centre."),
             status: str | None = Query(None, max_length=24),
             open_only: bool = Query(False, description="Only those not closed or rejected."),
             limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10_000_000)) -> dict[str, Any]:
    """The service requests you may see (the kernel's rule: your unit's, your scope's, your
    own), newest first."""
    rows, total = onestop.list_requests(session, actor, centre=centre, status=status, open_only=open_only,
                                        limit=limit, offset=offset)
    paginate(request, response, total, limit, offset)
    return {"items": [request_read(session, c, actor, now) for c in rows], "total": total,
            "limit": limit, "offset": offset}
