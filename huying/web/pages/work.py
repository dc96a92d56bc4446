"""The staff workbench: the queue of my node and role in tabs, with filters and search
(the list alone is an htmx fragment); supervision notices to answer; the ledger per node."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from huying.cases.policy import covers_node
from huying.cases.workflow import Status
from huying.deps import SessionDep
from huying.geo import service as geo
from huying.geo.models import Node
from huying.http.clock import Now
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation, Role
from huying.web import queries
from huying.web.deps import PageActor
from huying.web.pages.common import is_htmx
from huying.web.templating import render

router = APIRouter()
PAGE = 50
STATUSES = [s.value for s in Status if s is not Status.START]


def _forbid_residents(actor: Actor) -> None:
    if actor.role == Role.RESIDENT:
        from huying.errors import NotPermitted

        raise NotPermitted("the workbench is for staff")


@router.get("/work", response_class=HTMLResponse)
def workbench(request: Request, session: SessionDep, actor: PageActor, t: Now, tab: str = "",
              q: str = "", status: str = "", page: int = 1) -> Response:
    _forbid_residents(actor)
    tabs = queries.tabs_for(actor)
    if tab not in tabs:
        tab = tabs[0]
    if status not in STATUSES:
        status = ""
    page = max(1, min(page, 10_000))
    rows, total = queries.queue(session, actor, tab, t, search=q[:100], status=status,
                                limit=PAGE, offset=(page - 1) * PAGE)
    ctx: dict[str, Any] = {
        "tab": tab, "tabs": tabs, "q": q[:100], "status": status, "statuses": STATUSES,
        "rows": rows, "total": total, "page": page, "pages": max(1, -(-total // PAGE)), "now": t,
    }
    if is_htmx(request) and request.headers.get("hx-target") == "queue":
        return render(request, "_queue.html", ctx)
    ctx["counts"] = queries.tab_counts(session, actor, t)
    return render(request, "work.html", ctx)


#: Supervision notices per page.
NOTICE_PAGE = 20


def notices_page(request: Request, session: SessionDep, actor: Actor, t: dt.datetime, *,
                 errors: dict[int, dict[str, str]] | None = None, status_code: int = 200) -> HTMLResponse:
    """The notices in the actor's scope, filtered by state and unit (the query string), a
    page at a time; each names its issuer, its reply form folded away."""
    params = request.query_params
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
    here = _node_in_scope(session, actor, node)
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
    from huying.errors import NotPermitted, NotVisible

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
