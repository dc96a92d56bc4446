"""The counter of a service centre (一站受理): its staff pick the item (its materials and time
limit shown), say where the resident lives and how to reach them, tick the materials brought
and accept; the page then shows the receipt (the request's code, the office that will handle
it and the date it is due). Thin: parse, call :mod:`huying.community.onestop_service`, render."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from huying.cases.models import Case
from huying.community import onestop_service as onestop
from huying.deps import SessionDep
from huying.errors import InvalidInput, NotVisible
from huying.http.clock import Now
from huying.orgs.actor import Actor
from huying.web.deps import PageActor
from huying.web.pages.common import errors_of, see_other
from huying.web.templating import render

router = APIRouter()

CentreCode = Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")


def _form(request: Request, session: SessionDep, actor: Actor, code: str, values: dict[str, Any],
          errors: dict[str, str], receipt: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    centre, items = onestop.counter(session, actor, code)
    chosen = next((i for i in items if i.code == values.get("item")), None)
    return render(request, "onestop_counter.html", {
        "centre": centre, "items": items, "item": chosen, "values": values, "errors": errors,
        "receipt": receipt, "deliveries": onestop.DELIVERY}, status_code=status_code)


@router.get("/counter", response_class=HTMLResponse)
def counters(request: Request, session: SessionDep, actor: PageActor) -> Response:
    """The counters one may serve at: straight to the only one, else the list."""
    centres = onestop.counters_of(session, actor)
    if len(centres) == 1:
        return see_other(f"/centres/{centres[0].code}/accept")
    return render(request, "onestop_centres.html", {"centres": centres})


@router.get("/centres/{code}/accept", response_class=HTMLResponse)
def counter(request: Request, session: SessionDep, actor: PageActor, now: Now, code: str = CentreCode,
            item: str = Query("", max_length=40), receipt: str = Query("", max_length=30)) -> Response:
    """The counter: choose an item (its materials and time limit appear), then the form."""
    shown = None
    if receipt:
        case = session.scalar(select(Case).where(Case.city_id == actor.city_id, Case.code == receipt))
        req = onestop.request_of(session, case) if case is not None else None
        if case is None or req is None or req.accepted_by_id != actor.user_id:
            raise NotVisible(f"no receipt {receipt}")  # a receipt is shown to the one who accepted it
        shown = onestop.receipt(session, case)
    return _form(request, session, actor, code, {"item": item}, {}, shown)


@router.post("/centres/{code}/accept", response_class=HTMLResponse)
def accept(request: Request, session: SessionDep, actor: PageActor, now: Now, code: str = CentreCode,
           item: Annotated[str, Form(max_length=40)] = "", resident: Annotated[str, Form(max_length=60)] = "",
           household: Annotated[str, Form(max_length=30)] = "", community: Annotated[str, Form(max_length=30)] = "",
           contact: Annotated[str, Form(max_length=20)] = "", materials: Annotated[list[str] | None, Form()] = None,
           pending: Annotated[str, Form(max_length=5)] = "", delivery: Annotated[str, Form(max_length=12)] = "collect",
           note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Accept the request; then the receipt."""
    values: dict[str, Any] = {"item": item, "resident": resident, "household": household, "community": community,
                              "contact": contact, "materials": materials or [], "pending": pending == "1",
                              "delivery": delivery, "note": note}
    try:
        case = onestop.accept(session, actor, code, onestop.RequestIn(
            item=item, resident=resident.strip() or None, household=household.strip() or None,
            community=community.strip() or None, contact=contact.strip() or None,
            materials=tuple(materials or ()), pending=pending == "1", delivery=delivery, note=note or None), now=now)
    except InvalidInput as exc:
        session.rollback()
        return _form(request, session, actor, code, values, errors_of(exc), status_code=422)
    return see_other(f"/centres/{code}/accept?receipt={case.code}")


