"""The register's pages (一标三实) for officers: the households of a place (searched, filtered,
counted), one household (its people masked, its cadre and visits, the cases its visits raised,
its moves as a timeline) with its edit, move and move-out forms, and the units of a place.
Thin: parse, call :mod:`huying.contact.service` (who may read and edit is its
:func:`~huying.contact.service.may_edit`), render; plain posts end in a redirect, a bad input
re-renders the page with the message beside its form (422), nothing stored."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from huying.config import get_settings
from huying.contact import service as register
from huying.contact.models import Need
from huying.deps import SessionDep
from huying.errors import InvalidInput
from huying.geo import service as geo
from huying.http.clock import Now
from huying.orgs.actor import Actor
from huying.web import downloads, tables
from huying.web.deps import PageActor
from huying.web.maps import map_config
from huying.web.pages.common import see_other
from huying.web.templating import render, request_lang

router = APIRouter()

NEEDS = [n.value for n in Need]
#: What a form's ``done`` parameter may say after a redirect.
DONE = ("edited", "unchanged", "moved", "moved_out")


def _page(value: str) -> int:
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


@router.get("/register", response_class=HTMLResponse)
def households_page(request: Request, session: SessionDep, actor: PageActor, now: Now,
                    node: str = Query("", max_length=60), q: str = Query("", max_length=200),
                    origin: str = Query("", max_length=10), need: str = Query("", max_length=30),
                    moved: str = Query("", max_length=5), page: str = Query("1", max_length=6)) -> Response:
    """一标三实: the households of a place within the officer's scope, with its figures."""
    kind = downloads.wanted(request)
    target = register.register_node(session, actor, node)
    filters = register.Filters(q, origin, need, moved == "out")
    if kind:  # every household found, as filtered
        _total, every = register.search(session, actor, target, filters, size=downloads.MAX_ROWS)
        return downloads.answer(request, kind, lambda: tables.households(
            every, request_lang(request), f"households-{target.code}"), now)
    error = None
    try:
        total, rows = register.search(session, actor, target, filters, page=_page(page))
    except InvalidInput as exc:
        error, total, rows = exc.field or "form", 0, []
    n = _page(page)
    query = {"node": target.code, "q": q, "origin": origin, "need": need, "moved": moved}
    base = "/register?" + urlencode({k: v for k, v in query.items() if v})
    return render(request, "register_households.html", {
        "node": target, "trail": geo.ancestors(session, target), "counts": register.counts(session, actor, target),
        "rows": rows, "total": total, "page": n, "pages": max(1, -(-total // register.PAGE_SIZE)),
        "base": base, "filters": filters, "needs": NEEDS, "error": error,
        "children": geo.children(session, target),
    }, status_code=422 if error else 200)


def _household_page(request: Request, session: SessionDep, actor: Actor, code: str, now: dt.datetime, *,
                    errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                    targets: list[register.Target] | None = None, done: str = "",
                    status_code: int = 200) -> HTMLResponse:
    detail = register.household_detail(session, actor, code, now=now)
    hh = detail.household
    values = {"size": str(hh.size), "origin": "migrant" if hh.is_migrant else "local",
              "needs": [n for n in hh.needs.split(",") if n], "address": "", "place": "",
              "at": now.astimezone(_tz()).date().isoformat(), **(values or {})}
    return render(request, "register_household.html", {
        "d": detail, "hh": hh, "trail": geo.ancestors(session, detail.grid), "errors": errors or {},
        "values": values, "targets": targets, "needs": NEEDS, "done": done if done in DONE else "",
        "map_config": map_config(session), "today": now.astimezone(_tz()).date().isoformat(),
    }, status_code=status_code)


def _tz() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def _moment(day: str, now: dt.datetime) -> dt.datetime:
    """The moment of a move given as a day (``YYYY-MM-DD``, the city's time): today is now,
    another day its noon."""
    day = (day or "").strip()
    if not day:
        return now
    try:
        d = dt.date.fromisoformat(day)
    except ValueError:
        raise InvalidInput("a date such as 2025-03-01", "at") from None
    if d == now.astimezone(_tz()).date():
        return now
    return dt.datetime.combine(d, dt.time(12), tzinfo=_tz())


@router.get("/register/households/{code}", response_class=HTMLResponse)
def household_page(request: Request, code: str, session: SessionDep, actor: PageActor, now: Now,
                   done: str = Query("", max_length=12)) -> Response:
    """One household of the register (404 outside the officer's scope)."""
    return _household_page(request, session, actor, code, now, done=done)


@router.post("/register/households/{code}", response_class=HTMLResponse)
def edit_household(request: Request, code: str, session: SessionDep, actor: PageActor, now: Now,
                   size: Annotated[str, Form(max_length=10)] = "",
                   origin: Annotated[str, Form(max_length=10)] = "",
                   needs: Annotated[list[str] | None, Form()] = None) -> Response:
    """Edit a household's size, local/migrant and needs."""
    data = register.HouseholdEdit(size, origin, tuple(needs or ()))
    try:
        changed = register.edit_household(session, actor, code, data, now=now)
    except InvalidInput as exc:
        session.rollback()
        return _household_page(request, session, actor, code, now, errors={"edit": exc.field or "form"},
                               values={"size": size, "origin": origin, "needs": list(needs or ())}, status_code=422)
    session.commit()
    return see_other(f"/register/households/{code}?done={'edited' if changed else 'unchanged'}")


@router.post("/register/households/{code}/move", response_class=HTMLResponse)
def move_household(request: Request, code: str, session: SessionDep, actor: PageActor, now: Now,
                   address: Annotated[str, Form(max_length=200)] = "",
                   address_id: Annotated[str, Form(max_length=12)] = "",
                   at: Annotated[str, Form(max_length=20)] = "") -> Response:
    """Move a household to another registered address: typed, then (when the register finds
    several) chosen among the candidates."""
    register.register_household(session, actor, code)  # 404 before anything else
    values = {"address": address, "at": at}
    try:
        when = _moment(at, now)
        if not address_id.strip():
            targets = register.move_targets(session, actor, address)
            if not targets:
                raise InvalidInput("not a registered address within your scope", "address")
            if len(targets) > 1 or targets[0].text != address.strip():  # the officer chooses
                return _household_page(request, session, actor, code, now, errors={"move": "choose"},
                                       values=values, targets=targets, status_code=422)
            address_id = str(targets[0].address_id)
        if not address_id.strip().isdigit():
            raise InvalidInput("not a registered address", "address")
        register.relocate(session, actor, code, int(address_id), at=when, now=now)
    except InvalidInput as exc:
        session.rollback()
        return _household_page(request, session, actor, code, now, errors={"move": exc.field or "form"},
                               values=values, status_code=422)
    session.commit()
    return see_other(f"/register/households/{code}?done=moved")


@router.post("/register/households/{code}/move-out", response_class=HTMLResponse)
def move_out(request: Request, code: str, session: SessionDep, actor: PageActor, now: Now,
             place: Annotated[str, Form(max_length=300)] = "",
             at: Annotated[str, Form(max_length=20)] = "") -> Response:
    """Record that a household moved out of the register (where to, when): its visits end."""
    register.register_household(session, actor, code)
    try:
        register.move_out(session, actor, code, at=_moment(at, now), place=place, now=now)
    except InvalidInput as exc:
        session.rollback()
        return _household_page(request, session, actor, code, now, errors={"out": exc.field or "form"},
                               values={"place": place, "at": at}, status_code=422)
    session.commit()
    return see_other(f"/register/households/{code}?done=moved_out")


@router.get("/register/units", response_class=HTMLResponse)
def units_page(request: Request, session: SessionDep, actor: PageActor, now: Now,
               node: str = Query("", max_length=60), q: str = Query("", max_length=200),
               page: str = Query("1", max_length=6)) -> Response:
    """The enterprises and other units of a place."""
    kind = downloads.wanted(request)
    target = register.register_node(session, actor, node)
    if kind:  # every unit found
        _total, every = register.units_of(session, actor, target, q, size=downloads.MAX_ROWS)
        return downloads.answer(request, kind, lambda: tables.units(every, request_lang(request),
                                                                    f"units-{target.code}"), now)
    error = None
    try:
        total, rows = register.units_of(session, actor, target, q, page=_page(page))
    except InvalidInput as exc:
        error, total, rows = exc.field or "form", 0, []
    base = "/register/units?" + urlencode({k: v for k, v in {"node": target.code, "q": q}.items() if v})
    return render(request, "register_units.html", {
        "node": target, "trail": geo.ancestors(session, target), "rows": rows, "total": total, "q": q,
        "page": _page(page), "pages": max(1, -(-total // register.PAGE_SIZE)), "base": base, "error": error,
    }, status_code=422 if error else 200)


@router.get("/register/units/{code}", response_class=HTMLResponse)
def unit_page(request: Request, code: str, session: SessionDep, actor: PageActor) -> Response:
    row = register.unit_detail(session, actor, code)
    grid = geo.get_node(session, actor.city_id, row.grid)
    return render(request, "register_unit.html", {"u": row, "trail": geo.ancestors(session, grid)})
