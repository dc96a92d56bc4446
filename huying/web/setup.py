"""``setup(app)``: what the web layer adds to the application (called by ``create_app``)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles

from huying.web import errors
from huying.web.middleware import WebMiddleware
from huying.web.templating import STATIC_DIR


def setup(app: FastAPI) -> None:
    """Static files under ``/static``, the language and security-header middleware, gzip
    (GeoJSON layers shrink four- to five-fold) and the error pages."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(WebMiddleware)
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    errors.install(app)
