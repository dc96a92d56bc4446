"""Each account's own notification settings (``/me/notifications``): its e-mail address and
mobile number in full (the one page that shows them unmasked), the code that verifies each,
the channels switched on and the language of its pages and messages. The commands are the
API's (``huying.api.me``): ``notify.give_address``, ``contacts.confirm``, ``notify.choose``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from huying.cases import notify
from huying.deps import SessionDep
from huying.errors import NotVisible, SettingError
from huying.http.clock import Now
from huying.orgs import contacts
from huying.orgs.actor import Actor
from huying.orgs.models import User
from huying.web.deps import PageActor
from huying.web.pages.common import see_other
from huying.web.templating import render

router = APIRouter(prefix="/me/notifications")
PAGE = "/me/notifications"


def _user(session: SessionDep, actor: Actor) -> User:
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise NotVisible("no account")
    return user


def _page(request: Request, session: SessionDep, user: User, *, error: str = "", field: str = "",
          channel: str = "", typed: str = "", done: str = "", status_code: int = 200) -> HTMLResponse:
    return render(request, "me_notifications.html", {
        "s": notify.settings_of(session, user), "channels": contacts.CHANNELS, "error": error, "field": field,
        "err_channel": channel, "typed": typed, "done": done, "ttl": int(contacts.CODE_TTL.total_seconds() // 60),
    }, status_code=status_code)


def _refused(request: Request, session: SessionDep, user: User, exc: SettingError, channel: str,
             typed: str = "") -> HTMLResponse:
    return _page(request, session, user, error=exc.reason, field=exc.field or "", channel=channel, typed=typed,
                 status_code=422)


def _channel(channel: str) -> str:
    if channel not in contacts.CHANNELS:
        raise SettingError("channel: email or sms", "channel", "channel")
    return channel


@router.get("", response_class=HTMLResponse)
def page(request: Request, session: SessionDep, actor: PageActor, done: str = "") -> Response:
    return _page(request, session, _user(session, actor), done=done if done in DONE else "")


#: The outcomes a redirect back to the page announces.
DONE = frozenset({"sent", "verified", "saved", "removed"})


@router.post("/address", response_class=HTMLResponse)
def give_address(request: Request, session: SessionDep, actor: PageActor, t: Now,
                 channel: Annotated[str, Form(max_length=8)] = "",
                 address: Annotated[str, Form(max_length=200)] = "") -> Response:
    user = _user(session, actor)
    try:
        row = notify.give_address(session, user, _channel(channel), address, now=t)
        session.commit()
    except SettingError as exc:
        session.rollback()
        return _refused(request, session, user, exc, channel, address)
    return see_other(f"{PAGE}?done={'sent' if row.verified_at is None else 'saved'}")


@router.post("/code", response_class=HTMLResponse)
def resend(request: Request, session: SessionDep, actor: PageActor, t: Now,
           channel: Annotated[str, Form(max_length=8)] = "") -> Response:
    user = _user(session, actor)
    try:
        notify.send_code(session, user, _channel(channel), now=t)
        session.commit()
    except SettingError as exc:
        session.rollback()
        return _refused(request, session, user, exc, channel)
    return see_other(f"{PAGE}?done=sent")


@router.post("/verify", response_class=HTMLResponse)
def verify(request: Request, session: SessionDep, actor: PageActor, t: Now,
           channel: Annotated[str, Form(max_length=8)] = "",
           code: Annotated[str, Form(max_length=12)] = "") -> Response:
    user = _user(session, actor)
    try:
        contacts.confirm(session, user, _channel(channel), code, now=t)
        session.commit()
    except SettingError as exc:
        session.commit()  # a wrong code counts against the tries
        return _refused(request, session, user, exc, channel)
    return see_other(f"{PAGE}?done=verified")


@router.post("/remove", response_class=HTMLResponse)
def remove(request: Request, session: SessionDep, actor: PageActor,
           channel: Annotated[str, Form(max_length=8)] = "") -> Response:
    user = _user(session, actor)
    try:
        contacts.remove_address(session, user, _channel(channel))
        session.commit()
    except SettingError as exc:
        session.rollback()
        return _refused(request, session, user, exc, channel)
    return see_other(f"{PAGE}?done=removed")


@router.post("/channels", response_class=HTMLResponse)
def choose(request: Request, session: SessionDep, actor: PageActor,
           channels: Annotated[list[str] | None, Form()] = None,
           locale: Annotated[str, Form(max_length=5)] = "") -> Response:
    user = _user(session, actor)
    try:
        notify.choose(session, user, [c[:8] for c in (channels or [])[:4]], locale or None)
        session.commit()
    except SettingError as exc:
        session.rollback()
        return _refused(request, session, user, exc, "")
    return see_other(f"{PAGE}?done=saved&lang={user.locale}")
