"""API tokens: created for a user, shown once, stored as a SHA-256, revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

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


#: Built once (every API request runs it: building it was a third of its cost).
_USER_FOR = (select(ApiToken.id, ApiToken.last_used_at, User, Node.path, City.code)
             .join(User, User.id == ApiToken.user_id)
             .join(City, City.id == User.city_id)
             .outerjoin(Node, Node.id == User.node_id)
             .where(ApiToken.token_hash == bindparam("h"), ApiToken.revoked_at.is_(None)))


def user_for(session: Session, token: str, *, now: dt.datetime | None = None) -> User | None:
    """The active user of a valid, unrevoked token. With ``now``, the token's last use is
    noted (:func:`touch`)."""
    row = session.execute(_USER_FOR, {"h": digest(token)}).first()
    if row is None or not row[2].active:
        return None
    remember_node_path(session, row[2].node_id, row[3])  # the actor's scope, in the same query
    remember_city_code(session, row[2].city_id, row[4])  # and the city's code
    if now is not None:
        touch(session, row[0], row[1], now=now)
    return row[2]


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
