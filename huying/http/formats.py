"""Paths that answer errors in a format of their own (Open311's GeoReport errors register
here): prefix → (request, status, reason) → response. The lowest piece of ``huying.http``:
the error handlers and the body checks both word their replies through it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

PATH_FORMATS: dict[str, Callable[[Any, int, str], Response]] = {}


def own_format(path: str) -> Callable[[Any, int, str], Response] | None:
    return next((fmt for prefix, fmt in PATH_FORMATS.items() if path.startswith(prefix)), None)
