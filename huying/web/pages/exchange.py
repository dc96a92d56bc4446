"""The public-welfare exchange (党群公益汇) on the web: the list of projects for everyone
(by town → community, type and what is still needed), a public page per project (no person
named), the claim and pledge forms of an organisation's account, and the officers' forms
(post a project, reach a milestone, sign an agreement, move it on). Thin: parse, call
:mod:`huying.community.exchange_service`, render."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from huying.community import exchange_service as xs
from huying.community.exchange_models import BeneficiaryKind, ProjectType
from huying.community.roles import OFFICERS, PARTNERS
from huying.deps import SessionDep
from huying.errors import InvalidInput, NotPermitted, Refused
from huying.geo import service as geo
from huying.http.clock import Now
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation
from huying.web import downloads, tables
from huying.web.deps import MaybeUser, PageActor, actor_of
from huying.web.pages.common import errors_of, parse_day, see_other
from huying.web.templating import render, request_lang

router = APIRouter()

Code = Path(min_length=1, max_length=20)
MilestoneId = Path(ge=1, le=2**31 - 1)
PAGE = 20
MOVES = {"publish": xs.publish, "start": xs.start, "complete": xs.complete}


def _actor(session: Session, user: Any) -> Actor | None:
    return actor_of(session, user) if user is not None else None


def _city(session: Session, actor: Actor | None) -> int:
    return actor.city_id if actor is not None else geo.get_city(session).id


@router.get("/exchange", response_class=HTMLResponse)
def browse(request: Request, session: SessionDep, user: MaybeUser, now: Now,
           town: str = Query("", max_length=20), community: str = Query("", max_length=20),
           type: str = Query("", max_length=20), needing: str = Query("", max_length=3),
           sort: str = Query("remaining", max_length=10), page: int = Query(1, ge=1, le=10_000)) -> Response:
    """公益汇: the posted projects, largest amount still needed first."""
    kind = downloads.wanted(request)
    actor = _actor(session, user)
    city = _city(session, actor)
    f = xs.Browse(town=town, community=community if town else "", type=type if type in set(ProjectType) else "",
                  needing=needing == "1", sort=sort if sort in xs.SORTS else "remaining",
                  limit=downloads.MAX_ROWS if kind else PAGE, offset=0 if kind else (page - 1) * PAGE)
    if kind:  # every page of the list, as filtered
        _total, every = xs.browse(session, actor, city, f)
        return downloads.answer(request, kind, lambda: tables.projects(every, request_lang(request), "projects"), now)
    try:
        total, rows = xs.browse(session, actor, city, f)
    except InvalidInput:
        total, rows = xs.browse(session, actor, city, xs.Browse(limit=PAGE))
        f = xs.Browse()
    return render(request, "exchange.html", {
        "rows": rows, "total": total, "page": page, "pages": max(1, -(-total // PAGE)), "f": f,
        "towns": xs.communities(session, city), "communities": xs.communities(session, city, f.town) if f.town else [],
        "types": list(ProjectType), "may_post": actor is not None and actor.role in OFFICERS})


def _project_page(request: Request, session: Session, actor: Actor | None, code: str, *,
                  errors: dict[str, str] | None = None, refused: Refused | None = None,
                  values: dict[str, str] | None = None, done: str = "", status_code: int = 200) -> HTMLResponse:
    view = xs.get_project(session, actor, code, city_id=_city(session, actor))
    actions = xs.actions_for(actor, view)
    my_org = session.get(Organisation, actor.organisation_id) if actor is not None and actor.role in PARTNERS \
        and actor.organisation_id else None
    partners = {p.organisation.code: p.organisation for p in view.pledges}
    if view.claimed_by is not None:
        partners[view.claimed_by.code] = view.claimed_by
    signed = {a.organisation.code for a in view.agreements}
    return render(request, "exchange_project.html", {
        "v": view, "actions": actions, "my_org": my_org, "errors": errors or {}, "refused": refused,
        "over": refused if isinstance(refused, xs.OverNeed) else None, "values": values or {}, "done": done,
        "unsigned": [o for c, o in sorted(partners.items()) if c not in signed],
        "today": dt.date.today().isoformat()}, status_code=status_code)


@router.get("/exchange/projects/{code}", response_class=HTMLResponse)
def project(request: Request, session: SessionDep, user: MaybeUser, code: str = Code,
            done: str = Query("", max_length=20)) -> Response:
    """A project's public page: need, beneficiaries (a count), budget, what is still needed,
    the organisations taking part, milestones, progress and history."""
    return _project_page(request, session, _actor(session, user), code, done=done)


@router.post("/exchange/projects/{code}/pledge", response_class=HTMLResponse)
async def pledge(request: Request, session: SessionDep, actor: PageActor, now: Now, code: str = Code) -> Response:
    """An organisation's pledge (认捐): the same command as ``POST /api/v1/exchange/projects/{code}/pledges``."""
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    try:
        goods: dict[str, int] = {}
        for key, value in values.items():
            if key.startswith("goods-") and value.strip():
                try:
                    goods[key[6:]] = int(value)
                except ValueError:
                    raise InvalidInput("not a whole number", f"goods[{key[6:]}]") from None
        xs.pledge(session, actor, code, xs.PledgeIn(amount=values.get("amount") or None, goods=goods), now=now)
    except InvalidInput as exc:
        session.rollback()
        return _project_page(request, session, actor, code, errors=errors_of(exc), values=values, status_code=422)
    except Refused as exc:
        session.rollback()
        return _project_page(request, session, actor, code, refused=exc, values=values, status_code=409)
    return see_other(f"/exchange/projects/{code}?done=pledged")


@router.post("/exchange/projects/{code}/claim", response_class=HTMLResponse)
def claim(request: Request, session: SessionDep, actor: PageActor, now: Now, code: str = Code) -> Response:
    """An organisation claims (认领) the whole project."""
    try:
        xs.claim(session, actor, code, now=now)
    except Refused as exc:
        session.rollback()
        return _project_page(request, session, actor, code, refused=exc, status_code=409)
    return see_other(f"/exchange/projects/{code}?done=claimed")


@router.post("/exchange/projects/{code}/act/{action}", response_class=HTMLResponse)
def act(request: Request, session: SessionDep, actor: PageActor, now: Now, code: str = Code,
        action: str = Path(max_length=20), reason: Annotated[str, Form()] = "") -> Response:
    """An officer moves the project on: publish, start, complete or cancel."""
    try:
        if action == "cancel":
            xs.cancel(session, actor, code, reason, now=now)
        elif action in MOVES:
            MOVES[action](session, actor, code, now=now)
        else:
            raise NotPermitted("no such action")
    except InvalidInput as exc:
        session.rollback()
        return _project_page(request, session, actor, code, errors=errors_of(exc), status_code=422)
    except Refused as exc:
        session.rollback()
        return _project_page(request, session, actor, code, refused=exc, status_code=409)
    return see_other(f"/exchange/projects/{code}?done={action}")


@router.post("/exchange/projects/{code}/milestones/{milestone}/reach", response_class=HTMLResponse)
def reach(request: Request, session: SessionDep, actor: PageActor, now: Now, code: str = Code,
          milestone: int = MilestoneId) -> Response:
    try:
        xs.reach_milestone(session, actor, code, milestone, now=now)
    except (InvalidInput, Refused) as exc:
        session.rollback()
        return _project_page(request, session, actor, code, refused=exc if isinstance(exc, Refused) else None,
                             errors=errors_of(exc) if isinstance(exc, InvalidInput) else None, status_code=409)
    return see_other(f"/exchange/projects/{code}?done=reached")


def parse_lines(text: str, field: str, parts: int) -> list[list[str]]:
    """Lines of ``a | b [| c]`` (a textarea of milestones or goods)."""
    out = []
    for i, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.replace("｜", "|").split("|")]
        if len(cells) < 2 or len(cells) > parts:
            raise InvalidInput(f"line {i}: give {' | '.join(['name', 'number', 'unit'][:parts])}", field)
        out.append(cells)
    return out


def parse_milestones(text: str, field: str = "milestones") -> list[tuple[str, int]]:
    out = []
    for title, weight, *_ in parse_lines(text, field, 2):
        try:
            out.append((title, int(weight)))
        except ValueError:
            raise InvalidInput("a weight is a whole number", field) from None
    return out


@router.post("/exchange/projects/{code}/agreements", response_class=HTMLResponse)
def agreement(request: Request, session: SessionDep, actor: PageActor, now: Now, code: str = Code,
              organisation: Annotated[str, Form(max_length=80)] = "",
              signed_on: Annotated[str, Form(max_length=20)] = "",
              term_until: Annotated[str, Form(max_length=20)] = "",
              milestones: Annotated[str, Form(max_length=4000)] = "") -> Response:
    """Record the co-building agreement (共建协议) signed with an organisation."""
    values = {"organisation": organisation, "signed_on": signed_on, "term_until": term_until,
              "agreement_milestones": milestones}
    try:
        xs.sign_agreement(session, actor, code, xs.AgreementIn(
            organisation=organisation, signed_on=parse_day(signed_on, "signed_on"),
            term_until=parse_day(term_until, "term_until"),
            milestones=parse_milestones(milestones, "agreement milestones")), now=now)
    except InvalidInput as exc:
        session.rollback()
        return _project_page(request, session, actor, code, errors=errors_of(exc), values=values, status_code=422)
    except Refused as exc:
        session.rollback()
        return _project_page(request, session, actor, code, refused=exc, values=values, status_code=409)
    return see_other(f"/exchange/projects/{code}?done=signed")


def _new_form(request: Request, session: Session, actor: Actor, values: dict[str, str], errors: dict[str, str],
              status_code: int = 200) -> HTMLResponse:
    return render(request, "exchange_new.html", {
        "values": values, "errors": errors, "types": list(ProjectType), "kinds": list(BeneficiaryKind),
        "communities": xs.officer_communities(session, actor)}, status_code=status_code)


@router.get("/exchange/new", response_class=HTMLResponse)
def new_form(request: Request, session: SessionDep, actor: PageActor,
             decision: int | None = Query(None, ge=1, le=2**31 - 1)) -> Response:
    """The form to post a project; from a council's decision (``?decision=``), with its words
    and its community filled in."""
    xs.check_officer(actor)
    values = {"milestones": ""}
    if decision is not None:
        try:
            d = xs.decision_for(session, actor.city_id, decision)
        except InvalidInput as exc:
            return _new_form(request, session, actor, values, errors_of(exc), status_code=422)
        values.update(decision=str(d.id), need=d.text, community=xs.decision_community(session, d))
    return _new_form(request, session, actor, values, {})


@router.post("/exchange/projects", response_class=HTMLResponse)
def post(request: Request, session: SessionDep, actor: PageActor, now: Now,
         title: Annotated[str, Form(max_length=400)] = "", need: Annotated[str, Form(max_length=8000)] = "",
         type: Annotated[str, Form(max_length=20)] = "", beneficiaries: Annotated[str, Form(max_length=10)] = "",
         beneficiary_kind: Annotated[str, Form(max_length=20)] = "",
         community: Annotated[str, Form(max_length=20)] = "", budget: Annotated[str, Form(max_length=20)] = "",
         goods: Annotated[str, Form(max_length=4000)] = "", milestones: Annotated[str, Form(max_length=4000)] = "",
         publish: Annotated[str, Form(max_length=3)] = "",
         decision: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Post a project from the form: the same command as ``POST /api/v1/exchange/projects``."""
    values = {"title": title, "need": need, "type": type, "beneficiaries": beneficiaries,
              "beneficiary_kind": beneficiary_kind, "community": community, "budget": budget, "goods": goods,
              "milestones": milestones, "publish": publish, "decision": decision}
    try:
        if decision and not decision.isdigit():
            raise InvalidInput("no such council decision", "decision")
        try:
            count = int(beneficiaries)
        except ValueError:
            raise InvalidInput("a whole number", "beneficiaries") from None
        items = []
        for cells in parse_lines(goods, "goods", 3):
            try:
                items.append(xs.GoodsIn(cells[0], int(cells[1]), cells[2] if len(cells) > 2 else ""))
            except ValueError:
                raise InvalidInput("a quantity is a whole number", "goods") from None
        p = xs.post(session, actor, xs.ProjectIn(
            title=title, need=need, type=type, beneficiaries=count, beneficiary_kind=beneficiary_kind,
            community=community, budget=budget or None, goods=items, milestones=parse_milestones(milestones),
            publish=publish == "1", decision=int(decision) if decision else None), now=now)
    except InvalidInput as exc:
        session.rollback()
        return _new_form(request, session, actor, values, errors_of(exc), status_code=422)
    return see_other(f"/exchange/projects/{p.code}?done=posted")
