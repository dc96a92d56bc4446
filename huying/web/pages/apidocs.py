"""The interactive API documentation (Swagger UI) from our own vendored copy, under the
same Content-Security-Policy as every page: no CDN, no inline script (issue 19)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from huying.web.templating import render

router = APIRouter()


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> Response:
    return render(request, "apidocs.html", {"spec": request.app.openapi_url})
