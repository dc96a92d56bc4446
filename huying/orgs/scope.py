"""Which city a request is about: the caller's, or for anonymous callers ``?city=CODE``
(optional when the deployment holds one city)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from huying.deps import SessionDep
from huying.errors import NotPermitted
from huying.geo import service as geo
from huying.orgs.actor import Actor
from huying.orgs.auth import MaybeActor
from huying.orgs.models import Role


def city_id(session: SessionDep, actor: MaybeActor,
            city: Annotated[str | None, Query(description="City code (default: the caller's, "
                                                      "or the only city).")] = None) -> int:
    if actor is not None and city is None:
        return actor.city_id
    found = geo.get_city(session, city)
    if actor is not None and found.id != actor.city_id:
        raise geo.CityNotFound(f"no city with code {city!r}")
    return found.id


CityId = Annotated[int, Depends(city_id)]


# --------------------------------------------------------------------------- administration
# Who administers a place (its accounts, people, organisations): an administrator, for their
# node and everything below it. The city's administrator administers the whole city; an
# administrator of a town administers only inside that town. The command line (the
# operator at the server, ``actor`` None) administers everything.


def administers(actor: Actor | None, node_path: str | None) -> bool:
    """``actor`` may administer what sits at ``node_path`` (the one rule of admin scope)."""
    if actor is None:
        return True
    return (actor.role == Role.ADMIN and node_path is not None
            and node_path.startswith(actor.node_path))


def check_administers(actor: Actor | None, node_path: str | None, what: str) -> None:
    """Refuse (403) an administrative change outside the actor's place."""
    if actor is not None and actor.role != Role.ADMIN:
        raise NotPermitted(f"only an administrator may {what}")
    if not administers(actor, node_path):
        raise NotPermitted(f"this is outside the place you administer: you may not {what}")
