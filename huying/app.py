"""The ASGI application: routers, templates, static files, error handlers."""

from __future__ import annotations

import gc
import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from huying import __version__
from huying.config import get_settings
from huying.db import get_engine
from huying.http.body import LimitBody, reject_bad_multipart_text
from huying.http.observe import Observe, configure_logging
from huying.http.ratelimit import limit_writes

log = logging.getLogger("huying.app")

# Routers contributed by each domain: (module, attribute). Missing modules are skipped.
# FastAPI tries the routers, and each router's routes, in this order until one matches, so
# intake (the write every channel sends, the city's busiest) comes first: a report was
# matched after about 60 other routes (docs/performance.md, P1). No two routers here share a
# method and path, so the order changes no route's meaning (tests/api/test_routes_order.py).
_ROUTERS = [
    ("huying.intake.routes", "router"),
    ("huying.ops.routes", "router"),
    ("huying.geo.routes", "router"),
    ("huying.web.routes", "router"),
    ("huying.cases.routes", "router"),
    ("huying.api.routes", "router"),
    ("huying.contact.routes", "router"),
    ("huying.contact.visit_routes", "router"),
    ("huying.contact.walk_routes", "router"),
    ("huying.community.exchange_routes", "router"),
    ("huying.contact.link_routes", "router"),
    ("huying.contact.deploy_routes", "router"),
    ("huying.community.circle_routes", "router"),
    ("huying.community.onestop_routes", "router"),
    ("huying.community.council_routes", "router"),
    ("huying.community.lists_routes", "router"),
    ("huying.accountability.duty_routes", "router"),
    ("huying.mapedit.routes", "router"),
    ("huying.mapedit.division_routes", "router"),
    ("huying.api.open311", "router"),
    ("huying.web.report_routes", "router"),
]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Build the cities' locate indexes, then start the in-server sweeper (SLA warnings,
    overdue, escalation, notifications)."""
    from huying.cases.background import background

    configure_logging(get_settings().log_level)
    import anyio.to_thread

    anyio.to_thread.current_default_thread_limiter().total_tokens = get_settings().worker_threads
    if get_settings().warm_start:
        _warm()
        await _warm_routes(app)
        await anyio.to_thread.run_sync(_warm_imports)  # anyio's thread pool, started here
    if get_settings().gc_freeze:
        # What start-up built (the grid indexes, the modules, the app) lives as long as the
        # worker: out of the collector's sight, a full collection no longer walks it in the
        # middle of a request (docs/performance.md, P1).
        gc.collect()
        gc.freeze()
    _warn_settings()
    worker = background()
    worker.start()
    try:
        yield
    finally:
        worker.stop()


def _warm() -> None:
    """What a worker's first requests would otherwise build in the middle of a request, built
    before it accepts one (docs/performance.md, P1: a cold worker's first report took 0.6 s):
    the grid indexes (a cold worker built one per concurrent request), then what each city's
    first report reads (:func:`huying.intake.service.warm`). Nothing is stored. A database
    not set up yet is not an error here."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    from huying.geo import service as geo
    from huying.geo.models import City
    from huying.intake import service as intake

    try:
        with Session(get_engine()) as session:
            geo.warm(session)
            intake.warm(session, list(session.scalars(select(City.id))))
            session.rollback()
    except SQLAlchemyError as exc:
        log.warning("the start-up's indexes were not built: %s", exc.__class__.__name__)


def _warn_settings() -> None:
    """Log what is wrong with the database server's settings (``huying.ops.health``), once
    per worker: a slowness no error would show."""
    from huying.ops import health

    for warning in health.database_warnings(get_engine()):
        log.warning("database server: %s", warning)


def _warm_imports() -> None:
    """Modules the hot path imports on first use (kept lazy so that the CLI starts fast): the
    duplicate look-up's H3 cells."""
    importlib.import_module("h3")


async def _warm_routes(app: FastAPI) -> None:
    """FastAPI (0.165) builds each router's routes' dependency state on the first request
    that walks past them (0.15 s for the first report): one request that matches no route,
    sent to the router itself (no middleware: not logged, not counted), walks them all."""
    scope = {"type": "http", "method": "GET", "path": "/.warm", "raw_path": b"/.warm",
             "query_string": b"", "headers": [], "root_path": "", "scheme": "http",
             "server": ("127.0.0.1", 0), "client": ("127.0.0.1", 0), "app": app,
             "http_version": "1.1"}

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message: object) -> None:
        return None

    from starlette.exceptions import HTTPException

    try:
        await app.router(scope, receive, send)
    except HTTPException:  # the 404 the router raises for its error handler: expected
        pass


def create_app() -> FastAPI:
    from huying.config import secret_key

    secret_key()  # a published or short secret stops the start-up, not the first request
    app = FastAPI(title="huying 呼应", version=__version__, openapi_url="/api/v1/openapi.json",
                  docs_url=None, redoc_url=None,  # /docs: our vendored Swagger UI (huying.web.pages.apidocs)
                  lifespan=lifespan,
                  dependencies=[Depends(limit_writes), Depends(reject_bad_multipart_text)])

    for module, attr in _ROUTERS:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        app.include_router(getattr(mod, attr))
    from huying.http import errors as api_errors

    api_errors.install(app)
    app.add_middleware(LimitBody)  # before any route reads a body; inside the web layer's headers
    setup = _optional("huying.web.setup", "setup")
    if setup is not None:
        setup(app)
    app.add_middleware(Observe)  # outermost: every reply counted, logged and given its id
    return app


def _optional(module: str, attr: str):  # type: ignore[no-untyped-def]
    try:
        return getattr(importlib.import_module(module), attr)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return None
