"""The staff workbench: the work list of my node and role (``huying.web.worklist``: tabs as
presets, filters in the URL, paging, sorting; the list alone is an htmx fragment), its CSV
and XLSX exports and the pickers of its filters; supervision notices to answer; the ledger
per node."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases.policy import covers_node
from huying.cityconfig import deadlines
from huying.deps import SessionDep
from huying.errors import NotPermitted, NotVisible
from huying.geo import service as geo
from huying.geo.models import Node
from huying.http.clock import Now
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation, is_staff
from huying.web import downloads, export, pick, queries, tables
from huying.web import worklist as wl
from huying.web.deps import PageActor
from huying.web.pages.common import is_htmx
from huying.web.templating import render, request_lang

router = APIRouter()


def _forbid_residents(actor: Actor) -> None:
    if not is_staff(actor.role):
        raise NotPermitted("the workbench is for staff")


def _invalid(request: Request, exc: wl.FilterError) -> HTMLResponse:
    """A filter that cannot be used: the reason in words, and the way back (400). To the
    filter form's own request (htmx, which leaves the list as it was on an error status),
    the list's place with the reason in it."""
    ctx = {"field": exc.field, "reason": exc.reason, "export_max": wl.EXPORT_MAX}
    if _wants_list(request):
        return render(request, "_queue_invalid.html", ctx)
    return render(request, "work_invalid.html", ctx, status_code=400)


def _wants_list(request: Request) -> bool:
    return is_htmx(request) and request.headers.get("hx-target") == "queue"


@router.get("/work", response_class=HTMLResponse)
def workbench(request: Request, session: SessionDep, actor: PageActor, t: Now) -> Response:
    _forbid_residents(actor)
    try:
        f, scope = wl.load(session, actor, request.query_params, t)
    except wl.FilterError as exc:
        return _invalid(request, exc)
    rows, total = wl.page_of(session, actor, f, scope, t)
    ctx: dict[str, Any] = {
        "f": f, "scope": scope, "figure": scope.drill, "tab": f.tab, "tabs": wl.tabs_for(actor),
        "rows": rows, "total": total, "page": f.page, "pages": max(1, -(-total // wl.PAGE)), "now": t,
        "export_max": wl.EXPORT_MAX, "span": export.span, "duration": export.duration,
        "statuses": wl.STATUSES, "channels": wl.CHANNELS,
    }
    if _wants_list(request):
        return render(request, "_queue.html", ctx)
    ctx["counts"] = wl.tab_counts(session, actor, t)
    ctx["categories"] = queries.category_choices(session, actor.city_id)
    return render(request, "work.html", ctx)


def _export(request: Request, session: Session, actor: Actor, t: dt.datetime, kind: str) -> Response:
    _forbid_residents(actor)
    try:
        f, scope = wl.load(session, actor, request.query_params, t)
        rows = wl.export_rows(session, actor, f, scope, t)
    except wl.FilterError as exc:
        return _invalid(request, exc)
    lang = request_lang(request)
    table = export.table(rows, lang, t)
    stamp = t.astimezone(deadlines.zone()).strftime("%Y%m%d-%H%M")
    if kind == "csv":
        body, media = export.csv_bytes(table), "text/csv; charset=utf-8"
    else:
        body, media = export.xlsx_bytes(table), XLSX
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="worklist-{stamp}.{kind}"',
        "Cache-Control": "private, no-store", "X-Rows": str(len(rows))})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/work/export.csv")
def export_csv(request: Request, session: SessionDep, actor: PageActor, t: Now) -> Response:
    """The work list's rows (every page) as CSV for Excel: UTF-8 with a BOM, names not codes."""
    return _export(request, session, actor, t, "csv")


@router.get("/work/export.xlsx")
def export_xlsx(request: Request, session: SessionDep, actor: PageActor, t: Now) -> Response:
    """The work list's rows (every page) as an XLSX workbook."""
    return _export(request, session, actor, t, "xlsx")


@router.get("/work/nodes")
def node_picker(request: Request, session: SessionDep, actor: PageActor, parent: str = "",
                q: str = "") -> JSONResponse:
    """The node picker's data: the children of ``parent`` (default: the actor's own node,
    itself included), or the nodes in scope whose name contains ``q`` (at most 30), each
    with the names of its places above it."""
    _forbid_residents(actor)
    lang = request_lang(request)
    q = q.strip()[:40]
    if q:
        nodes = pick.search_nodes(session, actor, q)
    else:
        nodes = pick.child_nodes(session, actor, parent.strip()[:20])
    return JSONResponse({"nodes": [pick.node_json(session, n, lang) for n in nodes]})


@router.get("/work/units")
def unit_picker(request: Request, session: SessionDep, actor: PageActor, q: str = "") -> JSONResponse:
    """The unit picker's data: the units whose name contains ``q`` at the actor's node or
    below it (at most 30)."""
    _forbid_residents(actor)
    lang = request_lang(request)
    return JSONResponse({"units": pick.search_units(session, actor, q.strip()[:40], lang)})


#: Supervision notices per page.
NOTICE_PAGE = 20


def notices_page(request: Request, session: SessionDep, actor: Actor, t: dt.datetime, *,
                 errors: dict[int, dict[str, str]] | None = None, status_code: int = 200) -> Response:
    """The notices in the actor's scope, filtered by state and unit (the query string), a
    page at a time; each names its issuer, its reply form folded away."""
    params = request.query_params
    kind = downloads.wanted(request)
    state = params.get("state", "")
    state = state if state in queries.NOTICE_STATES else ""
    units = queries.notice_units(session, actor)
    unit = next((u for u in units if u.code == params.get("unit", "")), None)
    page = int(params["page"]) if params.get("page", "").isdigit() else 1
    page = max(1, min(page, 100_000))
    unit_id = None
    if unit is not None:
        unit_id = session.scalar(select(Organisation.id).where(Organisation.city_id == actor.city_id,
                                                               Organisation.code == unit.code))
    if kind:  # every page of the list, as filtered
        rows, _total = queries.notices_filtered(session, actor, t, state=state, unit_id=unit_id,
                                                limit=downloads.MAX_ROWS)
        views = queries.notice_views(session, actor, rows)
        return downloads.answer(request, kind, lambda: tables.notices(views, request_lang(request), t, "notices"), t)
    rows, total = queries.notices_filtered(session, actor, t, state=state, unit_id=unit_id,
                                           limit=NOTICE_PAGE, offset=(page - 1) * NOTICE_PAGE)
    filters = {k: v for k, v in (("state", state), ("unit", unit.code if unit else "")) if v}
    return render(request, "notices.html", {
        "notices": queries.notice_views(session, actor, rows), "total": total, "page": page,
        "pages": max(1, -(-total // NOTICE_PAGE)), "states": queries.NOTICE_STATES, "state": state,
        "units": units, "unit": unit.code if unit else "", "filters": filters,
        "errors": errors or {}, "now": t,
    }, status_code=status_code)


@router.get("/notices", response_class=HTMLResponse)
def notices(request: Request, session: SessionDep, actor: PageActor, t: Now) -> Response:
    _forbid_residents(actor)
    return notices_page(request, session, actor, t)


@router.get("/ledger", response_class=HTMLResponse)
def ledger(request: Request, session: SessionDep, actor: PageActor, t: Now, node: str = "",
           page: int = Query(1, ge=1, le=100_000)) -> Response:
    """The ledger (台账) of a node: the cases with a plan and milestones under it, open ones
    first, 50 to a page."""
    _forbid_residents(actor)
    kind = downloads.wanted(request)
    here = _node_in_scope(session, actor, node)
    if kind:  # every page of the ledger
        every, _total = queries.ledgers_under(session, actor, here.path, limit=downloads.MAX_ROWS)
        return downloads.answer(request, kind,
                                lambda: tables.ledger(every, request_lang(request), t, f"ledger-{here.code}"), t)
    rows, total = queries.ledgers_under(session, actor, here.path, limit=LEDGER_PAGE,
                                        offset=(page - 1) * LEDGER_PAGE)
    return render(request, "ledger.html", {
        "node": here, "trail": geo.ancestors(session, here),
        "children": geo.children(session, here) if here.level != "grid" else [],
        "rows": rows, "total": total, "page": page, "pages": max(1, -(-total // LEDGER_PAGE)), "now": t,
    })


LEDGER_PAGE = 50


def _node_in_scope(session: SessionDep, actor: Actor, code: str) -> Node:
    """The node asked for (default: the actor's own); outside the scope it is a 403."""
    node: Node | None
    if code:
        try:
            node = geo.get_node(session, actor.city_id, code)
        except geo.NodeNotFound:
            node = None
    else:
        node = session.scalar(select(Node).where(Node.city_id == actor.city_id, Node.path == actor.node_path))
    if node is None:
        raise NotVisible(f"no node {code}")
    if not covers_node(actor, node.path):
        raise NotPermitted("this node is outside your scope")
    return node
