"""API clients: the applications that file reports through Open311 (a city's app, a
WeChat mini-program, a partner's hotline system). A client is an account of role
``client`` at the city's root, holding keys (API tokens: shown once, stored hashed,
revocable); it never signs in on the web, and reads what the public reads plus the status
of what it filed (``cases.policy``: what the reporters wrote is theirs, not the
application's). Administrators create, list and revoke them (``/admin/clients``,
``huying client``)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying import audit
from huying.geo.models import Level, Node
from huying.orgs import tokens
from huying.orgs.models import ApiToken, Role, User
from huying.orgs.service import AccountError, create_user

#: Client accounts' usernames: ``client-`` and a slug of the name.
PREFIX = "client-"
MAX_NAME = 60


@dataclass(frozen=True)
class Key:
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


@dataclass(frozen=True)
class Client:
    user: User
    keys: list[Key]

    @property
    def active_keys(self) -> int:
        return sum(1 for k in self.keys if k.revoked_at is None)


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:30]
    return slug or secrets.token_hex(4)


def create(session: Session, city_id: int, name: str, *, now: dt.datetime,
           key: str | None = None, actor_id: int | None = None) -> tuple[User, str]:
    """A new client named ``name`` with one key; returns the account and the key (only now
    in clear). ``key`` may be given to install a known value (the demo's documented key).
    Flushes; the caller commits."""
    name = " ".join(name.split())
    if not name:
        raise AccountError("name: a client needs a name")
    if len(name) > MAX_NAME:
        raise AccountError(f"name: at most {MAX_NAME} characters")
    root = session.scalar(select(Node).where(Node.city_id == city_id, Node.level == Level.CITY.value))
    if root is None:
        raise AccountError("the city has no map yet")
    if session.scalar(select(User.id).where(User.city_id == city_id, User.role == Role.CLIENT.value,
                                            User.display_name == name)) is not None:
        raise AccountError(f"name: a client named {name!r} exists")
    base = username = PREFIX + _slug(name)
    n = 1
    while session.scalar(select(User.id).where(User.username == username)) is not None:
        n += 1
        username = f"{base}-{n}"
    # a password nobody knows: a client signs in with its key, never on the web
    user = create_user(session, username=username, password="", password_hash="!client-has-no-password",
                       role=Role.CLIENT, node=root, display_name=name)
    user.created_at = now
    row, clear = tokens.create(session, user, "key", now=now, token=key)
    audit.record(session, city_id, "client", user.id, "create", actor_id=actor_id, now=now,
                 after={"name": name}, name=name, key=row.prefix)
    return user, clear


def get(session: Session, city_id: int, client_id: int) -> User:
    user = session.get(User, client_id)
    if user is None or user.city_id != city_id or user.role != Role.CLIENT.value:
        raise AccountError(f"client: no client {client_id}")
    return user


def add_key(session: Session, city_id: int, client_id: int, *, now: dt.datetime,
            actor_id: int | None = None) -> str:
    """Another key for the client (to rotate: add one, move the application, revoke the old)."""
    user = get(session, city_id, client_id)
    if not user.active:
        raise AccountError("client: this client is switched off")
    row, clear = tokens.create(session, user, "key", now=now)
    audit.record(session, city_id, "client", user.id, "add_key", actor_id=actor_id, now=now,
                 name=user.display_name, key=row.prefix)
    return clear


def revoke_key(session: Session, city_id: int, key_id: int, *, now: dt.datetime,
               actor_id: int | None = None) -> ApiToken:
    """Revoke one key of a client of the city: requests with it get 403 at once."""
    row = session.get(ApiToken, key_id)
    if row is None or row.city_id != city_id:
        raise AccountError(f"key: no key {key_id}")
    user = get(session, city_id, row.user_id)
    was = row.revoked_at is None
    tokens.revoke(session, key_id, now=now)
    if was:
        audit.record(session, city_id, "client", user.id, "revoke", actor_id=actor_id, now=now,
                     before={"revoked": False}, after={"revoked": True}, name=user.display_name, key=row.prefix)
    return row


def listing(session: Session, city_id: int) -> list[Client]:
    """The city's clients, each with its keys (newest first)."""
    users = list(session.scalars(select(User).where(User.city_id == city_id, User.role == Role.CLIENT.value)
                                 .order_by(User.display_name, User.id)))
    keys: dict[int, list[Key]] = {u.id: [] for u in users}
    if users:
        for t in session.scalars(select(ApiToken).where(ApiToken.user_id.in_(list(keys)))
                                 .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())):
            keys[t.user_id].append(Key(t.id, t.name, t.prefix, t.created_at, t.revoked_at, t.last_used_at))
    return [Client(u, keys[u.id]) for u in users]


def count(session: Session, city_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(User).where(
        User.city_id == city_id, User.role == Role.CLIENT.value)) or 0)
