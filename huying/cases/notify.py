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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.cases.models import OutboxMessage
from huying.config import get_settings

if TYPE_CHECKING:
    from huying.cases.models import Case
    from huying.cases.service import Recorded

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
    "reject": ("reporter",),
}

SUBJECTS = {
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
    "reject": "您反映的问题 {code} 不予受理",
}


@dataclass(frozen=True)
class Message:
    key: str
    recipient_kind: str
    recipient: str
    subject: str
    body: str


_INSERT_OUTBOX = insert(OutboxMessage.__table__)


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


def enqueue(session: Session, case: Case, event: Recorded, now: dt.datetime) -> None:
    """Queue the messages of an event (same transaction as the event)."""
    rows = []
    for who in RECIPIENTS.get(event.action, ()):
        if who == "unit":
            if case.unit_id is None:
                continue
            kind, recipient = "unit", str(case.unit_id)
        elif case.reporter_id is not None:
            kind, recipient = "user", str(case.reporter_id)
        elif case.reporter_contact:
            kind, recipient = "contact", case.reporter_contact
        else:
            continue
        subject = SUBJECTS[event.action].format(code=case.code, title=case.title[:60])
        rows.append(dict(
            city_id=case.city_id, event_id=event.id, idempotency_key=f"ev{event.id}:{kind}:{recipient}",
            recipient_kind=kind, recipient=recipient, subject=subject,
            body=f"{subject}\n{event.note or ''}".strip(), status="pending", attempts=0,
            available_at=now, created_at=now,
        ))
    if rows:
        session.connection().execute(_INSERT_OUTBOX, rows)


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    redelivered: int = 0


def deliver(engine: Engine, notifier: Notifier, *, now: dt.datetime, worker: str | None = None,
            lease: dt.timedelta = dt.timedelta(minutes=5), limit: int = 100,
            max_attempts: int = 8) -> DeliveryReport:
    """Deliver due messages one at a time: claim (compare-and-set), send, mark sent.

    A row left ``sending`` by a dead worker is claimed again once its lease has expired.
    """
    worker = worker or uuid.uuid4().hex[:12]
    report = DeliveryReport()
    with Session(engine) as session:
        for _ in range(limit):
            row = session.execute(
                select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.attempts)
                .where(or_(
                    (OutboxMessage.status == "pending") & (OutboxMessage.available_at <= now),
                    (OutboxMessage.status == "sending") & (OutboxMessage.available_at <= now),
                ))
                .order_by(OutboxMessage.available_at, OutboxMessage.id).limit(1)
            ).first()
            if row is None:
                break
            claimed = session.execute(
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
