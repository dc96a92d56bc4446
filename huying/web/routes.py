"""The pages. Thin: parse, call a service, render."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from huying.web.templating import render

router = APIRouter(include_in_schema=False)

#: Where the map gets its layers and answers clicks (``huying.geo.routes``).
GEO_API = "/api/v1/geo"


@router.get("/", response_class=HTMLResponse, name="home")
def home(request: Request) -> HTMLResponse:
    """The city map: towns, communities and grids from our own GeoJSON; a click shows the
    place's path in the tree."""
    return render(request, "home.html", {"geo_api": GEO_API})
