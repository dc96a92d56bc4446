"""Tables of the API layer: idempotency keys of creates, and what an Open311 client sent
with a request that the case itself does not hold (its token, media URL, attributes)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huying.db import Base, CityScoped, UTCDateTime


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


class Open311Request(CityScoped, Base):
    """The Open311 side of a case created through ``POST requests``."""

    __tablename__ = "open311_requests"
    __table_args__ = (UniqueConstraint("case_id"), UniqueConstraint("token"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    #: The GeoReport token (``GET tokens/{token}`` resolves it to the service_request_id).
    token: Mapped[str] = mapped_column(String(40))
    service_code: Mapped[str] = mapped_column(String(20))
    media_url: Mapped[str | None] = mapped_column(String(500))
    account_id: Mapped[str | None] = mapped_column(String(100))
    #: The submitted ``attribute[...]`` values, as JSON.
    attributes: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
