"""HTTP JSON endpoints of intake before a report is sent: the category the classifier
suggests, the open cases that may be the same problem, and joining one of them as a
co-reporter instead of reporting it again. Thin: parse, call the intake service, present."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response
from sqlalchemy.orm import Session

from huying.cases import present
from huying.cases.policy import can_see
from huying.cases.routes import etag
from huying.cases.schemas import CaseCreate, CaseRead, PublicCase
from huying.deps import SessionDep
from huying.http import idempotency
from huying.http.clock import Now
from huying.http.errors import reject_nul_body
from huying.http.ratelimit import limit_anonymous
from huying.http.threads import in_report_thread
from huying.intake import create, service
from huying.intake.schemas import DraftIn, JoinIn, SimilarIn, SimilarPage, SuggestionRead
from huying.orgs.actor import Actor
from huying.orgs.auth import ActorInThread, CurrentActor
from huying.orgs.scope import CityId

router = APIRouter(prefix="/api/v1", tags=["intake"],
                   dependencies=[Depends(limit_anonymous), Depends(reject_nul_body)])

IdempotencyKeyHeader = Annotated[str | None, Header(
    alias="Idempotency-Key", description="A client-chosen key: a retry with the same key returns "
    "the case the first request created instead of creating another.")]


@router.post("/cases", response_model=CaseRead, status_code=201, tags=["cases"])
async def report_case(body: CaseCreate, session: SessionDep, actor_of: ActorInThread, now: Now,
                      response: Response, idempotency_key: IdempotencyKeyHeader = None) -> dict[str, Any]:
    """Report a problem (发现上报), or report and fix it on the spot (立行立改).
    With ``Idempotency-Key`` a retry returns the same case (``Idempotent-Replayed: true``)."""
    # Intake's hot path: its work (the caller's look-up included) in one thread hand-off,
    # not three (huying.orgs.auth.actor_in_thread), in the reports' own threads.
    return await in_report_thread(_report_case, body, session, actor_of, now, response, idempotency_key)


def _report_case(body: CaseCreate, session: Session, actor_of: Callable[[], Actor], now: dt.datetime,
                 response: Response, idempotency_key: str | None) -> dict[str, Any]:
    actor = actor_of()
    key = idempotency.check_key(idempotency_key)
    data = body.model_dump()
    digest = idempotency.fingerprint("cases", data)
    photos = present.uploads(body.photos)
    data.pop("photos")
    case, replayed = create.create_once(
        session, actor, key=key, scope="cases", digest=digest, now=now,
        make=lambda: create.report(session, actor, uploads=photos, now=now, **data), writes_files=bool(photos))
    response.headers["ETag"] = etag(case)
    response.headers["Location"] = f"/api/v1/cases/{case.code}"
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return present.case_dict(session, case, actor, now)


@router.post("/triage/suggest", response_model=SuggestionRead)
def suggest(body: DraftIn, session: SessionDep, city_id: CityId) -> dict[str, Any]:
    """The category intake would give a report with this text, by the city's current model,
    and its top suggestions. Nothing is stored."""
    return service.suggest(session, city_id, body.title, body.description).as_dict()


@router.post("/cases/similar", response_model=SimilarPage)
def similar(body: SimilarIn, session: SessionDep, city_id: CityId, now: Now) -> dict[str, Any]:
    """"Is it one of these?": the open cases near the point, recent, of the same first-level
    category, ranked by how alike the texts are: the candidates intake would find for this
    report. Public fields only. Nothing is stored."""
    found = service.similar(session, city_id, lon=body.lon, lat=body.lat, title=body.title,
                            detail=body.description, category=body.category, now=now)
    return {"items": present.public_candidates(session, found)}


@router.post("/cases/{code}/join", response_model=PublicCase)
def join(code: str, body: JoinIn, session: SessionDep, actor: CurrentActor, now: Now,
         response: Response) -> dict[str, Any]:
    """Join case ``code`` as a co-reporter instead of reporting the same problem again: it
    must be one of the candidates of your report (``/cases/similar``). You are then told of
    its handling, and (unless anonymous) see it in ``/api/v1/cases``."""
    case = service.join(session, actor, service.ReportIn(
        title=body.title, description=body.description, lon=body.lon, lat=body.lat,
        anonymous=body.anonymous, contact=body.contact), code, now=now)
    if can_see(session, actor, case):
        response.headers["Location"] = f"/api/v1/cases/{case.code}"
    return present.public_case_dict(session, case, now)
