"""Resident-point contact on a phone (驻点联系): 我的走访户 (a cadre's households, overdue and
due first, a big 走访 button each), the visit form, and coverage of a node for officers. The form is sent by ``js/visit.js``
(which keeps a draft in the browser when the network drops, and sends it once when it is
back, under the same idempotency key) or as a plain post. Thin: parse, call
:mod:`huying.contact.visit_service`, render."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select

from huying.cases.attachments import Upload
from huying.cases.policy import check_node
from huying.contact import visit_service as vs
from huying.contact import visits
from huying.contact.models import ContactKind, Need, VisitHow
from huying.deps import SessionDep
from huying.errors import InvalidInput, NotVisible
from huying.geo import service as geo
from huying.geo.models import Level, Node
from huying.http import idempotency
from huying.http.clock import Now
from huying.metrics.period import Period, parse_period
from huying.orgs.actor import Actor
from huying.web import downloads, tables
from huying.web.deps import PageActor
from huying.web.maps import map_config
from huying.web.pages.common import see_other
from huying.web.templating import render, request_lang

router = APIRouter()

NEEDS = [n.value for n in Need]
HOWS = [h.value for h in VisitHow]


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


@router.get("/visits", response_class=HTMLResponse)
def my_households(request: Request, session: SessionDep, actor: PageActor, now: Now,
                  done: str = Query("", max_length=10)) -> Response:
    """我的走访户: the households assigned to me, overdue and due first."""
    vs.check_reader(actor, "households to visit")
    rows = vs.my_households(session, actor, now=now)
    return render(request, "visits.html", {"rows": rows, "done": done == "1",
                                                 "cycle_days": visits.cycle_days(),
                                                 "show_coverage": actor.role in vs.READ_ROLES,
                                                 "show_assign": actor.role in vs.SCOPE_ROLES})


def _form(request: Request, session: SessionDep, actor: Actor, code: str, values: dict[str, Any],
          errors: dict[str, str], status_code: int = 200, kind: ContactKind = ContactKind.HOUSEHOLD) -> HTMLResponse:
    target, head = vs.target_for_visit(session, actor, code, kind)
    values.setdefault("key", uuid.uuid4().hex)
    return render(request, "visit_form.html", {"target": target, "head": head, "values": values, "errors": errors,
                                               "needs": NEEDS, "hows": HOWS}, status_code=status_code)


@router.get("/visits/new", response_class=HTMLResponse)
def visit_form(request: Request, session: SessionDep, actor: PageActor,
               household: str = Query("", max_length=30), unit: str = Query("", max_length=30)) -> Response:
    """The phone form of a visit to a household (``household``) or an enterprise (``unit``)."""
    if bool(household) == bool(unit):
        raise InvalidInput("name either a household or an enterprise", "household")
    if unit:
        return _form(request, session, actor, unit, {"how": "door"}, {}, kind=ContactKind.UNIT)
    return _form(request, session, actor, household, {"how": "door"}, {})


@router.post("/visits", response_class=HTMLResponse)
async def record_visit(
    request: Request, session: SessionDep, actor: PageActor, now: Now,
    household: Annotated[str, Form(max_length=30)] = "", unit: Annotated[str, Form(max_length=30)] = "",
    how: Annotated[str, Form(max_length=20)] = "",
    notes: Annotated[str, Form()] = "", needs: Annotated[list[str] | None, Form()] = None,
    problem: Annotated[str, Form()] = "", key: Annotated[str, Form(max_length=300)] = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Record a visit from the phone form: the same command as ``POST /api/v1/visits``,
    once per the form's idempotency key (``key``)."""
    values = {"household": household, "unit": unit, "how": how, "notes": notes, "needs": needs or [], "problem": problem,
              "key": key}
    photos: tuple[Upload, ...] = ()
    if photo is not None and photo.filename:
        photos = (Upload(photo.filename, await photo.read()),)
    data = vs.VisitIn(household=household, unit=unit, how=how, notes=notes, needs=tuple(needs or ()),
                      problems=(vs.ProblemIn(problem, photos),) if problem.strip() else ())
    try:
        checked = idempotency.check_key(key or None)
        digest = idempotency.fingerprint("visits", household, *([unit] if unit else []), how, notes,
                                         sorted(needs or []), problem)
        rec = vs.record_visit(session, actor, data, now=now, key=checked, digest=digest)
    except InvalidInput as exc:
        field = exc.field or "form"
        if field.startswith("problems"):
            field = "problem"
        if _wants_json(request):
            shown = render(request, "_visit_errors.html", {"errors": {field: str(exc)}}).body
            return JSONResponse({"error": "invalid", "field": field, "detail": str(exc),
                                 "html": bytes(shown).decode()}, status_code=422)
        if bool(household) == bool(unit):
            raise
        return _form(request, session, actor, household or unit, values, {field: str(exc)}, status_code=422,
                     kind=ContactKind.UNIT if unit else ContactKind.HOUSEHOLD)
    if _wants_json(request):
        return JSONResponse({"id": rec.visit.id, "replayed": rec.replayed,
                             "cases": [c.code for c in rec.cases]}, status_code=200 if rec.replayed else 201)
    return see_other("/visits?done=1")


def _coverage_of(session: SessionDep, actor: Actor, node: str, period: str, from_: str, to: str,
                 now: Any) -> tuple[Node, Period]:
    vs.check_reader(actor, "visit coverage")
    target = geo.get_node(session, actor.city_id, node) if node else session.scalar(
        select(Node).where(Node.path == actor.node_path, Node.city_id == actor.city_id))
    if target is None:
        raise NotVisible("your account has no node")
    check_node(actor, target.path, "visit coverage")
    return target, parse_period(period, from_, to, now=now)


@router.get("/visits/coverage", response_class=HTMLResponse)
def coverage_page(request: Request, session: SessionDep, actor: PageActor, now: Now,
                  node: str = Query("", max_length=60), period: str = Query("quarter", max_length=10),
                  from_: str = Query("", alias="from", max_length=10),
                  to: str = Query("", max_length=10), table: str = Query("", max_length=10)) -> Response:
    """Visit coverage of a node (default: mine) in a period, per child node and per cadre,
    and the map of the households not visited in it."""
    kind = downloads.wanted(request)
    target, per = _coverage_of(session, actor, node, period, from_, to, now)
    cov = vs.coverage(session, actor, target, per, now=now)
    if kind:
        which = tables.choose(table, tables.COVERAGE_TABLES)
        return downloads.answer(request, kind, lambda: tables.coverage(
            cov, which, request_lang(request), f"coverage-{target.code}"), now)
    return render(request, "visit_coverage.html", {
        "cov": cov, "period": per, "period_query": per.query(), "scale": visits.COVERAGE_SCALE,
        "map_config": map_config(session), "shows_households": target.level in HOUSEHOLD_LEVELS})


#: The levels whose coverage map shows each unvisited household.
HOUSEHOLD_LEVELS = frozenset({Level.COMMUNITY.value, Level.GRID.value})


@router.get("/web/visits/map.json")
def coverage_map(session: SessionDep, actor: PageActor, now: Now, node: str = Query("", max_length=60),
                 period: str = Query("quarter", max_length=10),
                 from_: str = Query("", alias="from", max_length=10),
                 to: str = Query("", max_length=10)) -> Response:
    """Per grid under the node: households assigned, visited in the period and not, with the
    class of the coverage scale; and the unvisited households' points (staff within scope)."""
    target, per = _coverage_of(session, actor, node, period, from_, to, now)
    cov = vs.coverage(session, actor, target, per, now=now)
    codes = dict(session.execute(select(Node.path, Node.code).where(
        Node.city_id == actor.city_id, Node.path.in_(list(cov.by_grid)))).all())
    items = {codes[p]: {"assigned": t.assigned, "visited": t.visited, "unvisited": t.assigned - t.visited,
                        "overdue": t.overdue, "grade": visits.grade(t.assigned, t.assigned - t.visited)}
             for p, t in cov.by_grid.items() if p in codes}
    # the households themselves from a community down; above, the grids' colours say enough
    households, more = (vs.unvisited(session, actor, target, per, now=now)
                        if target.level in HOUSEHOLD_LEVELS else ([], False))
    return JSONResponse({
        "node": target.code, "items": items, "more": more,
        "scale": [{"key": g.key, "colour": g.colour} for g in visits.COVERAGE_SCALE],
        "households": [{"code": h.code, "address": h.address, "grid": h.grid, "lon": round(h.lon, 6),
                        "lat": round(h.lat, 6), "overdue": h.overdue} for h in households],
    }, headers={"Cache-Control": "private, no-store"})


def _assign_page(request: Request, session: SessionDep, actor: Actor, target: Node, now: Any, *,
                 done: int | None = None, error: str | None = None, chosen: tuple[str, ...] = (),
                 cadre: str = "", status_code: int = 200) -> HTMLResponse:
    rows = vs.households_of(session, actor, target, now=now) if target.level in HOUSEHOLD_LEVELS else []
    units = vs.units_of(session, actor, target, now=now) if target.level in HOUSEHOLD_LEVELS else []
    children = list(session.scalars(select(Node).where(Node.parent_id == target.id).order_by(Node.code)))
    return render(request, "visit_assign.html", {
        "node": target, "trail": geo.ancestors(session, target), "rows": rows, "units": units, "children": children,
        "cadres": vs.cadres_for(session, actor, target) if rows or units else [], "done": done, "error": error,
        "chosen": set(chosen), "cadre": cadre, "limit": vs.ASSIGN_MAX}, status_code=status_code)


def _assign_node(session: SessionDep, actor: Actor, node: str) -> Node:
    vs.check_assigner(actor)
    target = geo.get_node(session, actor.city_id, node) if node else session.scalar(
        select(Node).where(Node.path == actor.node_path, Node.city_id == actor.city_id))
    if target is None:
        raise NotVisible("your account has no node")
    check_node(actor, target.path, "households")
    return target


@router.get("/visits/assign", response_class=HTMLResponse)
def assign_page(request: Request, session: SessionDep, actor: PageActor, now: Now,
                node: str = Query("", max_length=60), done: int | None = Query(None, ge=0, le=10_000)) -> Response:
    """分配走访户: an officer gives the households of a grid or community to cadres."""
    return _assign_page(request, session, actor, _assign_node(session, actor, node), now, done=done)


@router.post("/visits/assign", response_class=HTMLResponse)
def assign_households(request: Request, session: SessionDep, actor: PageActor, now: Now,
                      node: Annotated[str, Form(max_length=60)],
                      cadre: Annotated[str, Form(max_length=60)] = "",
                      households: Annotated[list[str] | None, Form()] = None,
                      units: Annotated[list[str] | None, Form()] = None) -> Response:
    target = _assign_node(session, actor, node)
    chosen = (*(households or ()), *(units or ()))
    try:
        n = vs.assign_many(session, actor, households or (), cadre, now=now, unit_codes=units or ())
    except InvalidInput as exc:
        return _assign_page(request, session, actor, target, now, error=exc.field or "form", chosen=chosen,
                            cadre=cadre, status_code=422)
    return see_other(f"/visits/assign?node={target.code}&done={n}")
