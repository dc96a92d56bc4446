"""Duplicates: a duplicate is merged into its primary (the open case it repeats): it waits in
``merged`` without a deadline and closes in the same transaction as the primary; staff can
unmerge it. Another reporter of the same problem can instead join the primary as a
co-reporter. Every reporter and co-reporter of the primary and of its merged cases hears of
its handling (``huying.cases.notify``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from huying.cases.kernel import check_text, command, record
from huying.cases.models import Case, CaseReporter
from huying.cases.policy import check_act, visible_filter
from huying.cases.workflow import Action, Kind, Status, next_status
from huying.config import get_settings
from huying.errors import InvalidInput
from huying.geo.shapes import haversine_m
from huying.orgs.actor import Actor

MERGED_IDS = (select(Case.id).where(Case.duplicate_of_id == bindparam("primary"),
                                    Case.status == Status.MERGED.value).order_by(Case.id))


def merged_into(session: Session, case: Case) -> list[Case]:
    """The cases merged into ``case`` (still waiting on it), oldest first."""
    ids = list(session.execute(MERGED_IDS, {"primary": case.id}).scalars())
    if not ids:
        return []
    return list(session.scalars(select(Case).where(Case.id.in_(ids)).order_by(Case.id)))


def coreporters_of(session: Session, case: Case) -> list[CaseReporter]:
    """The co-reporters of a case, in the order they joined."""
    return list(session.scalars(
        select(CaseReporter).where(CaseReporter.case_id == case.id).order_by(CaseReporter.id)))


def close_merged(session: Session, primary: Case, actor: Actor, now: dt.datetime) -> None:
    """Close every case merged into ``primary`` (inside the primary's close transaction)."""
    for dup in merged_into(session, primary):
        target = next_status(Status.MERGED, Action.CLOSE_WITH_PRIMARY, actor.role, Kind.PROBLEM)
        changes = {"due_at": None, "sweep_at": None, "warned": False, "overdue_periods": 0,
                   "resolution": primary.resolution}
        record(session, dup, Action.CLOSE_WITH_PRIMARY, actor, now, Status.MERGED, target, changes,
               f"随 {primary.code} 一并办结", {"closed_with": primary.code})


def primary_case(session: Session, actor: Actor, code: str) -> Case:
    """The open case a duplicate may be merged into (field ``into``)."""
    primary = session.scalar(select(Case).where(Case.city_id == actor.city_id, Case.code == code.strip(),
                                                visible_filter(actor)))
    if primary is None:
        raise InvalidInput(f"no case {code} that you can see", "into")
    if primary.status in (Status.CLOSED, Status.REJECTED, Status.MERGED):
        raise InvalidInput(f"case {code} is {primary.status}: merge into an open case", "into")
    return primary


def merge(session: Session, case: Case, actor: Actor, *, into: str, now: dt.datetime,
          note: str | None = None, expected_version: int | None = None) -> Case:
    """Merge ``case`` (a duplicate, new or dispatched) into the open case ``into``."""
    check_act(session, actor, case, Action.MERGE)  # before looking at the other case
    primary = primary_case(session, actor, into)
    if primary.id == case.id:
        raise InvalidInput("a case cannot be merged into itself", "into")
    return command(session, case, Action.MERGE, actor, now, changes={"duplicate_of_id": primary.id},
                   note=note, extra={"into": primary.code}, expected_version=expected_version)


def unmerge(session: Session, case: Case, actor: Actor, *, note: str, now: dt.datetime,
            expected_version: int | None = None) -> Case:
    """Undo a merge: the case stands on its own again, waiting to be dispatched (its former
    primary and unit stay in its timeline)."""
    note_v = check_text(note, "note", max_len=2000)
    primary = session.get(Case, case.duplicate_of_id) if case.duplicate_of_id else None
    return command(session, case, Action.UNMERGE, actor, now,
                   changes={"duplicate_of_id": None, "unit_id": None, "unit_path": None},
                   note=note_v, extra={"from": primary.code if primary else None},
                   expected_version=expected_version)


def join(session: Session, case: Case, actor: Actor, *, now: dt.datetime, lon: float | None = None,
         lat: float | None = None, contact: str | None = None, anonymous: bool = False,
         expected_version: int | None = None) -> Case:
    """Join ``case`` as a co-reporter (the reporter answered "yes, it is this one"). The
    reporter's point, when given, must lie within the duplicate radius of the case."""
    user_id = None if anonymous or actor.user_id is None else actor.user_id
    contact_v = check_text(contact, "contact", max_len=60, required=False)
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

    return command(session, case, Action.JOIN, actor, now, reschedule=False,
                   extra={"coreporter": {"user_id": user_id, "contact": contact_v}},
                   expected_version=expected_version, then=add_row)
