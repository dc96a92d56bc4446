"""Leaders: the indicator catalogue's values of a node and of the nodes ranked under it
(``/leader/indicators``), a ranking of those nodes by any indicator (``?rank=KEY``), and the
records behind each figure (``/leader/indicators/records``: their number is the figure)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from huying.accountability import indicators as ind
from huying.deps import ReadSessionDep
from huying.errors import InvalidInput
from huying.geo import service as geo
from huying.http.clock import Now
from huying.metrics.period import parse_period
from huying.web.deps import PageActor
from huying.web.pages.leader import DEFAULT_PERIOD, PERIODS, _node
from huying.web.templating import render

router = APIRouter()
PAGE = 50


def _(msgid: str) -> str:
    """Marks a msgid for extraction (the pages translate it)."""
    return msgid


#: The catalogue's labels, here for the message extraction (huying/web only); a test checks
#: that every label of ``indicators.CATALOGUE`` is among them.
LABELS = (
    _("Response rate"), _("Solved rate"), _("Satisfaction rate"), _("Cases registered"), _("Close rate"),
    _("On-time close rate"), _("Dispatch accuracy"), _("On-time handling rate"), _("Rework rate"),
    _("Composite score"), _("Received"), _("Closed"), _("Fixed on the spot"), _("Closed on time"),
    _("On-time rate"), _("Reworked"), _("Satisfied follow-ups"), _("Dissatisfied follow-ups"),
    _("Mean hours to close"), _("Escalations"), _("Open now"), _("Overdue now"), _("Inspection walks"),
    _("Problems found on walks"), _("Problems fixed on the spot on walks"), _("Walk problems closed"),
    _("Requests collected on visits"), _("Visit requests closed"), _("Households visited"),
    _("Visit coverage"), _("Service requests accepted"), _("Service requests handled"),
    _("Exchange projects done"), _("Exchange projects under way"),
)


@router.get("/leader/indicators", response_class=HTMLResponse)
def indicators(request: Request, session: ReadSessionDep, actor: PageActor, t: Now, node: str = "",
               period: str = DEFAULT_PERIOD, from_: str = Query("", alias="from", max_length=20),
               to: str = Query("", max_length=20), rank: str = Query("", max_length=40)) -> Response:
    here = _node(session, actor, node)
    form = {"period": period if period in PERIODS else "", "from": from_, "to": to, "rank": rank}
    ctx = {"node": here, "trail": geo.ancestors(session, here), "periods": PERIODS, "form": form,
           "catalogue": ind.CATALOGUE, "error": None}
    try:
        p = parse_period(period, from_, to, now=t)
        ranked_by = ind.get(rank) if rank else None
    except InvalidInput as exc:
        return render(request, "indicators.html", {**ctx, "error": str(exc)}, status_code=400)
    tree = ind.tree_values(session, here.city_id, now=t, since=p.since, until=p.until)
    below = ind.ranked_nodes(session, here)
    ranking = (ind.rank(ranked_by, [(n, tree[n.code][ranked_by.key]) for n in below])
               if ranked_by is not None else [])
    return render(request, "indicators.html", {
        **ctx, "p": p, "query": p.query(), "values": tree[here.code],
        "children": [(n, tree[n.code]) for n in below[:12]], "ranked_by": ranked_by, "ranking": ranking,
    })


@router.get("/leader/indicators/records", response_class=HTMLResponse)
def records(request: Request, session: ReadSessionDep, actor: PageActor, t: Now, key: str = Query(..., max_length=40),
            node: str = "", part: str = "num", period: str = DEFAULT_PERIOD,
            from_: str = Query("", alias="from", max_length=20), to: str = Query("", max_length=20),
            page: int = Query(1, ge=1, le=10_000)) -> Response:
    here = _node(session, actor, node)
    try:
        p = parse_period(period, from_, to, now=t)
        indicator = ind.get(key)
        rows, total = ind.records(session, actor, here, key, now=t, since=p.since, until=p.until, limit=PAGE,
                                  offset=(page - 1) * PAGE, part=part)
    except InvalidInput as exc:
        return render(request, "indicator_records.html", {"node": here, "error": str(exc)}, status_code=400)
    return render(request, "indicator_records.html", {
        "node": here, "error": None, "indicator": indicator, "part": part, "rows": rows, "total": total,
        "page": page, "pages": max(1, -(-total // PAGE)), "query": p.query(), "p": p,
    })
