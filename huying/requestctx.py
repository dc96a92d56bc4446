"""The id of the HTTP request being answered, for whatever it writes: bound by the outermost
middleware (``huying.http.observe``), read where events are appended (the case kernel's
``case_events.request_id``, the domains' shared history's ``detail``), so that a log line and
the rows written in the same request can be matched. None outside a request (the CLI, the
sweeper, an import)."""

from __future__ import annotations

from contextvars import ContextVar, Token

_REQUEST_ID: ContextVar[str | None] = ContextVar("huying_request_id", default=None)


def current() -> str | None:
    """The id of the request this code runs for, or None."""
    return _REQUEST_ID.get()


def bind(request_id: str | None) -> Token[str | None]:
    return _REQUEST_ID.set(request_id)


def reset(token: Token[str | None]) -> None:
    _REQUEST_ID.reset(token)
