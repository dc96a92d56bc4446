"""Tables of the closed loop. The event table is append-only: the audit trail, the timeline,
the source of the outbox and of every figure. The case row is derivable from its events."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.orm import Mapped, mapped_column

from huying.db import Base, CityScoped, UTCDateTime, utcnow


class CaseCounter(CityScoped, Base):
    """Next sequence number of case codes per city and year (``441900-2026-000123``)."""

    __tablename__ = "case_counters"
    __table_args__ = (UniqueConstraint("city_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Case(CityScoped, Base):
    """A resident's problem, or a service request accepted at a centre (``kind``: each kind
    has its own workflow table, :mod:`huying.cases.workflow`). Only the workflow's service functions change it; ``version``
    counts its events and guards against lost updates (optimistic concurrency)."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("city_id", "code"),
        Index("ix_cases_sweep_at", "sweep_at"),
        Index("ix_cases_city_status", "city_id", "status"),
        Index("ix_cases_grid_path", "grid_path"),
        Index("ix_cases_unit_status", "unit_id", "status"),
        # the duplicate look-up (huying.triage.duplicates): the cells around a point, then its
        # window's range of moments, so that it reads the window's cases and not every case
        # ever reported there (docs/performance.md, P1)
        Index("ix_cases_city_h3_at", "city_id", "h3_cell", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Not indexed alone: every index above starts with it (one index less to keep at each write).
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(30))
    #: ``problem`` (the closed loop) or ``service`` (a request accepted at a service centre):
    #: the workflow table the case follows (:func:`huying.cases.workflow.workflow_of`).
    kind: Mapped[str] = mapped_column(String(12), default="problem", server_default="problem")
    #: A service request's time limit in working days (the service item's), counted over its
    #: handling (:func:`huying.cases.kernel.step_schedule`); null for a problem.
    time_limit_days: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"))
    priority: Mapped[str] = mapped_column(String(12), default="normal")
    channel: Mapped[str] = mapped_column(String(20))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(200))
    #: H3 cell (resolution ``H3_RESOLUTION``, edges of ~174 m) of the point: duplicate
    #: candidates are looked up in the cells around a new report's cell.
    h3_cell: Mapped[str | None] = mapped_column(String(16))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("geo_nodes.id", ondelete="SET NULL"), index=True)
    #: Path of the grid in the tree (copied from the node): scope checks are prefix matches.
    grid_path: Mapped[str] = mapped_column(String(200), default="")
    #: ``resident`` (a user), ``staff`` (a user), or ``anonymous`` (no user, maybe a contact).
    reporter_kind: Mapped[str] = mapped_column(String(12))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reporter_contact: Mapped[str | None] = mapped_column(String(60))
    #: The responsible unit (an organisation) and the level that handles the case.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    unit_path: Mapped[str | None] = mapped_column(String(200))
    handling_level: Mapped[str] = mapped_column(String(12), default="community")
    status: Mapped[str] = mapped_column(String(24))
    #: Deadline of the current step (null in final statuses).
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: When the sweeper must look at the case next (warning, overdue, next overdue period).
    sweep_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    warned: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue_periods: Mapped[int] = mapped_column(Integer, default=0)
    ever_overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    rework_count: Mapped[int] = mapped_column(Integer, default=0)
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    extension_days: Mapped[float | None] = mapped_column(Float)
    resolution: Mapped[str | None] = mapped_column(Text)
    reject_reason: Mapped[str | None] = mapped_column(String(40))
    satisfaction: Mapped[str | None] = mapped_column(String(20))
    #: When merged as a duplicate: the case it joined.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


#: Resolution of ``Case.h3_cell``: 9 (average edge 174 m) suits a 250 m duplicate radius.
H3_RESOLUTION = 9


def h3_cell_of(lon: float | None, lat: float | None) -> str | None:
    if lon is None or lat is None:
        return None
    import h3

    return str(h3.latlng_to_cell(lat, lon, H3_RESOLUTION))


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


class CaseCohandler(CityScoped, Base):
    """A co-handling unit (协办) of a case."""

    __tablename__ = "case_cohandlers"
    __table_args__ = (UniqueConstraint("case_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))


class CaseEvent(CityScoped, Base):
    """One command on a case: who, in which role, when, what, from which status to which,
    a note and a JSON payload (``set``: every case field the command changed). Append-only."""

    __tablename__ = "case_events"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        Index("ix_case_events_city_at", "city_id", "at"),
        # the cases behind a figure (metrics.drill): one kind of event of a period
        Index("ix_case_events_city_action_at", "city_id", "action", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Neither indexed alone: (case_id, seq) and (city_id, at) serve them (the event table
    #: is the largest; each index less is less to write per command and per imported case).
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    #: 1 for the report, then one more per command: equals the case's version after it.
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_role: Mapped[str] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text, default="{}")
    #: The id of the HTTP request that wrote it (``X-Request-ID``, as in its log line);
    #: None for the CLI, the sweeper and imports.
    request_id: Mapped[str | None] = mapped_column(String(128))


class Attachment(CityScoped, Base):
    """A photo or document of a case, stored under the data directory."""

    __tablename__ = "case_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    event_seq: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    #: Path relative to the data directory.
    stored_path: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Ledger(CityScoped, Base):
    """台账: the plan of a case that cannot be solved at once, with a supervising leader."""

    __tablename__ = "ledgers"
    __table_args__ = (UniqueConstraint("case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    plan: Mapped[str] = mapped_column(Text)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Milestone(CityScoped, Base):
    __tablename__ = "ledger_milestones"
    __table_args__ = (Index("ix_ledger_milestones_due", "due_at", "done_at", "notice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ledger_id: Mapped[int] = mapped_column(ForeignKey("ledgers.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: The supervision notice raised when the milestone went overdue.
    notice_id: Mapped[int | None] = mapped_column(
        ForeignKey("supervision_notices.id", ondelete="SET NULL")
    )


class SupervisionNotice(CityScoped, Base):
    """督办: issued by a leader (or by the sweeper) to a unit, with a reply deadline."""

    __tablename__ = "supervision_notices"
    __table_args__ = (Index("ix_supervision_notices_unit", "unit_id", "replied_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: ``leader`` (a person), ``overdue`` or ``milestone`` (the sweeper).
    source: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reply_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    replied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reply: Mapped[str | None] = mapped_column(Text)
    #: Closed without a reply because its case ended (``closed_reason`` says so).
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_reason: Mapped[str | None] = mapped_column(String(200))

    @property
    def is_open(self) -> bool:
        """Waiting for its reply: neither answered nor closed with its case."""
        return self.replied_at is None and self.closed_at is None

    @classmethod
    def open_clause(cls) -> ColumnElement[bool]:
        """:attr:`is_open` as SQL."""
        return and_(cls.replied_at.is_(None), cls.closed_at.is_(None))

    @classmethod
    def late_clause(cls, now: dt.datetime) -> ColumnElement[bool]:
        """Still open and past its reply deadline: :meth:`is_late` of an open notice, as SQL."""
        return and_(cls.open_clause(), cls.reply_due_at < now)

    def is_late(self, now: dt.datetime) -> bool:
        """Replied after the deadline, or not replied (nor closed with its case) and the
        deadline has passed."""
        return (self.replied_at or self.closed_at or now) > self.reply_due_at


class OutboxMessage(CityScoped, Base):
    """A notification to deliver, queued in the same transaction as its event.

    Delivery: a worker claims a row (``pending`` → ``sending``, with a lease), sends it through
    the ``Notifier`` with the row's idempotency key, then marks it ``sent``. A worker that
    dies between sending and marking leaves the row ``sending``: once the lease expires it
    is claimed again and re-sent with the same key (the adapter deduplicates by key), and
    ``attempts`` > 1 records that it went out more than once — never lost, never silent."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("idempotency_key"),
        Index("ix_outbox_status_available", "status", "available_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("case_events.id", ondelete="SET NULL"))
    idempotency_key: Mapped[str] = mapped_column(String(80))
    recipient_kind: Mapped[str] = mapped_column(String(12))  # user | unit | contact
    recipient: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(60))
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: Past this moment the message is not worth sending: marked ``expired``, never sent.
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
