"""``setup(app)``: what the web layer adds to the application (called by ``create_app``)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles

from huying.web import errors
from huying.web.middleware import WebMiddleware
from huying.web.ratelimit import LoginLimiter
from huying.web.session import SessionMiddleware
from huying.web.templating import STATIC_DIR


def setup(app: FastAPI) -> None:
    """Static files under ``/static``, the pages, the language and security-header
    middleware, signed cookie sessions, gzip (GeoJSON layers shrink four- to five-fold)
    and the error pages."""
    from huying.web.pages import router as pages

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(pages)
    app.state.login_limiter = LoginLimiter()
    app.add_middleware(SessionMiddleware)
    app.add_middleware(WebMiddleware)
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    errors.install(app)
