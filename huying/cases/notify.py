"""Notifications: an outbox filled in the same transaction as the event, and a delivery
worker that hands messages to a ``Notifier`` port (log by default; SMS / e-mail adapters
plug in through ``HUYING_NOTIFIER=module:Class``).

Exactly-once is impossible across a crash between "sent" and "marked sent"; what the
worker guarantees is at-least-once with an idempotency key the adapter passes on to the
provider (SMS gateways and mail services deduplicate by it), and a row that went out more
than once says so (``attempts`` > 1, logged as a possible duplicate). Nothing is lost."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Table, bindparam, insert, literal, or_, select, union_all, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.cases import kernel
from huying.cases.kernel import Appended, Recorded
from huying.cases.models import Case as CaseRow
from huying.cases.models import CaseReporter, OutboxMessage
from huying.cases.workflow import Audience, audience_of
from huying.config import get_settings

if TYPE_CHECKING:
    from huying.cases.models import Case

log = logging.getLogger("huying.notify")

#: Which events concern whom: action → recipients ("unit" = the responsible unit after the
#: event, "reporter" = the person who reported).
RECIPIENTS: dict[str, tuple[str, ...]] = {
    "report": ("reporter",),
    "dispatch": ("unit",),
    "transfer": ("unit",),
    "escalate": ("unit",),
    "reopen": ("unit",),
    "supervise": ("unit",),
    "overdue": ("unit",),
    "sla_warning": ("unit",),
    "approve_extension": ("unit",),
    "refuse_extension": ("unit",),
    "mark_handled": ("reporter",),
    "close": ("reporter",),
    "close_with_primary": ("reporter",),
    "reject": ("reporter",),
    "record_part": ("unit",),
    # a rectification (软弱涣散整顿): the organisation hears it is being rectified
    "open_rectification": ("unit",),
}

SUBJECTS = {
    "open_rectification": "整顿通知 {code}：{title}",
    "report": "您反映的问题已受理，编号 {code}",
    "dispatch": "新派件 {code}：{title}",
    "transfer": "转办件 {code}：{title}",
    "escalate": "上报件 {code}：{title}",
    "reopen": "回访不满意，请重新办理 {code}",
    "supervise": "督办通知 {code}：{title}",
    "overdue": "已超期 {code}：{title}",
    "sla_warning": "即将超期 {code}：{title}",
    "approve_extension": "延期已批准 {code}",
    "refuse_extension": "延期未批准 {code}",
    "mark_handled": "您反映的问题 {code} 已办理，稍后回访",
    "close": "您反映的问题 {code} 已办结",
    "close_with_primary": "您反映的问题 {code} 已办结",
    "record_part": "协办单位已记录办理情况 {code}：{title}",
    "reject": "您反映的问题 {code} 不予受理",
}

#: A service request's messages (a case of kind ``service``): who hears of which step, and
#: the words (the resident's application, not a reported problem).
SERVICE_RECIPIENTS: dict[str, tuple[str, ...]] = {
    "accept_request": ("unit", "reporter"),
    "accept_pending": ("reporter",),
    "request_materials": ("reporter",),
    "supply_materials": ("unit",),
    "mark_handled": ("reporter",),
    "reject": ("reporter",),
    "transfer": ("unit",),
    "reopen": ("unit",),
    "supervise": ("unit",),
    "overdue": ("unit",),
    "sla_warning": ("unit",),
}
SERVICE_SUBJECTS = {
    "accept_request": "您的办事申请已受理，回执编号 {code}：{title}",
    "accept_pending": "您的办事申请已容缺受理，请尽快补齐材料，回执编号 {code}",
    "request_materials": "您的办事申请 {code} 需补正材料",
    "supply_materials": "办事申请材料已补齐，请继续办理 {code}：{title}",
    "mark_handled": "您的办事申请 {code} 已办结，请领取办理结果",
    "reject": "您的办事申请 {code} 未予办理",
    "transfer": "转办件 {code}：{title}",
    "reopen": "群众评价不满意，请重新办理 {code}",
    "supervise": "督办通知 {code}：{title}",
    "overdue": "已超期 {code}：{title}",
    "sla_warning": "即将超期 {code}：{title}",
}


def messages_of(case: CaseRow) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """(recipients, subjects) of a case's events, by its kind."""
    if case.kind == "service":
        return SERVICE_RECIPIENTS, SERVICE_SUBJECTS
    return RECIPIENTS, SUBJECTS


@dataclass(frozen=True)
class Message:
    key: str
    recipient_kind: str
    recipient: str
    subject: str
    body: str


_OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]
_INSERT_OUTBOX = insert(_OUTBOX)


class Notifier(Protocol):
    def send(self, message: Message) -> None:
        """Deliver the message; raise on failure. Must pass ``message.key`` on to the
        provider as its idempotency key."""


class LogNotifier:
    """Writes messages to the ``huying.notify`` log (the default adapter)."""

    def __init__(self) -> None:
        self.sent: list[Message] = []

    def send(self, message: Message) -> None:
        log.info("notify %s:%s [%s] %s", message.recipient_kind, message.recipient, message.key,
                 message.subject)
        self.sent.append(message)


def load_notifier(spec: str | None = None) -> Notifier:
    spec = spec or get_settings().notifier
    if spec == "log":
        return LogNotifier()
    module, _, name = spec.partition(":")
    if not name:
        raise ValueError(f"HUYING_NOTIFIER={spec!r}: use 'log' or 'module:Class'")
    return getattr(importlib.import_module(module), name)()  # type: ignore[no-any-return]


def expires_at(action: str, now: dt.datetime) -> dt.datetime:
    """When a message about ``action`` queued at ``now`` is no longer worth sending."""
    hours = get_settings().outbox_expiry_hours
    return now + dt.timedelta(hours=float(hours.get(action, hours.get("*", 168.0))))


def _row(case: Case, event: Recorded, kind: str, recipient: str, now: dt.datetime) -> dict[str, object]:
    subject = messages_of(case)[1][event.action].format(code=case.code, title=case.title[:60])
    return dict(
        city_id=case.city_id, event_id=event.id, idempotency_key=f"ev{event.id}:{kind}:{recipient}",
        recipient_kind=kind, recipient=recipient, subject=subject,
        body=f"{subject}\n{event.note or ''}".strip() if _note_goes_out(event.action, kind) else subject,
        status="pending", attempts=0, available_at=now, created_at=now,
        expires_at=expires_at(event.action, now))


def _note_goes_out(action: str, kind: str) -> bool:
    """A reporter's message carries the event's note only when the note is for the reporter
    (``workflow.audience_of``); a unit's carries it always (the unit is staff)."""
    if kind == "unit":
        return True
    return audience_of(action)[1] <= Audience.REPORTER


def reporter_of(case: Case) -> tuple[str, str] | None:
    if case.reporter_id is not None:
        return "user", str(case.reporter_id)
    if case.reporter_contact:
        return "contact", case.reporter_contact
    return None


def enqueue(appended: Appended) -> None:
    """Queue the messages of an event (same transaction as the event): the subscriber of
    appended events that fills the outbox."""
    session, case, event, now = appended.session, appended.case, appended.event, appended.now
    rows = []
    for who in messages_of(case)[0].get(event.action, ()):
        if who == "unit":
            if case.unit_id is None:
                continue
            rows.append(_row(case, event, "unit", str(case.unit_id), now))
        else:
            mine = reporter_of(case)
            if mine is not None:
                rows.append(_row(case, event, *mine, now))
    if event.action in TO_ALL_REPORTERS and case.kind != "service":
        rows += _other_reporters(session, case, event, now)
    if rows:
        session.connection().execute(_INSERT_OUTBOX, rows)


def queue(session: Session, *, city_id: int, key: str, recipient_kind: str, recipient: str, subject: str,
          body: str = "", kind: str = "*", now: dt.datetime) -> bool:
    """Queue a message that is not about a case event (a household overdue for its visit, a
    digest), in the caller's transaction. ``key`` is its idempotency key: a message whose key
    is already queued is not queued again (returns False)."""
    if session.scalar(select(_OUTBOX.c.id).where(_OUTBOX.c.idempotency_key == key)) is not None:
        return False
    session.connection().execute(_INSERT_OUTBOX, [dict(
        city_id=city_id, event_id=None, idempotency_key=key, recipient_kind=recipient_kind,
        recipient=recipient, subject=subject[:200], body=body or subject, status="pending", attempts=0,
        available_at=now, created_at=now, expires_at=expires_at(kind, now))])
    return True


#: Events whose message goes to every reporter (co-reporters, reporters of merged cases).
TO_ALL_REPORTERS = frozenset({"mark_handled", "close", "reject"})


def _recipients(rows: Iterable[tuple[int | None, str | None]]) -> list[tuple[str, str]]:
    """(kind, recipient) of (user id, contact) rows: the account if any, else the contact."""
    return [("user", str(u)) if u is not None else ("contact", c) for u, c in rows  # type: ignore[misc]
            if u is not None or c]


_COREPORTERS = (select(CaseReporter.user_id, CaseReporter.contact)
                .where(CaseReporter.case_id == bindparam("id")).order_by(CaseReporter.id))


def _handled_recipients_stmt() -> Any:
    """Who else hears that a case is handled, in one query: its co-reporters, then the
    reporters of the cases merged into it, then their co-reporters (each in id order)."""
    primary: Any = bindparam("id")
    merged = (CaseRow.duplicate_of_id == primary, CaseRow.status == "merged")
    q = union_all(
        select(literal(0).label("part"), CaseReporter.id.label("k"), CaseReporter.user_id.label("u"),
               CaseReporter.contact.label("c")).where(CaseReporter.case_id == primary),
        select(literal(1), CaseRow.id, CaseRow.reporter_id, CaseRow.reporter_contact).where(*merged),
        select(literal(2), CaseReporter.id, CaseReporter.user_id, CaseReporter.contact)
        .join(CaseRow, CaseRow.id == CaseReporter.case_id).where(*merged),
    ).subquery()
    return select(q.c.part, q.c.k, q.c.u, q.c.c).order_by(q.c.part, q.c.k)


_HANDLED_RECIPIENTS = _handled_recipients_stmt()


def _other_reporters(session: Session, case: Case, event: Recorded, now: dt.datetime) -> list[dict[str, object]]:
    """The event's messages for the co-reporters of the case and, when the primary is
    handled, for the reporters of the cases merged into it (their own close events tell
    them of the close)."""
    mine = reporter_of(case)
    seen = {mine} if mine is not None else set()
    if event.action == "mark_handled":
        found = session.execute(_HANDLED_RECIPIENTS, {"id": case.id}).all()
        targets = _recipients((u, c) for _, _, u, c in found)
    else:
        targets = _recipients(session.execute(_COREPORTERS, {"id": case.id}).all())  # type: ignore[arg-type]
    rows = []
    for target in targets:
        if target in seen:
            continue
        seen.add(target)
        rows.append(_row(case, event, *target, now))
    return rows


def expire(engine: Engine, *, now: dt.datetime, limit: int = 100_000) -> int:
    """Mark the pending messages past their expiry ``expired`` (never sent); returns how many."""
    with Session(engine) as session:
        done = session.connection().execute(update(OutboxMessage).where(
            OutboxMessage.status.in_(("pending", "sending")), OutboxMessage.expires_at <= now,
        ).values(status="expired", last_error="expired before it could be sent")).rowcount
        session.commit()
    return int(done or 0)


kernel.subscribe("outbox", enqueue)


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    redelivered: int = 0
    expired: int = 0


def deliver(engine: Engine, notifier: Notifier, *, now: dt.datetime, worker: str | None = None,
            lease: dt.timedelta = dt.timedelta(minutes=5), limit: int = 100,
            max_attempts: int = 8) -> DeliveryReport:
    """Deliver due messages one at a time: claim (compare-and-set), send, mark sent.

    A row left ``sending`` by a dead worker is claimed again once its lease has expired.
    """
    worker = worker or uuid.uuid4().hex[:12]
    report = DeliveryReport(expired=expire(engine, now=now))
    with Session(engine) as session:
        for _ in range(limit):
            row = session.execute(
                select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.attempts)
                .where(or_(
                    (OutboxMessage.status == "pending") & (OutboxMessage.available_at <= now),
                    (OutboxMessage.status == "sending") & (OutboxMessage.available_at <= now),
                ), or_(OutboxMessage.expires_at.is_(None), OutboxMessage.expires_at > now))
                .order_by(OutboxMessage.available_at, OutboxMessage.id).limit(1)
            ).first()
            if row is None:
                break
            claimed = session.connection().execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.status == row.status,
                       OutboxMessage.attempts == row.attempts)
                .values(status="sending", attempts=row.attempts + 1, claimed_by=worker,
                        available_at=now + lease)
            ).rowcount
            session.commit()
            if claimed != 1:
                continue  # another worker took it
            msg = session.get(OutboxMessage, row.id)
            assert msg is not None
            session.refresh(msg)
            if msg.attempts > 1:
                report.redelivered += 1
                log.warning("outbox %s: delivery attempt %s (a previous attempt may have gone "
                            "out: possible duplicate, key %s)", msg.id, msg.attempts, msg.idempotency_key)
            try:
                notifier.send(Message(msg.idempotency_key, msg.recipient_kind, msg.recipient,
                                      msg.subject, msg.body))
            except Exception as exc:  # noqa: BLE001 - any adapter failure is recorded
                backoff = dt.timedelta(seconds=30 * 2 ** min(msg.attempts, 10))
                status = "failed" if msg.attempts >= max_attempts else "pending"
                session.execute(update(OutboxMessage).where(OutboxMessage.id == msg.id).values(
                    status=status, last_error=f"{exc.__class__.__name__}: {exc}"[:2000],
                    available_at=now + backoff))
                session.commit()
                report.failed += 1
                continue
            session.execute(update(OutboxMessage).where(
                OutboxMessage.id == msg.id, OutboxMessage.claimed_by == worker
            ).values(status="sent", sent_at=now))
            session.commit()
            report.sent += 1
    return report
