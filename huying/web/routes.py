"""The pages. Thin: parse, call a service, render."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from huying.deps import SessionDep
from huying.orgs.models import Role
from huying.web import queries, residents
from huying.web.deps import MaybeUser, actor_of
from huying.web.maps import GEO_API, map_config
from huying.web.templating import render

router = APIRouter(include_in_schema=False)

#: A resident's home lists this many of their latest reports (all of them under /my).
HOME_REPORTS = 10


@router.get("/", response_class=HTMLResponse, name="home")
def home(request: Request, session: SessionDep, user: MaybeUser) -> HTMLResponse:
    """A signed-in resident: a large "report a problem" and their latest reports, each with its
    five steps. Anyone else: the city map (towns, communities and grids from our own GeoJSON;
    a click shows the place's path in the tree), and for a visitor who is not signed in, first
    what the site is and how to report."""
    if user is not None and user.role == Role.RESIDENT:
        actor = actor_of(session, user)
        cases = queries.my_reports(session, actor, limit=HOME_REPORTS + 1)
        return render(request, "resident_home.html", {
            "cards": residents.report_cards(session, actor, cases[:HOME_REPORTS]),
            "more": len(cases) > HOME_REPORTS})
    return render(request, "home.html", {"geo_api": GEO_API, "map_config": map_config(session),
                                         "intro": user is None})
