"""An account's contact details for notifications: an e-mail address and a mobile phone
number, each verified by a code sent to it and typed back, each switched on or off by its
owner. Only a verified address that its owner switched on carries notifications
(:func:`routes_of`); the verification message is the one message an unverified address gets.

Pure rules and one-transaction commands; the caller queues the verification message
(``huying.cases.notify.send_code``) in the same transaction as the new code."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.config import secret_key
from huying.errors import SettingError
from huying.orgs.models import ContactAddress, User

CHANNELS: tuple[str, ...] = ("email", "sms")
#: A code is good for this long, for this many wrong tries.
CODE_TTL = dt.timedelta(minutes=30)
MAX_TRIES = 5
#: At most this many codes to one address in an hour (nobody's phone is bombed through us).
MAX_CODES = 5
CODE_WINDOW = dt.timedelta(hours=1)

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
#: A mainland mobile number (11 digits from 1[3-9]), optionally with +86.
_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")


def mask_phone(phone: str) -> str:
    """``138****0001``: the first three and last four digits of a phone number, what every
    page other than its owner's own shows."""
    digits = re.sub(r"\D", "", phone)
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 7 else "****"


def mask(channel: str, address: str) -> str:
    """An address as others see it: a phone masked, an e-mail address with its local part
    cut to its first letter (``z***@example.org``)."""
    if channel == "sms":
        return mask_phone(address)
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def normalise(channel: str, raw: str) -> str:
    """The address as stored, or :class:`SettingError` naming what is wrong."""
    if channel not in CHANNELS:
        raise SettingError(f"channel: choose one of {', '.join(CHANNELS)}", "channel", "channel")
    text = raw.strip()
    if channel == "email":
        if len(text) > 80 or not _EMAIL.match(text):
            raise SettingError("address: not an e-mail address (name@example.org, at most 80 characters)",
                               "address", "email")
        local, _, domain = text.partition("@")
        return f"{local}@{domain.lower()}"
    found = _MOBILE.match(re.sub(r"[\s-]", "", text))
    if found is None:
        raise SettingError("address: not a mobile phone number (11 digits, 13…–19…)", "address", "phone")
    return found.group(1)


def _hash(row_id: int, code: str) -> str:
    return hmac.new(secret_key().encode(), f"{row_id}:{code}".encode(), hashlib.sha256).hexdigest()


def of(session: Session, user_id: int) -> dict[str, ContactAddress]:
    """The account's addresses by channel."""
    return {a.channel: a for a in session.scalars(select(ContactAddress).where(ContactAddress.user_id == user_id))}


def set_address(session: Session, user: User, channel: str, raw: str, *, now: dt.datetime) -> ContactAddress:
    """Give the account an address for ``channel`` (a new one starts unverified and off; the
    same one again changes nothing)."""
    address = normalise(channel, raw)
    row = of(session, user.id).get(channel)
    if row is None:
        row = ContactAddress(city_id=user.city_id, user_id=user.id, channel=channel, address=address,
                             enabled=False, code_tries=0, codes_sent=0, created_at=now)
        session.add(row)
    elif row.address != address:
        row.address, row.verified_at, row.enabled = address, None, False
        row.code_hash = row.code_expires_at = None
    session.flush()
    return row


def remove_address(session: Session, user: User, channel: str) -> None:
    row = of(session, user.id).get(channel)
    if row is not None:
        session.delete(row)
        session.flush()


def new_code(row: ContactAddress, *, now: dt.datetime) -> str:
    """A fresh six-digit code for the address (kept as a hash), or :class:`SettingError` when
    it is verified already or has had :data:`MAX_CODES` codes this hour."""
    if row.verified_at is not None:
        raise SettingError("address: already verified", "address", "verified")
    if row.code_window_at is None or _aware(row.code_window_at) + CODE_WINDOW <= now:
        row.code_window_at, row.codes_sent = now, 0
    if row.codes_sent >= MAX_CODES:
        raise SettingError(f"address: at most {MAX_CODES} codes an hour; try later", "address", "too_many")
    code = f"{secrets.randbelow(1_000_000):06d}"
    row.codes_sent += 1
    row.code_hash, row.code_expires_at, row.code_tries = _hash(row.id, code), now + CODE_TTL, 0
    return code


def confirm(session: Session, user: User, channel: str, code: str, *, now: dt.datetime) -> ContactAddress:
    """Verify the account's ``channel`` address with the code sent to it; a verified address
    is switched on (its owner asked for it). Wrong, expired or used-up codes: :class:`SettingError`."""
    row = of(session, user.id).get(channel)
    if row is None or row.code_hash is None or row.code_expires_at is None:
        raise SettingError("code: ask for a code first", "code", "no_code")
    if _aware(row.code_expires_at) <= now or row.code_tries >= MAX_TRIES:
        raise SettingError("code: expired; ask for a new one", "code", "expired")
    if not hmac.compare_digest(row.code_hash, _hash(row.id, code.strip())):
        row.code_tries += 1
        session.flush()
        raise SettingError("code: wrong code", "code", "wrong")
    row.verified_at, row.enabled = now, True
    row.code_hash = row.code_expires_at = None
    session.flush()
    return row


def choose(session: Session, user: User, channels: Iterable[str]) -> list[str]:
    """Switch the account's channels: exactly ``channels`` on (an empty choice: in-app only).
    A channel without a verified address cannot be switched on."""
    wanted = set(channels)
    bad = wanted - set(CHANNELS)
    if bad:
        raise SettingError(f"channels: unknown {', '.join(sorted(bad))}", "channels", "channel")
    rows = of(session, user.id)
    for channel in wanted:
        row = rows.get(channel)
        if row is None or row.verified_at is None:
            raise SettingError(f"channels: {channel} has no verified address", "channels", "unverified")
    for channel, row in rows.items():
        row.enabled = channel in wanted
    session.flush()
    return sorted(wanted)


@dataclass(frozen=True)
class Route:
    """One way to reach one account: a channel, the address, the account's language."""

    user_id: int
    channel: str
    address: str
    locale: str


def routes_of(session: Session, user_ids: Sequence[int]) -> list[Route]:
    """The verified, switched-on addresses of active accounts, in (account, channel) order."""
    if not user_ids:
        return []
    rows = session.execute(
        select(ContactAddress.user_id, ContactAddress.channel, ContactAddress.address, User.locale)
        .join(User, User.id == ContactAddress.user_id)
        .where(ContactAddress.user_id.in_(user_ids), ContactAddress.verified_at.is_not(None),
               ContactAddress.enabled.is_(True), User.active.is_(True))
        .order_by(ContactAddress.user_id, ContactAddress.channel)).all()
    return [Route(u, c, a, loc if loc in ("zh", "en") else "zh") for u, c, a, loc in rows]


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)
