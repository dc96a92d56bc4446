"""Co-building councils (共建议事会): a community's member organisations (agencies and
departments, state firms, 两新 organisations, social organisations, each an
:class:`huying.orgs.models.Organisation`), its meetings with their attendees and topics, and
the decisions taken. A decision may become a need of the community's needs list (its
``need_id``) or a public-welfare project (``project_id``, filled by the exchange when the
project is posted). Demo rows are synthetic."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huying.db import Base, CityScoped, UTCDateTime, utcnow


class CouncilRole(enum.StrEnum):
    """An organisation's seat in a council."""

    CONVENER = "convener"  # 召集单位: the community's party organisation
    MEMBER = "member"  # 成员单位
    OBSERVER = "observer"  # 列席单位


class DecisionKind(enum.StrEnum):
    NEED = "need"  # becomes a need of the needs list
    PROJECT = "project"  # becomes a public-welfare project (posted by the exchange)


class CouncilMember(CityScoped, Base):
    """An organisation's seat in a community's council."""

    __tablename__ = "council_members"
    __table_args__ = (UniqueConstraint("node_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("geo_nodes.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(12))
    joined_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CouncilMeeting(CityScoped, Base):
    """A meeting of a community's council: when, where, its topics and notes."""

    __tablename__ = "council_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("geo_nodes.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[dt.date] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(String(200))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MeetingAttendee(CityScoped, Base):
    """Who attended a meeting: a member organisation or a user (one of the two)."""

    __tablename__ = "council_attendees"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meetings.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))


class CouncilDecision(CityScoped, Base):
    """A decision of a meeting: a need (``need_id``) or a project (``project_id``, null until
    the exchange posts it)."""

    __tablename__ = "council_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meetings.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10))
    need_id: Mapped[int | None] = mapped_column(ForeignKey("community_needs.id", ondelete="SET NULL"))
    project_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
