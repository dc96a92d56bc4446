"""The figures ``/metrics`` reads from the database when it is scraped (one grouped query
each, on indexed columns), so that every worker gives the same numbers and nothing is kept
in memory: cases created (the intake rate is its ``rate()``), open and overdue cases per
handling level, the outbox backlog and the age of its oldest pending message."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.cases import timing
from huying.cases.models import Case, OutboxMessage

#: Outbox statuses still to be delivered.
WAITING = ("pending", "sending")


class DatabaseFigures(Collector):
    def __init__(self, engine: Engine, now: dt.datetime) -> None:
        self.engine, self.now = engine, now

    def collect(self) -> Iterator[Metric]:
        with Session(self.engine) as s:
            created = s.scalar(select(func.count()).select_from(Case)) or 0
            levels = s.execute(
                select(Case.handling_level, func.count(),
                       func.sum(case((timing.overdue_clause(self.now), 1), else_=0)))
                .where(timing.open_clause()).group_by(Case.handling_level)).all()
            backlog, oldest = s.execute(
                select(func.count(), func.min(OutboxMessage.created_at))
                .where(OutboxMessage.status.in_(WAITING))).one()
        yield CounterMetricFamily("huying_cases_created", "Cases created (reports taken in).",
                                  value=created)
        open_ = GaugeMetricFamily("huying_cases_open", "Open cases, by handling level.",
                                  labels=["level"])
        overdue = GaugeMetricFamily("huying_cases_overdue",
                                    "Open cases past their deadline, by handling level.",
                                    labels=["level"])
        for level, n, late in levels:
            open_.add_metric([str(level)], n)
            overdue.add_metric([str(level)], late or 0)
        yield open_
        yield overdue
        yield GaugeMetricFamily("huying_outbox_backlog", "Notifications waiting to be delivered.",
                                value=backlog)
        age = 0.0
        if oldest is not None:
            if oldest.tzinfo is None:  # SQLite keeps no offset: stored in UTC
                oldest = oldest.replace(tzinfo=dt.UTC)
            age = max(0.0, (self.now - oldest).total_seconds())
        yield GaugeMetricFamily("huying_outbox_oldest_age_seconds",
                                "Age of the oldest notification waiting (0 when none).", value=age)
