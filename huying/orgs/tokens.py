"""API tokens: created for a user, shown once, stored as a SHA-256, revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from huying.db import rows
from huying.geo.models import City, Node
from huying.geo.tree import remember_city_code
from huying.orgs.actor import remember_node_path
from huying.orgs.models import ApiToken, User
from huying.orgs.service import AccountError

PREFIX = "hy_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(session: Session, user: User, name: str, *, now: dt.datetime, token: str | None = None) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the token (only now in clear).
    ``token`` may be given to install a known value (the demo city's documented key)."""
    name = name.strip()
    if not name:
        raise AccountError("a token needs a name")
    token = token or PREFIX + secrets.token_urlsafe(32)
    if len(token) < 16:
        raise AccountError("a token must have at least 16 characters")
    row = ApiToken(city_id=user.city_id, user_id=user.id, name=name[:60], prefix=token[:10],
                   token_hash=digest(token), created_at=now)
    session.add(row)
    session.flush()
    return row, token


def revoke(session: Session, token_id: int, *, now: dt.datetime) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise AccountError(f"no token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = now
    session.flush()
    return row


#: A valid token's holder, as plain columns (every API request runs it: built once, building
#: it was a third of its cost; an account as an ORM entity cost as much again): the fields
#: :meth:`huying.orgs.actor.Actor.of` reads, the holder's node path and city code.
_HOLDER = (select(ApiToken.id.label("token_id"), ApiToken.last_used_at, User.id, User.city_id, User.role,
                  User.node_id, User.organisation_id, User.display_name, User.active,
                  Node.path.label("node_path"), City.code.label("city_code"))
           .join(User, User.id == ApiToken.user_id)
           .join(City, City.id == User.city_id)
           .outerjoin(Node, Node.id == User.node_id)
           .where(ApiToken.token_hash == bindparam("h"), ApiToken.revoked_at.is_(None)))


def holder(session: Session, token: str, *, now: dt.datetime | None = None) -> Any | None:
    """The active account of a valid, unrevoked token, as a row of the fields an actor is
    made of (``id``, ``city_id``, ``role``, ``node_id``, ``organisation_id``,
    ``display_name``), or None: the one rule of which token is accepted. With ``now``, the
    token's last use is noted (:func:`touch`)."""
    found = rows(session, _HOLDER, {"h": digest(token)})
    row = found[0] if found else None
    if row is None or not row.active:
        return None
    remember_node_path(session, row.node_id, row.node_path)  # the actor's scope, in the same query
    remember_city_code(session, row.city_id, row.city_code)  # and the city's code
    if now is not None:
        touch(session, row.token_id, row.last_used_at, now=now)
    return row


def user_for(session: Session, token: str, *, now: dt.datetime | None = None) -> User | None:
    """The account of a valid token (:func:`holder`) as an entity, for what needs one."""
    row = holder(session, token, now=now)
    return None if row is None else session.get(User, row.id)


#: A token's last use is written at most once per this interval (a busy client's every
#: request would otherwise be a write).
TOUCH_EVERY = dt.timedelta(minutes=1)


def touch(session: Session, token_id: int, last_used_at: dt.datetime | None, *, now: dt.datetime) -> bool:
    """Note the token's use at ``now`` unless noted less than :data:`TOUCH_EVERY` ago: at
    most one write per token per minute, committed at once (its own small transaction,
    before the request does anything). Returns whether it wrote."""
    if last_used_at is not None and now - last_used_at < TOUCH_EVERY:
        return False
    stale = ApiToken.last_used_at.is_(None) | (ApiToken.last_used_at <= now - TOUCH_EVERY)
    done = session.execute(update(ApiToken).where(ApiToken.id == token_id, stale).values(last_used_at=now)).rowcount  # type: ignore[attr-defined]
    session.commit()
    return bool(done)


def mark_used(session: Session, token: str, *, now: dt.datetime) -> None:
    """Note when a key was last used (its client's page shows it), at most once per
    :data:`TOUCH_EVERY`. In the caller's transaction."""
    stale = ApiToken.last_used_at.is_(None) | (ApiToken.last_used_at <= now - TOUCH_EVERY)
    session.execute(update(ApiToken).where(ApiToken.token_hash == digest(token), stale).values(last_used_at=now))
