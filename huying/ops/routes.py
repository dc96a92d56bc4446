"""Liveness, readiness (and metrics): what a load balancer and a scraper ask."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from huying import __version__
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


@router.get("/metrics", response_class=Response)
def metrics(now: Now) -> Response:
    """Prometheus text format: the request counters of every worker and the figures read
    from the database now."""
    figures = CollectorRegistry()
    figures.register(DatabaseFigures(get_engine(), now))
    body = generate_latest(observe.registry()) + generate_latest(figures)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
