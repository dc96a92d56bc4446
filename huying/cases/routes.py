"""HTTP JSON endpoints of the closed loop (thin: parse, load, call one service function)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from sqlalchemy import func, select

from huying.auth import CurrentActor
from huying.cases import present, workflow
from huying.cases import service as svc
from huying.cases.errors import InvalidInput, NotVisible
from huying.cases.models import Case, SupervisionNotice
from huying.cases.policy import Actor, visible_filter
from huying.cases.schemas import ActionIn, CaseCreate, CasePage, CaseRead, NoticeRead, NoticeReply
from huying.db import utcnow
from huying.deps import SessionDep
from huying.geo import service as geo

router = APIRouter(prefix="/api/v1", tags=["cases"])


def clock() -> dt.datetime:
    """The request's ``now`` (a dependency, so that tests can fix the clock)."""
    return utcnow()


Now = Annotated[dt.datetime, Depends(clock)]


def _if_match(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip().strip('W/').strip('"'))
    except ValueError:
        raise InvalidInput("If-Match must be the case version, e.g. \"3\"", "If-Match") from None


@router.post("/cases", response_model=CaseRead, status_code=201)
def report_case(body: CaseCreate, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    """Report a problem (发现上报), or report and fix it on the spot (立行立改)."""
    data = body.model_dump()
    photos = present.uploads(body.photos)
    data.pop("photos")
    case = svc.report(session, actor, uploads=photos, now=now, **data)
    return present.case_dict(session, case, actor, now)


@router.get("/cases", response_model=CasePage)
def list_cases(
    session: SessionDep, actor: CurrentActor, now: Now,
    node: str | None = Query(None, description="Only cases located under this node code."),
    status: list[str] | None = Query(None),
    overdue: bool = False,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    path = geo.get_node(session, actor.city_id, node).path if node else None
    bad = [s for s in status or [] if s not in workflow.Status.__members__.values()]
    if bad:
        raise InvalidInput(f"unknown status {bad[0]!r}", "status")
    cases = svc.list_cases(session, actor, node_path=path, status=status,
                           overdue_at=now if overdue else None, limit=limit, offset=offset)
    q = select(func.count()).select_from(Case).where(visible_filter(actor))
    if path:
        q = q.where(Case.grid_path.startswith(path))
    if status:
        q = q.where(Case.status.in_(status))
    if overdue:
        q = q.where(Case.due_at < now, Case.status.not_in([s.value for s in workflow.FINAL]))
    return {"items": [present.case_dict(session, c, actor, now) for c in cases],
            "total": session.scalar(q) or 0, "limit": limit, "offset": offset}


@router.get("/cases/{code}", response_model=CaseRead)
def show_case(code: str, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    case = svc.get_case(session, actor, code)
    return present.case_dict(session, case, actor, now, events=True)


@router.post("/cases/{code}/actions/{action}", response_model=CaseRead)
def act(
    code: str, action: str, body: ActionIn, session: SessionDep, actor: CurrentActor, now: Now,
    if_match: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """Run a workflow command. 409 lists the allowed actions when this one is not."""
    case = svc.get_case(session, actor, code)
    expected = body.expected_version if body.expected_version is not None else _if_match(if_match)
    params = present.params_for(action, body.model_dump(), session, actor.city_id)
    svc.perform(session, case, actor, action, now=now, params=params, expected_version=expected)
    return present.case_dict(session, case, actor, now, events=True)


@router.get("/workflow")
def workflow_table() -> dict[str, Any]:
    """The workflow table: statuses, actions and who may take them; and its diagram."""
    return {
        "statuses": [{"status": s.value, "label_zh": workflow.STATUS_ZH[s]} for s in workflow.Status],
        "transitions": [{"from": t.source.value, "action": t.action.value, "to": t.target.value,
                         "roles": sorted(r.value for r in t.roles)} for t in workflow.TABLE],
        "mermaid": workflow.mermaid(),
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
        q = q.where(SupervisionNotice.replied_at.is_(None))
    rows = session.scalars(q.order_by(SupervisionNotice.reply_due_at).limit(limit)).all()
    return [present.notice_dict(session, n, now) for n in rows]


@router.post("/notices/{notice_id}/reply", response_model=NoticeRead)
def reply_notice(notice_id: int, body: NoticeReply, session: SessionDep, actor: CurrentActor,
                 now: Now) -> dict[str, Any]:
    notice = _notice(session, actor, notice_id)
    svc.reply_notice(session, notice, actor, reply=body.reply, now=now)
    return present.notice_dict(session, notice, now)
