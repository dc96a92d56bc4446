"""Commands and queries on organisations, people and accounts."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from huying.errors import InvalidInput
from huying.geo.models import Node
from huying.orgs import passwords
from huying.orgs.models import Organisation, Role, User

# Moderate cost: a login takes a few milliseconds, and building the demo city's accounts
# stays quick. Production deployments may raise it through ``PasswordHasher`` defaults.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


class AccountError(InvalidInput):
    """A bad account request (unknown role, duplicate username, node of another city…)."""


def hash_password(password: str) -> str:
    if len(password) < 6:
        raise AccountError("password must have at least 6 characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role | str,
    node: Node,
    display_name: str | None = None,
    organisation: Organisation | None = None,
    person_id: int | None = None,
    password_hash: str | None = None,
) -> User:
    """Create an account acting for ``node`` in ``role``. Flushes; the caller commits."""
    try:
        role = Role(role)
    except ValueError as exc:
        raise AccountError(f"unknown role {role!r}; roles: {', '.join(Role)}") from exc
    username = username.strip()
    if not username:
        raise AccountError("username must not be empty")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"username {username!r} is taken")
    if organisation is not None and organisation.city_id != node.city_id:
        raise AccountError("the organisation belongs to another city")
    if role is Role.DEPARTMENT_HANDLER and organisation is None:
        raise AccountError("a department handler needs an organisation (the unit)")
    if password_hash is None:  # a password a person chose (the demo brings its own hashes)
        reason = passwords.problem(password, username)
        if reason:
            raise AccountError(reason)
    user = User(
        city_id=node.city_id,
        username=username,
        display_name=display_name or username,
        password_hash=password_hash or hash_password(password),
        role=role.value,
        node_id=node.id,
        organisation_id=organisation.id if organisation else None,
        person_id=person_id,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active or user.role == Role.CLIENT.value:  # a client has keys only
        # Spend the same time as a real check, so usernames cannot be probed by timing.
        verify_password(_DUMMY_HASH, password)
        return None
    return user if verify_password(user.password_hash, password) else None


def end_sessions(session: Session, user_id: int) -> None:
    """End every web session of the account at once (sign-out, a new password,
    deactivation): their cookies carry the old ``session_epoch``. No commit."""
    session.execute(update(User).where(User.id == user_id).values(session_epoch=User.session_epoch + 1))


def session_is_current(user: User, epoch: object) -> bool:
    """A session cookie signed in under ``epoch`` still holds for ``user``."""
    return user.active and isinstance(epoch, int) and epoch == (user.session_epoch or 0)


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AccountError(f"no user {username!r}")
    return user


_DUMMY_HASH = _hasher.hash("not-a-password")
