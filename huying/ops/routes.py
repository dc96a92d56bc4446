"""Liveness, readiness (and metrics): what a load balancer and a scraper ask."""

from __future__ import annotations

from fastapi import APIRouter

from huying import __version__
from huying.db import get_engine
from huying.ops import health

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
