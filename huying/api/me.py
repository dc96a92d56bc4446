"""HTTP: the caller's own notification settings (``/api/v1/me/notifications``): an e-mail
address and a mobile number, each verified by a code sent to it, the channels switched on,
and the language of the messages. The same commands as the settings page
(``/me/notifications``); every account has them, only for itself."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, Field

from huying.cases import notify
from huying.deps import SessionDep
from huying.http.clock import Now
from huying.http.errors import reject_nul_body
from huying.orgs import contacts
from huying.orgs.auth import CurrentUser

router = APIRouter(prefix="/api/v1/me/notifications", tags=["accounts"], dependencies=[Depends(reject_nul_body)])
Channel = Annotated[Literal["email", "sms"], Path(description="email or sms")]


class AddressIn(BaseModel):
    address: str = Field(max_length=200, description="an e-mail address, or a mobile number (11 digits)")


class CodeIn(BaseModel):
    code: str = Field(max_length=12)


class ChannelsIn(BaseModel):
    channels: list[Literal["email", "sms"]] = Field(max_length=2, description="[] for in-app only")
    locale: Literal["zh", "en"] | None = None


@router.get("")
def show(session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    """Your addresses (in full: they are yours), which are verified, the channels on."""
    return notify.settings_of(session, user)


@router.put("/{channel}", status_code=202)
def put_address(channel: Channel, body: AddressIn, session: SessionDep, user: CurrentUser, now: Now) -> dict[str, Any]:
    """Set your e-mail address or mobile number; a new one is sent a code (202: confirm it
    with ``POST …/{channel}/verify``). Until then nothing else is sent to it."""
    notify.give_address(session, user, channel, body.address, now=now)
    session.commit()
    return notify.settings_of(session, user)


@router.post("/{channel}/code", status_code=202)
def resend(channel: Channel, session: SessionDep, user: CurrentUser, now: Now) -> dict[str, Any]:
    """Send a new code to your unverified address (at most five an hour)."""
    notify.send_code(session, user, channel, now=now)
    session.commit()
    return notify.settings_of(session, user)


@router.post("/{channel}/verify")
def verify(channel: Channel, body: CodeIn, session: SessionDep, user: CurrentUser, now: Now) -> dict[str, Any]:
    """Confirm the address with the code it received: it is verified and switched on."""
    try:
        contacts.confirm(session, user, channel, body.code, now=now)
    finally:
        session.commit()  # a wrong code counts against the tries
    return notify.settings_of(session, user)


@router.delete("/{channel}", status_code=204)
def remove(channel: Channel, session: SessionDep, user: CurrentUser) -> Response:
    contacts.remove_address(session, user, channel)
    session.commit()
    return Response(status_code=204)


@router.put("")
def put_channels(body: ChannelsIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    """Choose the channels notifications go through (each needs a verified address; ``[]``:
    in-app only) and, optionally, their language."""
    notify.choose(session, user, list(body.channels), body.locale)
    session.commit()
    return notify.settings_of(session, user)
