"""Dependencies of the pages: who is signed in (the same lookup as the API's), and the
redirect to the sign-in page when nobody is."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from huying.deps import SessionDep
from huying.http.clock import Now
from huying.orgs.actor import Actor
from huying.orgs.auth import maybe_user
from huying.orgs.models import User


class LoginRequired(Exception):
    """Nobody is signed in: the page answers with a redirect to ``/login?next=…``."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url
        super().__init__(next_url)


class PasswordChangeRequired(Exception):
    """The signed-in account must choose a new password first (``User.must_change_password``):
    every page answers with a redirect to ``/account/password`` until it is done."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url
        super().__init__(next_url)


#: Where a person chooses their new password.
PASSWORD_PAGE = "/account/password"


def login_url(next_url: str) -> str:
    return f"/login?next={quote(next_url, safe='/')}"


def _current_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def page_user(request: Request, session: SessionDep, now: Now) -> User | None:
    """The signed-in user (or None); remembered on ``request.state.user`` for the layout."""
    user = maybe_user(request, session, now)
    request.state.user = user
    return user


def page_actor(
    request: Request, session: SessionDep, user: Annotated[User | None, Depends(page_user)]
) -> Actor:
    if user is None:
        raise LoginRequired(_current_path(request))
    if user.must_change_password and getattr(request.state, "user_id", None) == user.id:
        # signed in on the web with a first (or reset) password: choose one's own first
        raise PasswordChangeRequired(_current_path(request))
    return actor_of(session, user)


def actor_of(session: Session, user: User) -> Actor:
    return Actor.of(session, user)


MaybeUser = Annotated[User | None, Depends(page_user)]
PageActor = Annotated[Actor, Depends(page_actor)]
