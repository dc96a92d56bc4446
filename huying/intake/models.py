"""Tables of intake: the ledger numbers of imported history; the idempotency keys of API reports."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huying.db import Base, CityScoped, UTCDateTime


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


class IdempotencyKey(CityScoped, Base):
    """A client's ``Idempotency-Key`` on a create, written in the same transaction as the
    case it created: a retry with the same key returns that case and never makes a second.
    ``fingerprint`` is the SHA-256 of the request, so that a key reused for another request
    is refused instead of silently answered with the wrong case."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("city_id", "user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(200))
    #: Which create: ``cases`` (``POST /api/v1/cases``) or ``open311`` (``POST requests``).
    scope: Mapped[str] = mapped_column(String(20))
    fingerprint: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
