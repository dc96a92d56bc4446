"""Sign in and sign out, with sign-in rate limiting."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from huying.deps import SessionDep
from huying.errors import SettingError
from huying.http.clock import Now
from huying.orgs import accounts, passwords
from huying.orgs.models import User
from huying.orgs.service import authenticate, end_sessions, session_is_current
from huying.web import nav
from huying.web import session as sessions
from huying.web.deps import PASSWORD_PAGE, MaybeUser, login_url
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
    target = _safe_next(next) or nav.home_of(user.role)
    if user.must_change_password:  # a first (or an administrator's) password: choose one's own
        return see_other(f"{PASSWORD_PAGE}?next={quote(target, safe='/')}")
    return see_other(target)


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


# --------------------------------------------------------------------------- passwords


@router.get(PASSWORD_PAGE, response_class=HTMLResponse)
def password_form(request: Request, user: MaybeUser, next: str | None = None) -> Response:
    """Choose a new password: required after a first or reset password, possible at will."""
    if user is None:
        return see_other(login_url(PASSWORD_PAGE))
    return render(request, "account_password.html", {
        "next": _safe_next(next) or "", "error": None, "required": user.must_change_password,
        "min_password": passwords.MIN_LENGTH})


@router.post(PASSWORD_PAGE, response_class=HTMLResponse)
def change_password(
    request: Request, session: SessionDep, user: MaybeUser, t: Now,
    current: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    again: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    if user is None:
        return see_other(login_url(PASSWORD_PAGE))
    ctx = {"next": _safe_next(next) or "", "required": user.must_change_password,
           "min_password": passwords.MIN_LENGTH}
    try:
        if password != again:
            raise SettingError("the two new passwords differ", "again", "again")
        accounts.change_password(session, user, current=current, new=password, now=t)
        session.commit()
    except SettingError as exc:
        session.rollback()
        return render(request, "account_password.html", {**ctx, "error": exc.reason,
                                                          "detail": str(exc)}, status_code=422)
    # every session ended with the old password; this one goes on under the new generation
    sessions.sign_in(request, user.id, user.session_epoch or 0)
    return see_other(_safe_next(next) or nav.home_of(user.role))


@router.get("/reset", response_class=HTMLResponse)
def reset_code_form(request: Request) -> Response:
    """Type in a reset code read out by an administrator."""
    return render(request, "account_reset.html", {"code": "", "error": None,
                                                  "min_password": passwords.MIN_LENGTH})


@router.get("/reset/{code}", response_class=HTMLResponse)
def reset_form(request: Request, session: SessionDep, t: Now, code: str) -> Response:
    """The page of a one-time reset link: set a new password (the link works once)."""
    try:
        accounts.reset_for(session, code[:100], now=t)
    except SettingError:
        return render(request, "account_reset.html", {"code": "", "error": "invalid", "detail": "",
                                                      "min_password": passwords.MIN_LENGTH}, status_code=404)
    return render(request, "account_reset.html", {"code": code, "error": None,
                                                  "min_password": passwords.MIN_LENGTH})


@router.post("/reset", response_class=HTMLResponse)
def reset(
    request: Request, session: SessionDep, t: Now,
    code: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    again: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Redeem a reset code (from the link, or typed in as read out by an administrator)."""
    try:
        if password != again:
            raise SettingError("the two new passwords differ", "again", "again")
        accounts.redeem_reset(session, code, password, now=t)
        session.commit()
    except SettingError as exc:
        session.rollback()
        status = 404 if exc.reason == "invalid" else 422
        return render(request, "account_reset.html", {
            "code": "" if exc.reason == "invalid" else code, "error": exc.reason, "detail": str(exc),
            "min_password": passwords.MIN_LENGTH}, status_code=status)
    sessions.sign_out(request)
    return see_other("/login?reset=1")
