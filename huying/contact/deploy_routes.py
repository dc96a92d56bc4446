"""HTTP JSON endpoints of deployments (下沉): create one over a node, list them, a roster
(of a deployment or one grid) as JSON, CSV or XLSX, my team, check in, end. Thin: parse,
call :mod:`huying.contact.deploy_service` (which decides who may do what), present."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as FPath

from huying.contact import deploy_service as ds
from huying.contact.deploy_schemas import (
    CheckInCreate,
    CheckInRead,
    DeploymentCreate,
    DeploymentPage,
    DeploymentRead,
    RosterRead,
    checkin_dict,
    deployment_dict,
    roster_dict,
)
from huying.deps import SessionDep
from huying.http import sheets
from huying.http.clock import Now
from huying.http.errors import reject_nul_body
from huying.http.pagination import paginate
from huying.orgs.auth import CurrentActor

router = APIRouter(prefix="/api/v1/deployments", tags=["deployments"], dependencies=[Depends(reject_nul_body)])

#: A deployment's number in a path (a 32-bit integer: larger ones name nothing).
DeploymentId = Annotated[int, FPath(ge=1, le=2**31 - 1)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("", response_model=DeploymentRead, status_code=201)
def create(body: DeploymentCreate, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    """Deploy the staff available over a node to its grids as three-person teams (town and
    city officers and administrators, within their scope): teams by grid population, each
    with a local member, total travel minimised (certified)."""
    dep = ds.create(session, actor, ds.DeploymentIn(node=body.node, name=body.name, reason=body.reason,
                                                    teams=body.teams, started_at=body.started_at), now=now)
    r = ds.roster(session, actor, dep.id, now=now)
    return deployment_dict(dep, r.node, r.manage, r.figures)


@router.get("", response_model=DeploymentPage)
def deployments(request: Request, response: Response, session: SessionDep, actor: CurrentActor,
                status: str | None = Query(None, max_length=10, description="active or ended"),
                limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10_000_000)) -> dict[str, Any]:
    """The deployments you see (over or within your scope, or with you in a team), newest first."""
    total, rows = ds.list_deployments(session, actor, status=status, limit=limit, offset=offset)
    paginate(request, response, total, limit, offset)
    return {"total": total, "items": [{"id": x.deployment.id, "name": x.deployment.name, "node": x.node.code,
                                       "node_name": x.node.name_zh, "status": x.deployment.status,
                                       "started_at": x.deployment.started_at, "ended_at": x.deployment.ended_at,
                                       "teams": x.teams, "staff": x.staff, "mine": x.mine} for x in rows]}


@router.get("/mine", response_model=list[RosterRead])
def mine(session: SessionDep, actor: CurrentActor, now: Now) -> list[dict[str, Any]]:
    """Your team in each active deployment (empty when you are not deployed)."""
    return [roster_dict(r) for r in ds.my_teams(session, actor, now=now)]


@router.get("/{deployment_id}", response_model=RosterRead)
def roster(session: SessionDep, actor: CurrentActor, now: Now, deployment_id: DeploymentId,
           grid: str | None = Query(None, max_length=30, description="Only this grid's teams.")) -> dict[str, Any]:
    """A deployment and its roster: the teams of the grids in your scope (a member: their
    own team), each member with their check-ins; figures of those teams."""
    return roster_dict(ds.roster(session, actor, deployment_id, now=now, grid=grid))


Lang = Query("zh", pattern="^(zh|en)$", description="The names' language: zh or en (the columns are English).")


def _export(session: SessionDep, actor: CurrentActor, now: Now, deployment_id: DeploymentId, grid: str | None,
            kind: str, lang: str) -> Response:
    r = ds.roster(session, actor, deployment_id, now=now, grid=grid)
    table = ds.roster_table(r, lang)
    name = f"deployment-{deployment_id}" + (f"-{grid}" if grid else "")
    if kind == "csv":
        body, media = sheets.csv_bytes(table), "text/csv; charset=utf-8"
    else:
        body, media = sheets.xlsx_bytes(table, ds.WIDTHS), XLSX
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}.{kind}"'})


@router.get("/{deployment_id}/roster.csv", response_class=Response)
def roster_csv(session: SessionDep, actor: CurrentActor, now: Now, deployment_id: DeploymentId,
               grid: str | None = Query(None, max_length=30), lang: str = Lang) -> Response:
    """The roster as CSV (UTF-8 with a BOM): one row per member, names not codes, phones masked."""
    return _export(session, actor, now, deployment_id, grid, "csv", lang)


@router.get("/{deployment_id}/roster.xlsx", response_class=Response)
def roster_xlsx(session: SessionDep, actor: CurrentActor, now: Now, deployment_id: DeploymentId,
                grid: str | None = Query(None, max_length=30), lang: str = Lang) -> Response:
    """The roster as an Excel workbook: the same rows as the CSV."""
    return _export(session, actor, now, deployment_id, grid, "xlsx", lang)


@router.post("/{deployment_id}/checkins", response_model=CheckInRead, status_code=201)
def check_in(body: CheckInCreate, session: SessionDep, actor: CurrentActor, now: Now, response: Response,
             deployment_id: DeploymentId) -> dict[str, Any]:
    """Check in to your team (a deployed member): once a day; a repeat that day returns the
    first check-in (200, ``Idempotent-Replayed: true``)."""
    done = ds.check_in(session, actor, deployment_id, ds.CheckInIn(body.lon, body.lat, body.note), now=now)
    if done.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return checkin_dict(done.checkin, deployment_id, ds.team_number(session, done.checkin.team_id))


@router.post("/{deployment_id}/end", response_model=DeploymentRead)
def end(session: SessionDep, actor: CurrentActor, now: Now, deployment_id: DeploymentId) -> dict[str, Any]:
    """End a deployment (its officers, within scope): no check-ins after it; the rosters stay."""
    ds.end(session, actor, deployment_id, now=now)
    r = ds.roster(session, actor, deployment_id, now=now)
    return deployment_dict(r.deployment, r.node, r.manage, r.figures)
