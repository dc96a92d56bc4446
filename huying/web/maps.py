"""What the pages' maps are told by the server (``#map-config``, read by ``js/outlines.js``):
where our geography API is, the city's box to open on, the zooms at which each level's
outlines are served, and the base layer of tiles when one is configured (its URL may hold a
key: it is written only here, where the browser needs it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from huying.config import get_settings
from huying.geo import service as geo
from huying.geo.models import Level, Node
from huying.geo.outlines import ZOOMS

#: Where the maps get their layers and answer clicks (``huying.geo.routes``).
GEO_API = "/api/v1/geo"
#: The colour of each of the five steps (受理 → 派单 → 处置 → 回访 → 办结, ``present.Step``): the
#: public map's dots, its legend and the public list's marks all read it here.
STEP_COLOURS = ("#c62828", "#ef6c00", "#f2b600", "#1e88e5", "#2e7d32")


def city_bounds(session: Session) -> list[float] | None:
    """[west, south, east, north] of the city's towns; None for a city without polygons, or
    none yet (a new installation: the map then opens on its default view)."""
    try:
        city = geo.get_city(session)
        row = session.execute(select(
            func.min(Node.min_lon), func.min(Node.min_lat), func.max(Node.max_lon), func.max(Node.max_lat),
        ).where(Node.city_id == city.id, Node.level == Level.TOWN.value)).one()
    except (geo.CityNotFound, SQLAlchemyError):
        session.rollback()
        return None
    return None if row[0] is None else [float(v) for v in row]


def tiles() -> dict[str, Any] | None:
    """The base layer of tiles for the browser, or None (the default: no tiles, offline)."""
    t = get_settings().map_tiles
    if t is None:
        return None
    return {"url": t.url.get_secret_value(), "attribution": t.attribution, "max_zoom": t.max_zoom,
            "subdomains": t.subdomains}


def map_config(session: Session) -> dict[str, Any]:
    """The server's part of ``#map-config`` (the template adds the words)."""
    return {"geo_api": GEO_API, "bounds": city_bounds(session), "tiles": tiles(),
            "zooms": {lv.value: [r.start, r.stop - 1] for lv, r in ZOOMS.items()}}
