"""The report of a node for a period (issue #18) on the web: the page (HTML) and its PDF, for
those who see the node's figures — scoped exactly as the leader's page (``leader._node``)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from huying.accountability import report, report_data
from huying.deps import ReadSessionDep
from huying.errors import InvalidInput
from huying.http.clock import Now
from huying.web import report_doc
from huying.web.deps import PageActor
from huying.web.pages.leader import _node, _reason
from huying.web.templating import render, request_lang

router = APIRouter()
FORMATS = ("html", "pdf")


def send(r: report_data.Report, fmt: str, lang: str, links: dict[str, str] | None = None) -> Response:
    """The report as a page, or as a PDF to download under its own (Chinese) name."""
    if fmt == "pdf":
        name = report_doc.filename(r, "pdf", lang)
        return Response(report_doc.pdf(r, lang), media_type="application/pdf",
                        headers={"Content-Disposition": report_doc.disposition(name),
                                 "Cache-Control": "private, no-store"})
    return HTMLResponse(report_doc.html(r, lang, links=links), headers={"Cache-Control": "private, no-store"})


@router.get("/leader/report")
def node_report(request: Request, session: ReadSessionDep, actor: PageActor, t: Now, node: str = Query("", max_length=60),
                period: str = Query("", max_length=20), from_: str = Query("", alias="from", max_length=20),
                to: str = Query("", max_length=20), format: str = Query("html", max_length=8)) -> Response:
    here = _node(session, actor, node)
    error = None
    if format not in FORMATS:
        error = "format"
    else:
        try:
            p = report.report_period(period, from_, to, now=t)
        except InvalidInput as exc:
            error = _reason(exc)
    if error is not None:
        return render(request, "report/report_error.html", {"node": here, "error": error}, status_code=400)
    r = report.node_report(session, actor.city_id, here.code, p, now=t)
    query = {"node": here.code, "period": period, "from": from_, "to": to}
    same = {k: v for k, v in query.items() if v}
    lang = request_lang(request)
    links = {"back": "/leader?" + urlencode({"node": here.code, **p.query()}),
             "pdf": "/leader/report?" + urlencode({**same, "format": "pdf"}),
             **{f"lang_{lg}": "/leader/report?" + urlencode({**same, "lang": lg}) for lg in ("zh", "en")}}
    return send(r, format, lang, links)
