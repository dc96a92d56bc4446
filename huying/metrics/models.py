"""Tables of the figures: a rollup of the event table per grid and calendar month (UTC), and
per grid and day.

One row holds, for the events of one month (``day`` = 0) or of one day (``day`` = 1..31) on
the cases of one grid, the same counters that
``huying.metrics.service.node_figures`` computes from the events. It is maintained in the
same transaction as the event (``huying.metrics.rollup.apply_event``) and can be rebuilt
from the events at any time (``rollup.rebuild``): the events stay the source of truth."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huying.db import Base, CityScoped


class GridMonth(CityScoped, Base):
    __tablename__ = "metrics_grid_month"
    __table_args__ = (
        UniqueConstraint("city_id", "grid_path", "month", "day"),
        # month rows of a range of months; day rows of a range of days
        Index("ix_metrics_grid_month_months", "city_id", "day", "month"),
        Index("ix_metrics_grid_month_days", "city_id", "month", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Not indexed alone: the three indexes above start with it.
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    #: ``Case.grid_path`` (set once, at the report).
    grid_path: Mapped[str] = mapped_column(String(200))
    #: ``YYYYMM`` of the events' ``at`` in UTC.
    month: Mapped[int] = mapped_column(Integer)
    #: 0: the whole month's row; 1..31: that day's row (UTC).
    day: Mapped[int] = mapped_column(Integer, default=0)
    received: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    fixed_on_spot: Mapped[int] = mapped_column(Integer, default=0)
    #: closing events of cases that never went overdue
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    #: closing events of cases that were reopened
    reworked: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    dissatisfied: Mapped[int] = mapped_column(Integer, default=0)
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    #: the counts of ``huying.metrics.service.CHANNEL_FIGURES`` (cases of the contact channels)
    visit_requests: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    visit_requests_closed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    walk_problems: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    walk_fixed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    walk_closed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: the counters of the indicator catalogue (``rollup.INDICATOR_COUNTERS``, see
    #: ``rollup.history_counts`` and docs/indicators.md)
    responded: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    responded_on_time: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    handled: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    handled_on_time: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    registered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    went_overdue: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    dispatch_closed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    dispatch_accurate: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    unsolved: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: sum over closing events of (event time - case created_at), seconds
    close_seconds: Mapped[float] = mapped_column(Float, default=0.0)
