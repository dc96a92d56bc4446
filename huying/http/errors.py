"""One error format for the JSON API: ``{"error": kind, "detail": reason, ...}`` with
422 invalid input · 403 not permitted · 404 not visible · 409 illegal transition (listing
the allowed actions) or stale version · 412 a stale ``If-Match`` · 429 rate limited (with
``Retry-After``; Open311 paths answer in the GeoReport error format) · 503 the database is
unavailable or read-only (with ``Retry-After``), never a 500."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import exc as sa_exc
from starlette.types import ASGIApp, Receive, Scope, Send

from huying.errors import CaseError, IllegalTransition, InvalidInput, StaleVersion
from huying.http.body import MAX_ECHO, RejectBadText
from huying.http.formats import PATH_FORMATS, own_format
from huying.http.ratelimit import RateLimited

__all__ = ["PATH_FORMATS", "install", "own_format", "unavailable_reason"]

log = logging.getLogger("huying.http")

#: Seconds a client is told to wait when the database is unavailable.
UNAVAILABLE_RETRY_AFTER = 5
#: SQLSTATE classes and codes that mean "the database cannot serve now" rather than "this
#: statement is wrong": connection exceptions (08), read-only transaction (25006),
#: insufficient resources (53), operator intervention (57: shutdown, cannot connect now).
_UNAVAILABLE_SQLSTATES = ("08", "25006", "53", "57P")
#: What a hot standby cancels a query with when replay needs what it holds (serialization
#: failure, deadlock detected), with "conflict with recovery" in the message.
_RECOVERY_CONFLICT = ("40001", "40P01")

class PreconditionFailed(CaseError):
    """``If-Match`` names a version that is no longer the case's (HTTP 412)."""

    http_status = 412

    def __init__(self, message: str, expected: int | None, actual: int | None) -> None:
        self.expected, self.actual = expected, actual
        super().__init__(message)


def _json(status: int, kind: str, detail: str, /, **extra: object) -> JSONResponse:
    return JSONResponse({"error": kind, "detail": detail, **extra}, status_code=status)


async def on_case_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, InvalidInput) and exc.http_status == 422:
        return _json(422, "invalid_input", str(exc), field=exc.field)
    if isinstance(exc, StaleVersion):
        return _json(409, "stale_version", str(exc), expected=exc.expected, actual=exc.actual)
    if isinstance(exc, PreconditionFailed):
        return _json(412, "precondition_failed", str(exc), expected=exc.expected, actual=exc.actual)
    assert isinstance(exc, CaseError)
    kinds = {403: "not_permitted", 404: "not_found", 412: "precondition_failed"}
    return _json(exc.http_status, kinds.get(exc.http_status, "conflict"), str(exc))


async def on_illegal(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, IllegalTransition)
    return _json(409, "illegal_transition", str(exc), status=str(exc.status), action=exc.action,
                 allowed=exc.allowed)


async def on_rate_limited(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RateLimited)
    headers = {"Retry-After": str(exc.retry_after)}
    own = own_format(request.url.path)
    if own is not None:
        response = own(request, 429, str(exc))
        response.headers.update(headers)
        return response
    response = _json(429, "rate_limited", str(exc), retry_after=exc.retry_after)
    response.headers.update(headers)
    return response


class RejectNul:
    """ASGI middleware: a NUL character in the URL is bad input (422; 400 in the GeoReport
    format under ``/open311/``), not something to hand to the database (PostgreSQL refuses
    NUL in text and would make it a 500)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope.get("path", "")
            query: bytes = scope.get("query_string", b"")
            if "\x00" in path or b"\x00" in query or b"%00" in query:
                from starlette.requests import Request as StarletteRequest

                request = StarletteRequest(scope)
                reason = "the URL contains a NUL character"
                own = own_format(path)
                if own is not None:
                    response = own(request, 400, reason)
                else:
                    response = _json(422, "invalid_input", reason)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def has_nul(body: bytes) -> bool:
    """A NUL character in a JSON or form body (raw, JSON-escaped or percent-encoded)."""
    return b"\x00" in body or b"\\u0000" in body or b"%00" in body


async def reject_nul_body(request: Request) -> None:
    """Dependency: the same for request bodies (JSON or form)."""
    if request.method in ("POST", "PUT", "PATCH") and has_nul(await request.body()):
        raise InvalidInput("the request body contains a NUL character", "body")


def unavailable_reason(exc: BaseException) -> str | None:
    """Why the database cannot serve, when ``exc`` means that (unreachable, read-only, out of
    connections, shutting down, locked); None for an error of the statement itself."""
    if isinstance(exc, sa_exc.TimeoutError):
        return "no database connection is free"
    if not isinstance(exc, sa_exc.DBAPIError):
        return None
    message = str(exc.orig).lower()
    if "readonly" in message or "read-only" in message:
        return "the database is read-only"
    sqlstate = str(getattr(exc.orig, "sqlstate", "") or "")
    if sqlstate in _RECOVERY_CONFLICT and "conflict with recovery" in message:
        # a read replica cancelled the statement to go on replaying the primary's changes
        # (docs/deploy.md): the next try usually succeeds
        return "the database is unavailable"
    if sqlstate.startswith(_UNAVAILABLE_SQLSTATES):
        return "the database is read-only" if sqlstate == "25006" else "the database is unavailable"
    if exc.connection_invalidated or isinstance(exc, sa_exc.InterfaceError):
        return "the database is unavailable"
    if isinstance(exc, sa_exc.OperationalError) and not sqlstate:
        # SQLite (no SQLSTATE): locked, busy, unreadable or missing file, missing schema
        return "the database is unavailable"
    return None


#: What a number too large for the database's integer column is told (PostgreSQL: SQLSTATE
#: 22003 "integer out of range"; SQLite's driver: ``OverflowError`` past 64 bits).
OUT_OF_RANGE = "a number in the request is out of range"


def out_of_range(exc: BaseException) -> bool:
    """``exc`` says a number of the request does not fit the database's column (an id of
    2**31 asked of PostgreSQL's ``integer``, 2**63 of SQLite's): the request's fault, a 422,
    never a 500 (one answer for every route, path, query and body alike)."""
    if isinstance(exc, OverflowError):
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        return str(getattr(exc.orig, "sqlstate", "") or "") == "22003" or isinstance(exc.orig, OverflowError)
    return False


async def on_out_of_range(request: Request, exc: Exception) -> Response:
    """422 naming the problem, in the route's own format (GeoReport under ``/open311/``)."""
    own = own_format(request.url.path)
    return own(request, 422, OUT_OF_RANGE) if own is not None else _json(422, "invalid_input", OUT_OF_RANGE)


async def on_database_error(request: Request, exc: Exception) -> Response:
    """503 with ``Retry-After`` when the database is unavailable; a 422 when a number of the
    request does not fit its column; anything else goes on to the server-error handler
    (500). The reply names no host, port or statement."""
    if out_of_range(exc):
        return await on_out_of_range(request, exc)
    reason = unavailable_reason(exc)
    if reason is None:
        raise exc
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path,
                f"{exc.__class__.__name__}: {getattr(exc, 'orig', exc)}"[:500])
    headers = {"Retry-After": str(UNAVAILABLE_RETRY_AFTER)}
    own = own_format(request.url.path)
    response = own(request, 503, reason) if own is not None else _json(
        503, "unavailable", reason, retry_after=UNAVAILABLE_RETRY_AFTER)
    response.headers.update(headers)
    return response


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """FastAPI's validation errors without echoing a large input: an ``input`` longer than
    ``MAX_ECHO`` characters (as JSON) is left out, the other fields are kept."""
    out = []
    for error in jsonable_encoder(exc.errors()):
        if "input" in error and len(json.dumps(error["input"], ensure_ascii=False)) > MAX_ECHO:
            error = {k: v for k, v in error.items() if k != "input"}
        out.append(error)
    return out


async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": validation_errors(exc)}, status_code=422)


def install(app: FastAPI) -> None:
    """The error handlers, and the body checks that run closest to the routes."""
    app.add_middleware(RejectBadText)
    app.add_middleware(RejectNul)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(sa_exc.DBAPIError, on_database_error)
    app.add_exception_handler(sa_exc.TimeoutError, on_database_error)
    app.add_exception_handler(OverflowError, on_out_of_range)
    app.add_exception_handler(RateLimited, on_rate_limited)
    app.add_exception_handler(CaseError, on_case_error)
    app.add_exception_handler(IllegalTransition, on_illegal)
