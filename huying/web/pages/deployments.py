"""Deployments (下沉) on the web: the list (and a new one, for officers), a deployment's
roster by grid (team, members, the local member marked, checked in or not; CSV and XLSX
export; end), and "my team" on a deployed member's phone with its check-in button. Thin:
parse, call :mod:`huying.contact.deploy_service` (who may do what is written there), render."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from huying.contact import deploy_service as ds
from huying.contact.deploy_routes import DeploymentId
from huying.deps import SessionDep
from huying.errors import InvalidInput
from huying.geo.models import Level, Node
from huying.http import sheets
from huying.http.clock import Now
from huying.orgs.actor import Actor
from huying.web import downloads, i18n, tables
from huying.web.deps import PageActor
from huying.web.pages.common import parse_float, see_other
from huying.web.templating import render, request_lang

router = APIRouter()
_ = i18n.gettext_

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Up to this many grids a roster shows every member; beyond, a list of its grids (each a
#: link to its own roster): a phone does not scroll through hundreds of teams.
GRIDS_IN_FULL = 4


@router.get("/deployments", response_class=HTMLResponse)
def deployments(request: Request, session: SessionDep, actor: PageActor, now: Now,
                created: str = Query("", max_length=10)) -> Response:
    """The deployments I see, newest first; my team, when I am deployed."""
    kind = downloads.wanted(request)
    total, rows = ds.list_deployments(session, actor, limit=200)
    if kind:
        return downloads.answer(request, kind, lambda: tables.deployments(rows, request_lang(request), "deployments"),
                                now)
    return render(request, "deployments.html", {
        "rows": rows, "total": total, "mine": ds.my_teams(session, actor, now=now),
        "can_create": actor.role in ds.MANAGE_ROLES, "officer": actor.role in ds.READ_ROLES})


def _nodes(session: SessionDep, actor: Actor) -> list[Node]:
    """The nodes an officer may deploy over: their own and the towns under it."""
    own = session.scalar(select(Node).where(Node.city_id == actor.city_id, Node.path == actor.node_path))
    towns = list(session.scalars(select(Node).where(Node.city_id == actor.city_id, Node.level == Level.TOWN.value,
                                                    Node.path.startswith(actor.node_path)).order_by(Node.code)))
    return ([own] if own is not None and own.level != Level.TOWN.value else []) + towns


def _new(request: Request, session: SessionDep, actor: Actor, values: dict[str, Any], errors: dict[str, str],
         status_code: int = 200) -> HTMLResponse:
    ds.check_creator(actor)
    return render(request, "deployment_new.html", {"nodes": _nodes(session, actor), "values": values,
                                                   "errors": errors}, status_code=status_code)


@router.get("/deployments/new", response_class=HTMLResponse)
def new_form(request: Request, session: SessionDep, actor: PageActor) -> Response:
    return _new(request, session, actor, {}, {})


@router.post("/deployments", response_class=HTMLResponse)
def create(request: Request, session: SessionDep, actor: PageActor, now: Now,
           node: Annotated[str, Form(max_length=60)] = "", name: Annotated[str, Form(max_length=200)] = "",
           reason: Annotated[str, Form(max_length=2000)] = "", teams: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Deploy from the form: the same command as ``POST /api/v1/deployments``."""
    values = {"node": node, "name": name, "reason": reason, "teams": teams}
    try:
        n_teams = None
        if teams.strip():
            if not teams.strip().isdigit():
                raise InvalidInput("a whole number", "teams")
            n_teams = int(teams)
        dep = ds.create(session, actor, ds.DeploymentIn(node=node, name=name, reason=reason, teams=n_teams), now=now)
    except InvalidInput as exc:
        return _new(request, session, actor, values, {exc.field or "form": str(exc)}, status_code=422)
    return see_other(f"/deployments/{dep.id}")


@router.get("/deployments/mine", response_class=HTMLResponse)
def mine(request: Request, session: SessionDep, actor: PageActor, now: Now,
         done: str = Query("", max_length=10)) -> Response:
    """My team (a deployed member, on the phone): the grid, my teammates, the check-in button."""
    ds.check_reader(actor)
    return render(request, "deployment_mine.html", {"mine": ds.my_teams(session, actor, now=now),
                                                    "done": done if done in ("1", "again") else ""})


@router.post("/deployments/{deployment_id}/checkin", response_class=HTMLResponse)
def check_in(request: Request, session: SessionDep, actor: PageActor, now: Now, deployment_id: DeploymentId,
             note: Annotated[str, Form(max_length=2000)] = "", lon: Annotated[str, Form(max_length=30)] = "",
             lat: Annotated[str, Form(max_length=30)] = "") -> Response:
    """Check in from "my team": the same command as ``POST /api/v1/deployments/{id}/checkins``
    (the phone's point when the person allowed it)."""
    point = ds.CheckInIn(parse_float(lon, "lon"), parse_float(lat, "lat"), note)
    done = ds.check_in(session, actor, deployment_id, point, now=now)
    return see_other("/deployments/mine?done=" + ("again" if done.replayed else "1"))


@router.get("/deployments/{deployment_id}", response_class=HTMLResponse)
def roster(request: Request, session: SessionDep, actor: PageActor, now: Now, deployment_id: DeploymentId,
           grid: str = Query("", max_length=30)) -> Response:
    """A deployment's roster, grid by grid (the grids in my scope; a member their team)."""
    r = ds.roster(session, actor, deployment_id, now=now, grid=grid or None)
    by_grid: list[tuple[Any, list[ds.TeamRow]]] = []
    for t in r.teams:
        if by_grid and by_grid[-1][0].id == t.grid.id:
            by_grid[-1][1].append(t)
        else:
            by_grid.append((t.grid, [t]))
    return render(request, "deployment.html", {"r": r, "by_grid": by_grid, "grid": grid,
                                               "active": r.deployment.status == "active",
                                               "members_shown": bool(grid) or len(by_grid) <= GRIDS_IN_FULL})


def headers() -> dict[str, str]:
    """The roster's columns in the request's language (keys: ``ds.HEADERS``)."""
    return {"team": _("Team"), "town": _("Town"), "community": _("Community"), "grid": _("Grid"),
            "member": _("Staff member"), "organisation": _("Organisation"), "phone": _("Phone"),
            "local": _("Local member"), "distance_km": _("Distance (km)"), "checkins": _("Check-ins"),
            "last_checkin": _("Last check-in")}


def _export(request: Request, session: SessionDep, actor: Actor, now: Any, deployment_id: DeploymentId, grid: str,
            kind: str) -> Response:
    r = ds.roster(session, actor, deployment_id, now=now, grid=grid or None)
    lang = request_lang(request)
    with i18n.active(lang):
        table = ds.roster_table(r, lang, headers(), {"yes": _("Yes"), "no": ""})
    name = f"deployment-{deployment_id}" + (f"-{grid}" if grid else "")
    body, media = ((sheets.csv_bytes(table), "text/csv; charset=utf-8") if kind == "csv"
                   else (sheets.xlsx_bytes(table, ds.WIDTHS), XLSX))
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{name}.{kind}"', "Cache-Control": "private, no-store",
        "X-Rows": str(len(table[1]))})


@router.get("/deployments/{deployment_id}/roster.csv")
def roster_csv(request: Request, session: SessionDep, actor: PageActor, now: Now, deployment_id: DeploymentId,
               grid: str = Query("", max_length=30)) -> Response:
    """The roster as CSV for Excel (UTF-8 with a BOM), in my language."""
    return _export(request, session, actor, now, deployment_id, grid, "csv")


@router.get("/deployments/{deployment_id}/roster.xlsx")
def roster_xlsx(request: Request, session: SessionDep, actor: PageActor, now: Now, deployment_id: DeploymentId,
                grid: str = Query("", max_length=30)) -> Response:
    """The roster as an XLSX workbook, in my language."""
    return _export(request, session, actor, now, deployment_id, grid, "xlsx")


@router.post("/deployments/{deployment_id}/end", response_class=HTMLResponse)
def end(request: Request, session: SessionDep, actor: PageActor, now: Now, deployment_id: DeploymentId) -> Response:
    ds.end(session, actor, deployment_id, now=now)
    return see_other(f"/deployments/{deployment_id}")
