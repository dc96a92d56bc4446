"""CSRF tokens: one per session (derived from its nonce), in a hidden field of every form
(``csrf_token``) or the ``X-CSRF-Token`` header (htmx). Every unsafe request to a page
router is checked by :func:`check`, a router-level dependency; a missing or wrong token is
a 403 page."""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request

from huying.web import session as sessions

FIELD = "csrf_token"
HEADER = "x-csrf-token"
_SAFE = {"GET", "HEAD", "OPTIONS"}


def token(request: Request) -> str:
    """The token to put in this request's forms ("" outside a session: no form works)."""
    data = sessions.current(request)
    return sessions.csrf_token(data["sid"]) if data else ""


async def check(request: Request) -> None:
    if request.method in _SAFE:
        return
    data = sessions.current(request)
    sent = request.headers.get(HEADER)
    if sent is None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()  # cached by Starlette: the route reads it again
            value = form.get(FIELD)
            sent = value if isinstance(value, str) else None
    if data is None or not sent or not hmac.compare_digest(sent, sessions.csrf_token(data["sid"])):
        raise HTTPException(403, "missing or invalid CSRF token")
