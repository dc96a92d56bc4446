"""``GET /api/v1/reports/{node}``: the report of a node for a period as PDF or HTML, for those
who see the node's figures (the one policy: ``check_node(…, "figures")``, as ``/api/v1/stats``).

Here in the web layer, not in :mod:`huying.api`: the document is the web's template."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from huying.accountability import report
from huying.cases.policy import check_node
from huying.deps import ReadSessionDep
from huying.errors import InvalidInput
from huying.geo import service as geo
from huying.http.clock import Now
from huying.http.errors import reject_nul_body
from huying.http.ratelimit import limit_anonymous
from huying.orgs.auth import CurrentActor
from huying.web.pages.report import FORMATS, send
from huying.web.templating import request_lang

router = APIRouter(prefix="/api/v1", tags=["reports"],
                   dependencies=[Depends(limit_anonymous), Depends(reject_nul_body)])


@router.get("/reports/{node}", response_class=Response,
            responses={200: {"content": {"application/pdf": {}, "text/html": {}}}})
def node_report(request: Request, node: str, session: ReadSessionDep, actor: CurrentActor, now: Now,
                period: str = Query("", max_length=20, description="2026, 2026Q3, 2026-07 (default: this year)."),
                from_: str = Query("", alias="from", max_length=20, description="Custom dates: the first day."),
                to: str = Query("", max_length=20, description="Custom dates: the last day."),
                format: str = Query("pdf", max_length=8, description="pdf or html.")) -> Response:
    """The report of a node in the article's style: its figures this period and a year before,
    the four sections, the units below ranked, the months of the trend."""
    target = geo.get_node(session, actor.city_id, node[:60])
    check_node(actor, target.path, "figures")
    if format not in FORMATS:
        raise InvalidInput(f"one of {', '.join(FORMATS)}", field="format")
    p = report.report_period(period, from_, to, now=now)
    r = report.node_report(session, actor.city_id, target.code, p, now=now)
    return send(r, format, request_lang(request))
