"""Sign in and sign out, with sign-in rate limiting."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from huying.deps import SessionDep
from huying.orgs.models import User
from huying.orgs.service import authenticate, end_sessions, session_is_current
from huying.web import nav
from huying.web import session as sessions
from huying.web.deps import MaybeUser
from huying.web.pages.common import client_address, see_other
from huying.web.ratelimit import LoginLimiter
from huying.web.templating import render

router = APIRouter()


def _safe_next(value: str | None) -> str | None:
    """Only local paths: never an open redirect."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return None


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, user: MaybeUser, next: str | None = None) -> Response:
    if user is not None and _safe_next(next):
        return see_other(_safe_next(next) or "/")
    return render(request, "login.html", {"next": _safe_next(next) or "", "error": None,
                                          "username": ""})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=60)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    limiter: LoginLimiter = request.app.state.login_limiter
    address = client_address(request)
    ctx = {"next": _safe_next(next) or "", "username": username}
    locked = limiter.account_wait(session, username)
    if locked:
        return render(request, "login.html", {**ctx, "error": "locked", "minutes": -(-locked // 60)},
                      status_code=429, headers={"Retry-After": str(locked)})
    wait = limiter.retry_after(session, address, username)
    if wait:
        return render(request, "login.html", {**ctx, "error": "rate", "minutes": -(-wait // 60)},
                      status_code=429, headers={"Retry-After": str(wait)})
    user = authenticate(session, username, password) if username and password else None
    if user is None:
        limiter.failed(session, address, username)
        return render(request, "login.html", {**ctx, "error": "wrong"}, status_code=401)
    limiter.succeeded(session, address, username)
    sessions.sign_in(request, user.id, user.session_epoch or 0)
    return see_other(_safe_next(next) or nav.home_of(user.role))


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    """Signing out ends the account's web sessions everywhere (a cookie copied from this
    browser stops working too)."""
    user_id = getattr(request.state, "user_id", None)
    user = session.get(User, user_id) if user_id is not None else None
    if user is not None and session_is_current(user, getattr(request.state, "session_epoch", None)):
        end_sessions(session, user.id)
        session.commit()
    sessions.sign_out(request)
    return see_other("/")
