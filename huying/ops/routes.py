"""Liveness, readiness (and metrics): what a load balancer and a scraper ask."""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from huying import __version__
from huying.config import get_settings
from huying.db import get_engine
from huying.http import observe
from huying.http.clock import Now
from huying.ops import health
from huying.ops.metrics import DatabaseFigures

router = APIRouter(tags=["ops"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers (no database involved)."""
    return {"status": "ok", "version": __version__}


@router.get("/readyz")
def readyz() -> dict[str, str]:
    """Readiness: the database can be read and written; 503 with ``Retry-After`` when not
    (``huying.http.errors.on_database_error``)."""
    health.check(get_engine())
    return {"status": "ready", "version": __version__}


def scraper(request: Request) -> None:
    """Dependency: ``/metrics`` is for the scraper: the bearer token ``HUYING_METRICS_TOKEN``
    when set, else a client on the loopback interface."""
    token = get_settings().metrics_token
    if token:
        sent = request.headers.get("authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            raise HTTPException(401, "the metrics token is missing or wrong",
                                headers={"WWW-Authenticate": "Bearer"})
        return
    host = request.client.host if request.client else ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise HTTPException(403, "metrics are served to the loopback interface only; "
                                 "set HUYING_METRICS_TOKEN to scrape from elsewhere")


@router.get("/metrics", response_class=Response, dependencies=[Depends(scraper)])
def metrics(now: Now) -> Response:
    """Prometheus text format: the request counters of every worker and the figures read
    from the database now."""
    figures = CollectorRegistry()
    figures.register(DatabaseFigures(get_engine(), now))
    body = generate_latest(observe.registry()) + generate_latest(figures)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
