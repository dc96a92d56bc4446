"""Tables of intake: the co-reporters of a case; the ledger numbers of imported history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huying.db import Base, CityScoped, UTCDateTime


class CaseReporter(CityScoped, Base):
    """Another person reporting the same problem as a case's reporter (a co-reporter): they
    joined at intake ("is it one of these?"), or their own case was merged into this one.
    Every co-reporter hears of the case's handling and close as its reporter does."""

    __tablename__ = "case_reporters"
    __table_args__ = (Index("ix_case_reporters_case", "case_id"),
                      Index("ix_case_reporters_user", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    contact: Mapped[str | None] = mapped_column(String(60))
    #: The seq of the case's ``join`` event that added the row.
    event_seq: Mapped[int] = mapped_column(Integer)
    joined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class HistoryRef(CityScoped, Base):
    """The ledger's own number (``ref``) of a case imported as history: a row whose number
    is here already is refused, so that a ledger fixed and imported again, or imported twice,
    does not count its cases twice (huying.intake.history)."""

    __tablename__ = "history_refs"
    __table_args__ = (UniqueConstraint("city_id", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Not indexed alone: the unique (city_id, ref) starts with it.
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    ref: Mapped[str] = mapped_column(String(60))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
