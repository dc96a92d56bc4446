"""Who is asking: a bearer API token, or the signed-in user of a web session.

``CurrentUser`` / ``CurrentActor`` require someone (401 otherwise); ``MaybeActor`` lets
anonymous requests through as ``None``."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from huying.deps import SessionDep
from huying.http import observe, ratelimit
from huying.http.clock import Now
from huying.orgs import tokens
from huying.orgs.actor import Actor
from huying.orgs.models import User
from huying.orgs.service import session_is_current


def _user(request: Request, session: SessionDep, now: Now) -> User | None:
    user = _resolve(request, session, now)
    if user is not None:
        _seen(request, user.id)
    return user


def _seen(request: Request, user_id: int) -> None:
    setattr(request.state, observe.WHO, user_id)  # who, in the request's log line
    ratelimit.count_account_write(request, user_id)  # a write counts against the account


def _token_holder(request: Request, session: Session, now: dt.datetime) -> Any | None:
    """The holder of the request's bearer token (``huying.orgs.tokens.holder``), None
    without a token; 401 for a token that is not valid."""
    token = _bearer(request)
    if token is None:
        return None
    row = tokens.holder(session, token, now=now)
    if row is None:
        raise _invalid_token()
    _seen(request, row.id)
    return row


def _bearer(request: Request) -> str | None:
    """The request's bearer token, ``None`` without an ``Authorization`` header; 401 for a
    header that is not ``Bearer <token>``. Reads no database."""
    header = request.headers.get("authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, "use 'Authorization: Bearer <token>'",
                            headers={"WWW-Authenticate": "Bearer"})
    return token.strip()


def _web_user_id(request: Request) -> int | None:
    return getattr(request.state, "user_id", None)  # set by the web session middleware


def _resolve(request: Request, session: SessionDep, now: dt.datetime) -> User | None:
    token = _bearer(request)
    if token is not None:
        user = tokens.user_for(session, token, now=now)
        if user is None:
            raise _invalid_token()
        return user
    user_id = _web_user_id(request)
    if user_id is not None:
        user = session.get(User, user_id)
        if user is not None and session_is_current(user, getattr(request.state, "session_epoch", None)):
            return user
    return None


def _invalid_token() -> HTTPException:
    return HTTPException(401, "invalid or revoked token", headers={"WWW-Authenticate": "Bearer"})


def _no_one() -> HTTPException:
    return HTTPException(401, "sign in or send an API token", headers={"WWW-Authenticate": "Bearer"})


def maybe_user(request: Request, session: SessionDep, now: Now) -> User | None:
    return _user(request, session, now)


def current_user(request: Request, session: SessionDep, now: Now) -> User:
    user = _user(request, session, now)
    if user is None:
        raise _no_one()
    return user


# The actor's dependencies look the user up themselves rather than depend on ``current_user``:
# FastAPI runs each sync dependency in the thread pool, and a hand-off costs about as much
# CPU as reading the token (docs/performance.md, P1: one hand-off fewer per request).


# An API client's actor is made of its token's row, not of an account entity: the ORM's
# load of one row cost as much as the query (docs/performance.md, P1).


def current_actor(request: Request, session: SessionDep, now: Now) -> Actor:
    row = _token_holder(request, session, now)
    return Actor.of(session, row if row is not None else current_user(request, session, now))


def maybe_actor(request: Request, session: SessionDep, now: Now) -> Actor | None:
    row = _token_holder(request, session, now)
    user = row if row is not None else maybe_user(request, session, now)
    return Actor.of(session, user) if user is not None else None


async def actor_in_thread(request: Request, session: SessionDep, now: Now) -> Callable[[], Actor]:
    """:func:`current_actor`, for a route that does all its work in one thread hand-off of
    its own (``async def`` around ``huying.http.threads.in_report_thread``): a sync route
    costs three (its actor's dependency, the route, and FastAPI's validation of its
    response), each as dear as reading the token (docs/performance.md, P1). Here, on the
    event loop, only what reads no database: a request with no credentials, or a malformed
    ``Authorization`` header, is refused before its body is read, as with
    :data:`CurrentActor`. The look-up itself runs when the route calls what this returns,
    in the route's thread."""
    if _bearer(request) is None and _web_user_id(request) is None:
        raise _no_one()
    return functools.partial(current_actor, request, session, now)


CurrentUser = Annotated[User, Depends(current_user)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
MaybeActor = Annotated[Actor | None, Depends(maybe_actor)]
#: The caller's actor, resolved in the route's own thread: call it first thing there.
ActorInThread = Annotated[Callable[[], Actor], Depends(actor_in_thread)]
