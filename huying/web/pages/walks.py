"""Inspection walks on a phone (行走, 四不两直): the walk log (my walks and the walks under way
or ended within my scope, with the figures of my node), plan a walk, the walk itself (start,
record a problem on the spot, end) and the problem form (what, where: the phone's location or
a tap on the map, a photo; fixed on the spot with its evidence, or put on a ledger). Thin:
parse, call :mod:`huying.contact.walk_service` (whose one rule decides who sees a walk's
destination), render."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from huying.cases.attachments import Upload
from huying.config import get_settings
from huying.contact import walk_service as ws
from huying.contact.walk_models import WalkOutcome
from huying.deps import SessionDep
from huying.errors import InvalidInput, NotVisible
from huying.geo.models import Node
from huying.http.clock import Now
from huying.metrics.period import parse_period
from huying.orgs.actor import Actor
from huying.web import downloads, tables
from huying.web.deps import PageActor
from huying.web.maps import map_config
from huying.web.pages.common import errors_of, parse_day, parse_float, see_other
from huying.web.templating import render, request_lang

router = APIRouter()

#: The walks the walk log lists (the latest first), on the page and in its download.
WALKS_LISTED = 200
WalkId = Path(ge=1, le=2**31 - 1)
OUTCOMES = [o.value for o in WalkOutcome]


async def _photo(photo: UploadFile | None) -> tuple[Upload, ...]:
    if photo is None or not photo.filename:
        return ()
    limit = get_settings().max_attachment_bytes
    return (Upload(photo.filename, await photo.read(limit + 1)),)


@router.get("/walks", response_class=HTMLResponse)
def walk_log(request: Request, session: SessionDep, actor: PageActor, now: Now,
             period: str = Query("quarter", max_length=10), from_: str = Query("", alias="from", max_length=10),
             planned: str = Query("", max_length=10), table: str = Query("", max_length=10)) -> Response:
    """行走记录: my walks, the walks within my scope, and my node's walk figures."""
    ws.check_reader(actor)
    kind = downloads.wanted(request)
    which = tables.choose(table, tables.WALK_TABLES) if kind else ""
    _, views = ws.list_walks(session, actor, limit=WALKS_LISTED)
    node = session.scalar(select(Node).where(Node.path == actor.node_path, Node.city_id == actor.city_id))
    if node is None:
        raise NotVisible("your account has no node")
    per = parse_period(period, from_, now=now)
    fig = ws.figures(session, actor, node, per)
    if kind:
        lang = request_lang(request)
        stem = f"walks-{node.code}"
        return downloads.answer(request, kind, lambda: tables.walk_log(views, lang, actor.user_id, stem)
                                if which == "log" else tables.walk_figures(fig, lang, stem), now)
    return render(request, "walks.html", {
        "views": views, "fig": fig, "period": per, "may_plan": actor.role in ws.PLANNERS,
        "my_id": actor.user_id, "planned": planned == "1"})


def _plan_form(request: Request, session: SessionDep, actor: Actor, values: dict[str, str],
               errors: dict[str, str], now: dt.datetime, status_code: int = 200) -> HTMLResponse:
    values.setdefault("planned_on", ws.today(now).isoformat())
    return render(request, "walk_form.html", {"nodes": ws.destinations(session, actor), "values": values,
                                              "errors": errors, "min_day": ws.today(now).isoformat()},
                  status_code=status_code)


@router.get("/walks/new", response_class=HTMLResponse)
def plan_form(request: Request, session: SessionDep, actor: PageActor, now: Now) -> Response:
    ws.check_planner(actor)
    return _plan_form(request, session, actor, {}, {}, now)


@router.post("/walks", response_class=HTMLResponse)
def plan(request: Request, session: SessionDep, actor: PageActor, now: Now,
         node: Annotated[str, Form(max_length=60)] = "", grid: Annotated[str, Form(max_length=60)] = "",
         planned_on: Annotated[str, Form(max_length=20)] = "",
         place: Annotated[str, Form()] = "") -> Response:
    """Plan a walk from the form (a grid code, when given, is the destination)."""
    values = {"node": node, "grid": grid, "planned_on": planned_on, "place": place}
    try:
        walk = ws.plan(session, actor, node=grid.strip() or node, planned_on=parse_day(planned_on, "planned_on"),
                       place=place, now=now)
    except InvalidInput as exc:
        session.rollback()
        return _plan_form(request, session, actor, values, errors_of(exc), now, status_code=422)
    return see_other(f"/walks/{walk.id}?planned=1")


@router.get("/walks/{walk_id}", response_class=HTMLResponse)
def walk_page(request: Request, session: SessionDep, actor: PageActor, walk_id: int = WalkId,
              planned: str = Query("", max_length=10), recorded: str = Query("", max_length=30)) -> Response:
    view = ws.get_walk(session, actor, walk_id)
    mine = view.walk.planner_id == actor.user_id
    return render(request, "walk.html", {"v": view, "allowed": ws.allowed(view.walk) if mine else [],
                                         "planned": planned == "1", "recorded": recorded})


@router.post("/walks/{walk_id}/start", response_class=HTMLResponse)
def start(session: SessionDep, actor: PageActor, now: Now, walk_id: int = WalkId) -> Response:
    ws.start(session, actor, walk_id, now=now)
    return see_other(f"/walks/{walk_id}")


@router.post("/walks/{walk_id}/end", response_class=HTMLResponse)
def end(session: SessionDep, actor: PageActor, now: Now, walk_id: int = WalkId) -> Response:
    ws.end(session, actor, walk_id, now=now)
    return see_other(f"/walks/{walk_id}")


def _problem_form(request: Request, session: SessionDep, actor: Actor, walk_id: int, values: dict[str, str],
                  errors: dict[str, str], now: dt.datetime, status_code: int = 200) -> HTMLResponse:
    view = ws.get_walk(session, actor, walk_id)
    values.setdefault("outcome", WalkOutcome.FIXED_ON_SPOT.value)
    values.setdefault("due", (ws.today(now) + dt.timedelta(days=15)).isoformat())
    return render(request, "walk_problem.html", {
        "v": view, "values": values, "errors": errors, "outcomes": OUTCOMES,
        "min_due": (ws.today(now) + dt.timedelta(days=1)).isoformat(), "map_config": map_config(session)},
        status_code=status_code)


@router.get("/walks/{walk_id}/problem", response_class=HTMLResponse)
def problem_form(request: Request, session: SessionDep, actor: PageActor, now: Now,
                 walk_id: int = WalkId) -> Response:
    ws.under_way(session, actor, walk_id)
    return _problem_form(request, session, actor, walk_id, {}, {}, now)


@router.post("/walks/{walk_id}/problems", response_class=HTMLResponse)
async def record_problem(
    request: Request, session: SessionDep, actor: PageActor, now: Now,
    what: Annotated[str, Form()] = "", outcome: Annotated[str, Form(max_length=20)] = "",
    lon: Annotated[str, Form(max_length=30)] = "", lat: Annotated[str, Form(max_length=30)] = "",
    address: Annotated[str, Form()] = "", evidence: Annotated[str, Form()] = "",
    plan: Annotated[str, Form()] = "", due: Annotated[str, Form(max_length=20)] = "",
    photo: Annotated[UploadFile | None, File()] = None,
    evidence_photo: Annotated[UploadFile | None, File()] = None,
    walk_id: int = WalkId,
) -> Response:
    """Record a problem found on the walk: the same command as ``POST /api/v1/walks/{id}/problems``."""
    values = {"what": what, "outcome": outcome, "lon": lon, "lat": lat, "address": address,
              "evidence": evidence, "plan": plan, "due": due}
    try:
        fixed = outcome == WalkOutcome.FIXED_ON_SPOT.value
        data = ws.ProblemIn(
            what=what, outcome=outcome, lon=parse_float(lon, "location"), lat=parse_float(lat, "location"),
            address=address, photos=await _photo(photo), evidence=evidence if fixed else "",
            evidence_photos=await _photo(evidence_photo) if fixed else (), plan=plan if not fixed else "",
            due=parse_day(due, "due") if not fixed else None)
        _, case = ws.record_problem(session, actor, walk_id, data, now=now)
    except InvalidInput as exc:
        session.rollback()
        return _problem_form(request, session, actor, walk_id, values, errors_of(exc), now, status_code=422)
    return see_other(f"/walks/{walk_id}?recorded={case.code}")
