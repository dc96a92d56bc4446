"""The pages of responsibilities (``/duties``), yearly reviews (``/reviews``,
``/reviews/<id>``: the secretary's report, the reviewers' scoring form, the results) and weak
organisations (``/weak``: the flags, their plans and progress, the yearly counts). Thin:
parse, call :mod:`huying.accountability`'s services, render; a refusal is shown on the page
with its reason (4xx)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData, UploadFile

from huying.accountability import duty_service as duties
from huying.accountability import review_service as reviews
from huying.accountability import review_workflow as rw
from huying.accountability import weak_service as weak
from huying.cases.policy import CITYWIDE
from huying.cityconfig import deadlines
from huying.deps import SessionDep
from huying.errors import CaseError, InvalidInput, NotVisible
from huying.geo.models import Node
from huying.http.clock import Now
from huying.orgs.actor import Actor
from huying.orgs.models import is_staff
from huying.web import downloads, tables
from huying.web.deps import PageActor
from huying.web.pages.common import parse_day, parse_int, see_other
from huying.web.templating import render, request_lang

router = APIRouter()
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _text(form: FormData, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def _year_of(now: dt.datetime) -> int:
    return now.astimezone(deadlines.zone()).year


def _problem(exc: CaseError) -> dict[str, str]:
    """A refusal as the page words it (``accountability_labels.refusal``): field, reason, status."""
    return {"field": getattr(exc, "field", None) or "form", "detail": str(exc), "status": str(exc.http_status)}


# --------------------------------------------------------------------------- /duties


def _home_node(session: SessionDep, actor: Actor, code: str) -> Node | None:
    if code:
        return duties.node_of(session, actor.city_id, code)
    if actor.role in CITYWIDE:
        return None
    node = session.scalar(select(Node).where(Node.city_id == actor.city_id, Node.path == actor.node_path))
    return node if node is not None and node.level in duties.LEVELS else None


def _duties_page(request: Request, session: SessionDep, actor: Actor, now: dt.datetime, node_code: str, year: int,
                 problem: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
    node = _home_node(session, actor, node_code)
    views = duties.lists(session, actor, retired=actor.role in duties.EDITORS)
    evidence = duties.evidence_of(session, actor, node.code, year) if node is not None else {}
    return render(request, "accountability_duties.html", {
        "lists": views, "node": node, "year": year, "evidence": evidence, "problem": problem,
        "editor": actor.role in duties.EDITORS,
        "citer": node is not None and actor.role in duties.CITERS, "kinds": duties.EVIDENCE_KINDS,
        "years": list(range(_year_of(now), _year_of(now) - 4, -1))}, status_code=status_code)


@router.get("/duties", response_class=HTMLResponse)
def duties_page(request: Request, session: SessionDep, actor: PageActor, now: Now,
                node: str = Query("", max_length=20), year: int = Query(0, ge=0, le=2100)) -> Response:
    kind = downloads.wanted(request)
    if kind:  # the page's table as a file: the same lists, node, year and scope
        here = _home_node(session, actor, node)
        y = year or _year_of(now) - 1
        views = duties.lists(session, actor, retired=actor.role in duties.EDITORS)
        evidence = duties.evidence_of(session, actor, here.code, y) if here is not None else {}
        return downloads.answer(request, kind, lambda: tables.duty_items(
            views, here, evidence, request_lang(request), f"duties-{here.code if here else 'all'}-{y}"), now)
    return _duties_page(request, session, actor, now, node, year or _year_of(now) - 1)


@router.post("/duties", response_class=HTMLResponse)
async def duties_post(request: Request, session: SessionDep, actor: PageActor, now: Now) -> Response:
    """One form per edit: ``op`` is add / reword / retire / restore / cite."""
    form = await request.form()
    op, node_code = _text(form, "op"), _text(form, "node")
    year = _year_of(now) - 1
    try:
        year = parse_int(_text(form, "year") or str(year), "year", low=2000, high=2100)
        item_id = parse_int(_text(form, "item"), "item", low=1, high=2**31 - 1) if op != "add" else 0
        if op == "add":
            duties.add_item(session, actor, _text(form, "list"), text=_text(form, "text"),
                            answerable=_text(form, "answerable"), now=now)
        elif op == "reword":
            duties.reword_item(session, actor, item_id, text=_text(form, "text"), answerable=_text(form, "answerable"),
                               now=now)
        elif op == "retire":
            duties.retire_item(session, actor, item_id, reason=_text(form, "reason"), now=now)
        elif op == "restore":
            duties.restore_item(session, actor, item_id, now=now)
        elif op == "cite":
            upload = form.get("file")
            data, filename = b"", ""
            if isinstance(upload, UploadFile) and upload.filename:
                data, filename = await upload.read(), upload.filename
            duties.cite(session, actor, duties.Citation(
                item_id, node_code, year, _text(form, "kind"), ref=_text(form, "ref"), title=_text(form, "title"),
                url=_text(form, "url"), filename=filename, data=data), now=now)
        else:
            raise InvalidInput("unknown edit", "op")
    except CaseError as exc:
        session.rollback()
        return _duties_page(request, session, actor, now, node_code, year, _problem(exc), exc.http_status)
    query = f"?node={node_code}&year={year}" if node_code else ""
    return see_other(f"/duties{query}#item-{form.get('item') or ''}")


@router.get("/duties/evidence/{evidence_id}")
def evidence_file(evidence_id: Id, session: SessionDep, actor: PageActor) -> Response:
    path, ctype, title = duties.document_path(session, actor, evidence_id)
    if not path.exists():
        raise NotVisible("no such document")
    return FileResponse(path, media_type=ctype, filename=title)


# --------------------------------------------------------------------------- /reviews


@router.get("/reviews", response_class=HTMLResponse)
def reviews_page(request: Request, session: SessionDep, actor: PageActor, now: Now,
                 year: int = Query(0, ge=0, le=2100)) -> Response:
    kind = downloads.wanted(request)
    if kind:
        rows = reviews.list_reviews(session, actor, year=year or None)
        return downloads.answer(request, kind, lambda: tables.reviews_list(
            rows, request_lang(request), f"reviews-{year or 'all'}"), now)
    return _reviews_page(request, session, actor, now, year)


def _reviews_page(request: Request, session: SessionDep, actor: Actor, now: dt.datetime, year: int,
                  problem: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
    rows = reviews.list_reviews(session, actor, year=year or None)
    return render(request, "accountability_reviews.html", {
        "rows": rows, "year": year, "problem": problem, "organiser": actor.role in rw.ORGANISERS,
        "default_year": _year_of(now) - 1}, status_code=status_code)


@router.post("/reviews", response_class=HTMLResponse)
async def reviews_create(request: Request, session: SessionDep, actor: PageActor, now: Now) -> Response:
    form = await request.form()
    try:
        year = parse_int(_text(form, "year"), "year", low=2000, high=2100)
        review = reviews.create(session, actor, _text(form, "node"), year, now=now)
    except CaseError as exc:
        session.rollback()
        return _reviews_page(request, session, actor, now, 0, _problem(exc), exc.http_status)
    return see_other(f"/reviews/{review.id}")


def _review_page(request: Request, session: SessionDep, actor: Actor, review_id: int,
                 problem: dict[str, str] | None = None, values: dict[str, str] | None = None,
                 status_code: int = 200) -> HTMLResponse:
    view = reviews.get(session, actor, review_id)
    return render(request, "accountability_review.html", {
        "v": view, "problem": problem, "values": values or {}, "seats": reviews.SEATS,
        "done": request.query_params.get("done", ""),
        # reviewers are named to staff; a resident reads only the seats
        "staff": is_staff(actor.role)}, status_code=status_code)


@router.get("/reviews/{review_id}", response_class=HTMLResponse)
def review_page(review_id: Id, request: Request, session: SessionDep, actor: PageActor) -> Response:
    return _review_page(request, session, actor, review_id)


@router.post("/reviews/{review_id}", response_class=HTMLResponse)
async def review_post(review_id: Id, request: Request, session: SessionDep, actor: PageActor, now: Now) -> Response:
    """``op``: invite / report / score / open / close / publish."""
    form = await request.form()
    op = _text(form, "op")
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        if op == "invite":
            users = [u for u in _text(form, "users").replace("，", ",").replace(" ", ",").split(",") if u]
            reviews.invite(session, actor, review_id, users, _text(form, "seat"), now=now)
        elif op == "report":
            reviews.submit_report(session, actor, review_id, _text(form, "report"), now=now)
        elif op == "score":
            view = reviews.get(session, actor, review_id)
            given: dict[int, tuple[int, str | None]] = {}
            for item in view.items:
                value = parse_int(_text(form, f"score_{item.id}"), f"score_{item.id}", low=0, high=100)
                given[item.id] = (value, _text(form, f"comment_{item.id}") or None)
            reviews.score(session, actor, review_id, given, now=now)
        else:
            reviews.act(session, actor, review_id, op, now=now)
    except CaseError as exc:
        session.rollback()
        return _review_page(request, session, actor, review_id, _problem(exc), values, exc.http_status)
    return see_other(f"/reviews/{review_id}?done={op}#done")


# --------------------------------------------------------------------------- /weak


def _weak_page(request: Request, session: SessionDep, actor: Actor, now: dt.datetime, year: int,
               problem: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
    views = weak.flags(session, actor, year=year or None)
    return render(request, "accountability_weak.html", {
        "views": views, "counts": weak.yearly_counts(session, actor), "rules": weak.rules(session, actor),
        "year": year, "problem": problem, "keys": weak.KEYS, "flagger": actor.role in weak.FLAGGERS,
        "rule_editor": actor.role in weak.RULE_EDITORS, "latest": weak.latest_complete(now),
        "leader": actor.role == "leader",
        "today": now.astimezone(deadlines.zone()).date()}, status_code=status_code)


@router.get("/weak", response_class=HTMLResponse)
def weak_page(request: Request, session: SessionDep, actor: PageActor, now: Now,
              year: int = Query(0, ge=0, le=2100), table: str = Query("", max_length=20)) -> Response:
    kind = downloads.wanted(request)
    if kind:
        which = tables.choose(table, tables.WEAK_TABLES)
        lang, stem = request_lang(request), f"weak-{year or 'all'}"
        if which == "counts":
            counts = weak.yearly_counts(session, actor)
            return downloads.answer(request, kind, lambda: tables.weak_counts(counts, lang, stem), now)
        views = weak.flags(session, actor, year=year or None)
        return downloads.answer(request, kind, lambda: tables.weak_flags(views, lang, stem), now)
    return _weak_page(request, session, actor, now, year)


def _milestones(form: FormData) -> list[tuple[str, dt.datetime]]:
    out = []
    for i in range(1, 6):
        title, day = _text(form, f"m{i}_title"), _text(form, f"m{i}_due")
        if not title and not day:
            continue
        date = parse_day(day, f"milestones[{i}]")
        if date is None:
            raise InvalidInput("give the milestone's date", f"milestones[{i}]")
        out.append((title, dt.datetime.combine(date, dt.time(18, 0), deadlines.zone())))
    return out


@router.post("/weak", response_class=HTMLResponse)
async def weak_post(request: Request, session: SessionDep, actor: PageActor, now: Now) -> Response:
    """``op``: flag / run / rule / plan / milestone / clear / clear_by_hand."""
    form = await request.form()
    op = _text(form, "op")
    try:
        flag_id = parse_int(_text(form, "flag"), "flag", low=1, high=2**31 - 1) \
            if op in ("plan", "milestone", "clear", "clear_by_hand") else 0
        if op == "flag":
            weak.flag_by_hand(session, actor, _text(form, "node"), _text(form, "reason"), now=now)
        elif op == "run":
            weak.run_rules(session, actor, _text(form, "quarter") or None, now=now)
        elif op == "rule":
            threshold = float(_text(form, "threshold") or "nan")
            weak.save_rule(session, actor, weak.RuleIn(
                _text(form, "code"), _text(form, "name_zh"), _text(form, "level"), _text(form, "key"),
                _text(form, "op_"), threshold, parse_int(_text(form, "quarters"), "quarters", low=1, high=8),
                _text(form, "active") == "1"), now=now)
        elif op == "plan":
            weak.open_plan(session, actor, flag_id, plan=_text(form, "plan"), milestones=_milestones(form),
                           supervisor=_text(form, "supervisor") or None, now=now)
        elif op == "milestone":
            weak.complete_milestone(session, actor, flag_id,
                                    parse_int(_text(form, "milestone"), "milestone", low=1, high=2**31 - 1),
                                    note=_text(form, "note") or None, now=now)
        elif op == "clear":
            weak.clear(session, actor, flag_id, note=_text(form, "note"), now=now)
        elif op == "clear_by_hand":
            weak.clear_by_hand(session, actor, flag_id, reason=_text(form, "reason"), now=now)
        else:
            raise InvalidInput("unknown action", "op")
    except ValueError as exc:
        session.rollback()
        bad = exc if isinstance(exc, InvalidInput) else InvalidInput("a rate between 0 and 1", "threshold")
        return _weak_page(request, session, actor, now, 0, _problem(bad), 422)
    except CaseError as exc:
        session.rollback()
        return _weak_page(request, session, actor, now, 0, _problem(exc), exc.http_status)
    return see_other(f"/weak?done={op}" + (f"#flag-{_text(form, 'flag')}" if _text(form, "flag") else ""))

