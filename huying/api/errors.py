"""One error format for the JSON API: ``{"error": kind, "detail": reason, ...}`` with
422 invalid input · 403 not permitted · 404 not visible · 409 illegal transition (listing
the allowed actions) or stale version."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from huying.cases.errors import CaseError, InvalidInput, StaleVersion
from huying.cases.workflow import IllegalTransition
from huying.geo.service import CityNotFound, GeoError, NodeNotFound
from huying.orgs.service import AccountError


def _json(status: int, kind: str, detail: str, **extra: object) -> JSONResponse:
    return JSONResponse({"error": kind, "detail": detail, **extra}, status_code=status)


async def on_case_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, InvalidInput):
        return _json(422, "invalid_input", str(exc), field=exc.field)
    if isinstance(exc, StaleVersion):
        return _json(409, "stale_version", str(exc), expected=exc.expected, actual=exc.actual)
    assert isinstance(exc, CaseError)
    kinds = {403: "not_permitted", 404: "not_found"}
    return _json(exc.http_status, kinds.get(exc.http_status, "conflict"), str(exc))


async def on_illegal(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, IllegalTransition)
    return _json(409, "illegal_transition", str(exc), status=exc.status.value, action=exc.action,
                 allowed=exc.allowed)


async def on_bad_value(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, CityNotFound | NodeNotFound):
        return _json(404, "not_found", str(exc))
    return _json(422, "invalid_input", str(exc))


def install(app: FastAPI) -> None:
    app.add_exception_handler(CaseError, on_case_error)
    app.add_exception_handler(IllegalTransition, on_illegal)
    app.add_exception_handler(GeoError, on_bad_value)
    app.add_exception_handler(AccountError, on_bad_value)
