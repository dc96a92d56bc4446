"""The kernel of the closed loop: the only writer of cases and their events.

A command asks the policy (which asks the workflow table and its guards) for the next
status, writes the case with a compare-and-set on its version, appends the event and
tells the subscribers of "event appended" (the outbox, the figures' rollup), in one
transaction. Every command module (``loop``, ``ledger``, ``merge``), the sweeper and the
history import go through :func:`command` / :func:`record`; nothing else changes a case.

The time rules that every command obeys live here too: a case acted upon after its deadline
is marked overdue first (:func:`catch_up_overdue`), the same step the sweeper takes, so that a
list ("overdue now") and a figure ("on time") never disagree about a case.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from huying import db, requestctx
from huying.cases import policy
from huying.cases.models import Case, CaseCounter, CaseEvent, Ledger, SupervisionNotice
from huying.cases.units import answering_unit
from huying.cases.workflow import FINAL, Action, Facts, Kind, Status, step_of, workflow_of
from huying.cityconfig import deadlines
from huying.cityconfig.categories import category_path
from huying.cityconfig.sla import SlaRule, Step, Unit
from huying.errors import InvalidInput, StaleVersion
from huying.geo.models import Level, Node
from huying.orgs.actor import Actor


def json_default(value: Any) -> Any:
    """What an event's payload holds besides JSON's own types: moments (in UTC) and enums."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not stored in an event")


def require_aware(now: dt.datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")


# --------------------------------------------------------------------------- subscribers


@dataclass(frozen=True)
class Recorded:
    """The event a command appended."""

    id: int
    seq: int
    action: str
    note: str | None
    #: what the command added to the event's payload besides the changes (e.g. a
    #: follow-up's answers)
    extra: dict[str, Any] = field(default_factory=dict)
    #: the status before and after the event (None before: the case's first event)
    from_status: str | None = None
    to_status: str = ""


@dataclass(frozen=True)
class Appended:
    """What the subscribers of "event appended" are told: the case as the event left it."""

    session: Session
    case: Case
    event: Recorded
    actor: Actor
    now: dt.datetime


Subscriber = Callable[[Appended], None]
_SUBSCRIBERS: dict[str, Subscriber] = {}
#: The subscribers without which an event must not be written: a case whose event reaches
#: no outbox or no rollup would be silently missing from the messages or the figures.
REQUIRED = ("outbox", "rollup")


def subscribe(name: str, fn: Subscriber) -> None:
    """Register ``fn`` to run in the transaction of every event appended (by name: importing
    a module twice does not subscribe it twice)."""
    _SUBSCRIBERS[name] = fn


def _tell(appended: Appended) -> None:
    missing = [n for n in REQUIRED if n not in _SUBSCRIBERS]
    if missing:
        raise RuntimeError(f"no subscriber {missing} of appended events: import huying.metrics "
                           "and huying.cases (huying.db.import_all_models does)")
    for fn in _SUBSCRIBERS.values():
        fn(appended)


# --------------------------------------------------------------------------- codes


_COUNTERS: Table = CaseCounter.__table__  # type: ignore[assignment]
_TAKE_SEQS = (update(_COUNTERS)
              .where(_COUNTERS.c.city_id == bindparam("c"), _COUNTERS.c.year == bindparam("y"))
              .values(last=_COUNTERS.c.last + bindparam("k")).returning(_COUNTERS.c.last))


def take_seqs(session: Session, city_id: int, year: int, count: int) -> int:
    """Take ``count`` consecutive sequence numbers of the city's case codes for ``year``,
    atomically (the counter row is locked until the transaction ends); returns the first."""
    for _ in range(5):
        last = db.write(session.connection(), _TAKE_SEQS, {"c": city_id, "y": year, "k": count}, returning=True)
        if last is not None:
            return int(last) - count + 1
        try:
            with session.begin_nested():
                session.add(CaseCounter(city_id=city_id, year=year, last=0))
        except IntegrityError:
            continue
    raise RuntimeError("could not allocate a case code")  # pragma: no cover


def case_code(city_code: str, year: int, seq: int) -> str:
    return f"{city_code}-{year}-{seq:06d}"


def next_code(session: Session, city_id: int, city_code: str, year: int) -> str:
    """``<city>-<year>-<seq>``, the sequence taken atomically per city and year."""
    return case_code(city_code, year, take_seqs(session, city_id, year, 1))


# --------------------------------------------------------------------------- transactions


_ONE_TRANSACTION = "huying.one_transaction"
#: ``session.info`` key: a list, put there by a caller that wants to know the cases the
#: session creates (the API adds its idempotency key and Open311 rows to their commit).
NEW_CASES = "huying.new_cases"
#: ``session.info`` key: the cases this session created, by id (weakly: a bulk session does
#: not keep them alive), see :func:`created_here`.
_CREATED = "huying.created_cases"


def created_here(session: Session, case: Case) -> bool:
    """Whether ``case`` is the very object this session inserted (not a row read back, not a
    rolled-back insert's leftover whose id SQLite may give again): what the session wrote
    since is all there is of its rows in other tables."""
    created = session.info.get(_CREATED)
    return created is not None and created.get(case.id) is case


@contextmanager
def one_transaction(session: Session) -> Iterator[None]:
    """Commands run inside the block share one transaction, committed when the block ends
    and rolled back as a whole if anything in it raises: a bulk caller (the demo year) pays
    one commit for many commands. Each command still checks its rules and writes its
    compare-and-set, event and notifications exactly as alone; only the commit moves. A
    command that fails inside rolls back every command of the block: the caller redoes the
    block command by command if it wants the others kept."""
    if session.info.get(_ONE_TRANSACTION):
        raise RuntimeError("one_transaction blocks do not nest")
    session.info[_ONE_TRANSACTION] = True
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_ONE_TRANSACTION, None)


def in_one_transaction(session: Session) -> bool:
    return bool(session.info.get(_ONE_TRANSACTION))


def end_command(session: Session) -> None:
    """Commit the command, or only flush it inside :func:`one_transaction`."""
    if session.info.get(_ONE_TRANSACTION):
        session.flush()
    else:
        session.commit()


def commit(session: Session, case: Case, expected: int, write: Callable[[], Any] | None = None) -> None:
    """Run ``write`` (if any) and commit; a lost compare-and-set becomes ``StaleVersion``."""
    try:
        if write is not None:
            write()
        end_command(session)
    except StaleDataError:
        session.rollback()
        actual = session.scalar(select(Case.version).where(Case.id == case.id))
        raise StaleVersion(case.code, expected, actual) from None
    except IntegrityError as exc:
        session.rollback()
        if "case_events" in str(exc.orig):
            actual = session.scalar(select(Case.version).where(Case.id == case.id))
            raise StaleVersion(case.code, expected, actual) from None
        raise


# --------------------------------------------------------------------------- the writer


_CASES: Table = Case.__table__  # type: ignore[assignment]
_EVENTS: Table = CaseEvent.__table__  # type: ignore[assignment]
_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.id)
_INSERTED = [c.key for c in _CASES.columns if c.key != "id"]
_INSERT_CASE = insert(_CASES).returning(_CASES.c.id)
#: Columns a command may change.
_MUTABLE = frozenset(c.key for c in _CASES.columns if c.key not in ("id", "city_id", "code", "created_at"))
_UPDATES: dict[frozenset[str], Any] = {}


def _update_case(columns: frozenset[str]) -> Any:
    """The compare-and-set UPDATE of exactly ``columns``, built once per set (a command
    writes only what it changes: writing every column made the database rewrite the entry
    of every index on ``cases`` at every command)."""
    stmt = _UPDATES.get(columns)
    if stmt is None:
        stmt = _UPDATES[columns] = (
            update(_CASES)
            .where(_CASES.c.id == bindparam("w_id"), _CASES.c.version == bindparam("w_version"))
            .values({c: bindparam(f"v_{c}") for c in sorted(columns)})
        )
    return stmt


def dump_payload(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, default=json_default)


def record(
    session: Session, case: Case, action: Action, actor: Actor, now: dt.datetime,
    source: Status, target: Status, changes: dict[str, Any], note: str | None,
    extra: dict[str, Any] | None,
) -> Recorded:
    """Apply ``changes`` to the case, append the event, tell the subscribers (no commit).

    The one place a case's status changes. The row is written with a compare-and-set on
    its version (``UPDATE … WHERE version = <read>``): if someone else acted first nothing
    matches and the command fails with ``StaleVersion``. Core statements, not the unit of
    work: this is the hot path of every channel."""
    changes = dict(changes)
    changes["status"] = target.value
    changes["updated_at"] = now
    if target in FINAL and source not in FINAL:
        changes["closed_at"] = now
    before = case.version or 0
    changes["version"] = before + 1
    if source is Status.START:
        # A new case: a Core INSERT, then the object joins the session as if loaded (the
        # unit of work's flush cost more than the insert itself on this hot path). Its values
        # go straight into its state's dict: an instrumented set per column (some 40) records
        # a history that make_transient_to_detached then throws away.
        values = instance_dict(case)
        values.update(changes)
        values["id"] = db.write(session.connection(), _INSERT_CASE,
                                {k: values.get(k) for k in _INSERTED}, returning=True)
        # The database just gave this id, so an object the session still maps to it is a
        # leftover of a rolled-back insert (SQLite reuses the ids of rolled-back rows).
        leftover = session.identity_map.get(session.identity_key(Case, case.id))
        if leftover is not None:
            session.expunge(leftover)
        make_transient_to_detached(case)
        session.add(case)
        created = session.info.get(_CREATED)
        if created is None:
            created = session.info[_CREATED] = weakref.WeakValueDictionary()
        created[case.id] = case
        watching = session.info.get(NEW_CASES)
        if watching is not None:
            watching.append(case)
    else:
        unknown = changes.keys() - _MUTABLE
        if unknown:
            raise ValueError(f"a command may not change {sorted(unknown)}")
        row = {f"v_{k}": v for k, v in changes.items()}
        row["w_id"], row["w_version"] = case.id, before
        done = db.write(session.connection(), _update_case(frozenset(changes)), row)
        if done != 1:
            raise StaleDataError(f"case {case.code} is no longer at version {before}")
        for key, value in changes.items():
            set_committed_value(case, key, value)
    payload: dict[str, Any] = {"set": changes}
    if extra:
        payload.update(extra)
    event_id = db.write(session.connection(), _INSERT_EVENT, dict(
        city_id=case.city_id, case_id=case.id, seq=changes["version"], at=now, actor_id=actor.user_id,
        actor_role=actor.role, action=action.value,
        from_status=None if source is Status.START else source.value, to_status=target.value,
        note=note, payload=dump_payload(payload), request_id=requestctx.current(),
    ), returning=True)
    event = Recorded(event_id, changes["version"], action.value, note, dict(extra or {}),
                     None if source is Status.START else source.value, target.value)
    _tell(Appended(session, case, event, actor, now))
    if target in FINAL and source not in FINAL:
        _close_paperwork(session, case, now, f"{case.code} {'已办结' if target is Status.CLOSED else '不予受理'}")
    return event


_CLOSE_LEDGER = (update(Ledger).where(Ledger.case_id == bindparam("case"), Ledger.closed_at.is_(None))
                 .values(closed_at=bindparam("now")))
_CLOSE_NOTICES = (update(SupervisionNotice)
                  .where(SupervisionNotice.case_id == bindparam("case"), SupervisionNotice.open_clause())
                  .values(closed_at=bindparam("now"), closed_reason=bindparam("why")))


def _close_paperwork(session: Session, case: Case, now: dt.datetime, reason: str) -> None:
    """A case that ends closes its ledger and the supervision notices still open about it
    (with the reason): nobody is supervised about a case that is over."""
    conn = session.connection()
    db.write(conn, _CLOSE_LEDGER, {"case": case.id, "now": now})
    db.write(conn, _CLOSE_NOTICES, {"case": case.id, "now": now, "why": reason})


#: Actions that start the step's clock again even when the status stays the same: a new
#: category (another SLA rule), a new responsible unit (transfer) or level (escalation).
NEW_CLOCK = frozenset({Action.CLASSIFY, Action.TRANSFER, Action.ESCALATE})


def step_schedule(session: Session, case: Case, step: str, start: dt.datetime,
                  changes: dict[str, Any] | None = None) -> deadlines.Schedule:
    """When the step of ``case`` that starts at ``start`` is due, and when to warn: the one
    rule of a step's length for every kind of case. A problem's step takes the city's SLA rule
    for its category and priority; a service request's handling takes its own time limit
    (the service item's, in working days, on the same working calendar)."""
    changes = changes or {}
    days = changes.get("time_limit_days", case.time_limit_days)
    if days and step == Step.HANDLE.value:
        rule = SlaRule(step=Step.HANDLE, amount=int(days), unit=Unit.WORKING_DAYS)
        return deadlines.schedule_rule(session, case.city_id, rule, start)
    category_id = changes.get("category_id", case.category_id)
    priority = changes.get("priority", case.priority)
    return deadlines.schedule(session, case.city_id, category_path(session, category_id), priority, step, start)


def schedule(session: Session, case: Case, status: Status, now: dt.datetime,
             changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """Deadline columns for a case entering ``status`` at ``now`` (with the category and
    priority that ``changes`` are about to give it; a new case's ``changes`` are all its
    fields, set on the object only by its INSERT). A problem's clock starts again at every
    step; a service request's runs on from status to status of the same step (accepted by
    the unit, transferred: the resident's promised date does not move) and starts again only
    when the step begins (at acceptance, when the missing materials come in, after rework)."""
    kind = changes.get("kind", case.kind) if changes else case.kind
    step = step_of(kind, status)
    if step is None:
        return {"due_at": None, "sweep_at": None, "warned": False, "overdue_periods": 0}
    if (workflow_of(kind).kind is not Kind.PROBLEM and case.due_at is not None
            and case.status and step_of(kind, case.status) == step):
        return {}
    sched = step_schedule(session, case, step, now, changes)
    return {"due_at": sched.due_at, "sweep_at": min(sched.warn_at, sched.due_at),
            "warned": False, "overdue_periods": 0}


def command(
    session: Session, case: Case, action: Action, actor: Actor, now: dt.datetime, *,
    changes: dict[str, Any] | None = None, note: str | None = None,
    extra: dict[str, Any] | None = None, expected_version: int | None = None,
    reschedule: bool = True, then: Callable[[], Any] | None = None,
    facts: Facts | None = None,
) -> Case:
    """The common path of every command on an existing case: policy and guards, the version
    the caller expects, the deadline of the next step, the overdue mark a late command
    brings, the write and the commit. ``then`` (no arguments) runs in the same transaction
    after the event is written (e.g. closing merged duplicates)."""
    require_aware(now)
    target = policy.check_act(session, actor, case, action, facts)
    if expected_version is not None and expected_version != case.version:
        raise StaleVersion(case.code, expected_version, case.version)
    loaded = case.version
    changes = dict(changes or {})

    def write() -> None:
        if action not in (Action.OVERDUE, Action.SLA_WARNING) and late(case, now):
            mark_overdue(session, case, now)
        source = Status(case.status)
        final = changes
        if reschedule and (target is not source or action in NEW_CLOCK):
            # The case object is not touched before the compare-and-set write: a change made
            # through the ORM would be flushed by the next query with no version check of ours.
            final = {**schedule(session, case, target, now, changes), **changes}
        record(session, case, action, actor, now, source, target, final, note, extra)
        if then is not None:
            then()

    commit(session, case, loaded, write)
    return case


# --------------------------------------------------------------------------- time rules


def late(case: Case, now: dt.datetime) -> bool:
    """A case past its deadline that has not been marked overdue for it yet (the sweeper
    marks it when it comes by; a command that comes first marks it itself)."""
    return (case.due_at is not None and case.due_at <= now and not case.overdue_periods
            and step_of(case.kind, case.status) is not None)


_NOTICES: Table = SupervisionNotice.__table__  # type: ignore[assignment]
_INSERT_NOTICE = insert(_NOTICES).returning(_NOTICES.c.id)


@dataclass(frozen=True)
class Issued:
    """A supervision notice just written: its id and reply deadline."""

    id: int
    reply_due_at: dt.datetime


def default_reply_due(session: Session, case: Case, now: dt.datetime) -> dt.datetime:
    """The reply deadline of a supervision notice whose issuer sets none: the city's
    ``supervision_reply`` SLA step from ``now``."""
    return deadlines.schedule(session, case.city_id, None, case.priority, Step.SUPERVISION_REPLY.value, now).due_at


def issue_notice(session: Session, case: Case, *, unit_id: int, source: str, reason: str,
                 now: dt.datetime, issued_by_id: int | None = None,
                 reply_due_at: dt.datetime | None = None) -> Issued:
    """A supervision notice (督办) about a case to a unit, with a reply deadline (the city's
    ``supervision_reply`` SLA step unless the issuer sets one); a Core insert in the caller's
    transaction (the sweeper and every late command write one)."""
    if reply_due_at is None:
        reply_due_at = default_reply_due(session, case, now)
    notice_id = db.write(session.connection(), _INSERT_NOTICE, dict(
        city_id=case.city_id, case_id=case.id, unit_id=unit_id, issued_by_id=issued_by_id, source=source,
        reason=reason, issued_at=now, reply_due_at=reply_due_at, replied_at=None, replied_by_id=None,
        reply=None, closed_at=None, closed_reason=None), returning=True)
    return Issued(int(notice_id), reply_due_at)


def mark_overdue(session: Session, case: Case, now: dt.datetime) -> Recorded:
    """The case has missed its deadline (one more overdue period): the ``overdue`` event by
    the system, with a supervision notice to the unit (or, undispatched, to its community's
    Party organisation). The sweeper's step and a late command's, inside the caller's
    transaction."""
    actor = system_actor(session, case.city_id)
    status = Status(case.status)
    step = step_of(case.kind, status)
    assert step is not None and case.due_at is not None
    # Overdue periods follow one another, each as long as the step's SLA: the period being
    # marked began at ``sweep_at`` (the deadline itself for the first one).
    began = max(case.sweep_at or case.due_at, case.due_at)
    next_period = step_schedule(session, case, step, began).due_at
    if next_period <= now:  # the sweeper was away for a while: a whole period from now
        next_period = step_schedule(session, case, step, now).due_at
    periods = case.overdue_periods + 1
    notice = issue_notice(session, case, unit_id=case.unit_id or answering_unit(session, case),
                          source="overdue", reason=f"{case.code} 超期未办结（第 {periods} 个超期周期）",
                          now=now)
    changes = {"overdue_periods": periods, "ever_overdue": True, "sweep_at": next_period, "warned": True}
    policy.check_act(session, actor, case, Action.OVERDUE)
    return record(session, case, Action.OVERDUE, actor, now, status, status, changes, None,
                  {"notice_id": notice.id, "period": periods})


_system_actors: dict[int, Actor] = {}


def system_actor(session: Session, city_id: int) -> Actor:
    """The sweeper: the system actor of a city."""
    actor = _system_actors.get(city_id)
    if actor is None:
        path = session.scalar(select(Node.path).where(Node.city_id == city_id, Node.level == Level.CITY.value))
        actor = Actor.system(city_id, path or "")
        _system_actors[city_id] = actor
    return actor


def check_text(value: str | None, field: str, *, max_len: int, required: bool = True) -> str | None:
    """A text field as every command takes it: stripped, not empty when required, bounded."""
    value = (value or "").strip()
    if not value:
        if required:
            raise InvalidInput("must not be empty", field)
        return None
    if len(value) > max_len:
        raise InvalidInput(f"longer than {max_len} characters", field)
    return value


# The outbox is the kernel's own subscriber: wherever cases are written, messages are queued.
from huying.cases import notify as _outbox  # noqa: E402, F401, I001
