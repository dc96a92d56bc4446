"""A service request's one-stop facts (一站受理 · 全区域通办): the centre that accepted it,
the catalogue item, the resident's household and the materials checked at the counter. The
request itself is a case of kind ``service`` (:mod:`huying.cases.workflow`): its status,
unit, deadline and timeline live in the kernel's ``cases`` and ``case_events``; this row is
written once, in the transaction of the case's ``accept_request`` / ``accept_pending`` event,
and never changed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from huying.db import Base, CityScoped, UTCDateTime


class ServiceRequest(CityScoped, Base):
    """Where and for what a service request was accepted."""

    __tablename__ = "service_requests"
    __table_args__ = (Index("ix_service_requests_centre", "centre_id", "accepted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id", ondelete="CASCADE"), index=True)
    #: The resident's registered household, when they have one.
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id", ondelete="SET NULL"))
    #: The community where the resident lives (where the item is handled from).
    home_node_id: Mapped[int] = mapped_column(ForeignKey("geo_nodes.id", ondelete="CASCADE"))
    #: The materials brought (of the item's list) and those still missing (容缺受理).
    materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    missing: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The staff member at the counter.
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: How the resident wants the result: collected at the centre, or told (phone/SMS).
    delivery: Mapped[str] = mapped_column(String(12), default="collect")
