"""Residents: report a problem, follow my reports, and the public reports (anonymised)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select

from huying.cases import present
from huying.cases import service as svc
from huying.cases.models import Case
from huying.cases.policy import can_see, on_public_lists, public_point
from huying.cases.redact import found, public_text, register_names
from huying.cases.workflow import Status
from huying.config import get_settings
from huying.deps import SessionDep
from huying.errors import InvalidInput, NotVisible
from huying.geo import service as geo
from huying.http.clock import Now
from huying.intake import service as intake_svc
from huying.intake.service import ReportIn, intake
from huying.orgs.actor import Actor
from huying.triage import hierarchy  # issue #20: level-2 suggestions
from huying.web import queries, residents
from huying.web.deps import MaybeUser, PageActor
from huying.web.maps import STEP_COLOURS, map_config
from huying.web.pages.common import errors_of, parse_float, see_other
from huying.web.templating import render

router = APIRouter()

#: The channel a report from the web comes in by, per role.
#: Public lists show this many reports per page, the public map this many points.
PUBLIC_PAGE = 30
PUBLIC_POINTS = 500


def _report_page(request: Request, session: SessionDep, actor: Actor, values: dict[str, Any],
                 errors: dict[str, str], status_code: int = 200,
                 candidates: list[dict[str, Any]] | None = None) -> HTMLResponse:
    return render(request, "report.html", {
        "map_config": map_config(session),
        "values": values, "errors": errors, "suggestions": [], "picked": False, "touched": False,
        "categories": queries.category_choices(session, actor.city_id),
        "candidates": candidates or [],
    }, status_code=status_code)


@router.get("/report", response_class=HTMLResponse)
def report_form(request: Request, session: SessionDep, actor: PageActor) -> Response:
    return _report_page(request, session, actor, {}, {})


#: The report form's hidden ``suggested`` field holds the category the picker pre-selected
#: from the classifier's suggestion, or this once the reporter chose in the picker.
CHOSEN = "-"


def _chosen(category: str, suggested: str) -> str | None:
    """The category the reporter chose: none when it is still the one the form pre-selected
    from the classifier's suggestion (intake then classifies, and records it as its own)."""
    return (category or None) if category != suggested else None


def _picker_code(code: str) -> str:
    """The picker offers the first two levels: a deeper category shows as its level-2 parent."""
    return ".".join(code.split(".")[:2])


@router.post("/report/suggest", response_class=HTMLResponse)
def report_suggest(
    request: Request, session: SessionDep, actor: PageActor,
    title: Annotated[str, Form()] = "", description: Annotated[str, Form()] = "",
    category: Annotated[str, Form()] = "", suggested: Annotated[str, Form()] = "",
) -> Response:
    """The category picker (htmx, as the reporter writes): the category intake would set is
    pre-selected (unless the reporter chose another), with the top suggestions beside it."""
    categories = queries.category_choices(session, actor.city_id)
    try:
        found = intake_svc.suggest(session, actor.city_id, title, description)
    except InvalidInput:
        found = None
    pick = _picker_code(found.category) if found and found.category else ""
    by_code = {c.code: c for top, kids in categories for c in (top, *kids)}
    items = [(by_code[c], p) for c, _, p in (found.suggestions if found else []) if c in by_code]
    # levels 2-3 (issue #20): the level-2 categories of the top paths, after the level-1 ones
    by_names = {(top.name_zh, c.name_zh): c for top, kids in categories for c in kids}
    items += [(by_names[l1, l2], p) for l1, l2, p in hierarchy.level2_suggestions(
        [(n, p) for _, n, p in found.suggestions] if found else [], title, description,
        min_probability=hierarchy.FORM_MIN) if (l1, l2) in by_names]
    touched = category != suggested  # the reporter chose in the picker: theirs stays
    return render(request, "_category_picker.html", {
        "categories": categories, "suggestions": items, "touched": touched,
        "picked": bool(pick) and not touched,
        "values": {"category": category if touched else pick, "suggested": CHOSEN if touched else pick},
    })


def _likely(session: SessionDep, actor: Actor, values: dict[str, Any], t: dt.datetime) -> list[dict[str, Any]]:
    """The likely duplicates of the report being written (its form ``values``), as the
    panel shows them; none until it has a text and a place."""
    try:
        x, y = parse_float(values["lon"], "location"), parse_float(values["lat"], "location")
        if x is None or y is None or not (values["title"].strip() or values["description"].strip()):
            return []
        found = intake_svc.similar(
            session, actor.city_id, lon=x, lat=y, title=values["title"], detail=values["description"],
            category=_chosen(values["category"], values["suggested"]), now=t)
    except InvalidInput:
        return []
    return present.public_candidates(session, [c for c in found if c.likely])


@router.post("/report/similar", response_class=HTMLResponse)
def report_similar(
    request: Request, session: SessionDep, actor: PageActor, t: Now,
    title: Annotated[str, Form()] = "", description: Annotated[str, Form()] = "",
    lon: Annotated[str, Form()] = "", lat: Annotated[str, Form()] = "",
    category: Annotated[str, Form()] = "", suggested: Annotated[str, Form()] = "",
    anonymous: Annotated[str, Form()] = "", contact: Annotated[str, Form()] = "",
) -> Response:
    """"Is it one of these?" (htmx, once the report has a text and a place): the open cases
    intake would offer for it, each with a button to join it as a co-reporter."""
    values = {"title": title, "description": description, "lon": lon, "lat": lat,
              "category": category, "suggested": suggested, "anonymous": bool(anonymous),
              "contact": contact}
    return render(request, "_similar.html", {
        "candidates": _likely(session, actor, values, t), "values": values})


@router.post("/report/join/{code}", response_class=HTMLResponse)
def report_join(
    request: Request, code: str, session: SessionDep, actor: PageActor, t: Now,
    title: Annotated[str, Form()] = "", description: Annotated[str, Form()] = "",
    lon: Annotated[str, Form()] = "", lat: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "", category: Annotated[str, Form()] = "",
    suggested: Annotated[str, Form()] = "", anonymous: Annotated[str, Form()] = "",
    contact: Annotated[str, Form()] = "",
) -> Response:
    """"Yes, it is this one": the reporter joins case ``code`` as a co-reporter instead of
    sending the report (the report form posts here from the button of a candidate)."""
    values = {"title": title, "description": description, "lon": lon, "lat": lat,
              "address": address, "category": category, "suggested": suggested,
              "anonymous": bool(anonymous), "contact": contact}
    try:
        x, y = parse_float(lon, "location"), parse_float(lat, "location")
        if x is None or y is None:
            raise InvalidInput("choose the place on the map", "location")
        case = intake_svc.join(session, actor, ReportIn(
            title=title, description=description, lon=x, lat=y, anonymous=bool(anonymous),
            contact=contact or None), code, now=t)
    except InvalidInput as exc:
        session.rollback()
        return _report_page(request, session, actor, values, errors_of(exc), status_code=422,
                            candidates=_likely(session, actor, values, t))
    if can_see(session, actor, case):
        return see_other(f"/cases/{case.code}?joined=1")
    return see_other(f"/public/cases/{case.code}?joined=1")


def _read_photo(photo: UploadFile | None) -> list[svc.Upload]:
    if photo is None or not photo.filename:
        return []
    limit = get_settings().max_attachment_bytes
    data = photo.file.read(limit + 1)  # the route runs in the thread pool: a plain read
    return [svc.Upload(photo.filename, data)]


# A plain ``def``: the report's writes, its photo's storage included, run in the thread pool,
# not on the event loop that every other request of this worker waits on.
@router.post("/report", response_class=HTMLResponse)
def report(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    t: Now,
    title: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    lon: Annotated[str, Form()] = "",
    lat: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
    category: Annotated[str, Form()] = "",
    suggested: Annotated[str, Form()] = "",
    anonymous: Annotated[str, Form()] = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    values = {"title": title, "description": description, "lon": lon, "lat": lat,
              "address": address, "category": category, "suggested": suggested,
              "anonymous": bool(anonymous)}
    try:
        x, y = parse_float(lon, "location"), parse_float(lat, "location")
        if x is None or y is None:
            raise InvalidInput("choose the place on the map", "location")
        uploads = _read_photo(photo)
        case = intake(session, actor, ReportIn(
            title=title, description=description, lon=x, lat=y, address=address or None,
            category=_chosen(category, suggested), anonymous=bool(anonymous), uploads=uploads,
        ), now=t).case  # the channel: the reporter's role's own (huying.cases.channels)
    except InvalidInput as exc:
        session.rollback()
        return _report_page(request, session, actor, values, errors_of(exc), status_code=422)
    if case.reporter_id is None:
        return see_other(f"/public/cases/{case.code}?reported=1")
    return see_other(f"/cases/{case.code}?reported=1")


@router.get("/my", response_class=HTMLResponse)
def my_reports(request: Request, session: SessionDep, actor: PageActor, t: Now) -> Response:
    cards = residents.report_cards(session, actor, queries.my_reports(session, actor))
    return render(request, "my.html", {"cards": cards, "now": t})


# --------------------------------------------------------------------------- the public


def _public_cases(session: SessionDep, city_id: int) -> Any:
    return select(Case).where(Case.city_id == city_id, Case.status != Status.REJECTED.value)


@router.get("/public", response_class=HTMLResponse)
def public(request: Request, session: SessionDep, user: MaybeUser, t: Now, page: int = 1) -> Response:
    city = geo.get_city(session)
    page = max(1, min(page, 1000))
    rows = list(session.scalars(_public_cases(session, city.id).where(on_public_lists()).order_by(Case.id.desc())
                                .limit(PUBLIC_PAGE + 1).offset((page - 1) * PUBLIC_PAGE)))
    items = [dict(present.public_case_dict(session, c, t), progress=present.progress(c.status))
             for c in rows[:PUBLIC_PAGE]]
    return render(request, "public.html", {"items": items, "page": page, "step_colours": STEP_COLOURS,
                                           "more": len(rows) > PUBLIC_PAGE,
                                           "map_config": map_config(session)})


@router.get("/web/public/points.json")
def public_points(session: SessionDep) -> Response:
    """The latest reports as points rounded to about 100 m (``policy.public_point``) with the
    step of the five each is at: no reporter, no contact, no text beyond the title."""
    city = geo.get_city(session)
    rows = session.execute(
        select(Case.code, Case.title, Case.status, Case.lon, Case.lat)
        .where(Case.city_id == city.id, Case.status != Status.REJECTED.value, Case.lon.is_not(None),
               on_public_lists())
        .order_by(Case.id.desc()).limit(PUBLIC_POINTS)).all()
    points = []
    names = register_names(session, city.id)
    for code, title, status, lon, lat in rows:
        plon, plat = public_point(lon, lat)
        points.append({"code": code, "title": public_text(title, names), "status": status, "step": present.progress(status).step.value,
                       "lon": plon, "lat": plat})
    return JSONResponse({"points": points}, headers={"Cache-Control": "no-cache"})


@router.get("/public/cases/{code}", response_class=HTMLResponse)
def public_case(request: Request, code: str, session: SessionDep, user: MaybeUser, t: Now,
                reported: int = 0, joined: int = 0) -> Response:
    city = geo.get_city(session)
    case = session.scalar(_public_cases(session, city.id).where(Case.code == code))
    if case is None:
        raise NotVisible(f"no case {code}")
    return render(request, "public_case.html", {
        "case": present.public_case_dict(session, case, t, events=True), "reported": reported,
        # told to the anonymous reporter who just sent it (the masks show it to anyone anyway)
        "hidden_publicly": found(case.title, register_names(session, city.id)) if reported else [],
        "progress": present.progress(case.status),
        "joined": joined,
    })
