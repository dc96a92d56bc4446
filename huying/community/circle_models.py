"""The 10-minute service circle's one table: the walking network a city imported (GeoJSON
lines or OSM ways, :mod:`huying.community.circle_network`). One per city; a new import
replaces it. The arrays (node points, edges and their lengths in metres) are stored together
as one compressed NumPy archive: the network is read whole, never queried row by row."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huying.db import Base, CityScoped, UTCDateTime, utcnow


class WalkNetwork(CityScoped, Base):
    """A city's walking network: where it came from (``source``: ``geojson`` | ``osm``, the
    file's ``name``), its size, and its arrays (``data``: ``.npz`` of ``lon``, ``lat``, ``u``,
    ``v``, ``length_m``)."""

    __tablename__ = "walk_networks"
    __table_args__ = (UniqueConstraint("city_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200), default="")
    nodes: Mapped[int] = mapped_column(Integer)
    edges: Mapped[int] = mapped_column(Integer)
    #: The total length of the edges, metres.
    length_m: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
