"""Which city a request is about: the caller's, or for anonymous callers ``?city=CODE``
(optional when the deployment holds one city)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from huying.deps import SessionDep
from huying.geo import service as geo
from huying.orgs.auth import MaybeActor


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
