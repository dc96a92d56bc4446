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


def administers(actor: Actor, node_path: str) -> bool:
    """An administrator administers their node and everything below it: an administrator of
    the city, the whole city; of a town, only inside the town."""
    return actor.role == Role.ADMIN and bool(node_path) and node_path.startswith(actor.node_path)


def check_administers(actor: Actor, node_path: str, what: str) -> None:
    """:func:`administers`, or ``NotPermitted`` naming ``what`` was refused."""
    if actor.role != Role.ADMIN:
        raise NotPermitted(f"only an administrator may {what}")
    if not administers(actor, node_path):
        raise NotPermitted(f"this place is outside your scope: you may not {what} here")
