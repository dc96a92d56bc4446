"""``/api/v1/indicators``: the catalogue, the values of a node and its children, of the units,
and the records behind a figure (their number is the figure). Thin: parse, load, permit
(``policy.check_node`` for figures), call :mod:`huying.accountability.indicators`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import select

from huying.accountability import indicators as ind
from huying.cases.policy import check_node
from huying.deps import ReadSessionDep
from huying.errors import NotVisible
from huying.geo import service as geo
from huying.geo.models import Node
from huying.http.clock import Now
from huying.http.errors import reject_nul_body
from huying.http.pagination import paginate
from huying.http.ratelimit import limit_anonymous
from huying.metrics.period import Period, parse_period
from huying.orgs.actor import Actor
from huying.orgs.auth import CurrentActor

router = APIRouter(prefix="/api/v1/indicators", tags=["indicators"],
                   dependencies=[Depends(limit_anonymous), Depends(reject_nul_body)])

NODE = Query(None, description="A node code (default: the caller's own node).")
PERIOD = Query("year", description="all, month, quarter, year or custom.")
FROM = Query("", alias="from", description="A day inside the period (YYYY-MM-DD); custom: the first day.")
TO = Query("", description="custom: the last day (YYYY-MM-DD).")


def _node(session: ReadSessionDep, actor: Actor, code: str | None) -> Node:
    if code is None:
        node = session.scalar(select(Node).where(Node.path == actor.node_path, Node.city_id == actor.city_id))
        if node is None:
            raise NotVisible("your account has no node")
    else:
        node = geo.get_node(session, actor.city_id, code)
    check_node(actor, node.path, "figures")
    return node


def _period(p: Period) -> dict[str, Any]:
    return {"kind": p.kind, "start": p.start, "end": p.end, "since": p.since, "until": p.until, "partial": p.partial}


@router.get("")
def catalogue(actor: CurrentActor) -> dict[str, Any]:
    """Every indicator's definition (see docs/indicators.md) and the composite's weights."""
    return {"indicators": [asdict(i) for i in ind.CATALOGUE], "composite_weights": ind.composite_weights()}


@router.get("/values")
def values(session: ReadSessionDep, actor: CurrentActor, now: Now, node: str | None = NODE, period: str = PERIOD,
           from_: str = FROM, to: str = TO) -> dict[str, Any]:
    """The values of a node and of each node ranked under it, for the period."""
    target = _node(session, actor, node)
    p = parse_period(period, from_, to, now=now)
    tree = ind.tree_values(session, actor.city_id, now=now, since=p.since, until=p.until)
    below = ind.ranked_nodes(session, target)
    return {"period": _period(p),
            "node": {"code": target.code, "name": target.name_zh, "level": target.level,
                     "values": {k: asdict(v) for k, v in tree[target.code].items()}},
            "children": [{"code": n.code, "name": n.name_zh, "level": n.level,
                          "values": {k: asdict(v) for k, v in tree[n.code].items()}} for n in below]}


@router.get("/units")
def units(session: ReadSessionDep, actor: CurrentActor, now: Now, node: str | None = NODE, period: str = PERIOD,
          from_: str = FROM, to: str = TO) -> dict[str, Any]:
    """The case-based values of every unit of the city (the caller must see the city's
    figures, or the node's: units are the city's)."""
    target = _node(session, actor, node)
    p = parse_period(period, from_, to, now=now)
    if target.level != "city":
        check_node(actor, target.path, "figures")
    per_unit = ind.unit_values(session, actor.city_id, now=now, since=p.since, until=p.until,
                               under=target.path)
    return {"period": _period(p), "node": target.code,
            "units": [{"code": code, "values": {k: asdict(v) for k, v in vals.items()}}
                      for code, vals in sorted(per_unit.items())]}


@router.get("/{key}/records")
def records(key: str, request: Request, response: Response, session: ReadSessionDep, actor: CurrentActor, now: Now,
            node: str | None = NODE, period: str = PERIOD, from_: str = FROM, to: str = TO,
            part: str = Query("num", description="num: the figure's own records (a rate's numerator); den: a rate's denominator's."),
            limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=2**31 - 1)) -> dict[str, Any]:
    """The cases behind a figure; ``total`` equals the figure (``X-Total-Count`` too)."""
    target = _node(session, actor, node)
    p = parse_period(period, from_, to, now=now)
    rows, total = ind.records(session, actor, target, key, now=now, since=p.since, until=p.until,
                              limit=limit, offset=offset, part=part)
    paginate(request, response, total, limit, offset)
    return {"key": key, "part": part, "node": target.code, "period": _period(p), "total": total,
            "items": [{"code": c.code, "title": c.title, "status": c.status, "grid_path": c.grid_path,
                       "created_at": c.created_at, "closed_at": c.closed_at} for c in rows]}
