"""HTTP JSON endpoints of the closed loop (thin: parse, load, call one service function).

Case reads carry ``ETag: "<version>"``; commands take ``If-Match`` (a stale one is 412) or
``expected_version`` in the body (a stale one is 409). ``POST /cases`` takes an
``Idempotency-Key``. Lists are paginated (``limit``/``offset``, ``total``, ``Link``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi import Path as FPath
from sqlalchemy import Select, func, select

from huying.cases import present, workflow
from huying.cases import service as svc
from huying.cases.commands import parse, spec_of
from huying.cases.models import Case, SupervisionNotice
from huying.cases.policy import check_act, visible_filter
from huying.cases.schemas import ActionIn, CasePage, CaseRead, NoticeRead, NoticeReply
from huying.cases.timing import overdue_clause
from huying.cityconfig.models import Category
from huying.deps import SessionDep
from huying.errors import InvalidInput, NotVisible, StaleVersion
from huying.geo import service as geo
from huying.http.clock import Now
from huying.http.errors import PreconditionFailed, reject_nul_body
from huying.http.pagination import paginate
from huying.http.ratelimit import limit_anonymous
from huying.orgs.actor import Actor
from huying.orgs.auth import CurrentActor
from huying.orgs.models import Organisation

router = APIRouter(prefix="/api/v1", tags=["cases"],
                   dependencies=[Depends(limit_anonymous), Depends(reject_nul_body)])


def _if_match(value: str | None) -> int | None:
    if value is None or value.strip() == "*":
        return None
    try:
        return int(value.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise InvalidInput("If-Match must be the case version, e.g. \"3\"", "If-Match") from None


def etag(case: Case) -> str:
    return f'"{case.version}"'


def case_query(session: SessionDep, actor: Actor, *, node: str | None, status: list[str] | None,
               overdue_at: dt.datetime | None, category: str | None, unit: str | None,
               channel: str | None, since: dt.datetime | None, until: dt.datetime | None) -> Select[Any]:
    """The visible cases matching the filters (the same query for the page and its total)."""
    q = select(Case).where(visible_filter(actor))
    if node:
        q = q.where(Case.grid_path.startswith(geo.get_node(session, actor.city_id, node).path))
    bad = [s for s in status or [] if s not in workflow.Status.__members__.values()]
    if bad:
        raise InvalidInput(f"unknown status {bad[0]!r}", "status")
    if status:
        q = q.where(Case.status.in_(status))
    if overdue_at is not None:
        q = q.where(overdue_clause(overdue_at))
    if category:
        path = session.scalar(select(Category.path).where(Category.city_id == actor.city_id,
                                                          Category.code == category))
        if path is None:
            raise InvalidInput(f"no category {category!r}", "category")
        q = q.where(Case.category_id.in_(select(Category.id).where(
            Category.city_id == actor.city_id, Category.path.startswith(path))))
    if unit:
        org = session.scalar(select(Organisation.id).where(Organisation.city_id == actor.city_id,
                                                          Organisation.code == unit))
        if org is None:
            raise InvalidInput(f"no unit {unit!r}", "unit")
        q = q.where(Case.unit_id == org)
    if channel:
        if channel not in svc.Channel.__members__.values():
            raise InvalidInput(f"unknown channel {channel!r}", "channel")
        q = q.where(Case.channel == channel)
    for value, field in ((since, "since"), (until, "until")):
        if value is not None and value.tzinfo is None:
            raise InvalidInput("give a time zone (e.g. 2026-03-02T00:00:00+08:00)", field)
    if since is not None:
        q = q.where(Case.created_at >= since)
    if until is not None:
        q = q.where(Case.created_at < until)
    return q


@router.get("/cases", response_model=CasePage)
def list_cases(
    request: Request, response: Response, session: SessionDep, actor: CurrentActor, now: Now,
    node: str | None = Query(None, description="Only cases located under this node code."),
    status: list[str] | None = Query(None),
    overdue: bool = False,
    category: str | None = Query(None, description="A category code: it and everything under it."),
    unit: str | None = Query(None, description="The responsible unit's code."),
    channel: str | None = Query(None),
    since: dt.datetime | None = Query(None, description="Reported at or after (ISO 8601 with offset)."),
    until: dt.datetime | None = Query(None, description="Reported before."),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> dict[str, Any]:
    """The cases the caller may see, newest first."""
    q = case_query(session, actor, node=node, status=status, overdue_at=now if overdue else None,
                   category=category, unit=unit, channel=channel, since=since, until=until)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    cases = session.scalars(q.order_by(Case.id.desc()).limit(limit).offset(offset)).all()
    paginate(request, response, total, limit, offset)
    return {"items": [present.case_dict(session, c, actor, now) for c in cases],
            "total": total, "limit": limit, "offset": offset}


@router.get("/cases/{code}", response_model=CaseRead)
def show_case(code: str, request: Request, response: Response, session: SessionDep,
              actor: CurrentActor, now: Now) -> Any:
    """A case with its timeline. ``ETag`` is its version (``If-None-Match`` → 304)."""
    case = svc.get_case(session, actor, code)
    tag = etag(case)
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers={"ETag": tag})
    response.headers["ETag"] = tag
    return present.case_dict(session, case, actor, now, events=True)


@router.post("/cases/{code}/actions/{action}", response_model=CaseRead)
def act(
    code: str, action: str, body: ActionIn, response: Response, session: SessionDep,
    actor: CurrentActor, now: Now, if_match: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """Run a workflow command. 409 lists the allowed actions when this one is not; a stale
    ``If-Match`` is 412, a stale ``expected_version`` 409."""
    case = svc.get_case(session, actor, code)
    spec_of(action)  # an unknown action is a 422 naming it
    # The policy first, so that the answer does not depend on the parameters given:
    # 404 not visible · 403 not for you · 409 not from this status.
    check_act(session, actor, case, workflow.Action(action))
    precondition = _if_match(if_match)
    expected = body.expected_version if body.expected_version is not None else precondition
    raw = body.model_dump(exclude={"expected_version", "photos"}, exclude_none=True)
    if body.photos:
        raw["uploads"] = present.uploads(body.photos)
    params = parse(action, raw)
    try:
        svc.perform(session, case, actor, action, now=now, params=params, expected_version=expected)
    except StaleVersion as exc:
        if body.expected_version is None and precondition is not None:
            raise PreconditionFailed(str(exc), exc.expected, exc.actual) from None
        raise
    response.headers["ETag"] = etag(case)
    return present.case_dict(session, case, actor, now, events=True)


@router.get("/workflow")
def workflow_table(kind: workflow.Kind = workflow.Kind.PROBLEM) -> dict[str, Any]:
    """The workflow table of a kind of case (``problem`` by default, or ``service``):
    statuses, actions and who may take them; and its diagram."""
    wf = workflow.workflow_of(kind)
    return {
        "kind": wf.kind.value,
        "statuses": [{"status": s.value, "label_zh": workflow.STATUS_ZH[s]} for s in wf.statuses],
        "transitions": [{"from": t.source.value, "action": t.action.value, "to": t.target.value,
                         "roles": sorted(r.value for r in t.roles)} for t in wf.table],
        "mermaid": workflow.mermaid(wf.kind),
    }


def _notice(session: SessionDep, actor: Actor, notice_id: int) -> SupervisionNotice:
    notice = session.get(SupervisionNotice, notice_id)
    if notice is None or notice.city_id != actor.city_id:
        raise NotVisible("no such notice")
    if notice.case_id is not None:
        case = session.get(Case, notice.case_id)
        from huying.cases.policy import can_see

        if case is None or not can_see(session, actor, case):
            raise NotVisible("no such notice")
    return notice


@router.get("/notices", response_model=list[NoticeRead])
def list_notices(session: SessionDep, actor: CurrentActor, now: Now, open_only: bool = True,
                 limit: int = Query(100, ge=1, le=500)) -> list[dict[str, Any]]:
    """Supervision notices about the cases the caller may see, oldest deadline first."""
    q = (select(SupervisionNotice).join(Case, Case.id == SupervisionNotice.case_id)
         .where(visible_filter(actor)))
    if open_only:
        q = q.where(SupervisionNotice.open_clause())
    rows = session.scalars(q.order_by(SupervisionNotice.reply_due_at).limit(limit)).all()
    return [present.notice_dict(session, n, now) for n in rows]


@router.post("/notices/{notice_id}/reply", response_model=NoticeRead)
def reply_notice(notice_id: Annotated[int, FPath(ge=1, le=2**31 - 1)], body: NoticeReply, session: SessionDep, actor: CurrentActor,
                 now: Now) -> dict[str, Any]:
    notice = _notice(session, actor, notice_id)
    svc.reply_notice(session, notice, actor, reply=body.reply, now=now)
    return present.notice_dict(session, notice, now)
