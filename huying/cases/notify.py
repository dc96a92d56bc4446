"""Notifications: an outbox filled in the same transaction as the event, and a delivery
worker that hands messages to a ``Notifier`` port (log by default; SMS / e-mail adapters
plug in through ``HUYING_NOTIFIER=module:Class``).

Exactly-once is impossible across a crash between "sent" and "marked sent"; what the
worker guarantees is at-least-once with an idempotency key the adapter passes on to the
provider (SMS gateways and mail services deduplicate by it), and a row that went out more
than once says so (``attempts`` > 1, logged as a possible duplicate). Nothing is lost."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Table, bindparam, func, insert, literal, or_, select, union_all, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huying import db
from huying.cases import kernel
from huying.cases.kernel import Appended, Recorded
from huying.cases.models import Case as CaseRow
from huying.cases.models import CaseEvent, CaseReporter, OutboxMessage
from huying.cases.senders import Channels, Permanent
from huying.cases.workflow import Audience, audience_of
from huying.config import get_settings
from huying.errors import SettingError
from huying.orgs import contacts
from huying.orgs.models import ContactAddress, User

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


#: The subjects in English, for a recipient whose account's language is ``en`` (the Chinese
#: above are the default; a per-language template, since the catalogues belong to the web layer).
SUBJECTS_EN = {
    "open_rectification": "Rectification notice {code}: {title}",
    "report": "Your report has been accepted, number {code}",
    "dispatch": "New case {code}: {title}",
    "transfer": "Case transferred to you {code}: {title}",
    "escalate": "Case escalated to you {code}: {title}",
    "reopen": "The resident was not satisfied: please handle {code} again",
    "supervise": "Supervision notice {code}: {title}",
    "overdue": "Overdue {code}: {title}",
    "sla_warning": "Due soon {code}: {title}",
    "approve_extension": "Extension approved {code}",
    "refuse_extension": "Extension refused {code}",
    "mark_handled": "Your report {code} has been handled; we will ask how it went",
    "close": "Your report {code} is closed",
    "close_with_primary": "Your report {code} is closed",
    "record_part": "A co-handling unit recorded its part {code}: {title}",
    "reject": "Your report {code} was not accepted",
}
SERVICE_SUBJECTS_EN = {
    "accept_request": "Your application has been accepted, receipt {code}: {title}",
    "accept_pending": "Your application was accepted with materials missing; please supply them, receipt {code}",
    "request_materials": "Your application {code} needs more materials",
    "supply_materials": "The materials are complete; please continue {code}: {title}",
    "mark_handled": "Your application {code} is done; please collect the result",
    "reject": "Your application {code} was not granted",
    "transfer": "Case transferred to you {code}: {title}",
    "reopen": "The resident was not satisfied: please handle {code} again",
    "supervise": "Supervision notice {code}: {title}",
    "overdue": "Overdue {code}: {title}",
    "sla_warning": "Due soon {code}: {title}",
}
#: The verification message of a new address, per language and channel: (subject, body).
VERIFY = {
    "zh": ("呼应：验证您的{what}", "您的验证码是 {code}，{minutes} 分钟内有效。如非本人操作，请忽略本消息。"),
    "en": ("huying: verify your {what}", "Your verification code is {code}; it is valid for {minutes} minutes. "
           "If you did not ask for it, ignore this message."),
}
VERIFY_WHAT = {"zh": {"email": "电子邮箱", "sms": "手机号码"}, "en": {"email": "e-mail address", "sms": "phone number"}}


def messages_of(case: CaseRow) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """(recipients, subjects) of a case's events, by its kind."""
    if case.kind == "service":
        return SERVICE_RECIPIENTS, SERVICE_SUBJECTS
    return RECIPIENTS, SUBJECTS


def subjects_in(kind: str, locale: str) -> dict[str, str]:
    """The subjects of a case kind's events in a language (``zh`` default, ``en``)."""
    if locale == "en":
        return SERVICE_SUBJECTS_EN if kind == "service" else SUBJECTS_EN
    return SERVICE_SUBJECTS if kind == "service" else SUBJECTS


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
    if spec == "channels":
        return Channels()
    module, _, name = spec.partition(":")
    if not name:
        raise ValueError(f"HUYING_NOTIFIER={spec!r}: use 'log', 'channels' or 'module:Class'")
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
        db.write_many(session.connection(), _INSERT_OUTBOX, rows)


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
        found = db.rows(session, _HANDLED_RECIPIENTS, {"id": case.id})
        targets = _recipients((u, c) for _, _, u, c in found)
    else:
        targets = _recipients(db.rows(session, _COREPORTERS, {"id": case.id}))
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


#: Recipients that are people (routed to their channels by a routing notifier) and the
#: channels a routed message goes through.
PERSON_KINDS = ("user", "unit", "contact")
CHANNEL_KINDS = ("email", "sms")
#: Outbox states: waiting (``pending``, ``sending``), done (``sent``, ``routed``: a message to
#: a person handed to one message per chosen channel), given up (``expired``, ``dead``: the
#: dead letters, re-queued by an administrator).
DEAD = "dead"


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    redelivered: int = 0
    expired: int = 0
    routed: int = 0
    dead: int = 0


def backoff(attempts: int) -> dt.timedelta:
    """How long the ``attempts``-th failure waits before the next try: 30 s × 2ⁿ (n ≤ 10)."""
    return dt.timedelta(seconds=30 * 2 ** min(attempts, 10))


def _child_key(parent: str, channel: str, user_id: int) -> str:
    key = f"{parent}:{channel}:{user_id}"
    if len(key) <= 80:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    return f"{parent[:40]}~{digest}:{channel}:{user_id}"[:80]


def _english(session: Session, msg: OutboxMessage) -> tuple[str, str] | None:
    """The message's subject and body in English, when it is about a case event."""
    if msg.event_id is None:
        return None
    found = session.execute(select(CaseEvent.action, CaseRow.kind, CaseRow.code, CaseRow.title)
                            .join(CaseRow, CaseRow.id == CaseEvent.case_id)
                            .where(CaseEvent.id == msg.event_id)).first()
    if found is None:
        return None
    action, kind, code, title = found
    template = subjects_in(kind, "en").get(action)
    if template is None:
        return None
    subject = template.format(code=code, title=title[:60])
    rest = msg.body[len(msg.subject):] if msg.body.startswith(msg.subject) else ""
    return subject[:200], subject + rest


def route(session: Session, msg: OutboxMessage, now: dt.datetime) -> list[dict[str, object]]:
    """The per-channel rows of a message to a person: one per verified channel the person
    switched on (an account; a unit's active members; an anonymous reporter's contact has no
    verified address and goes nowhere), in the person's language, each keyed by the
    message's key, the channel and the account."""
    if msg.recipient_kind == "user":
        ids = [int(msg.recipient)] if msg.recipient.isdigit() else []
    elif msg.recipient_kind == "unit" and msg.recipient.isdigit():
        ids = list(session.scalars(select(User.id).where(User.organisation_id == int(msg.recipient),
                                                         User.active.is_(True)).order_by(User.id)))
    else:
        ids = []
    ways = contacts.routes_of(session, ids)
    english = _english(session, msg) if any(w.locale == "en" for w in ways) else None
    rows: list[dict[str, object]] = []
    for way in ways:
        subject, body = english if way.locale == "en" and english else (msg.subject, msg.body)
        rows.append(dict(
            city_id=msg.city_id, event_id=msg.event_id, idempotency_key=_child_key(msg.idempotency_key, way.channel,
                                                                                  way.user_id),
            recipient_kind=way.channel, recipient=way.address, subject=subject, body=body, status="pending",
            attempts=0, available_at=now, created_at=now, expires_at=msg.expires_at))
    return rows


def send_code(session: Session, user: User, channel: str, *, now: dt.datetime) -> ContactAddress:
    """A new verification code for the account's ``channel`` address, queued to that
    address (the one message an unverified address gets) in the account's language."""
    row = contacts.of(session, user.id).get(channel)
    if row is None:
        raise SettingError(f"{channel}: give an address first", "address", "no_address")
    code = contacts.new_code(row, now=now)
    lang = user.locale if user.locale in VERIFY else "zh"
    subject, body = VERIFY[lang]
    minutes = int(contacts.CODE_TTL.total_seconds() // 60)
    queue(session, city_id=user.city_id, key=f"verify:{row.id}:{uuid.uuid4().hex[:16]}", recipient_kind=channel,
          recipient=row.address, subject=subject.format(what=VERIFY_WHAT[lang][channel]),
          body=body.format(code=code, minutes=minutes), kind="verify", now=now)
    session.flush()
    return row


def requeue(session: Session, *, city_id: int, message_id: int, now: dt.datetime) -> bool:
    """Put a dead letter back in the queue (an administrator, once the cause is fixed):
    attempts start again from zero, and it has a fresh expiry. False if it is no dead letter
    of the city."""
    done = session.connection().execute(update(OutboxMessage).where(
        OutboxMessage.id == message_id, OutboxMessage.city_id == city_id, OutboxMessage.status == DEAD,
    ).values(status="pending", attempts=0, available_at=now, claimed_by=None,
             expires_at=expires_at("*", now))).rowcount
    return bool(done)


def deliver(engine: Engine, notifier: Notifier, *, now: dt.datetime, worker: str | None = None,
            lease: dt.timedelta = dt.timedelta(minutes=5), limit: int = 100,
            max_attempts: int | None = None) -> DeliveryReport:
    """Deliver due messages one at a time: claim (compare-and-set), send, mark sent.

    A row left ``sending`` by a dead worker is claimed again once its lease has expired.
    With a notifier that routes (one with ``channels``, e.g. :class:`senders.Channels`), a
    message to a person becomes one message per channel the person chose and verified
    (:func:`route`), in the same transaction that marks it ``routed``. A failure waits
    :func:`backoff`; after ``max_attempts`` (``HUYING_OUTBOX_MAX_ATTEMPTS``), or at once
    when the sender says it is permanent, the message goes to the dead letters.
    """
    worker = worker or uuid.uuid4().hex[:12]
    max_attempts = max_attempts or get_settings().outbox_max_attempts
    routes_to = frozenset(getattr(notifier, "channels", ()) or ())
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
            if routes_to and msg.recipient_kind in PERSON_KINDS:
                report.routed += _route_one(session, msg, worker, routes_to, now)
                continue
            if msg.attempts > 1:
                report.redelivered += 1
                log.warning("outbox %s: delivery attempt %s (a previous attempt may have gone "
                            "out: possible duplicate, key %s)", msg.id, msg.attempts, msg.idempotency_key)
            try:
                notifier.send(Message(msg.idempotency_key, msg.recipient_kind, msg.recipient,
                                      msg.subject, msg.body))
            except Exception as exc:  # noqa: BLE001 - any adapter failure is recorded
                permanent = isinstance(exc, Permanent)
                status = DEAD if permanent or msg.attempts >= max_attempts else "pending"
                session.execute(update(OutboxMessage).where(OutboxMessage.id == msg.id).values(
                    status=status, last_error=f"{exc.__class__.__name__}: {exc}"[:2000],
                    available_at=now + backoff(msg.attempts)))
                session.commit()
                report.failed += 1
                report.dead += status == DEAD
                log.warning("outbox %s (%s): attempt %s failed%s: %s", msg.id, msg.recipient_kind, msg.attempts,
                            ", dead-lettered" if status == DEAD else "", exc)
                continue
            session.execute(update(OutboxMessage).where(
                OutboxMessage.id == msg.id, OutboxMessage.claimed_by == worker
            ).values(status="sent", sent_at=now))
            session.commit()
            report.sent += 1
    return report


def _route_one(session: Session, msg: OutboxMessage, worker: str, channels: frozenset[str],
               now: dt.datetime) -> int:
    """Replace a claimed message to a person by its per-channel messages (one transaction);
    returns how many were queued."""
    rows = [r for r in route(session, msg, now) if r["recipient_kind"] in channels]
    if rows:
        have = set(session.scalars(select(OutboxMessage.idempotency_key).where(
            OutboxMessage.idempotency_key.in_([r["idempotency_key"] for r in rows]))))
        rows = [r for r in rows if r["idempotency_key"] not in have]
    try:
        if rows:
            session.connection().execute(_INSERT_OUTBOX, rows)
        session.execute(update(OutboxMessage).where(
            OutboxMessage.id == msg.id, OutboxMessage.claimed_by == worker
        ).values(status="routed", sent_at=now))
        session.commit()
    except IntegrityError:  # another worker routed it meanwhile (its lease ran out under us)
        session.rollback()
        return 0
    return len(rows)


@dataclass(frozen=True)
class OutboxOverview:
    """What the outbox page shows: counts by (channel or recipient kind, status), the age of
    the oldest waiting message, and the newest dead letters with their reasons."""

    counts: dict[tuple[str, str], int]
    oldest_waiting: dt.datetime | None
    dead: list[OutboxMessage]
    dead_total: int


def overview(session: Session, city_id: int, *, limit: int = 100) -> OutboxOverview:
    counts = {(str(k), str(st)): int(n) for k, st, n in session.execute(
        select(OutboxMessage.recipient_kind, OutboxMessage.status, func.count())
        .where(OutboxMessage.city_id == city_id)
        .group_by(OutboxMessage.recipient_kind, OutboxMessage.status)).all()}
    oldest = session.scalar(select(func.min(OutboxMessage.created_at)).where(
        OutboxMessage.city_id == city_id, OutboxMessage.status.in_(("pending", "sending"))))
    dead_where = (OutboxMessage.city_id == city_id, OutboxMessage.status == DEAD)
    dead = list(session.scalars(select(OutboxMessage).where(*dead_where)
                                .order_by(OutboxMessage.id.desc()).limit(limit)))
    total = session.scalar(select(func.count()).select_from(OutboxMessage).where(*dead_where)) or 0
    return OutboxOverview(counts, oldest, dead, int(total))


# --------------------------------------------------------------------------- the person's settings
def give_address(session: Session, user: User, channel: str, raw: str, *, now: dt.datetime) -> ContactAddress:
    """Set the account's ``channel`` address and, when it is not verified, send it a code
    (one command for the settings page and the API)."""
    row = contacts.set_address(session, user, channel, raw, now=now)
    if row.verified_at is None:
        send_code(session, user, channel, now=now)
    return row


def choose(session: Session, user: User, channels: list[str], locale: str | None = None) -> list[str]:
    """The account's channels (and, if given, the language of its pages and messages)."""
    if locale is not None:
        if locale not in VERIFY:
            raise SettingError(f"locale: one of {', '.join(VERIFY)}", "locale", "locale")
        user.locale = locale
    return contacts.choose(session, user, channels)


def settings_of(session: Session, user: User) -> dict[str, object]:
    """The account's notification settings, as its owner sees them (addresses in full)."""
    rows = contacts.of(session, user.id)
    return {
        "locale": user.locale if user.locale in VERIFY else "zh",
        "channels": sorted(c for c, r in rows.items() if r.enabled and r.verified_at is not None),
        "addresses": {c: {"address": r.address, "verified": r.verified_at is not None, "enabled": r.enabled,
                          "code_pending": r.code_hash is not None}
                      for c, r in sorted(rows.items())},
    }
