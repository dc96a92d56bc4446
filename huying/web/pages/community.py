"""Community resources for officers and leaders (社区资源): the communities within scope that
keep lists; a community's page with its co-building council (members, meetings and
decisions), its three lists (needs, services, resources) and the matches, each explained in
words, with the moves the table allows; a form to put a need on the list; a button to run
the matcher. Thin: parse, call :mod:`huying.community.lists_service` and
:mod:`huying.community.council_service` (whose one rule decides who may), render."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from huying.community import council_service as cs
from huying.community import exchange_service as xs
from huying.community import lists_service as ls
from huying.community import matching as mt
from huying.community.lists_models import NeedSource
from huying.community.roles import OFFICERS
from huying.deps import SessionDep
from huying.errors import InvalidInput
from huying.http.clock import Now
from huying.orgs.actor import Actor
from huying.web import downloads, tables
from huying.web.deps import PageActor
from huying.web.pages.common import errors_of, parse_int, see_other
from huying.web.templating import render, request_lang

router = APIRouter()

CommunityCode = Path(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z-]+$")
MatchId = Path(ge=1, le=2**31 - 1)


@router.get("/community", response_class=HTMLResponse)
def index(request: Request, session: SessionDep, actor: PageActor) -> Response:
    """社区资源: the communities within scope that keep lists (a community officer goes
    straight to theirs)."""
    ls.check_reader(actor)
    rows = ls.communities_with_lists(session, actor)
    if actor.role == "community_officer" and len(rows) <= 1:
        code = actor.node_path.rstrip("/").split("/")[-1]
        return see_other(f"/community/{code}")
    return render(request, "community_index.html", {"rows": rows})


#: The most rows each of a community's lists shows (and downloads).
LISTED = 100


def _lists(session: SessionDep, actor: Actor, code: str) -> dict[str, Any]:
    """A community's needs, services, resources and matches, as its page lists them."""
    return {"needs": ls.list_needs(session, actor, code, limit=LISTED)[1],
            "services": ls.list_offers(session, actor, code, "services", limit=LISTED)[1],
            "resources": ls.list_offers(session, actor, code, "resources", limit=LISTED)[1],
            "matches": ls.list_matches(session, actor, code, limit=LISTED)[1]}


def _page(request: Request, session: SessionDep, actor: Actor, code: str, values: dict[str, str],
          errors: dict[str, str], status_code: int = 200) -> HTMLResponse:
    node = ls.community(session, actor, code)
    lists = _lists(session, actor, code)
    needs, services, resources, matches = (lists[k] for k in ("needs", "services", "resources", "matches"))
    _, meetings = cs.meetings(session, actor, code, limit=10)
    posted = [d.project_id for m in meetings for d in m.decisions if d.project_id]
    return render(request, "community.html", {
        "project_codes": xs.codes_of(session, posted),
        "node": node, "summary": ls.summary(session, actor, code), "needs": needs, "services": services,
        "resources": resources, "matches": matches, "members": cs.members(session, actor, code),
        "meetings": meetings, "may_keep": actor.role in OFFICERS, "types": [t.value for t in mt.NeedType],
        "type_name": mt.type_name, "values": values, "errors": errors}, status_code=status_code)


@router.get("/community/{community_code}", response_class=HTMLResponse)
def community_page(request: Request, session: SessionDep, actor: PageActor, now: Now,
                   community_code: str = CommunityCode, table: str = Query("", max_length=20)) -> Response:
    kind = downloads.wanted(request)
    if kind:  # one of the lists, as the page shows it
        which = tables.choose(table, tables.COMMUNITY_TABLES)
        node = ls.community(session, actor, community_code)
        data = _lists(session, actor, community_code)
        return downloads.answer(request, kind, lambda: tables.community(
            which, data, request_lang(request), f"community-{node.code}"), now)
    return _page(request, session, actor, community_code, {}, {})


@router.post("/community/{community_code}/needs", response_class=HTMLResponse)
def add_need(request: Request, session: SessionDep, actor: PageActor, now: Now,
             community_code: str = CommunityCode,
             type: Annotated[str, Form(max_length=20)] = "",
             household: Annotated[str, Form(max_length=30)] = "",
             windows: Annotated[str, Form(max_length=300)] = "",
             people: Annotated[str, Form(max_length=10)] = "1",
             note: Annotated[str, Form()] = "") -> Response:
    """Put a need on the list from the form: the same command as ``POST /api/v1/community/needs``."""
    values = {"type": type, "household": household, "windows": windows, "people": people, "note": note}
    try:
        ls.add_need(session, actor, ls.NeedData(
            type=type, node=community_code, household=household.strip() or None, windows=windows,
            people=parse_int(people, "people", low=1, high=ls.PEOPLE_MAX), note=note,
            source=NeedSource.RESIDENT.value), now=now)
    except InvalidInput as exc:
        session.rollback()
        return _page(request, session, actor, community_code, values, errors_of(exc), status_code=422)
    return see_other(f"/community/{community_code}#needs")


@router.post("/community/{community_code}/propose", response_class=HTMLResponse)
def propose(session: SessionDep, actor: PageActor, now: Now, community_code: str = CommunityCode) -> Response:
    """Run the matcher for the community's open needs."""
    ls.propose(session, actor, community_code, now=now)
    return see_other(f"/community/{community_code}#matches")


@router.post("/community/matches/{match_id}/act", response_class=HTMLResponse)
def act(session: SessionDep, actor: PageActor, now: Now, match_id: int = MatchId,
        action: Annotated[str, Form(max_length=12)] = "", rating: Annotated[str, Form(max_length=2)] = "",
        comment: Annotated[str, Form()] = "") -> Response:
    """Move a match (accept, decline, fulfil, evaluate): the same command as the API's."""
    score = parse_int(rating, "rating", low=1, high=5) if action == "evaluate" else None
    ls.act(session, actor, match_id, action, rating=score, comment=comment, now=now)
    view = ls.get_match(session, actor, match_id)
    node = ls.row_node(session, actor, view.need.node_id, "match")
    return see_other(f"/community/{node.code}#match-{match_id}")
