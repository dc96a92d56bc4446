"""The shared tables of community resources: service centres (党群服务中心 and the 阳光雨
centres in parks, buildings, estates and markets) and the catalogue of service items they
accept, in the shape of Open Referral's HSDS:

* organisation → :class:`huying.orgs.models.Organisation` (the unit responsible for an item,
  and the party organisation running a centre),
* service → :class:`ServiceItem` (with its required materials and time limit),
* location → :class:`Centre` (a place with a point and opening hours),
* service at location → :class:`CentreItem`.

The other parts of the domain keep their tables in their own modules, imported at the end.
Demo rows are synthetic."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from huying.db import Base, CityScoped, UTCDateTime, utcnow


class CentreKind(enum.StrEnum):
    COMMUNITY = "community"  # 村(社区)党群服务中心: one in every community
    SUNSHINE = "sunshine"  # "阳光雨"党群服务站: in parks, buildings, estates and markets


class Setting(enum.StrEnum):
    """Where a 阳光雨 centre stands (a community centre has none)."""

    PARK = "park"  # 公园
    BUILDING = "building"  # 商务楼宇
    ESTATE = "estate"  # 住宅小区
    MARKET = "market"  # 专业市场


class Centre(CityScoped, Base):
    """A service centre: a place (HSDS location) where residents are served and where any
    one-stop item is accepted. ``node_id`` is the community it belongs to."""

    __tablename__ = "centres"
    __table_args__ = (UniqueConstraint("city_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(12))
    setting: Mapped[str | None] = mapped_column(String(12))
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160))
    node_id: Mapped[int] = mapped_column(ForeignKey("geo_nodes.id", ondelete="CASCADE"), index=True)
    #: The party organisation that runs the centre, when known.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    address: Mapped[str] = mapped_column(String(200), default="")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    #: Opening hours in the OpenStreetMap ``opening_hours`` form, e.g. ``Mo-Fr 09:00-18:00; Sa 09:00-12:00``.
    opening_hours: Mapped[str] = mapped_column(String(200), default="")
    phone_masked: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ServiceItem(CityScoped, Base):
    """A service item of the catalogue (HSDS service): what a resident can ask for, the unit
    (by department and level) that is responsible for it, the materials to bring and the time
    limit in working days. ``one_stop`` items are accepted at any centre and handled where the
    responsible unit is (全区域通办)."""

    __tablename__ = "service_items"
    __table_args__ = (UniqueConstraint("city_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160))
    #: A group of the catalogue (elderly care, social security, civil affairs ...).
    category: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text, default="")
    #: The responsible department (:class:`huying.orgs.models.Department`), or null when the
    #: community itself handles it; ``level`` is where (community | town | city).
    department: Mapped[str | None] = mapped_column(String(30))
    level: Mapped[str] = mapped_column(String(12), default="town")
    #: Required materials, each a short phrase (e.g. "身份证", "户口簿").
    materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    time_limit_days: Mapped[int] = mapped_column(Integer, default=5)
    one_stop: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CentreItem(CityScoped, Base):
    """A service item offered at a centre (HSDS service_at_location): where a resident can
    go for it. ``capacity`` is how many a day the centre serves, when it is limited (a
    长者饭堂's seats)."""

    __tablename__ = "centre_items"
    __table_args__ = (UniqueConstraint("centre_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id", ondelete="CASCADE"), index=True)
    capacity: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(200), default="")


class CommunityEvent(CityScoped, Base):
    """The append-only history of everything that changes in community resources (a project
    posted, a claim, a pledge, a milestone reached, a match proposed, accepted, fulfilled or
    evaluated, a council's decision): who did what to which row, when, with what. Written
    only by :func:`huying.community.events.record`, one row per command, in the command's
    transaction; never updated or deleted. ``subject`` names the kind of row (``project``,
    ``pledge``, ``match`` ...) and ``subject_id`` its id."""

    __tablename__ = "community_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(30))
    #: The user who acted (null for the system, e.g. a solver's proposal or an import).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: What changed, as JSON (amounts as strings: exact decimals stay exact).
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_community_events_subject", "subject", "subject_id"),)


# The other parts' tables live in their own modules (the walking network of the service
# circle, the councils, the three lists and their matches, the public-welfare exchange, the
# one-stop service requests); imported here so that ``Base.metadata`` knows them all.
from huying.community import circle_models as circle_models  # noqa: E402, F401
from huying.community import council_models as council_models  # noqa: E402, F401
from huying.community import exchange_models as exchange_models  # noqa: E402, F401
from huying.community import lists_models as lists_models  # noqa: E402, F401
from huying.community import onestop_models as onestop_models  # noqa: E402, F401
