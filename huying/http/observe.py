"""What a running server tells: one JSON log line per request (structlog), a request id
carried through every log line of the request and echoed in ``X-Request-ID``, and the
request counters and latencies per route template for Prometheus.

Prometheus runs in multiprocess mode when ``PROMETHEUS_MULTIPROC_DIR`` is set (``huying
serve --workers N`` sets it): each worker writes its samples to files there and the
``/metrics`` of any worker sums them. Only counters and histograms live there; the figures
read from the database are computed when scraped (``huying.ops.metrics``).
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
import uuid
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huying import requestctx

log = structlog.get_logger("huying.request")

REQUESTS = Counter("huying_http_requests", "HTTP requests answered, by route template.",
                   ["method", "route", "status"])
LATENCY = Histogram("huying_http_request_duration_seconds",
                    "Time to answer an HTTP request, by route template.", ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))

#: A request id a client may choose: short, and nothing that could forge a log line.
_CLIENT_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
HEADER = "X-Request-ID"
#: The key of ``request.state`` under which authentication leaves the user's id for the log.
WHO = "user_logged"


def request_id(scope: Scope) -> str:
    """The client's ``X-Request-ID`` when it is a sane token, else a new one."""
    for key, value in scope.get("headers", []):
        if key == b"x-request-id":
            text = value.decode("latin-1")
            if _CLIENT_ID.fullmatch(text):
                return text
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str:
    """``/api/v1/cases/{code}`` rather than the path (bounded label values); ``unmatched``
    for a path no route took."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else "unmatched"


class Observe:
    """ASGI middleware (the outermost): binds the request id for the request's log lines,
    echoes it, counts and times the request, and writes one log line when it is answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        scope.setdefault("state", {})["request_id"] = rid
        tokens = structlog.contextvars.bind_contextvars(request_id=rid)
        bound = requestctx.bind(rid)
        status = 500
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            method, route = str(scope.get("method", "")), route_template(scope)
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(elapsed)
            log.info("request", method=method, path=scope.get("path", "")[:200], route=route,
                     status=status, duration_ms=round(elapsed * 1000, 2),
                     user_id=scope["state"].get(WHO))
            structlog.contextvars.reset_contextvars(**tokens)
            requestctx.reset(bound)


def registry() -> CollectorRegistry:
    """The samples of every worker (multiprocess mode) or of this process."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        reg = CollectorRegistry()
        multiprocess.MultiProcessCollector(reg)
        return reg
    from prometheus_client import REGISTRY

    return REGISTRY


_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


class _JsonHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The one handler ``configure_logging`` puts on the root logger."""


def configure_logging(level: str = "INFO", stream: Any = None) -> None:
    """JSON lines on stderr (or ``stream``) for structlog's loggers and the standard library's
    (``huying.*``, uvicorn's), each with the request id of the request it belongs to.
    Idempotent: a second call replaces the handler."""
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, *_SHARED,
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    structlog.processors.JSONRenderer(ensure_ascii=False)],
    )
    handler = _JsonHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _JsonHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    logging.getLogger("huying").setLevel(level.upper())
