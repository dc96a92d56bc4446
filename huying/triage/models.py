"""Tables of triage: the routing rules of a city (editable; defaults shipped as data)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from huying.db import Base, CityScoped, UTCDateTime, utcnow


class RoutingRule(CityScoped, Base):
    """Category × place → the responsible unit's type and level.

    ``category`` is a category code (``NN``, ``NN.MM`` or ``NN.MM.KKK``; empty: every
    category); ``node_path`` a node path (the rule applies at that node and below it; empty:
    the whole city). The most specific rule wins: deeper category first, then deeper place,
    then higher ``priority``. The unit is the organisation of ``org_kind`` (and
    ``department``) at the ancestor of the case's grid at ``level``; when there is none, the
    ``fallbacks`` (JSON list of ``[kind, department, level]``) are tried in order.
    ``delegated`` marks a power the city delegated to the place (what a town decides
    itself); ``auto`` lets the system dispatch without a person."""

    __tablename__ = "routing_rules"
    __table_args__ = (Index("ix_routing_rules_city", "city_id", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(20), default="")
    node_path: Mapped[str] = mapped_column(String(200), default="")
    org_kind: Mapped[str] = mapped_column(String(30))
    department: Mapped[str | None] = mapped_column(String(30))
    level: Mapped[str] = mapped_column(String(12))
    delegated: Mapped[bool] = mapped_column(Boolean, default=False)
    auto: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    fallbacks: Mapped[str] = mapped_column(Text, default="[]")
    note: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
