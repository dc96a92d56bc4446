"""Request bodies checked at the edge, before any route reads them.

* :class:`LimitBody` refuses a body larger than ``HUYING_MAX_BODY_BYTES`` with 413 and the
  reason: at once from ``Content-Length``, or by counting the chunks of a body without one;
  nothing past the limit is read.
* :class:`RejectBadText` (with :func:`reject_bad_multipart_text` for multipart forms)
  refuses a control character in any text of a JSON body, a form post or the query string
  (keys and values; 422 naming the field) and a number JSON does not have (``NaN``,
  ``Infinity``, ``1e999``; 422 naming the field): one rule for every route, so no route
  repeats it per field.

Neither reply echoes the input beyond a field name cut to :data:`MAX_ECHO` characters.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from fastapi.responses import JSONResponse
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huying.config import get_settings
from huying.errors import InvalidInput
from huying.http.formats import own_format

#: Characters of Unicode category Cc other than tab, line feed and carriage return, and lone
#: surrogates (Cs: half of a character, which no database stores; JSON's ``"\\ud800"``).
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
#: Longest piece of a request quoted back in an error reply.
MAX_ECHO = 100
_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def control_character(text: str) -> str | None:
    """The first control character of ``text`` as ``U+XXXX``, or None."""
    found = CONTROL.search(text)
    if found is None:
        return None
    code = ord(found.group())
    return f"U+{code:04X}, a lone surrogate" if 0xD800 <= code <= 0xDFFF else f"U+{code:04X}"


def clean_text(value: str | None, field: str, limit: int, *, required: bool = False) -> str:
    """A free-text field as every command stores it: stripped, at most ``limit`` characters,
    no control character; else ``InvalidInput`` naming ``field`` (the one check of the
    domains' notes, reasons and places)."""
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput("must not be empty", field)
    if len(value) > limit:
        raise InvalidInput(f"longer than {limit} characters", field)
    bad = control_character(value)
    if bad:
        raise InvalidInput(f"contains a control character ({bad})", field)
    return value


def short(text: str) -> str:
    return text if len(text) <= MAX_ECHO else text[:MAX_ECHO] + "…"


def _reply(scope: Scope, status: int, kind: str, detail: str, **extra: object) -> Any:
    own = own_format(scope.get("path", ""))
    if own is not None:
        return own(Request(scope), 400 if status == 422 else status, detail)
    return JSONResponse({"error": kind, "detail": detail, **extra}, status_code=status)


class BodyTooLarge(Exception):
    pass


class LimitBody:
    """ASGI middleware: 413 for a body larger than ``max_bytes`` (default: the setting)."""

    def __init__(self, app: ASGIApp, max_bytes: int | None = None) -> None:
        self.app = app
        if max_bytes is None:
            max_bytes = get_settings().body_limit
        self.max_bytes = max_bytes

    def too_large(self, scope: Scope) -> Any:
        response = _reply(scope, 413, "too_large",
                          f"the request body is larger than {self.max_bytes} bytes",
                          limit=self.max_bytes)
        response.headers["Connection"] = "close"
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for key, value in scope.get("headers", []):
            if key == b"content-length":
                if not value.isdigit() or int(value) > self.max_bytes:
                    await self.too_large(scope)(scope, receive, send)
                    return
        received = 0
        exceeded = started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:  # the app's reply to a body cut short is replaced by the 413
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await self.too_large(scope)(scope, receive, send)


class _NonFinite:
    def __init__(self, text: str) -> None:
        self.text = text


def _number(text: str) -> float | _NonFinite:
    value = float(text)
    return value if math.isfinite(value) else _NonFinite(text)


def _walk(value: object, path: str) -> Iterator[tuple[str, object]]:
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            yield where, key
            yield from _walk(item, where)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")
    else:
        yield path or "body", value


def json_problem(body: bytes) -> tuple[str, str] | None:
    """(field, reason) of the first control character or non-finite number in a JSON body;
    None when there is none or the body is not JSON (the route says what is wrong then)."""
    try:
        doc = json.loads(body, parse_constant=_NonFinite, parse_float=_number)
    except (ValueError, RecursionError):
        return None
    for field, value in _walk(doc, ""):
        if isinstance(value, _NonFinite):
            return field, f"{short(value.text)} is not a finite number"
        if isinstance(value, str) and (char := control_character(value)):
            return field, f"contains a control character ({char})"
    return None


def form_problem(body: bytes) -> tuple[str, str] | None:
    """(field, reason) of the first control character in a urlencoded form or query string."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return None
    for key, value in pairs:
        for text in (key, value):
            if char := control_character(text):
                return key, f"contains a control character ({char})"
    return None


def _content_type(scope: Scope) -> str:
    for key, value in scope.get("headers", []):
        if key == b"content-type":
            return str(value.decode("latin-1").split(";", 1)[0].strip().lower())
    return ""


class RejectBadText:
    """ASGI middleware: checks the query string's parameters; reads a JSON or urlencoded body (already bounded by
    :class:`LimitBody`), refuses control characters and non-finite numbers in it (422 naming
    the field; 400 in the GeoReport format under ``/open311/``), else hands the same bytes
    on. Multipart bodies (files) pass untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query: bytes = scope.get("query_string", b"")
        if query and (problem := form_problem(query)) is not None:
            await self.refuse(scope, receive, send, problem)
            return
        if scope.get("method") not in _WITH_BODY:
            await self.app(scope, receive, send)
            return
        ctype = _content_type(scope)
        is_json = ctype == "application/json" or ctype.endswith("+json")
        if not is_json and ctype != "application/x-www-form-urlencoded":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        problem = json_problem(body) if is_json else form_problem(body)
        if problem is not None:
            await self.refuse(scope, receive, send, problem)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def refuse(scope: Scope, receive: Receive, send: Send, problem: tuple[str, str]) -> None:
        field, reason = short(problem[0]), problem[1]
        await _reply(scope, 422, "invalid_input", f"{field}: {reason}", field=field)(
            scope, receive, send)


async def reject_bad_multipart_text(request: Request) -> None:
    """App-wide dependency, the same rule for multipart forms (they may carry files, so the
    middleware does not buffer them): every text field and file name. Starlette caches the
    parsed form, so a route that reads it again does not parse twice."""
    if request.method not in _WITH_BODY or _content_type(request.scope) != "multipart/form-data":
        return
    form = await request.form()
    for key, value in form.multi_items():
        texts = (key, value) if isinstance(value, str) else (key, value.filename or "")
        for text in texts:
            if char := control_character(text):
                raise InvalidInput(f"contains a control character ({char})", short(key))
