"""Error pages a person understands, in their language, for pages; JSON stays JSON for
``/api`` paths and for clients that ask for JSON."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from huying.errors import CaseError, IllegalTransition
from huying.http.errors import on_database_error as on_api_database_error
from huying.http.errors import on_validation_error as on_api_validation_error
from huying.http.formats import own_format
from huying.http.ratelimit import RateLimited
from huying.web.deps import PASSWORD_PAGE, LoginRequired, PasswordChangeRequired, login_url
from huying.web.middleware import security_headers
from huying.web.templating import render

log = logging.getLogger("huying.web")
Handler = Callable[[Request, Exception], Response | Awaitable[Response]]

#: Status codes that have their own wording in ``error.html``; others use the generic one.
KNOWN = {400, 403, 404, 405, 409, 429, 500}


def wants_html(request: Request) -> bool:
    """A page request: not the API, not a static file, and the client takes HTML."""
    path = request.url.path
    if path.startswith(("/api/", "/static/")) or path in ("/healthz", "/readyz", "/metrics", "/api"):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept or "application/xhtml+xml" in accept


def error_page(request: Request, status: int, *, retry_minutes: int = 0, retry_seconds: int = 0) -> Response:
    """The error page; for a 429, ``retry_minutes`` speaks of sign-ins, ``retry_seconds`` of
    the write throttle."""
    return render(
        request,
        "error.html",
        {"status": status, "kind": status if status in KNOWN else 0, "retry_minutes": retry_minutes,
         "retry_seconds": retry_seconds},
        status_code=status,
    )


async def on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if not wants_html(request):
        return await http_exception_handler(request, exc)
    response = error_page(request, exc.status_code)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if not wants_html(request):
        return await on_api_validation_error(request, exc)
    return error_page(request, 400)


async def on_server_error(request: Request, exc: Exception) -> Response:
    """Unhandled errors. Starlette logs and re-raises after this returns; the page says
    sorry and gives no detail. This runs outside the web middleware, so the security
    headers are added here."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    response: Response
    if wants_html(request):
        try:
            response = error_page(request, 500)
        except Exception:  # noqa: BLE001 - the error page itself must not fail
            response = PlainTextResponse("500 Internal Server Error", status_code=500)
    elif request.url.path.startswith("/static/"):
        response = PlainTextResponse("Internal Server Error", status_code=500)
    else:
        response = JSONResponse({"detail": "Internal Server Error"}, status_code=500)
    for key, value in security_headers(request.url.path).items():
        response.headers.setdefault(key, value)
    return response


async def on_login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(login_url(exc.next_url), status_code=303)


async def on_password_change_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PasswordChangeRequired)
    return RedirectResponse(f"{PASSWORD_PAGE}?next={quote(exc.next_url, safe='/')}", status_code=303)


def _html_or(fallback: Handler | None) -> Handler:
    """Errors of the closed loop: a page for pages (404 not visible, 403 not permitted,
    409 conflict, 400 bad input), the API's JSON answer otherwise."""

    async def handle(request: Request, exc: Exception) -> Response:
        if wants_html(request) or fallback is None:
            status = getattr(exc, "http_status", 409 if isinstance(exc, IllegalTransition) else 400)
            return error_page(request, 400 if status == 422 else status)
        result = fallback(request, exc)
        return await result if inspect.isawaitable(result) else result  # type: ignore[no-any-return]

    return handle


async def on_database_error(request: Request, exc: Exception) -> Response:
    """The database cannot serve: the API's 503 with ``Retry-After``; for pages, the error
    page with the same status and header (plain text if even the page cannot be drawn).
    Errors of the statement itself go on to the 500 handler."""
    answer = await on_api_database_error(request, exc)  # raises when not "unavailable"
    if not wants_html(request):
        return answer
    if answer.status_code == 422:  # a number out of range: the request's fault
        return error_page(request, 400)
    try:
        response = error_page(request, 503)
    except Exception:  # noqa: BLE001 - the error page itself must not fail
        response = PlainTextResponse("503 Service Unavailable", status_code=503)
    response.headers["Retry-After"] = answer.headers["Retry-After"]
    return response


def _rate_limited(fallback: Handler | None) -> Handler:
    """The write throttle (or the API's limit) on a page: the error page with the reason and
    ``Retry-After``; the API's answer (JSON, or GeoReport under ``/open311/``) otherwise."""

    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RateLimited)
        if (wants_html(request) and own_format(request.url.path) is None) or fallback is None:
            response = error_page(request, 429, retry_seconds=exc.retry_after if exc.writes else 0,
                                  retry_minutes=max(1, -(-exc.retry_after // 60)))
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        result = fallback(request, exc)
        return await result if inspect.isawaitable(result) else result  # type: ignore[no-any-return]

    return handle


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, on_http_exception)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_server_error)
    app.add_exception_handler(LoginRequired, on_login_required)
    app.add_exception_handler(PasswordChangeRequired, on_password_change_required)
    app.add_exception_handler(DBAPIError, on_database_error)
    app.add_exception_handler(SQLAlchemyTimeout, on_database_error)
    app.add_exception_handler(RateLimited, _rate_limited(app.exception_handlers.get(RateLimited)))
    for kind in (CaseError, IllegalTransition, OverflowError):
        app.add_exception_handler(kind, _html_or(app.exception_handlers.get(kind)))
