"""One pure-ASGI middleware for the web layer: the request's language and the security
headers. (Pure ASGI rather than ``BaseHTTPMiddleware``: no extra task per request, and
streaming responses pass straight through.)"""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huying.web import i18n

#: Scripts and styles come only from our own /static (vendored, no CDN); no inline
#: scripts. ``style-src 'unsafe-inline'`` is kept for the style attributes that Leaflet and
#: ECharts set on the elements they draw.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",  # no page uses <base> (ASVS 5.0 3.4.3)
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    # Residents report from the phone's location and may take a photo.
    "Permissions-Policy": "geolocation=(self), camera=(self), microphone=()",
}

_ONE_YEAR = 365 * 24 * 3600
#: Sent on replies to HTTPS requests only (a browser ignores it over HTTP, and a server
#: tried over plain HTTP must not lock itself out of it).
HSTS = f"max-age={_ONE_YEAR}; includeSubDomains"


def security_headers(path: str, *, https: bool = False) -> dict[str, str]:
    """The headers of every reply, the interactive API docs' included (they load our own
    vendored Swagger UI); HSTS when the request came over HTTPS."""
    headers = dict(SECURITY_HEADERS)
    headers["Content-Security-Policy"] = CSP
    if https:
        headers["Strict-Transport-Security"] = HSTS
    return headers


def is_https(scope: Scope) -> bool:
    """The request came over HTTPS: to us, or to the proxy in front (``X-Forwarded-Proto``)."""
    if scope.get("scheme") == "https":
        return True
    for key, value in scope.get("headers", []):
        if key == b"x-forwarded-proto":
            return value.decode("latin-1").split(",")[0].strip() == "https"
    return False


def read_cookie(scope: Scope, name: str) -> str | None:
    """The value of cookie ``name`` of a request (None when absent or malformed)."""
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed cookie header is ignored
                return None
            if name in jar:
                return jar[name].value
    return None


class WebMiddleware:
    """Sets ``request.state.lang`` (``?lang=`` > ``lang`` cookie > default), remembers a
    switch in the cookie, and adds the security headers and static caching headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        lang, set_cookie = i18n.pick((query.get("lang") or [None])[0], read_cookie(scope, i18n.COOKIE))
        scope.setdefault("state", {})["lang"] = lang
        path: str = scope.get("path", "")
        versioned = path.startswith("/static/") and "v" in query
        https = is_https(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in security_headers(path, https=https).items():
                    headers.setdefault(key, value)
                if set_cookie:
                    headers.append(
                        "Set-Cookie",
                        f"{i18n.COOKIE}={lang}; Path=/; Max-Age={_ONE_YEAR}; SameSite=Lax",
                    )
                if path.startswith("/static/") and message["status"] == 200:
                    headers["Cache-Control"] = (
                        f"public, max-age={_ONE_YEAR}, immutable"
                        if versioned
                        else "public, max-age=3600"
                    )
                if not path.startswith(("/api/", "/static/")):
                    headers.append("Vary", "Cookie")
            await send(message)

        await self.app(scope, receive, send_with_headers)
