"""Commands and queries of the closed loop.

Every command is one function here, one transaction and one event: it asks the policy
(which asks the workflow table) for the next status, changes the case, appends a
``CaseEvent`` whose payload ``set`` records every field it changed, queues the
notifications of the event in the outbox and commits. ``now`` is always a parameter.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from huying.cases import notify, policy
from huying.cases.models import (
    Attachment,
    Case,
    CaseCohandler,
    CaseCounter,
    CaseEvent,
    Ledger,
    Milestone,
    SupervisionNotice,
    h3_cell_of,
)
from huying.cases.policy import Actor, check_act, visible_filter
from huying.cases.workflow import FINAL, STEP_OF_STATUS, Action, Status
from huying.cityconfig import deadlines
from huying.cityconfig.models import Category
from huying.cityconfig.sla import Priority, Step
from huying.config import get_settings
from huying.errors import InvalidInput, NotVisible, StaleVersion
from huying.geo.models import Level, Node
from huying.orgs.models import Organisation, OrgKind


class Channel(enum.StrEnum):
    RESIDENT_WEB = "resident_web"
    OPEN311 = "open311"
    GRID_PATROL = "grid_patrol"
    RESIDENT_POINT_VISIT = "resident_point_visit"
    INSPECTION_WALK = "inspection_walk"
    HOTLINE = "hotline"
    BULK_IMPORT = "bulk_import"


class RejectReason(enum.StrEnum):
    NOT_ACTIONABLE = "not_actionable"
    DUPLICATE = "duplicate"
    NOT_OUR_RESPONSIBILITY = "not_our_responsibility"


class Satisfaction(enum.StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意

    @classmethod
    def parse(cls, value: str) -> Satisfaction:
        aliases = {"满意": cls.SATISFIED, "基本满意": cls.BASICALLY_SATISFIED, "不满意": cls.DISSATISFIED}
        if value in aliases:
            return aliases[value]
        try:
            return cls(value)
        except ValueError:
            raise InvalidInput(
                f"{value!r} is not a satisfaction; use 满意 / 基本满意 / 不满意 "
                f"({', '.join(cls)})", "satisfaction") from None


class FollowUpMethod(enum.StrEnum):
    PHONE = "phone"
    VISIT = "visit"
    ONLINE = "online"


#: The level that handles a case whose unit sits at a node of this level.
HANDLING_LEVEL = {
    Level.GRID: "community", Level.COMMUNITY: "community", Level.TOWN: "town",
    Level.AREA: "city", Level.CITY: "city",
}
NEXT_LEVEL = {"community": "town", "town": "city"}


ALLOWED_IMAGE_TYPES = {
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
    b"GIF87a": ("image/gif", "gif"),
    b"GIF89a": ("image/gif", "gif"),
}


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


# --------------------------------------------------------------------------- helpers


def _json_default(value: Any) -> Any:
    """What an event's payload holds besides JSON's own types: moments (in UTC) and enums."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not stored in an event")


def _require_aware(now: dt.datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")


def _text(value: str | None, field: str, *, max_len: int, required: bool = True) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise InvalidInput("must not be empty", field)
        return None
    if len(value) > max_len:
        raise InvalidInput(f"longer than {max_len} characters", field)
    return value


def _enum(cls: type[enum.StrEnum], value: str, field: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not one of {', '.join(cls)}", field) from None


def category_path(session: Session, category_id: int | None) -> str | None:
    """The category's path (cached for the session's life: paths never change)."""
    if category_id is None:
        return None
    cache: dict[int, str | None] = session.info.setdefault("huying.category_paths", {})
    if category_id not in cache:
        cache[category_id] = session.scalar(select(Category.path).where(Category.id == category_id))
    return cache[category_id]


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    name_zh: str
    active: bool


@dataclass(frozen=True)
class NodeRef:
    id: int
    path: str
    level: str
    name_zh: str


def _unit(session: Session, city_id: int, code: str) -> tuple[UnitRef, NodeRef]:
    """A unit (organisation) by code, with its node; looked up once per session."""
    cache: dict[tuple[int, str], tuple[UnitRef, NodeRef] | None] = session.info.setdefault("huying.units", {})
    key = (city_id, code)
    if key not in cache:
        row = session.execute(
            select(Organisation.id, Organisation.code, Organisation.name_zh, Organisation.active,
                   Node.id, Node.path, Node.level, Node.name_zh)
            .join(Node, Node.id == Organisation.node_id)
            .where(Organisation.city_id == city_id, Organisation.code == code)
        ).first()
        cache[key] = None if row is None else (UnitRef(*row[:4]), NodeRef(*row[4:]))
    found = cache[key]
    if found is None:
        raise InvalidInput(f"no unit with code {code!r}", "unit")
    if not found[0].active:
        raise InvalidInput(f"unit {code!r} is inactive", "unit")
    return found


def _schedule(session: Session, case: Case, status: Status, now: dt.datetime,
              changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """Deadline columns for a case entering ``status`` at ``now`` (with the category and
    priority that ``changes`` are about to give it)."""
    step = STEP_OF_STATUS.get(status)
    if step is None:
        return {"due_at": None, "sweep_at": None, "warned": False, "overdue_periods": 0}
    changes = changes or {}
    category_id = changes.get("category_id", case.category_id)
    priority = changes.get("priority", case.priority)
    sched = deadlines.schedule(session, case.city_id, category_path(session, category_id), priority, step, now)
    return {"due_at": sched.due_at, "sweep_at": min(sched.warn_at, sched.due_at),
            "warned": False, "overdue_periods": 0}


_COUNTERS: Table = CaseCounter.__table__  # type: ignore[assignment]
_TAKE_SEQS = (update(_COUNTERS)
              .where(_COUNTERS.c.city_id == bindparam("c"), _COUNTERS.c.year == bindparam("y"))
              .values(last=_COUNTERS.c.last + bindparam("k")).returning(_COUNTERS.c.last))


def take_seqs(session: Session, city_id: int, year: int, count: int) -> int:
    """Take ``count`` consecutive sequence numbers of the city's case codes for ``year``,
    atomically (the counter row is locked until the transaction ends); returns the first."""
    for _ in range(5):
        last = session.connection().execute(_TAKE_SEQS, {"c": city_id, "y": year, "k": count}).scalar()
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


def _next_code(session: Session, city_id: int, city_code: str, year: int) -> str:
    """``<city>-<year>-<seq>``, the sequence taken atomically per city and year."""
    return case_code(city_code, year, take_seqs(session, city_id, year, 1))


_ONE_TRANSACTION = "huying.one_transaction"
#: ``session.info`` key: a list, put there by a caller that wants to know the cases the
#: session creates (the API adds its idempotency key and Open311 rows to their commit).
NEW_CASES = "huying.new_cases"


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


def _end_command(session: Session) -> None:
    """Commit the command, or only flush it inside :func:`one_transaction`."""
    if session.info.get(_ONE_TRANSACTION):
        session.flush()
    else:
        session.commit()


def _commit(session: Session, case: Case, expected: int, write: Any = None) -> None:
    """Run ``write`` (if any) and commit; a lost compare-and-set becomes ``StaleVersion``."""
    try:
        if write is not None:
            write()
        _end_command(session)
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


@dataclass(frozen=True)
class Recorded:
    """The event a command appended."""

    id: int
    seq: int
    action: str
    note: str | None


_CASES = Case.__table__
_EVENTS = CaseEvent.__table__
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


def _record(
    session: Session, case: Case, action: Action, actor: Actor, now: dt.datetime,
    source: Status, target: Status, changes: dict[str, Any], note: str | None,
    extra: dict[str, Any] | None,
) -> Recorded:
    """Apply ``changes`` to the case, append the event, queue notifications (no commit).

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
        # unit of work's flush cost more than the insert itself on this hot path).
        for key, value in changes.items():
            setattr(case, key, value)
        case.id = session.connection().execute(
            _INSERT_CASE, {k: getattr(case, k) for k in _INSERTED}).scalar_one()
        # The database just gave this id, so an object the session still maps to it is a
        # leftover of a rolled-back insert (SQLite reuses the ids of rolled-back rows).
        leftover = session.identity_map.get(session.identity_key(Case, case.id))
        if leftover is not None:
            session.expunge(leftover)
        make_transient_to_detached(case)
        session.add(case)
        watching = session.info.get(NEW_CASES)
        if watching is not None:
            watching.append(case)
    else:
        unknown = changes.keys() - _MUTABLE
        if unknown:
            raise ValueError(f"a command may not change {sorted(unknown)}")
        row = {f"v_{k}": v for k, v in changes.items()}
        row["w_id"], row["w_version"] = case.id, before
        done = session.connection().execute(_update_case(frozenset(changes)), row).rowcount
        if done != 1:
            raise StaleDataError(f"case {case.code} is no longer at version {before}")
        for key, value in changes.items():
            set_committed_value(case, key, value)
    payload: dict[str, Any] = {"set": changes}
    if extra:
        payload.update(extra)
    event_id = session.connection().execute(_INSERT_EVENT, dict(
        city_id=case.city_id, case_id=case.id, seq=changes["version"], at=now, actor_id=actor.user_id,
        actor_role=actor.role, action=action.value,
        from_status=None if source is Status.START else source.value, to_status=target.value,
        note=note, payload=json.dumps(payload, ensure_ascii=False, sort_keys=True, default=_json_default),
    )).scalar_one()
    event = Recorded(event_id, changes["version"], action.value, note)
    from huying.metrics import rollup  # the figures' counters move with the event

    rollup.apply_event(session.connection(), city_id=case.city_id, grid_path=case.grid_path or "",
                       action=action.value, at=now, created_at=case.created_at,
                       ever_overdue=bool(case.ever_overdue), reworked=(case.rework_count or 0) > 0)
    notify.enqueue(session, case, event, now)
    if action in _TO_ALL_REPORTERS:
        _notify_other_reporters(session, case, event, now)
    return event


def _command(
    session: Session, case: Case, action: Action, actor: Actor, now: dt.datetime, *,
    changes: dict[str, Any] | None = None, note: str | None = None,
    extra: dict[str, Any] | None = None, expected_version: int | None = None,
    reschedule: bool = True, then: Any = None,
) -> Case:
    """The common path of every command on an existing case. ``then`` (no arguments) runs
    in the same transaction after the event is written (e.g. closing merged duplicates)."""
    _require_aware(now)
    source = Status(case.status)
    target = check_act(session, actor, case, action)
    if expected_version is not None and expected_version != case.version:
        raise StaleVersion(case.code, expected_version, case.version)
    loaded = case.version
    changes = dict(changes or {})
    if reschedule and (target is not source or action in _NEW_CLOCK):
        # The case object is not touched before the compare-and-set write: a change made
        # through the ORM would be flushed by the next query with no version check of ours.
        changes = {**_schedule(session, case, target, now, changes), **changes}

    def write() -> None:
        _record(session, case, action, actor, now, source, target, changes, note, extra)
        if then is not None:
            then()

    _commit(session, case, loaded, write)
    return case


# --------------------------------------------------------------------------- queries


def get_case(session: Session, actor: Actor, code: str) -> Case:
    """The case with this code if the actor may see it, else ``NotVisible``."""
    case = session.scalar(
        select(Case).where(Case.city_id == actor.city_id, Case.code == code, visible_filter(actor))
    )
    if case is None:
        raise NotVisible(f"no case {code}")
    return case


def events_of(session: Session, case: Case) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)))


def cohandlers_of(session: Session, case: Case) -> list[Organisation]:
    return list(session.scalars(
        select(Organisation).join(CaseCohandler, CaseCohandler.unit_id == Organisation.id)
        .where(CaseCohandler.case_id == case.id).order_by(Organisation.code)
    ))


def list_cases(
    session: Session, actor: Actor, *, node_path: str | None = None,
    status: Sequence[str] | None = None, overdue_at: dt.datetime | None = None,
    unit_id: int | None = None, limit: int = 100, offset: int = 0,
) -> list[Case]:
    """Cases visible to the actor, newest first, optionally under a node, in statuses,
    overdue at a moment (due before it and still open) or assigned to a unit."""
    q = select(Case).where(visible_filter(actor))
    if node_path:
        q = q.where(Case.grid_path.startswith(node_path))
    if status:
        q = q.where(Case.status.in_(list(status)))
    if overdue_at is not None:
        q = q.where(Case.due_at < overdue_at, Case.status.not_in([s.value for s in FINAL]))
    if unit_id is not None:
        q = q.where(Case.unit_id == unit_id)
    return list(session.scalars(q.order_by(Case.id.desc()).limit(limit).offset(offset)))


# --------------------------------------------------------------------------- creating


def _locate(session: Session, city_id: int, lon: float | None, lat: float | None) -> tuple[int, str] | None:
    """(grid id, grid path) of the point, or None without a point."""
    if lon is None or lat is None:
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(f"({lon}, {lat}) is not a longitude/latitude", "location")
    from huying.geo import service as geo

    try:
        return geo.locate_grid(session, city_id, lon, lat)
    except geo.OutsideCity as exc:
        raise InvalidInput(str(exc), "location") from None


def _store_uploads(case: Case, seq: int, uploads: Iterable[Upload]) -> list[Attachment]:
    settings = get_settings()
    out = []
    for up in uploads:
        if len(up.data) == 0:
            raise InvalidInput(f"{up.filename}: empty file", "attachments")
        if len(up.data) > settings.max_attachment_bytes:
            raise InvalidInput(
                f"{up.filename}: {len(up.data)} bytes, more than {settings.max_attachment_bytes}",
                "attachments")
        kind = next((v for k, v in ALLOWED_IMAGE_TYPES.items() if up.data.startswith(k)), None)
        if kind is None and up.data[:4] == b"RIFF" and up.data[8:12] == b"WEBP":
            kind = ("image/webp", "webp")
        if kind is None:
            raise InvalidInput(f"{up.filename}: not a JPEG, PNG, GIF or WebP image", "attachments")
        digest = hashlib.sha256(up.data).hexdigest()
        rel = Path("attachments") / str(case.city_id) / case.code / f"{digest}.{kind[1]}"
        dest = settings.data_dir / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.exists():
            tmp = dest.with_suffix(".part")
            tmp.write_bytes(up.data)
            tmp.replace(dest)
        out.append(Attachment(city_id=case.city_id, case_id=case.id, event_seq=seq,
                              filename=Path(up.filename).name[:200] or "photo", content_type=kind[0],
                              size=len(up.data), sha256=digest, stored_path=rel.as_posix()))
    return out


def city_code(session: Session, city_id: int) -> str:
    """The city's code (the prefix of its case codes), remembered by the session."""
    from huying.geo.models import City

    codes: dict[int, str | None] = session.info.setdefault("huying.city_codes", {})
    if city_id not in codes:
        codes[city_id] = session.scalar(select(City.code).where(City.id == city_id))
    code = codes[city_id]
    if code is None:
        raise InvalidInput("unknown city", "city")
    return code


def new_case_fields(
    actor: Actor, *, code: str, title: str, description: str, category_id: int | None, priority: str,
    channel: str, lon: float | None, lat: float | None, address: str | None, grid: tuple[int, str],
    anonymous: bool, contact: str | None, now: dt.datetime,
) -> dict[str, Any]:
    """Every field of a case as its report sets it (checked values; deadlines and status
    apart): the one definition for a reported case and an imported one."""
    anonymous = anonymous or actor.user_id is None
    return {
        "code": code, "title": title, "description": description, "category_id": category_id,
        "priority": priority, "channel": channel, "lon": lon, "lat": lat, "h3_cell": h3_cell_of(lon, lat),
        "address": address, "grid_id": grid[0], "grid_path": grid[1],
        "reporter_kind": "anonymous" if anonymous else ("resident" if actor.role == "resident" else "staff"),
        "reporter_id": None if anonymous else actor.user_id, "reporter_contact": contact,
        "unit_id": None, "unit_path": None, "handling_level": "community",
        "rework_count": 0, "escalations": 0, "ever_overdue": False, "created_at": now,
        "extension_days": None, "resolution": None, "reject_reason": None, "satisfaction": None,
        "duplicate_of_id": None, "closed_at": None,
    }


def report(
    session: Session, actor: Actor, *, title: str, description: str = "", channel: str,
    lon: float | None = None, lat: float | None = None, address: str | None = None,
    category: str | None = None, priority: str = Priority.NORMAL.value, anonymous: bool = False,
    contact: str | None = None, uploads: Sequence[Upload] = (), now: dt.datetime,
    fixed_on_spot: str | None = None, note: str | None = None,
    triage: dict[str, Any] | None = None, grid: tuple[int, str] | None = None,
) -> Case:
    """Report a problem (发现上报): a new case, located to its grid. With ``fixed_on_spot``
    (the evidence of the fix), an authorised grid worker or inspector reports, fixes and
    records it in one step (立行立改) and the case closes at once. ``triage`` is what intake
    decided (category source and confidence, suggestions, duplicate candidates, route): it
    is recorded in the report event's payload; ``grid`` the (id, path) intake located the
    point in. Channels call ``huying.intake.service.intake``, which calls this."""
    _require_aware(now)
    action = Action.FIX_ON_SPOT if fixed_on_spot is not None else Action.REPORT
    target = check_act(session, actor, None, action)
    title_v = _text(title, "title", max_len=200) or ""  # required: never empty here
    desc_v = _text(description, "description", max_len=5000, required=False) or ""
    channel_v = _enum(Channel, channel, "channel")
    priority_v = _enum(Priority, priority, "priority")
    if lon is None and lat is None and not address:
        raise InvalidInput("a location (lon/lat) or an address is required", "location")
    if (lon is None) != (lat is None):
        raise InvalidInput("give both lon and lat", "location")
    if grid is None:
        grid = _locate(session, actor.city_id, lon, lat)
    if grid is None:
        raise InvalidInput("the address could not be placed on the map; give lon/lat", "location")
    cat_id = None
    if category:
        from huying.cityconfig import categories

        cat = categories.find(session, actor.city_id, category)
        if cat is None:
            raise InvalidInput(f"no category {category!r}", "category")
        cat_id = cat.id
    if fixed_on_spot is not None:
        fixed_on_spot = _text(fixed_on_spot, "evidence", max_len=5000)
    case = Case(
        city_id=actor.city_id,
        code=_next_code(session, actor.city_id, city_code(session, actor.city_id),
                        now.astimezone(deadlines.zone()).year),
        status=Status.START.value, version=0, created_at=now, updated_at=now,
    )
    fields = new_case_fields(
        actor, code=case.code, title=title_v, description=desc_v, category_id=cat_id,
        priority=priority_v.value, channel=channel_v.value, lon=lon, lat=lat,
        address=_text(address, "address", max_len=200, required=False), grid=grid, anonymous=anonymous,
        contact=_text(contact, "contact", max_len=60, required=False), now=now)
    for k, v in fields.items():
        setattr(case, k, v)
    if target is Status.CLOSED:
        fields["resolution"] = fixed_on_spot
        fields.update({"due_at": None, "sweep_at": None, "warned": False, "overdue_periods": 0})
        case.resolution = fixed_on_spot
    else:
        fields.update(_schedule(session, case, target, now))
    event = _record(session, case, action, actor, now, Status.START, target, fields, note,
                    {"triage": triage} if triage else None)
    if uploads:
        session.add_all(_store_uploads(case, event.seq, uploads))
    _end_command(session)
    return case


# --------------------------------------------------------------------------- commands


def classify(session: Session, case: Case, actor: Actor, *, category: str | None = None,
             priority: str | None = None, now: dt.datetime, note: str | None = None,
             expected_version: int | None = None) -> Case:
    """Set the category and/or the priority of a new case (the dispatch deadline follows)."""
    changes: dict[str, Any] = {}
    if category:
        from huying.cityconfig import categories

        cat = categories.find(session, case.city_id, category)
        if cat is None:
            raise InvalidInput(f"no category {category!r}", "category")
        changes["category_id"] = cat.id
    if priority:
        changes["priority"] = _enum(Priority, priority, "priority").value
    if not changes:
        raise InvalidInput("give a category or a priority", "category")
    return _command(session, case, Action.CLASSIFY, actor, now, changes=changes, note=note,
                    expected_version=expected_version)


def _require_unit_in_scope(actor: Actor, unit: str, unit_path: str) -> None:
    if not policy.may_assign_to(actor, unit_path):
        raise InvalidInput(f"unit {unit} is outside your scope: escalate instead", "unit")


def _unit_changes(org: Any, node: Any) -> dict[str, Any]:
    return {"unit_id": org.id, "unit_path": node.path,
            "handling_level": HANDLING_LEVEL[Level(node.level)]}


def dispatch(session: Session, case: Case, actor: Actor, *, unit: str, now: dt.datetime,
             note: str | None = None, expected_version: int | None = None) -> Case:
    """Send a new case to the unit responsible (分类推送)."""
    org, node = _unit(session, case.city_id, unit)
    _require_unit_in_scope(actor, unit, node.path)
    return _command(session, case, Action.DISPATCH, actor, now, changes=_unit_changes(org, node),
                    note=note, extra={"unit": org.code}, expected_version=expected_version)


def accept(session: Session, case: Case, actor: Actor, *, now: dt.datetime,
           note: str | None = None, expected_version: int | None = None) -> Case:
    return _command(session, case, Action.ACCEPT, actor, now, note=note, expected_version=expected_version)


def return_to_dispatcher(session: Session, case: Case, actor: Actor, *, now: dt.datetime,
                         note: str | None = None, expected_version: int | None = None) -> Case:
    """The unit sends a misrouted case back to be dispatched again (回退)."""
    note = _text(note, "note", max_len=2000)
    changes = {"unit_id": None, "unit_path": None}
    return _command(session, case, Action.RETURN, actor, now, changes=changes, note=note,
                    expected_version=expected_version)


def transfer(session: Session, case: Case, actor: Actor, *, unit: str, now: dt.datetime,
             note: str | None = None, expected_version: int | None = None) -> Case:
    """Hand the case to another unit (转办)."""
    org, node = _unit(session, case.city_id, unit)
    if org.id == case.unit_id:
        raise InvalidInput("the case is already with this unit", "unit")
    _require_unit_in_scope(actor, unit, node.path)
    return _command(session, case, Action.TRANSFER, actor, now, changes=_unit_changes(org, node),
                    note=note, extra={"unit": org.code}, expected_version=expected_version)


def add_cohandlers(session: Session, case: Case, actor: Actor, *, units: Sequence[str],
                   now: dt.datetime, note: str | None = None,
                   expected_version: int | None = None) -> Case:
    """Add co-handling units (协办)."""
    if not units:
        raise InvalidInput("give at least one unit", "units")
    current = {o.id for o in cohandlers_of(session, case)}
    orgs = []
    for code in units:
        org, _node = _unit(session, case.city_id, code)
        if org.id == case.unit_id or org.id in current or org in orgs:
            raise InvalidInput(f"unit {code} already handles this case", "units")
        orgs.append(org)

    def add_rows() -> None:  # after the compare-and-set: a concurrent twin fails on the version
        session.execute(insert(CaseCohandler.__table__),
                        [{"city_id": case.city_id, "case_id": case.id, "unit_id": o.id} for o in orgs])

    return _command(session, case, Action.ADD_COHANDLER, actor, now, note=note,
                    extra={"cohandlers_added": [o.id for o in orgs], "units": [o.code for o in orgs]},
                    expected_version=expected_version, then=add_rows)


def request_extension(session: Session, case: Case, actor: Actor, *, days: int, now: dt.datetime,
                      note: str | None = None, expected_version: int | None = None) -> Case:
    if not isinstance(days, int) or not 1 <= days <= 60:
        raise InvalidInput("an extension is 1 to 60 working days", "days")
    note = _text(note, "note", max_len=2000)
    return _command(session, case, Action.REQUEST_EXTENSION, actor, now,
                    changes={"extension_days": float(days)}, note=note, reschedule=False,
                    expected_version=expected_version)


def approve_extension(session: Session, case: Case, actor: Actor, *, now: dt.datetime,
                      note: str | None = None, expected_version: int | None = None) -> Case:
    days = int(case.extension_days or 0)
    base = max(case.due_at or now, now)
    due = deadlines.extend(session, case.city_id, base, days)
    return _command(session, case, Action.APPROVE_EXTENSION, actor, now,
                    changes={"due_at": due, "sweep_at": due, "warned": True, "overdue_periods": 0,
                             "extension_days": None},
                    note=note, extra={"days": days}, reschedule=False, expected_version=expected_version)


def refuse_extension(session: Session, case: Case, actor: Actor, *, now: dt.datetime,
                     note: str | None = None, expected_version: int | None = None) -> Case:
    note = _text(note, "note", max_len=2000)
    return _command(session, case, Action.REFUSE_EXTENSION, actor, now,
                    changes={"extension_days": None}, note=note, reschedule=False,
                    expected_version=expected_version)


def escalation_target(session: Session, case: Case, unit: str | None = None) -> tuple[Any, Any]:
    """The unit a case goes to when escalated: by default the Party committee of the next
    level up (community → town → city: 三级问题研处); or ``unit``, which must sit at that level."""
    level = case.handling_level or "community"
    nxt = NEXT_LEVEL.get(level)
    if nxt is None:
        raise InvalidInput("the case is already handled at city level: it cannot go higher", "unit")
    codes = [c for c in case.grid_path.split("/") if c]
    anchor_level = Level.TOWN if nxt == "town" else Level.CITY
    anchor = session.scalar(select(Node).where(
        Node.city_id == case.city_id, Node.code.in_(codes), Node.level == anchor_level.value))
    if anchor is None:
        raise InvalidInput(f"the case's grid has no {anchor_level.value} above it", "unit")
    if unit:
        org, node = _unit(session, case.city_id, unit)
        if HANDLING_LEVEL[Level(node.level)] != nxt or not node.path.startswith(anchor.path):
            raise InvalidInput(f"unit {unit} is not a {nxt}-level unit above this case", "unit")
        return org, node
    org = session.scalar(select(Organisation).where(
        Organisation.node_id == anchor.id, Organisation.kind == OrgKind.PARTY_COMMITTEE.value
    ).order_by(Organisation.id))
    if org is None:
        raise InvalidInput(f"{anchor.name_zh} has no Party committee to escalate to", "unit")
    return org, anchor


def escalate(session: Session, case: Case, actor: Actor, *, now: dt.datetime, unit: str | None = None,
             note: str | None = None, expected_version: int | None = None) -> Case:
    """Send the case one level up with a new responsible unit and a new deadline."""
    org, node = escalation_target(session, case, unit)
    changes = {**_unit_changes(org, node), "escalations": case.escalations + 1}
    return _command(session, case, Action.ESCALATE, actor, now, changes=changes, note=note,
                    extra={"unit": org.code, "from_level": case.handling_level,
                           "to_level": changes["handling_level"]},
                    expected_version=expected_version)


def mark_handled(session: Session, case: Case, actor: Actor, *, evidence: str, now: dt.datetime,
                 uploads: Sequence[Upload] = (), expected_version: int | None = None) -> Case:
    """The unit records what it did, with evidence (text and photos)."""
    evidence_v = _text(evidence, "evidence", max_len=5000)
    attachments = _store_uploads(case, case.version + 1, uploads) if uploads else []
    session.add_all(attachments)
    return _command(session, case, Action.MARK_HANDLED, actor, now, changes={"resolution": evidence_v},
                    note=evidence_v, extra={"attachments": len(attachments)},
                    expected_version=expected_version)


def follow_up(session: Session, case: Case, actor: Actor, *, satisfaction: str, method: str = "phone",
              comment: str | None = None, now: dt.datetime,
              expected_version: int | None = None) -> Case:
    """The follow-up visit (跟踪回访). 不满意 reopens the case for rework."""
    sat = Satisfaction.parse(satisfaction)
    how = _enum(FollowUpMethod, method, "method")
    comment = _text(comment, "comment", max_len=2000, required=False)
    extra = {"satisfaction": sat.value, "method": how.value}
    if sat is Satisfaction.DISSATISFIED:
        return _command(session, case, Action.REOPEN, actor, now,
                        changes={"rework_count": case.rework_count + 1, "satisfaction": sat.value},
                        note=comment, extra=extra, expected_version=expected_version)
    return _command(session, case, Action.FOLLOW_UP, actor, now, changes={"satisfaction": sat.value},
                    note=comment, extra=extra, expected_version=expected_version)


def close(session: Session, case: Case, actor: Actor, *, resolution: str | None = None,
          now: dt.datetime, no_followup_reason: str | None = None,
          expected_version: int | None = None) -> Case:
    """Evaluate and close (评价结案). Without a follow-up only when the reporter is anonymous
    or cannot be reached (the reason is recorded)."""
    reason = _text(no_followup_reason, "no_followup_reason", max_len=500, required=False)
    if case.status == Status.MERGED:
        raise InvalidInput("a merged case closes with the case it was merged into; unmerge it "
                           "to close it on its own", "status")
    if case.status == Status.HANDLED and case.reporter_kind != "anonymous" and not reason:
        raise InvalidInput(
            "a case closes after its follow-up, unless the reporter is anonymous or cannot be "
            "reached: give the reason", "no_followup_reason")
    changes: dict[str, Any] = {}
    res = _text(resolution, "resolution", max_len=5000, required=False)
    if res:
        changes["resolution"] = res
    return _command(session, case, Action.CLOSE, actor, now, changes=changes, note=res,
                    extra={"no_followup_reason": reason} if reason else None,
                    expected_version=expected_version,
                    then=lambda: _close_merged(session, case, actor, now))


def reject(session: Session, case: Case, actor: Actor, *, reason: str, now: dt.datetime,
           note: str | None = None, expected_version: int | None = None) -> Case:
    why = _enum(RejectReason, reason, "reason")
    if merged_into(session, case):
        raise InvalidInput("other cases are merged into this one: unmerge them before rejecting it",
                           "reason")
    return _command(session, case, Action.REJECT, actor, now, changes={"reject_reason": why.value},
                    note=note, expected_version=expected_version)


def supervise(session: Session, case: Case, actor: Actor, *, reason: str, now: dt.datetime,
              unit: str | None = None, source: str = "leader",
              expected_version: int | None = None) -> SupervisionNotice:
    """Issue a supervision notice (督办) about the case to its unit (or ``unit``), with a
    reply deadline; recorded as an event of the case."""
    reason_v = _text(reason, "reason", max_len=2000)
    if unit:
        org, _ = _unit(session, case.city_id, unit)
    elif case.unit_id is not None:
        org = session.get(Organisation, case.unit_id)  # type: ignore[assignment]
    else:
        org = _dispatcher_unit(session, case)
    reply_due = deadlines.schedule(session, case.city_id, None, case.priority,
                                   Step.SUPERVISION_REPLY.value, now).due_at
    notice = SupervisionNotice(city_id=case.city_id, case_id=case.id, unit_id=org.id,
                               issued_by_id=actor.user_id, source=source, reason=reason_v,
                               issued_at=now, reply_due_at=reply_due)
    session.add(notice)
    session.flush()
    _command(session, case, Action.SUPERVISE, actor, now, note=reason_v, reschedule=False,
             extra={"notice_id": notice.id, "unit": org.code, "reply_due_at": reply_due},
             expected_version=expected_version)
    return notice


def _dispatcher_unit(session: Session, case: Case) -> Organisation:
    """Who answers for a case not yet dispatched: the Party organisation of its community."""
    codes = [c for c in case.grid_path.split("/") if c]
    org = session.scalar(
        select(Organisation).join(Node, Node.id == Organisation.node_id)
        .where(Node.city_id == case.city_id, Node.code.in_(codes),
               Organisation.kind.in_([OrgKind.PARTY_ORGANISATION.value, OrgKind.PARTY_COMMITTEE.value]))
        .order_by(Node.path.desc())  # the deepest: the community's own
    )
    if org is None:
        raise InvalidInput("no unit answers for this case's place", "unit")
    return org


def reply_notice(session: Session, notice: SupervisionNotice, actor: Actor, *, reply: str,
                 now: dt.datetime) -> SupervisionNotice:
    """The unit answers a supervision notice; lateness is what the times say."""
    _require_aware(now)
    text = _text(reply, "reply", max_len=5000)
    if notice.city_id != actor.city_id:
        raise NotVisible("no such notice")
    if notice.replied_at is not None:
        raise InvalidInput("this notice has already been answered", "reply")
    if not policy.can_reply(session, actor, notice):
        from huying.errors import NotPermitted

        raise NotPermitted("only the unit the notice was sent to may answer it")
    done = session.execute(
        update(SupervisionNotice)
        .where(SupervisionNotice.id == notice.id, SupervisionNotice.replied_at.is_(None))
        .values(replied_at=now, replied_by_id=actor.user_id, reply=text)
    ).rowcount
    if done != 1:
        session.rollback()
        raise InvalidInput("this notice has already been answered", "reply")
    session.commit()
    session.refresh(notice)
    return notice


def open_ledger(session: Session, case: Case, actor: Actor, *, plan: str,
                milestones: Sequence[tuple[str, dt.datetime]], supervisor_id: int | None,
                now: dt.datetime, expected_version: int | None = None) -> Ledger:
    """台账: a case that cannot be solved at once gets a plan, dated milestones and a
    supervising leader; an overdue milestone raises a supervision notice (the sweeper)."""
    plan_v = _text(plan, "plan", max_len=5000)
    if not milestones:
        raise InvalidInput("a ledger needs at least one milestone", "milestones")
    for i, (title, due) in enumerate(milestones):
        _text(title, f"milestones[{i}].title", max_len=200)
        if due.tzinfo is None:
            raise InvalidInput("dates must carry a time zone", f"milestones[{i}].due_at")
        if due <= now:
            raise InvalidInput("must be in the future", f"milestones[{i}].due_at")
    if session.scalar(select(Ledger.id).where(Ledger.case_id == case.id)) is not None:
        raise InvalidInput("this case already has a ledger", "plan")
    if supervisor_id is not None:
        _require_supervisor(session, case, supervisor_id)
    made: list[Ledger] = []

    def create() -> None:  # after the compare-and-set: a concurrent twin fails on the version
        ledger = Ledger(city_id=case.city_id, case_id=case.id, plan=plan_v, supervisor_id=supervisor_id,
                        opened_at=now)
        session.add(ledger)
        session.flush()
        session.add_all(Milestone(city_id=case.city_id, ledger_id=ledger.id, title=t.strip(), due_at=d)
                        for t, d in milestones)
        made.append(ledger)

    _command(session, case, Action.OPEN_LEDGER, actor, now, note=plan_v, reschedule=False,
             extra={"milestones": [[t, d] for t, d in milestones]},
             expected_version=expected_version, then=create)
    return made[0]


def _require_supervisor(session: Session, case: Case, user_id: int) -> None:
    from huying.orgs.models import User

    user = session.get(User, user_id)
    if user is None or not user.active or not policy.can_supervise(Actor.of(session, user), case):
        raise InvalidInput("the supervisor must be a leader whose scope covers this case", "supervisor")


def complete_milestone(session: Session, milestone: Milestone, actor: Actor, *, now: dt.datetime) -> Milestone:
    if milestone.city_id != actor.city_id:
        raise NotVisible("no such milestone")
    if milestone.done_at is not None:
        raise InvalidInput("this milestone is already done", "milestone")
    milestone.done_at = now
    session.commit()
    return milestone


# --------------------------------------------------------------------------- duplicates
# A duplicate is merged into its primary (the open case it repeats): it waits in ``merged``
# without a deadline and closes in the same transaction as the primary; staff can unmerge it.
# Another reporter of the same problem can instead join the primary as a co-reporter. Every
# reporter and co-reporter of the primary and of its merged cases hears of its handling.

#: Actions that start the step's clock again even when the status stays the same: a new
#: category (another SLA rule), a new responsible unit (transfer) or level (escalation).
_NEW_CLOCK = frozenset({Action.CLASSIFY, Action.TRANSFER, Action.ESCALATE})

#: Events whose message goes to every reporter (co-reporters, reporters of merged cases).
_TO_ALL_REPORTERS = frozenset({Action.MARK_HANDLED, Action.CLOSE, Action.REJECT})


def merged_into(session: Session, case: Case) -> list[Case]:
    """The cases merged into ``case`` (still waiting on it), oldest first."""
    ids = _merged_ids(session, case)
    if not ids:
        return []
    return list(session.scalars(select(Case).where(Case.id.in_(ids)).order_by(Case.id)))


def _merged_ids(session: Session, case: Case) -> list[int]:
    return list(session.execute(_MERGED_IDS, {"primary": case.id}).scalars())


def coreporters_of(session: Session, case: Case) -> list[Any]:
    """The co-reporters of a case (``CaseReporter`` rows), in the order they joined."""
    from huying.cases.models import CaseReporter

    return list(session.scalars(
        select(CaseReporter).where(CaseReporter.case_id == case.id).order_by(CaseReporter.id)))


def _recipients(rows: Iterable[tuple[int | None, str | None]]) -> list[tuple[str, str]]:
    """(kind, recipient) of (user id, contact) rows: the account if any, else the contact."""
    return [("user", str(u)) if u is not None else ("contact", c) for u, c in rows
            if u is not None or c]


def _reporter_rows_co(session: Session, case_ids: list[int]) -> list[tuple[str, str]]:
    """(kind, recipient) of the co-reporters of the cases."""
    return _recipients(session.execute(_coreporters_stmt(), {"ids": case_ids}).all())


_MERGED_IDS = (select(Case.id).where(Case.duplicate_of_id == bindparam("primary"),
                                     Case.status == Status.MERGED.value).order_by(Case.id))


@functools.cache
def _coreporters_stmt() -> Any:
    from huying.cases.models import CaseReporter

    return (select(CaseReporter.user_id, CaseReporter.contact)
            .where(CaseReporter.case_id.in_(bindparam("ids", expanding=True)))
            .order_by(CaseReporter.id))


@functools.cache
def _handled_recipients_stmt() -> Any:
    """Who else hears that a case is handled, in one query: its co-reporters, then the
    reporters of the cases merged into it, then their co-reporters (each in id order)."""
    from sqlalchemy import literal, union_all

    from huying.cases.models import CaseReporter

    primary: Any = bindparam("id")
    merged = (Case.duplicate_of_id == primary, Case.status == Status.MERGED.value)
    q = union_all(
        select(literal(0).label("part"), CaseReporter.id.label("k"), CaseReporter.user_id.label("u"),
               CaseReporter.contact.label("c")).where(CaseReporter.case_id == primary),
        select(literal(1), Case.id, Case.reporter_id, Case.reporter_contact).where(*merged),
        select(literal(2), CaseReporter.id, CaseReporter.user_id, CaseReporter.contact)
        .join(Case, Case.id == CaseReporter.case_id).where(*merged),
    ).subquery()
    return select(q.c.part, q.c.k, q.c.u, q.c.c).order_by(q.c.part, q.c.k)


def _notify_other_reporters(session: Session, case: Case, event: Recorded, now: dt.datetime) -> None:
    """Queue the event's message for the co-reporters of the case and, when the primary is
    handled, for the reporters of the cases merged into it (their own close events tell
    them of the close)."""
    own: set[tuple[str, str]] = set()
    if case.reporter_id is not None:
        own.add(("user", str(case.reporter_id)))
    elif case.reporter_contact:
        own.add(("contact", case.reporter_contact))
    if event.action == Action.MARK_HANDLED.value:
        found = session.execute(_handled_recipients_stmt(), {"id": case.id}).all()
        targets = _recipients((u, c) for _, _, u, c in found)
    else:
        targets = _reporter_rows_co(session, [case.id])
    seen, rows = set(own), []
    subject = notify.SUBJECTS[event.action].format(code=case.code, title=case.title[:60])
    for kind, recipient in targets:
        if (kind, recipient) in seen:
            continue
        seen.add((kind, recipient))
        rows.append(dict(
            city_id=case.city_id, event_id=event.id, idempotency_key=f"ev{event.id}:{kind}:{recipient}",
            recipient_kind=kind, recipient=recipient, subject=subject,
            body=f"{subject}\n{event.note or ''}".strip(), status="pending", attempts=0,
            available_at=now, created_at=now))
    if rows:
        session.connection().execute(notify._INSERT_OUTBOX, rows)


def _close_merged(session: Session, primary: Case, actor: Actor, now: dt.datetime) -> None:
    """Close every case merged into ``primary`` (inside the primary's close transaction)."""
    from huying.cases.workflow import next_status

    for dup in merged_into(session, primary):
        target = next_status(Status.MERGED, Action.CLOSE, actor.role)
        changes = {"due_at": None, "sweep_at": None, "warned": False, "overdue_periods": 0,
                   "resolution": primary.resolution}
        _record(session, dup, Action.CLOSE, actor, now, Status.MERGED, target, changes,
                f"随 {primary.code} 一并办结", {"closed_with": primary.code})


def merge(session: Session, case: Case, actor: Actor, *, into: str, now: dt.datetime,
          note: str | None = None, expected_version: int | None = None) -> Case:
    """Merge ``case`` (a duplicate, new or dispatched) into the open case ``into``."""
    check_act(session, actor, case, Action.MERGE)  # before looking at the other case
    primary = get_case(session, actor, into)
    if primary.id == case.id:
        raise InvalidInput("a case cannot be merged into itself", "into")
    if Status(primary.status) in FINAL or primary.status == Status.MERGED.value:
        raise InvalidInput(f"case {into} is {primary.status}: merge into an open case", "into")
    if merged_into(session, case):
        raise InvalidInput("other cases are merged into this one: merge the primary instead, or "
                           "unmerge them first", "into")
    return _command(session, case, Action.MERGE, actor, now, changes={"duplicate_of_id": primary.id},
                    note=note, extra={"into": primary.code}, expected_version=expected_version)


def unmerge(session: Session, case: Case, actor: Actor, *, now: dt.datetime, note: str | None = None,
            expected_version: int | None = None) -> Case:
    """Undo a merge: the case stands on its own again, waiting to be dispatched (its former
    primary and unit stay in its timeline)."""
    note_v = _text(note, "note", max_len=2000)
    primary = session.get(Case, case.duplicate_of_id) if case.duplicate_of_id else None
    return _command(session, case, Action.UNMERGE, actor, now,
                    changes={"duplicate_of_id": None, "unit_id": None, "unit_path": None},
                    note=note_v, extra={"from": primary.code if primary else None},
                    expected_version=expected_version)


def join(session: Session, case: Case, actor: Actor, *, now: dt.datetime, lon: float | None = None,
         lat: float | None = None, contact: str | None = None, anonymous: bool = False,
         expected_version: int | None = None) -> Case:
    """Join ``case`` as a co-reporter (the reporter answered "yes, it is this one"). The
    reporter's point, when given, must lie within the duplicate radius of the case."""
    from huying.cases.models import CaseReporter
    from huying.triage.duplicates import haversine_m

    user_id = None if anonymous or actor.user_id is None else actor.user_id
    contact_v = _text(contact, "contact", max_len=60, required=False)
    if user_id is None and not contact_v:
        raise InvalidInput("an anonymous co-reporter leaves a contact, or there is no one to tell",
                           "contact")
    if user_id is not None and (user_id == case.reporter_id or any(
            r.user_id == user_id for r in coreporters_of(session, case))):
        raise InvalidInput(f"you already reported case {case.code}", "case")
    if lon is not None and lat is not None and case.lon is not None and case.lat is not None:
        radius = get_settings().duplicate_radius_m
        if haversine_m(lon, lat, case.lon, case.lat) > radius:
            raise InvalidInput(f"case {case.code} is more than {radius:.0f} m from your report", "case")

    def add_row() -> None:
        session.add(CaseReporter(city_id=case.city_id, case_id=case.id, user_id=user_id,
                                 contact=contact_v, event_seq=case.version, joined_at=now))

    return _command(session, case, Action.JOIN, actor, now, reschedule=False,
                    extra={"coreporter": {"user_id": user_id, "contact": contact_v}},
                    expected_version=expected_version, then=add_row)


# --------------------------------------------------------------------------- generic entry


def perform(session: Session, case: Case, actor: Actor, action: str, *, now: dt.datetime,
            params: dict[str, Any], expected_version: int | None = None) -> Any:
    """Run a command by name (for the CLI and the API): ``params`` as the command takes them."""
    try:
        act = Action(action)
    except ValueError:
        raise InvalidInput(f"unknown action {action!r}", "action") from None
    fn = COMMANDS.get(act)
    if fn is None:
        raise InvalidInput(f"{action} is not a command on an existing case", "action")
    try:
        return fn(session, case, actor, now=now, expected_version=expected_version, **params)
    except TypeError as exc:
        raise InvalidInput(f"bad parameters for {action}: {exc}", "params") from None


COMMANDS: dict[Action, Any] = {
    Action.CLASSIFY: classify,
    Action.DISPATCH: dispatch,
    Action.ACCEPT: accept,
    Action.RETURN: return_to_dispatcher,
    Action.TRANSFER: transfer,
    Action.ADD_COHANDLER: add_cohandlers,
    Action.REQUEST_EXTENSION: request_extension,
    Action.APPROVE_EXTENSION: approve_extension,
    Action.REFUSE_EXTENSION: refuse_extension,
    Action.ESCALATE: escalate,
    Action.MARK_HANDLED: mark_handled,
    Action.FOLLOW_UP: follow_up,
    Action.REOPEN: follow_up,
    Action.CLOSE: close,
    Action.REJECT: reject,
    Action.SUPERVISE: supervise,
    Action.OPEN_LEDGER: open_ledger,
    Action.MERGE: merge,
    Action.UNMERGE: unmerge,
}


# --------------------------------------------------------------------------- ledger view


@dataclass
class LedgerRow:
    case: Case
    ledger: Ledger
    milestones: list[Milestone]

    def overdue_milestones(self, now: dt.datetime) -> list[Milestone]:
        return [m for m in self.milestones if m.done_at is None and m.due_at <= now]


def ledgers_under(session: Session, actor: Actor, *, node_path: str | None = None,
                  open_only: bool = True, limit: int = 200) -> list[LedgerRow]:
    """The ledger (台账) of a node: the ledgers of the cases the actor may see under
    ``node_path``, with their milestones, the oldest open milestone first."""
    q = select(Case, Ledger).join(Ledger, Ledger.case_id == Case.id).where(visible_filter(actor))
    if node_path:
        q = q.where(Case.grid_path.startswith(node_path))
    if open_only:
        q = q.where(Ledger.closed_at.is_(None), Case.status.not_in([s.value for s in FINAL]))
    rows = session.execute(q.order_by(Ledger.opened_at).limit(limit)).all()
    if not rows:
        return []
    ms = session.scalars(select(Milestone).where(Milestone.ledger_id.in_([lg.id for _, lg in rows]))
                         .order_by(Milestone.due_at)).all()
    by_ledger: dict[int, list[Milestone]] = {}
    for m in ms:
        by_ledger.setdefault(m.ledger_id, []).append(m)
    return [LedgerRow(c, lg, by_ledger.get(lg.id, [])) for c, lg in rows]
