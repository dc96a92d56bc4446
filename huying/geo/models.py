"""Tables of the city map."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from huying.db import Base, CityScoped, UTCDateTime, utcnow


class Level(enum.StrEnum):
    CITY = "city"
    AREA = "area"
    TOWN = "town"
    COMMUNITY = "community"
    GRID = "grid"

    @property
    def depth(self) -> int:
        return LEVELS.index(self)

    @property
    def child(self) -> Level | None:
        i = LEVELS.index(self)
        return LEVELS[i + 1] if i + 1 < len(LEVELS) else None

    @property
    def label_zh(self) -> str:
        return {"city": "市", "area": "片区", "town": "镇街", "community": "村(社区)", "grid": "网格"}[
            self.value
        ]


LEVELS: list[Level] = [Level.CITY, Level.AREA, Level.TOWN, Level.COMMUNITY, Level.GRID]


class City(Base):
    """A tenant: the root of one tree. One deployment may hold several."""

    __tablename__ = "cities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    #: Coordinate system of every polygon and point of this city (demo data: GCJ-02).
    crs: Mapped[str] = mapped_column(String(20), default="GCJ-02")
    timezone: Mapped[str] = mapped_column(String(50), default="Asia/Shanghai")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Node(CityScoped, Base):
    """A node of the tree. ``path`` is the chain of codes from the city, ``/``-separated and
    ``/``-terminated, so that "this node and everything below it" is a prefix match."""

    __tablename__ = "geo_nodes"
    __table_args__ = (
        UniqueConstraint("city_id", "code"),
        Index("ix_geo_nodes_city_level", "city_id", "level"),
        Index("ix_geo_nodes_path", "path"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(12))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("geo_nodes.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    #: GeoJSON geometry (Polygon or MultiPolygon) in the city's CRS; null for nodes drawn
    #: only through their children.
    geometry: Mapped[str | None] = mapped_column(Text)
    centroid_lon: Mapped[float | None] = mapped_column(Float)
    centroid_lat: Mapped[float | None] = mapped_column(Float)
    min_lon: Mapped[float | None] = mapped_column(Float)
    min_lat: Mapped[float | None] = mapped_column(Float)
    max_lon: Mapped[float | None] = mapped_column(Float)
    max_lat: Mapped[float | None] = mapped_column(Float)
    #: Approximate area in square kilometres (computed from the polygon).
    area_km2: Mapped[float | None] = mapped_column(Float)
    population: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    parent: Mapped[Node | None] = relationship(remote_side=[id], lazy="raise_on_sql")

    @property
    def level_enum(self) -> Level:
        return Level(self.level)

    def contains_path(self, other_path: str) -> bool:
        """True when ``other_path`` is this node or below it."""
        return other_path.startswith(self.path)


class MapVersion(CityScoped, Base):
    """Bumped whenever a city's polygons change, so that spatial indexes know to rebuild."""

    __tablename__ = "geo_map_versions"
    __table_args__ = (UniqueConstraint("city_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
