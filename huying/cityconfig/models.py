"""Tables of a city's configuration: the category tree, SLA rules, the holiday calendar and
the version counters that tell every process's caches an edit happened."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huying.db import Base, CityScoped, UTCDateTime, utcnow


class Category(CityScoped, Base):
    """A node of the 3-level category tree (editable per city). ``path`` holds the codes
    from level 1 down, ``/``-separated and terminated, e.g. ``/01/01.02/01.02.003/``."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("city_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20))
    level: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(String(80))
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SlaRuleRow(CityScoped, Base):
    """An SLA rule of a city: category (and everything below it) × priority × step."""

    __tablename__ = "sla_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    priority: Mapped[str | None] = mapped_column(String(12))
    step: Mapped[str] = mapped_column(String(20))
    amount: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))


class CalendarDayRow(CityScoped, Base):
    """A day of a city's holiday calendar: a day off (``holiday``) or a Saturday or Sunday
    that is worked (``workday``, 调休上班). A city starts from ``huying/data/holidays.csv``
    (``holidays.seed``) and edits its own on the admin pages; see ``huying.cases.holidays``."""

    __tablename__ = "calendar_days"
    __table_args__ = (UniqueConstraint("city_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(60), default="")
    #: ``official``, ``provisional`` (as in the shipped file) or ``admin`` (added on the page).
    source: Mapped[str] = mapped_column(String(20), default="")


class ConfigVersion(CityScoped, Base):
    """Bumped in the transaction of every edit of one part of a city's configuration
    (``topic``: ``calendar``, ``sla``), so that every server process's cache of it sees the
    edit at its next use (``huying.cases.config_cache``)."""

    __tablename__ = "config_versions"
    __table_args__ = (UniqueConstraint("city_id", "topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
