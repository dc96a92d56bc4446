"""Who performs a command: a user in a role with a scope (their node's path), or the system."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from huying.geo.models import Node
from huying.orgs.service import get_user

#: Built once: every request of a signed-in user reads it.
_NODE_PATH = select(Node.path).where(Node.id == bindparam("id"))

_PATHS = "huying.node_paths"


def remember_node_path(session: Session, node_id: int | None, path: str | None) -> None:
    """Tell the session the path of a user's node that the caller read with the user (the
    API token's look-up), so that :meth:`Actor.of` need not read it again in this request."""
    session.info.setdefault(_PATHS, {})[node_id] = path


class Account(Protocol):
    """What an actor is made of: a ``User``'s fields."""

    @property
    def id(self) -> int: ...
    @property
    def city_id(self) -> int: ...
    @property
    def role(self) -> str: ...
    @property
    def node_id(self) -> int: ...
    @property
    def organisation_id(self) -> int | None: ...
    @property
    def display_name(self) -> str: ...


#: The role of the non-person actor (the SLA sweeper, automatic dispatch).
SYSTEM_ROLE = "system"


@dataclass(frozen=True)
class Actor:
    """Who performs a command: a user in a role with a scope, or the system sweeper."""

    city_id: int
    role: str
    node_path: str
    user_id: int | None = None
    organisation_id: int | None = None
    name: str = ""

    @property
    def is_system(self) -> bool:
        return self.role == SYSTEM_ROLE

    @classmethod
    def of(cls, session: Session, user: Account) -> Actor:
        """The actor of an account: a ``User``, or a row with its fields (an API token's
        holder, ``huying.orgs.tokens.holder``)."""
        known: dict[int | None, str | None] = session.info.get(_PATHS, {})
        path = (known[user.node_id] if user.node_id in known
                else session.execute(_NODE_PATH, {"id": user.node_id}).scalar()) or "/"
        return cls(city_id=user.city_id, role=user.role, node_path=path, user_id=user.id,
                   organisation_id=user.organisation_id, name=user.display_name)

    @classmethod
    def system(cls, city_id: int, city_path: str) -> Actor:
        return cls(city_id=city_id, role=SYSTEM_ROLE, node_path=city_path, name="system")


def actor_for(session: Session, username: str) -> Actor:
    """The actor of the account with this username (``AccountError`` if there is none)."""
    return Actor.of(session, get_user(session, username))
