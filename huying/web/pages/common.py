"""Small helpers shared by the page modules."""

from __future__ import annotations

import datetime as dt

from fastapi import Request
from starlette.responses import RedirectResponse

from huying.errors import InvalidInput


def see_other(url: str) -> RedirectResponse:
    """The end of every plain form post (Post/Redirect/Get)."""
    return RedirectResponse(url, status_code=303)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def errors_of(exc: InvalidInput) -> dict[str, str]:
    """{field: detail} of an invalid input, for the form to show beside the field."""
    return {exc.field or "form": str(exc)}


def parse_int(value: str | None, field: str, *, low: int, high: int) -> int:
    try:
        n = int((value or "").strip())
    except ValueError:
        raise InvalidInput("not a whole number", field) from None
    if not low <= n <= high:
        raise InvalidInput(f"must be between {low} and {high}", field)
    return n


def parse_float(value: str | None, field: str) -> float | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise InvalidInput("not a number", field) from None


def parse_day(value: str | None, field: str) -> dt.date | None:
    """A date from a form (``YYYY-MM-DD``; empty: none)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("not a date (YYYY-MM-DD)", field) from None
