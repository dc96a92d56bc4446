"""Signed cookie sessions (stdlib ``hmac``), versioned by the account: the cookie carries
the account's ``session_epoch`` at sign-in, and ending the sessions (sign-out, a new
password, deactivation) bumps it, so that every older cookie stops working at once.

The cookie holds ``base64url(JSON).base64url(HMAC-SHA256)`` of ``{"sid", "uid", "ep", "iat"}``,
signed with ``Settings.secret_key``. ``sid`` is a random nonce that the CSRF token is
derived from; it is renewed on sign-in and sign-out (no session fixation). The cookie is
``HttpOnly; SameSite=Lax``, ``Secure`` when the request came over HTTPS, and expires after
:data:`MAX_AGE` seconds.

:class:`SessionMiddleware` (pure ASGI) verifies the cookie and sets ``request.state.user_id``
for :mod:`huying.orgs.auth`, so that pages and the API ask the same policy. Unsafe requests to the
JSON API (which checks no CSRF token) ignore the cookie: the API is for bearer tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huying.config import secret_key
from huying.web.middleware import is_https, read_cookie

COOKIE = "huying_session"
#: A session lasts twelve hours (a working day and some), then the person signs in again.
MAX_AGE = 12 * 3600
_SAFE = {"GET", "HEAD", "OPTIONS"}
#: Paths that never start a session of their own (assets, the API, health checks).
_NO_NEW_SESSION = ("/static/", "/api/", "/open311/", "/healthz", "/readyz", "/metrics", "/docs", "/redoc")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(purpose: str) -> bytes:
    secret = secret_key().encode()
    return hmac.new(secret, purpose.encode(), hashlib.sha256).digest()


def encode(data: dict[str, Any]) -> str:
    body = _b64(json.dumps(data, separators=(",", ":"), sort_keys=True).encode())
    sig = _b64(hmac.new(_key("session"), body.encode(), hashlib.sha256).digest())
    return f"{body}.{sig}"


def decode(value: str | None, *, now: float | None = None) -> dict[str, Any] | None:
    """The session in a cookie value, or None when it is missing, forged or expired."""
    if not value or value.count(".") != 1:
        return None
    body, sig = value.split(".")
    want = _b64(hmac.new(_key("session"), body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(sig, want):
        return None
    try:
        data = json.loads(_unb64(body))
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("sid"), str):
        return None
    iat = data.get("iat")
    if not isinstance(iat, int) or (now or time.time()) - iat > MAX_AGE:
        return None
    return data


def new_session(user_id: int | None = None, epoch: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {"sid": secrets.token_urlsafe(18), "iat": int(time.time())}
    if user_id is not None:
        data["uid"] = user_id
        data["ep"] = epoch  # the account's session generation (huying.orgs.service.end_sessions)
    return data


def csrf_token(sid: str) -> str:
    """The CSRF token of a session: derived from its nonce, so it needs no storage."""
    return hmac.new(_key("csrf"), sid.encode(), hashlib.sha256).hexdigest()[:40]


# --------------------------------------------------------------------------- request helpers


def current(request: Request) -> dict[str, Any] | None:
    return getattr(request.state, "session", None)


def sign_in(request: Request, user_id: int, epoch: int) -> None:
    """A new session (new nonce) for the signed-in user under the account's session
    generation ``epoch``; the cookie is set on the response."""
    request.state.session = new_session(user_id, epoch)
    request.state.session_dirty = True
    request.state.user_id = user_id
    request.state.session_epoch = epoch


def sign_out(request: Request) -> None:
    request.state.session = new_session()
    request.state.session_dirty = True
    request.state.user_id = None


def set_cookie_header(data: dict[str, Any], *, secure: bool) -> str:
    parts = [f"{COOKIE}={encode(data)}", "Path=/", f"Max-Age={MAX_AGE}", "HttpOnly", "SameSite=Lax"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


class SessionMiddleware:
    """Reads and verifies the session cookie; sets ``state.session`` and ``state.user_id``;
    starts an anonymous session (for the CSRF token of the sign-in form) on pages; writes
    the cookie back when a route changed the session."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        state = scope.setdefault("state", {})
        data = decode(read_cookie(scope, COOKIE))
        api = path.startswith(("/api/", "/open311/"))
        if api and scope.get("method") not in _SAFE:
            data = None  # the API checks no CSRF token: cookies do not authenticate writes
        dirty = False
        if data is None and not path.startswith(_NO_NEW_SESSION):
            data, dirty = new_session(), True
        state["session"] = data
        state["session_dirty"] = dirty
        state["user_id"] = data.get("uid") if data else None
        state["session_epoch"] = data.get("ep") if data else None
        secure = is_https(scope)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and state.get("session_dirty"):
                session = state.get("session")
                if session is not None:
                    MutableHeaders(scope=message).append(
                        "Set-Cookie", set_cookie_header(session, secure=secure)
                    )
            await send(message)

        await self.app(scope, receive, send_with_cookie)
