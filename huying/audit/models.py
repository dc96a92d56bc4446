"""The administrative audit trail: one row per change an administrator (or the CLI, or an
import) makes to the organisation chart, people, accounts, keys or the map."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from huying.db import Base, CityScoped, UTCDateTime


class AdminEvent(CityScoped, Base):
    """Who changed what, when, from what to what: ``detail`` holds ``before`` and ``after``
    (the changed fields only) and anything the change needs to be understood (a successor,
    the cases moved). Append-only: nothing updates or deletes a row."""

    __tablename__ = "admin_events"
    __table_args__ = (
        Index("ix_admin_events_subject", "subject", "subject_id"),
        Index("ix_admin_events_city_at", "city_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what kind of row: ``user``, ``token``, ``client``, ``organisation``, ``person``, ``node``
    subject: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
