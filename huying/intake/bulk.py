"""Bulk import of reports (CSV or XLSX) through the intake pipeline.

Every row is checked field by field first (a bad row is named by line, field and reason);
then the good rows go through :func:`huying.intake.service.intake` one by one, inside one
outer transaction: each row's commit is a savepoint, so that in ``all-or-nothing`` mode a
single bad row (found while parsing or while taking the report in) rolls the whole file
back, and in ``skip-bad`` mode only the bad rows are left out. Columns: docs/import.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.cases import reports
from huying.cases import service as svc
from huying.cases.service import Channel
from huying.cases.workflow import IllegalTransition
from huying.cityconfig.sla import Priority
from huying.errors import CaseError
from huying.intake.rows import (
    ALIASES,
    COLUMNS,
    REQUIRED,
    Columns,
    FileError,
    Mode,
    Outcome,
    Problem,
    counting,
    problem_of,
    read_float,
    read_moment,
    read_table,
)
from huying.intake.service import ReportIn, intake
from huying.orgs.actor import Actor

__all__ = ["ALIASES", "COLUMNS", "REQUIRED", "Columns", "FileError", "ImportReport", "Mode", "Outcome",
           "Problem", "Row", "import_rows", "parse_row", "problem_of", "read_table", "run", "savepoint_engine"]

@dataclass
class Row:
    line: int
    report: ReportIn
    channel: str
    at: dt.datetime | None


@dataclass
class ImportReport(Outcome):
    codes: list[str] = field(default_factory=list)
    needs_review: int = 0
    with_duplicates: int = 0

    def details(self) -> dict[str, Any]:
        return {"needs_review": self.needs_review, "with_duplicate_candidates": self.with_duplicates}


# --------------------------------------------------------------------------- checking


_CHANNELS = frozenset(x.value for x in Channel)


def parse_row(line: int, raw: dict[str, str], default_at: dt.datetime) -> tuple[Row | None, list[Problem]]:
    """Check one row field by field; every problem is named (line, field, reason)."""
    p: list[Problem] = []
    if "__extra__" in raw:
        p.append(Problem(line, "row", f"{raw['__extra__']} value(s) more than the header has columns"))
    title = (raw.get("title") or "").strip()
    detail = (raw.get("detail") or "").strip()
    lon = read_float(raw, "lon", -180, 180, line, p)
    lat = read_float(raw, "lat", -90, 90, line, p)
    has_lon, has_lat = bool((raw.get("lon") or "").strip()), bool((raw.get("lat") or "").strip())
    if has_lon != has_lat:  # a coordinate given without the other one, readable or not
        p.append(Problem(line, "lat" if has_lon else "lon", "give both lon and lat"))
    address = (raw.get("address") or "").strip() or None
    priority = (raw.get("priority") or "").strip() or Priority.NORMAL.value
    channel = (raw.get("channel") or "").strip() or Channel.BULK_IMPORT.value
    if channel not in _CHANNELS:
        p.append(Problem(line, "channel", f"{channel!r} is not one of {', '.join(Channel)}"))
    anon_text = (raw.get("anonymous") or "").strip().lower()
    if anon_text not in ("", "0", "1", "true", "false", "yes", "no", "是", "否"):
        p.append(Problem(line, "anonymous", f"{anon_text!r} is not yes/no"))
    contact = (raw.get("contact") or "").strip() or None
    at = read_moment(raw, "reported_at", line, p, now=default_at) or default_at
    report = ReportIn(title=title, description=detail, lon=lon, lat=lat, address=address,
                      category=(raw.get("category") or "").strip() or None, priority=priority,
                      anonymous=anon_text in ("1", "true", "yes", "是"), contact=contact)
    # the one check of a report (huying.cases.reports), every problem named by its column;
    # a coordinate this file could not read is named above already
    unread = {pr.field for pr in p}
    p += [Problem(line, COLUMN_OF.get(field, field), reason) for field, reason in reports.problems(report)
          if not (field == "location" and unread & {"lon", "lat"})]
    if p:
        order = {name: k for k, name in enumerate(FIELD_ORDER)}
        return None, sorted(p, key=lambda pr: order.get(pr.field, len(order)))
    return Row(line, report, channel, at.astimezone(dt.UTC)), []


#: The file's column of a report's field.
COLUMN_OF = {"description": "detail", "location": "lon"}
#: The order in which a row's problems are named (the columns' order).
FIELD_ORDER = ("row", "title", "detail", "lon", "lat", "address", "category", "priority", "channel",
               "anonymous", "contact", "reported_at")


# --------------------------------------------------------------------------- importing


def savepoint_engine(engine: Engine) -> Engine:
    """pysqlite begins transactions lazily and breaks SAVEPOINT: emit BEGIN ourselves
    (SQLAlchemy's documented recipe) so that each row can be its own savepoint."""
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN")
    return engine


def import_rows(
    session: Session, actor: Actor, rows: list[tuple[int, dict[str, str]]], *, now: dt.datetime,
    mode: Mode = Mode.ALL_OR_NOTHING, progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Take the rows in through intake. ``session`` must make each commit a savepoint of an
    outer transaction that the caller commits when ``report.stored`` (see :func:`run`)."""
    rep = ImportReport(rows=len(rows), mode=mode.value)
    parsed: list[Row] = []
    for line, raw in rows:
        row, problems = parse_row(line, raw, now)
        rep.problems += problems
        if row is not None:
            parsed.append(row)
    if rep.problems and mode is Mode.ALL_OR_NOTHING:
        return rep  # nothing stored, and no time spent classifying
    from huying.triage.versions import current_classifier

    todo = [r for r in parsed if not r.report.category]
    clf = current_classifier(svc.city_code(session, actor.city_id))
    preds = dict(zip((r.line for r in todo),
                     clf.predict([(r.report.title, r.report.description) for r in todo]), strict=True))
    for row in parsed:
        try:
            result = intake(session, actor, row.report, channel=row.channel, now=row.at or now,
                            prediction=preds.get(row.line))
        except (CaseError, IllegalTransition) as exc:
            session.rollback()
            rep.problems.append(problem_of(row.line, exc))
            if mode is Mode.ALL_OR_NOTHING:
                return rep
        else:
            rep.imported += 1
            rep.codes.append(result.case.code)
            rep.needs_review += result.needs_review
            rep.with_duplicates += bool(result.duplicates)
        if progress is not None:
            progress(1)
    rep.stored = rep.imported > 0 and (mode is Mode.SKIP_BAD or not rep.problems)
    return rep


def run(engine: Engine, actor_of: Callable[[Session], Actor], path: Path, *, now: dt.datetime,
        mode: Mode = Mode.ALL_OR_NOTHING, progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Import a file into the database of ``engine`` (one outer transaction)."""
    rows = list(read_table(path))
    with engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            actor = actor_of(session)
            rep = import_rows(session, actor, rows, now=now, mode=mode,
                              progress=counting(progress, len(rows)))
            session.close()
            if rep.stored:
                outer.commit()
            else:
                outer.rollback()
                rep.imported, rep.codes = 0, []
        except BaseException:
            session.close()
            outer.rollback()
            raise
    return rep
