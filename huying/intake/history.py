"""Import of historical cases: the ledger of cases closed before huying ran (a 12345 hotline
or 数字城管 export), so that the figures, maps and yearly reports cover the years before.

    huying import history FILE --as USER [--mode all-or-nothing|skip-bad] [--now ISO]

A historical case was reported, handled and closed elsewhere: it needs no duplicate search,
no routing, no deadline and no notification, so it does not go through the intake pipeline
(that is ``huying import cases``, for reports still to be handled). Each row becomes a closed
case whose events say what the ledger says, and nothing more:

1. ``report`` at ``reported_at``, by the importing officer (the reporter of record);
2. ``overdue`` at ``closed_at``, by the system, when the ledger says it went overdue;
3. ``close_imported`` at ``closed_at``, by the importing officer: the unit that handled
   it, the resolution and the reporter's satisfaction, as the ledger has them.

``fold(events) == case`` holds as for every case (the case row is built from the events'
payloads), and the figures' rollup moves with the events: the history counts as received
in the month reported, closed (on time unless overdue) in the month closed.

The import is set-based, so that a year of a city's cases goes in in minutes: the rows are
checked field by field (the checks and messages of ``import cases``; every problem named by
line and field before anything is written), located with one ``locate_many``, classified in
one batch where the ledger has no category, and written in one transaction: with ``COPY`` on
PostgreSQL, ``executemany`` on SQLite. Measured in docs/performance.md (P4).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from huying.cases import kernel
from huying.cases import service as svc
from huying.cases.models import Case, CaseEvent
from huying.cases.service import Satisfaction
from huying.cases.units import unit as unit_ref
from huying.cases.units import unit_changes
from huying.cases.workflow import Action, IllegalTransition, Kind, Status, System, next_status
from huying.cityconfig import deadlines
from huying.errors import InvalidInput
from huying.intake.bulk import (
    COLUMNS,
    FileError,
    Mode,
    Outcome,
    Problem,
    parse_row,
    problem_of,
    read_table,
)
from huying.intake.models import HistoryRef
from huying.intake.rows import read_moment
from huying.orgs.actor import Actor

#: The ledger's columns besides those of ``import cases`` (docs/import.md).
HISTORY_COLUMNS = (*COLUMNS, "closed_at", "unit", "satisfaction", "overdue", "resolution", "ref")
HISTORY_ALIASES = {"办结时间": "closed_at", "结案时间": "closed_at", "承办单位": "unit", "办理单位": "unit",
                   "满意度": "satisfaction", "是否超期": "overdue", "超期": "overdue",
                   "办理结果": "resolution", "处理结果": "resolution", "工单编号": "ref", "编号": "ref"}
_YES = ("1", "true", "yes", "是")
_YES_NO = ("", "0", "1", "true", "false", "yes", "no", "是", "否")
_CASES: Table = Case.__table__  # type: ignore[assignment]
_EVENTS: Table = CaseEvent.__table__  # type: ignore[assignment]
_CASE_COLUMNS = [c.key for c in _CASES.columns]
#: (an imported year has no request behind it: ``request_id`` stays empty)
_EVENT_COLUMNS = [c.key for c in _EVENTS.columns if c.key not in ("id", "request_id")]
_REFS: Table = HistoryRef.__table__  # type: ignore[assignment]
_REF_COLUMNS = ["city_id", "ref", "case_id"]
#: Cases written per batch (per COPY on PostgreSQL, per statement on SQLite).
CHUNK = 5_000


@dataclass(slots=True)
class HistoryRow:
    line: int
    title: str
    detail: str
    lon: float | None
    lat: float | None
    address: str | None
    category: str | None
    priority: str
    channel: str
    anonymous: bool
    contact: str | None
    reported_at: dt.datetime
    closed_at: dt.datetime
    unit: str | None
    satisfaction: str | None
    overdue: bool
    resolution: str | None
    ref: str | None


@dataclass
class HistoryReport(Outcome):
    first_code: str | None = None
    last_code: str | None = None
    classified: int = 0
    uncategorised: int = 0
    events: int = 0

    def details(self) -> dict[str, Any]:
        return {"events": self.events, "classified": self.classified, "uncategorised": self.uncategorised,
                "first_code": self.first_code, "last_code": self.last_code}


# --------------------------------------------------------------------------- checking


def _moment(raw: dict[str, str], name: str, line: int, problems: list[Problem],
            now: dt.datetime) -> dt.datetime | None:
    if not (raw.get(name) or "").strip():
        problems.append(Problem(line, name, "is required for a historical case"))
        return None
    return read_moment(raw, name, line, problems, now=now)


def parse_history_row(line: int, raw: dict[str, str], now: dt.datetime) -> tuple[HistoryRow | None, list[Problem]]:
    """Check one ledger row field by field: the columns of ``import cases`` with its checks,
    then the outcome (every problem named by line and field)."""
    row, p = parse_row(line, raw, now)
    reported = None
    if not any(x.field == "reported_at" for x in p):
        reported = _moment(raw, "reported_at", line, p, now)
    closed = _moment(raw, "closed_at", line, p, now)
    if closed is not None and reported is not None and closed < reported:
        p.append(Problem(line, "closed_at", "is before reported_at"))
    satisfaction = (raw.get("satisfaction") or "").strip() or None
    if satisfaction is not None:
        try:
            satisfaction = Satisfaction.parse(satisfaction).value
        except InvalidInput as exc:
            p.append(problem_of(line, exc))
    overdue = (raw.get("overdue") or "").strip().lower()
    if overdue not in _YES_NO:
        p.append(Problem(line, "overdue", f"{overdue!r} is not yes/no"))
    resolution = (raw.get("resolution") or "").strip() or None
    if resolution is not None and len(resolution) > 5000:
        p.append(Problem(line, "resolution", f"{len(resolution)} characters, at most 5000"))
    ref = (raw.get("ref") or "").strip() or None
    if ref is not None and len(ref) > 60:
        p.append(Problem(line, "ref", f"{len(ref)} characters, at most 60"))
    if p or row is None or reported is None or closed is None:
        return None, p
    r = row.report
    return HistoryRow(line, r.title, r.description, r.lon, r.lat, r.address, r.category, r.priority,
                      row.channel, r.anonymous, r.contact, reported, closed,
                      (raw.get("unit") or "").strip() or None, satisfaction, overdue in _YES,
                      resolution, ref), []


def read_history(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """The data rows of a ledger file (CSV or XLSX, header on line 1)."""
    yield from read_table(path, columns=HISTORY_COLUMNS, aliases=HISTORY_ALIASES,
                          required=("title", "reported_at", "closed_at"))


# --------------------------------------------------------------------------- resolving


@dataclass(frozen=True, slots=True)
class _Resolved:
    row: HistoryRow
    grid_id: int
    grid_path: str
    category_id: int | None
    unit: tuple[int, str, str] | None  # (id, path, handling level)


def _known_refs(session: Session, city_id: int, refs: list[str]) -> dict[str, str]:
    """The ledger numbers among ``refs`` imported before, with their case codes."""
    found: dict[str, str] = {}
    for lo in range(0, len(refs), 1_000):
        found.update(session.execute(
            select(HistoryRef.ref, Case.code).join(Case, Case.id == HistoryRef.case_id)
            .where(HistoryRef.city_id == city_id, HistoryRef.ref.in_(refs[lo:lo + 1_000]))).all())
    return found


def _resolve(session: Session, actor: Actor, rows: list[HistoryRow], rep: HistoryReport) -> list[_Resolved]:
    """Locate every row (one ``locate_many``), find its category (the ledger's, else the
    classifier's when confident, in one batch) and its unit; a row that fails is a problem."""
    from huying.cityconfig import categories
    from huying.geo import service as geo
    from huying.intake.service import ReportIn, classify
    from huying.triage.versions import current_classifier

    city_id = actor.city_id
    lons = np.array([np.nan if r.lon is None else r.lon for r in rows], dtype=np.float64)
    lats = np.array([np.nan if r.lat is None else r.lat for r in rows], dtype=np.float64)
    grid_ids = geo.locate_many(session, city_id, lons, lats) if rows else np.empty(0, dtype=np.int64)
    paths = geo.grid_paths(session, city_id)
    city_code = svc.city_code(session, city_id)
    todo = [r for r in rows if not r.category]
    predictions = {}
    if todo:
        clf = current_classifier(city_code)
        predictions = dict(zip((r.line for r in todo), clf.predict([(r.title, r.detail) for r in todo]),
                               strict=True))
    known = _known_refs(session, city_id, [r.ref for r in rows if r.ref])
    seen: dict[str, int] = {}
    given: dict[str, int | None] = {}
    units: dict[str, tuple[int, str, str] | str] = {}
    out: list[_Resolved] = []
    for row, gid in zip(rows, grid_ids.tolist(), strict=True):
        if row.ref:
            if row.ref in known:
                rep.problems.append(Problem(row.line, "ref", f"{row.ref!r} was imported already: case "
                                            f"{known[row.ref]}"))
                continue
            if row.ref in seen:
                rep.problems.append(Problem(row.line, "ref", f"{row.ref!r} is on line {seen[row.ref]} too"))
                continue
            seen[row.ref] = row.line
        if row.lon is None or row.lat is None:
            rep.problems.append(Problem(row.line, "location",
                                        "the address could not be placed on the map; give lon/lat"))
            continue
        if gid < 0:
            rep.problems.append(Problem(row.line, "location", str(geo.OutsideCity(row.lon, row.lat, city_code))))
            continue
        cat_id: int | None
        if row.category:
            if row.category not in given:
                cat = categories.find(session, city_id, row.category)
                given[row.category] = None if cat is None else cat.id
            cat_id = given[row.category]
            if cat_id is None:
                rep.problems.append(Problem(row.line, "category", f"no category {row.category!r}"))
                continue
        else:
            _, found, _, _ = classify(session, city_id, ReportIn(title=row.title, description=row.detail),
                                      prediction=predictions[row.line])
            cat_id = None if found is None else found.id
            rep.classified += found is not None
            rep.uncategorised += found is None
        unit = None
        if row.unit:
            if row.unit not in units:
                try:
                    org, node = unit_ref(session, city_id, row.unit)
                except InvalidInput as exc:
                    units[row.unit] = problem_of(row.line, exc).reason
                else:
                    ch = unit_changes(org, node)
                    units[row.unit] = (ch["unit_id"], ch["unit_path"], ch["handling_level"])
            found_unit = units[row.unit]
            if isinstance(found_unit, str):
                rep.problems.append(Problem(row.line, "unit", found_unit))
                continue
            unit = found_unit
        out.append(_Resolved(row, gid, paths[gid], cat_id, unit))
    return out


# --------------------------------------------------------------------------- building


def _dumps(payload: dict[str, Any]) -> str:
    """An event's payload as ``_record`` writes it (moments already in UTC ISO text)."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True)


def _iso(at: dt.datetime) -> str:
    return str(kernel.json_default(at))


def _build(actor: Actor, item: _Resolved, case_id: int, code: str, source: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The case row and its events, the row made from the events' ``set`` payloads (so that
    folding the events gives the row)."""
    r = item.row
    reported_iso, closed_iso = _iso(r.reported_at), _iso(r.closed_at)
    reported = svc.new_case_fields(
        actor, code=code, title=r.title, description=r.detail, category_id=item.category_id,
        priority=r.priority, channel=r.channel, lon=r.lon, lat=r.lat, address=r.address,
        grid=(item.grid_id, item.grid_path), anonymous=r.anonymous, contact=r.contact, now=r.reported_at)
    reported.update(created_at=reported_iso, due_at=None, sweep_at=None, warned=False, overdue_periods=0,
                    status=Status.NEW.value, updated_at=reported_iso, version=1)
    imported = {"file": source, "line": r.line, **({"ref": r.ref} if r.ref else {})}
    sets: list[tuple[dt.datetime, int | None, str, Action, Status | None, Status, dict[str, Any],
                     dict[str, Any] | None]] = [
        (r.reported_at, actor.user_id, actor.role, Action.REPORT, None, Status.NEW, reported, {"imported": imported})]
    if r.overdue:
        sets.append((r.closed_at, None, System.SWEEPER.value, Action.OVERDUE, Status.NEW, Status.NEW,
                     {"overdue_periods": 1, "ever_overdue": True, "warned": True, "status": Status.NEW.value,
                      "updated_at": closed_iso, "version": 2}, {"imported": True}))
    unit_id, unit_path, level = item.unit or (None, None, "community")
    sets.append((r.closed_at, actor.user_id, actor.role, Action.CLOSE_IMPORTED, Status.NEW, Status.CLOSED,
                 {"unit_id": unit_id, "unit_path": unit_path, "handling_level": level,
                  "resolution": r.resolution, "satisfaction": r.satisfaction,
                  "status": Status.CLOSED.value, "updated_at": closed_iso, "closed_at": closed_iso,
                  "version": len(sets) + 1}, None))
    case: dict[str, Any] = {"id": case_id, "city_id": actor.city_id}
    events = []
    for seq, (at, actor_id, role, action, source_st, target, changes, extra) in enumerate(sets, start=1):
        case.update(changes)
        payload: dict[str, Any] = {"set": changes, **(extra or {})}
        events.append({"city_id": actor.city_id, "case_id": case_id, "seq": seq, "at": at,
                       "actor_id": actor_id, "actor_role": role, "action": action.value,
                       "from_status": None if source_st is None else source_st.value,
                       "to_status": target.value, "note": None, "payload": _dumps(payload)})
    # the row holds moments, the payloads their text
    case.update(created_at=r.reported_at, updated_at=r.closed_at, closed_at=r.closed_at)
    return case, events


# --------------------------------------------------------------------------- writing


def _case_ids(conn: Connection, count: int) -> list[int]:
    """Ids for ``count`` new cases: from the table's sequence on PostgreSQL; on SQLite after
    the largest (the caller already holds the write lock: it took the codes)."""
    if count == 0:
        return []
    if conn.dialect.name == "postgresql":
        return list(conn.execute(text(
            "SELECT nextval(pg_get_serial_sequence('cases', 'id')) FROM generate_series(1, :n)"),
            {"n": count}).scalars())
    start = (conn.execute(select(func.max(_CASES.c.id))).scalar() or 0) + 1
    return list(range(start, start + count))


def _write(conn: Connection, table: Table, columns: list[str], rows: Iterable[dict[str, Any]]) -> None:
    """Write rows: ``COPY … FROM STDIN`` on PostgreSQL (the rows are made while the server
    stores the ones sent), ``executemany`` on SQLite."""
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None
        pick = itemgetter(*columns)
        cols = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as cp:
            for r in rows:
                cp.write_row(pick(r))
        return
    batch = list(rows)
    if batch:
        conn.execute(insert(table), batch)


def _check_importer(actor: Actor) -> None:
    """The workflow's word on who imports history (it reports and closes as imported)."""
    for action, start in ((Action.REPORT, Status.START), (Action.CLOSE_IMPORTED, Status.NEW)):
        try:
            next_status(start, action, actor.role, Kind.PROBLEM)
        except IllegalTransition:
            raise InvalidInput(f"a {actor.role} may not import history: city officers and admins do",
                               "as") from None


def import_history(
    session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, str]]], *, now: dt.datetime,
    source: str, mode: Mode = Mode.ALL_OR_NOTHING, progress: Callable[[int, int], None] | None = None,
) -> HistoryReport:
    """Check, resolve and write the rows in the session's transaction (no commit: the caller
    commits when ``report.stored``). ``rows`` are read as they come (a file's rows are not
    all kept as text)."""
    rep = HistoryReport(mode=mode.value)
    _check_importer(actor)
    parsed: list[HistoryRow] = []
    for line, raw in rows:
        rep.rows += 1
        row, problems = parse_history_row(line, raw, now)
        rep.problems += problems
        if row is not None:
            parsed.append(row)
    if rep.problems and mode is Mode.ALL_OR_NOTHING:
        return rep
    return write_history(session, actor, parsed, source=source, mode=mode, rep=rep, progress=progress)


def write_history(
    session: Session, actor: Actor, parsed: list[HistoryRow], *, source: str, mode: Mode = Mode.ALL_OR_NOTHING,
    rep: HistoryReport | None = None, progress: Callable[[int, int], None] | None = None,
) -> HistoryReport:
    """Resolve and write rows already checked (:func:`parse_history_row`'s, or made by a
    program that gives every field, as the demo's year does) in the session's transaction
    (no commit). ``actor`` is the importing officer, who may import history."""
    from huying.metrics import rollup

    _check_importer(actor)
    if rep is None:
        rep = HistoryReport(mode=mode.value, rows=len(parsed))
    resolved = _resolve(session, actor, parsed, rep)
    rep.problems.sort(key=lambda p: p.line)
    if rep.problems and mode is Mode.ALL_OR_NOTHING or not resolved:
        return rep
    del parsed
    # codes: the city's own sequence of the year each case was reported (city time)
    city_code = svc.city_code(session, actor.city_id)
    zone = deadlines.zone()
    years = [it.row.reported_at.astimezone(zone).year for it in resolved]
    next_seq = {y: svc.take_seqs(session, actor.city_id, y, k) for y, k in sorted(Counter(years).items())}
    conn = session.connection()
    ids = _case_ids(conn, len(resolved))
    codes = []
    for y in years:
        codes.append(svc.case_code(city_code, y, next_seq[y]))
        next_seq[y] += 1
    sums = rollup.Sums()
    for lo in range(0, len(resolved), CHUNK):
        events: list[dict[str, Any]] = []
        facts: list[rollup.EventFacts] = []

        def cases(lo: int = lo, events: list[dict[str, Any]] = events,
                  facts: list[rollup.EventFacts] = facts) -> Iterator[dict[str, Any]]:
            for i in range(lo, min(lo + CHUNK, len(resolved))):
                case, evs = _build(actor, resolved[i], ids[i], codes[i], source)
                events.extend(evs)
                for e in evs:
                    facts.append((case["grid_path"], e["action"], e["at"], case["created_at"],
                                  e["action"] != Action.REPORT.value and case["ever_overdue"], False, True,
                                  case["channel"]))
                yield case

        _write(conn, _CASES, _CASE_COLUMNS, cases())
        _write(conn, _EVENTS, _EVENT_COLUMNS, events)
        _write(conn, _REFS, _REF_COLUMNS, (
            {"city_id": actor.city_id, "ref": resolved[i].row.ref, "case_id": ids[i]}
            for i in range(lo, min(lo + CHUNK, len(resolved))) if resolved[i].row.ref))
        sums.add(facts)
        rep.events += len(events)
        if progress is not None:
            progress(min(lo + CHUNK, len(resolved)), len(resolved))
    sums.write(conn, actor.city_id)
    rep.imported = len(resolved)
    rep.first_code, rep.last_code = min(codes), max(codes)
    rep.stored = mode is Mode.SKIP_BAD or not rep.problems
    return rep


def run(engine: Engine, actor_of: Callable[[Session], Actor], path: Path, *, now: dt.datetime,
        mode: Mode = Mode.ALL_OR_NOTHING,
        progress: Callable[[int, int], None] | None = None) -> HistoryReport:
    """Import a ledger file into the database of ``engine`` (one transaction)."""
    rows = read_history(path)
    with Session(engine, expire_on_commit=False) as session:  # closing it rolls back what is not committed
        rep = import_history(session, actor_of(session), rows, now=now, source=path.name, mode=mode,
                             progress=progress)
        if rep.stored:
            session.commit()
        else:
            session.rollback()
            rep.imported, rep.events, rep.first_code, rep.last_code = 0, 0, None, None
    return rep


__all__ = ["FileError", "HistoryReport", "HistoryRow", "Mode", "import_history", "parse_history_row",
           "read_history", "run", "write_history"]
