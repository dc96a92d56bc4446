"""Tables of the API layer: idempotency keys of creates, and what an Open311 client sent
with a request that the case itself does not hold (its token, media URL, attributes)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huying.db import Base, CityScoped, UTCDateTime


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
