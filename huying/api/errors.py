"""One error format for the JSON API: ``{"error": kind, "detail": reason, ...}`` with
422 invalid input · 403 not permitted · 404 not visible · 409 illegal transition (listing
the allowed actions) or stale version · 412 a stale ``If-Match`` · 429 rate limited (with
``Retry-After``; Open311 paths answer in the GeoReport error format)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from huying.api.ratelimit import RateLimited
from huying.cases.errors import CaseError, InvalidInput, StaleVersion
from huying.cases.workflow import IllegalTransition
from huying.geo.service import CityNotFound, GeoError, NodeNotFound
from huying.orgs.service import AccountError


class PreconditionFailed(CaseError):
    """``If-Match`` names a version that is no longer the case's (HTTP 412)."""

    http_status = 412

    def __init__(self, message: str, expected: int | None, actual: int | None) -> None:
        self.expected, self.actual = expected, actual
        super().__init__(message)


def _json(status: int, kind: str, detail: str, /, **extra: object) -> JSONResponse:
    return JSONResponse({"error": kind, "detail": detail, **extra}, status_code=status)


async def on_case_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, InvalidInput):
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
    return _json(409, "illegal_transition", str(exc), status=exc.status.value, action=exc.action,
                 allowed=exc.allowed)


async def on_bad_value(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, CityNotFound | NodeNotFound):
        return _json(404, "not_found", str(exc))
    return _json(422, "invalid_input", str(exc))


async def on_rate_limited(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RateLimited)
    headers = {"Retry-After": str(exc.retry_after)}
    if request.url.path.startswith("/open311/"):
        from huying.api.open311 import error_response

        response = error_response(request, 429, str(exc))
        response.headers.update(headers)
        return response
    response = _json(429, "rate_limited", str(exc), retry_after=exc.retry_after)
    response.headers.update(headers)
    return response


def install(app: FastAPI) -> None:
    app.add_exception_handler(RateLimited, on_rate_limited)
    app.add_exception_handler(CaseError, on_case_error)
    app.add_exception_handler(IllegalTransition, on_illegal)
    app.add_exception_handler(GeoError, on_bad_value)
    app.add_exception_handler(AccountError, on_bad_value)
