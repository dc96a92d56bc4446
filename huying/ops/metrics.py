"""The figures ``/metrics`` reads from the database when it is scraped (one grouped query
each, on indexed columns), so that every worker gives the same numbers and nothing is kept
in memory: cases created (the intake rate is its ``rate()``), open and overdue cases per
handling level, the outbox backlog and the age of its oldest pending message, its dead
letters and the messages being retried after a failure, by channel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import case, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.cases import timing
from huying.cases.models import Case, OutboxMessage
from huying.cases.notify import CHANNEL_KINDS, DEAD

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
            # the dead letters, and the messages waiting after a failed attempt, by channel
            failing = s.execute(
                select(OutboxMessage.recipient_kind, OutboxMessage.status, func.count())
                .where(or_(OutboxMessage.status == DEAD,
                           OutboxMessage.status.in_(WAITING) & OutboxMessage.last_error.is_not(None)))
                .group_by(OutboxMessage.recipient_kind, OutboxMessage.status)).all()
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
        dead = GaugeMetricFamily("huying_outbox_dead_letters",
                                 "Notifications given up on (dead letters), by channel.", labels=["channel"])
        retrying = GaugeMetricFamily("huying_outbox_retrying",
                                     "Notifications waiting for another attempt after a failure, by channel.",
                                     labels=["channel"])
        by: dict[tuple[str, bool], int] = {}
        for kind, status, n in failing:
            key = (str(kind), status == DEAD)
            by[key] = by.get(key, 0) + n
        for channel in sorted({k for k, _ in by} | set(CHANNEL_KINDS)):
            dead.add_metric([channel], by.get((channel, True), 0))
            retrying.add_metric([channel], by.get((channel, False), 0))
        yield dead
        yield retrying
