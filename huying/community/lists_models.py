"""The three lists of a community (需求清单 · 服务清单 · 资源清单) and the matches between
them.

* :class:`Need`: what a household, a visit, a case or a council asks for (a type of
  :class:`huying.community.matching.NeedType`, a place, time windows, how many people);
* :class:`Offer`: a service (what a centre or an organisation offers) or a resource (a venue,
  funds, volunteers, skills), with its place, time windows and capacity (places);
* :class:`Match`: a need given to an offer, proposed by the solver and then accepted or
  declined, fulfilled and evaluated (its workflow: :mod:`huying.community.lists_workflow`;
  its history: :func:`huying.community.events.record`).

Time windows are stored as JSON lists ``[[weekday, from_hour, to_hour], ...]``
(:class:`huying.community.matching.Window`). Demo rows are synthetic."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from huying.db import Base, CityScoped, UTCDateTime, utcnow


class NeedSource(enum.StrEnum):
    """Where a need came from (``source_id``: the row it came from, when there is one)."""

    RESIDENT = "resident"  # a resident asked (or the register: a household's needs)
    VISIT = "visit"  # found on a visit (驻点联系)
    CASE = "case"  # a case of the closed loop
    COUNCIL = "council"  # a decision of the co-building council (source_id: the decision)


class OfferList(enum.StrEnum):
    SERVICES = "services"  # 服务清单: what centres and organisations offer
    RESOURCES = "resources"  # 资源清单: venues, funds, volunteers, skills


class ResourceKind(enum.StrEnum):
    VENUE = "venue"  # 场地
    FUNDS = "funds"  # 资金
    VOLUNTEERS = "volunteers"  # 志愿者
    SKILLS = "skills"  # 技能


class Need(CityScoped, Base):
    """A need of the community's needs list, at a household of the register or at a node
    (its point is copied: the household's, else the node's centroid)."""

    __tablename__ = "community_needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The community whose list it is on.
    node_id: Mapped[int] = mapped_column(ForeignKey("geo_nodes.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(12))
    source_id: Mapped[int | None] = mapped_column(Integer)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id", ondelete="SET NULL"), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    windows: Mapped[list[list[int]]] = mapped_column(JSON, default=list)
    people: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str] = mapped_column(Text, default="")
    #: Set when it is withdrawn (no longer matched).
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Offer(CityScoped, Base):
    """A service (``list_kind`` = services: a centre's or an organisation's) or a resource
    (``list_kind`` = resources: a venue, funds, volunteers or skills) of a node: for needs of its
    ``type``, at its point, in its time windows, for ``capacity`` people at a time."""

    __tablename__ = "community_offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("geo_nodes.id", ondelete="CASCADE"), index=True)
    list_kind: Mapped[str] = mapped_column(String(10), index=True)
    #: For a resource: venue, funds, volunteers or skills.
    kind: Mapped[str | None] = mapped_column(String(12))
    type: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    windows: Mapped[list[list[int]]] = mapped_column(JSON, default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Match(CityScoped, Base):
    """A need given to an offer: the distance and the window in common when it was
    proposed; its status moves through :data:`huying.community.lists_workflow.TABLE`."""

    __tablename__ = "community_matches"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("community_needs.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("community_offers.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    distance_m: Mapped[int] = mapped_column(Integer)
    #: The window in common, ``[weekday, from, to]`` (null: both any time).
    window: Mapped[list[int] | None] = mapped_column(JSON)
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    proposed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
