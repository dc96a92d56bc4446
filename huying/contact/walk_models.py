"""Inspection walks (行走, 四不两直, issue #16): a leader or officer plans a walk to a place
privately, starts it, records the problems found on the spot (each a case through intake,
channel ``inspection_walk``: fixed on the spot or put on a ledger), and ends it.

Who sees a walk's destination, and when, is one rule:
:func:`huying.contact.walk_service.sees_destination`."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huying.db import Base, CityScoped, UTCDateTime, utcnow


class WalkStatus(enum.StrEnum):
    PLANNED = "planned"  # known to its planner only
    STARTED = "started"  # under way: problems are recorded
    ENDED = "ended"


class WalkOutcome(enum.StrEnum):
    """What became of a problem found on a walk."""

    FIXED_ON_SPOT = "fixed_on_spot"  # 立行立改: the case closed at once, with its evidence
    LEDGER = "ledger"  # 挂账: dispatched to a unit with a ledger (plan, milestone, supervision)


class Walk(CityScoped, Base):
    """A walk (行走): planned by a user for a day, to a destination node (a town, community or
    grid) and an optional place in it (free text); planned → started → ended."""

    __tablename__ = "walks"

    id: Mapped[int] = mapped_column(primary_key=True)
    planner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    planned_on: Mapped[dt.date] = mapped_column(Date)
    #: The destination: secret until the walk starts (walk_service.sees_destination).
    node_id: Mapped[int] = mapped_column(ForeignKey("geo_nodes.id", ondelete="CASCADE"), index=True)
    place: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=WalkStatus.PLANNED.value, index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WalkCase(CityScoped, Base):
    """A problem found on a walk: the case it became, and whether it was fixed on the spot
    or put on a ledger."""

    __tablename__ = "walk_cases"
    __table_args__ = (UniqueConstraint("case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    walk_id: Mapped[int] = mapped_column(ForeignKey("walks.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
