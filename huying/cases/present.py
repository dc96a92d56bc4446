"""The read side: a case as the API, the CLI and the pages show it."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from huying.cases import record
from huying.cases import service as svc
from huying.cases.models import Case, SupervisionNotice
from huying.cases.policy import allowed_for, public_point, sees_report_in_full
from huying.cases.redact import found, public_text, register_names
from huying.cases.timing import is_overdue
from huying.cases.workflow import AUDIENCE, STATUS_ZH, Audience, Kind, Status, audience_of
from huying.cityconfig import categories
from huying.db import read
from huying.errors import InvalidInput
from huying.geo.models import Node
from huying.geo.tree import path_codes
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation, User, is_staff


def uploads(photos: list[Any]) -> list[svc.Upload]:
    out = []
    for i, p in enumerate(photos):
        try:
            data = base64.b64decode(p.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("not valid base64", f"photos[{i}].content_base64") from None
        out.append(svc.Upload(p.filename, data))
    return out


class Step(enum.IntEnum):
    """The five steps of the closed loop as a resident follows them (受理 → 派单 → 处置 →
    回访 → 办结); the value is the step's place, from 0."""

    RECEIVED = 0  # 受理: reported, being read and classified
    DISPATCHED = 1  # 派单: sent to the unit that will handle it
    HANDLING = 2  # 处置: the unit is at work
    FOLLOW_UP = 3  # 回访: handled; the reporter is asked whether it is solved
    CLOSED = 4  # 办结: evaluated and closed


@dataclass(frozen=True)
class Progress:
    """Where a case stands on the five steps: the step it is at, whether that step is done
    (a closed case: all five), and how it ended when it left the loop early."""

    step: Step
    done: bool = False
    #: ``rejected`` (not taken up) or ``merged`` (follows the main report of the same
    #: problem); None while the case goes through the steps.
    ended: str | None = None

    @property
    def steps_done(self) -> int:
        """How many of the five steps are behind the case."""
        return self.step + 1 if self.done else int(self.step)


#: The one mapping of a status to the step the case is at (every status has one).
_PROGRESS: dict[Status, Progress] = {
    Status.START: Progress(Step.RECEIVED),
    Status.NEW: Progress(Step.RECEIVED),
    Status.DISPATCHED: Progress(Step.DISPATCHED),
    Status.IN_PROGRESS: Progress(Step.HANDLING),
    Status.EXTENSION_REQUESTED: Progress(Step.HANDLING),
    Status.HANDLED: Progress(Step.FOLLOW_UP),
    Status.FOLLOWED_UP: Progress(Step.CLOSED),
    Status.CLOSED: Progress(Step.CLOSED, done=True),
    Status.REJECTED: Progress(Step.RECEIVED, done=True, ended="rejected"),
    Status.MERGED: Progress(Step.DISPATCHED, ended="merged"),
    # a service request: accepted and sent to its unit, handled (materials asked for
    # included), the result ready for the resident and collected (their evaluation), closed
    Status.AWAITING_MATERIALS: Progress(Step.HANDLING),
    Status.READY: Progress(Step.FOLLOW_UP),
    Status.DELIVERED: Progress(Step.CLOSED),
}


def progress(status: str | Status) -> Progress:
    """The step of the five a case in ``status`` is at: the progress bar of the resident's
    pages and the colour of the public map's dots read it here, never in a template."""
    return _PROGRESS[Status(status)]


#: Events whose note is the reporter's own words.
REPORTING = frozenset({"report", "fix_on_spot"})
#: What of an event's payload a resident reads (the rest is the office's: routing, triage,
#: notice ids, milestones...).
REPORTER_PAYLOAD = frozenset({"satisfaction", "method", "days", "closed_with", "into", "attachments", "how",
                              "missing"})




_NODE_CODE = select(Node.code).where(Node.id == bindparam("id"))


def grid_code_of(session: Session, case: Case) -> str | None:
    """The code of the case's grid: the last code of its grid's path (a node's path ends with
    its own code), read only for a case without one (the whole node carries its outline)."""
    if case.grid_path:
        return path_codes(case.grid_path)[-1]
    return read(session, _NODE_CODE, {"id": case.grid_id}).scalar() if case.grid_id else None


def case_dict(session: Session, case: Case, actor: Actor | None, now: dt.datetime, *,
              events: bool = False) -> dict[str, Any]:
    cat = categories.shown_of(session, case.category_id)  # (code, name_zh, name_en)
    unit = session.get(Organisation, case.unit_id) if case.unit_id else None
    grid_code = grid_code_of(session, case)
    cohandlers = svc.cohandler_names(session, case)
    out: dict[str, Any] = {
        "code": case.code, "kind": case.kind, "title": case.title, "description": case.description,
        "status": case.status, "status_label": STATUS_ZH[Status(case.status)],
        "category": cat[0] if cat else None, "category_name": cat[1] if cat else None,
        "category_name_en": (cat[2] or None) if cat else None, "priority": case.priority, "channel": case.channel, "lon": case.lon, "lat": case.lat,
        "address": case.address, "grid": grid_code,
        "reporter_kind": case.reporter_kind, "unit": unit.code if unit else None,
        "unit_name": unit.name_zh if unit else None, "handling_level": case.handling_level,
        "cohandlers": [code for code, _ in cohandlers],
        "cohandler_names": [name for _, name in cohandlers],
        "due_at": case.due_at,
        "overdue": is_overdue(case, now),
        "rework_count": case.rework_count, "escalations": case.escalations,
        "satisfaction": case.satisfaction, "resolution": case.resolution,
        "reject_reason": case.reject_reason, "version": case.version,
        "created_at": case.created_at, "updated_at": case.updated_at, "closed_at": case.closed_at,
        "allowed_actions": [a.value for a in allowed_for(session, actor, case)] if actor else [],
    }
    full = sees_report_in_full(actor, case)
    if not full:  # a co-reporter: another resident's report as the public reads it
        out["lon"], out["lat"] = public_point(case.lon, case.lat)
        out.update(description=None, address=None, title=public_text(case.title, register_names(session, case.city_id)))
    # the reporter is told what of their text the public will not read (the title: the
    # description is never public)
    out["hidden_publicly"] = (found(case.title, register_names(session, case.city_id))
                              if actor is not None and case.reporter_id is not None
                              and case.reporter_id == actor.user_id else [])
    if events:
        evs = svc.events_of(session, case)
        # people by their name (their login only when they have none)
        shown = func.coalesce(func.nullif(User.display_name, ""), User.username)
        names: dict[int, str] = dict(session.execute(select(User.id, shown).where(  # type: ignore[arg-type]
            User.id.in_({e.actor_id for e in evs if e.actor_id}))).all())
        # A resident reads the case they reported or joined without the other residents on it:
        # not their accounts, not the co-reporters' contacts (the staff see them, to tell them).
        private = actor is None or not is_staff(actor.role)
        me = actor.user_id if actor is not None else None

        def who(e: Any) -> str | None:
            if not e.actor_id or (private and not is_staff(e.actor_role) and e.actor_id != me):
                return None
            return names.get(e.actor_id)

        level = reader_level(actor)

        def note(e: Any) -> str | None:
            if e.action in REPORTING and not full:
                return None
            return e.note if audience_of(e.action)[1] <= level else None

        unit_names = _unit_names(session, evs)
        out["events"] = [{
            "seq": e.seq, "at": e.at, "actor": who(e), "unit_names": unit_names.get(e.seq, []),
            "role": e.actor_role, "action": e.action, "from_status": e.from_status,
            "to_status": e.to_status, "note": note(e),
            "payload": {k: v for k, v in json.loads(e.payload).items()
                        if k != "set" and not (private and k == "coreporter")
                        and (level is Audience.STAFF or k in REPORTER_PAYLOAD)},
        } for e in evs if audience_of(e.action)[0] <= level]
        out["evaluation"] = record.evaluate(evs, now).__dict__
    return out


def _unit_names(session: Session, evs: list[Any]) -> dict[int, list[str]]:
    """The names of the units each event names in its payload (``unit`` / ``units``), by seq."""
    codes: dict[int, list[str]] = {}
    for e in evs:
        payload = json.loads(e.payload)
        named = payload.get("unit") or payload.get("units") or []
        codes[e.seq] = [named] if isinstance(named, str) else list(named)
    wanted = {c for cs in codes.values() for c in cs}
    if not wanted:
        return {}
    names = dict(session.execute(select(Organisation.code, Organisation.name_zh)
                                 .where(Organisation.code.in_(wanted))).all())
    return {seq: [names.get(c, c) for c in cs] for seq, cs in codes.items() if cs}


def notice_dict(session: Session, notice: SupervisionNotice, now: dt.datetime) -> dict[str, Any]:
    code = session.scalar(select(Case.code).where(Case.id == notice.case_id)) if notice.case_id else None
    unit = session.scalar(select(Organisation.code).where(Organisation.id == notice.unit_id))
    issuer = (session.scalar(select(User.display_name).where(User.id == notice.issued_by_id))
              if notice.issued_by_id else None)
    return {"id": notice.id, "case": code, "unit": unit or "", "source": notice.source, "issued_by": issuer,
            "reason": notice.reason, "issued_at": notice.issued_at, "reply_due_at": notice.reply_due_at,
            "replied_at": notice.replied_at, "reply": notice.reply, "late": notice.is_late(now),
            "closed_at": notice.closed_at, "closed_reason": notice.closed_reason}


#: The steps of a case as the public timeline shows them (no actors, no notes).
PUBLIC_ACTIONS = frozenset(a.value for a, aud in AUDIENCE.items() if aud is Audience.PUBLIC)


def public_place(case: Case) -> bool:
    """Whether the public may see where a case is (its rounded point, grid and unit): a
    problem's place is public; a service request's is the resident's home, never shown."""
    return case.kind == Kind.PROBLEM.value


def reader_level(actor: Actor | None) -> Audience:
    """What a reader of a timeline may read: staff everything; a resident the steps and the
    notes meant for reporters; the public the public steps only."""
    if actor is None:
        return Audience.PUBLIC
    return Audience.STAFF if is_staff(actor.role) else Audience.REPORTER


def public_case_dict(session: Session, case: Case, now: dt.datetime, *,
                     events: bool = False) -> dict[str, Any]:
    """What anyone may see of a case: anonymised. No reporter, contact, description,
    address, photos, notes or actors; the location rounded to about 100 m. Of a service
    request (someone's application: its receipt code is looked up here) not even a place:
    no point, grid or unit, only the item, its status, deadline and steps."""
    from huying.cases.policy import public_point

    cat = categories.shown_of(session, case.category_id)  # (code, name_zh, name_en)
    unit = session.get(Organisation, case.unit_id) if case.unit_id else None
    grid = session.get(Node, case.grid_id) if case.grid_id else None
    lon, lat = public_point(case.lon, case.lat)
    out: dict[str, Any] = {
        "code": case.code, "title": public_text(case.title, register_names(session, case.city_id)),
        "status": case.status, "status_label": STATUS_ZH[Status(case.status)],
        "category": cat[0] if cat else None, "category_name": cat[1] if cat else None,
        "category_name_en": (cat[2] or None) if cat else None, "lon": lon, "lat": lat, "grid": grid.code if grid else None,
        "grid_name": grid.name_zh if grid else None,
        "unit": unit.code if unit else None, "unit_name": unit.name_zh if unit else None,
        "handling_level": case.handling_level, "channel": case.channel, "due_at": case.due_at,
        "overdue": is_overdue(case, now),
        "reject_reason": case.reject_reason, "created_at": case.created_at,
        "updated_at": case.updated_at, "closed_at": case.closed_at, "kind": case.kind,
    }
    if not public_place(case):
        out.update(lon=None, lat=None, grid=None, grid_name=None, unit=None, unit_name=None, handling_level=None)
    if events:
        out["events"] = [{"seq": e.seq, "at": e.at, "action": e.action, "to_status": e.to_status}
                         for e in svc.events_of(session, case) if e.action in PUBLIC_ACTIONS]
    return out


#: Distances to a duplicate candidate are shown to this step (metres), no finer: with exact
#: distances from a few points anyone could find the case's exact place.
CANDIDATE_DISTANCE_STEP = 50


def public_candidates(session: Session, candidates: list[Any]) -> list[dict[str, Any]]:
    """Duplicate candidates (``huying.triage.duplicates.Candidate``, best first) as anyone may
    see them: the public fields of the case, its place rounded as on the public map, the
    distance in steps of :data:`CANDIDATE_DISTANCE_STEP` and how alike the texts are."""
    from huying.cases.policy import public_point

    if not candidates:
        return []
    cases = {c.id: c for c in session.scalars(select(Case).where(
        Case.id.in_([c.case_id for c in candidates])))}
    grids = {g.id: g for g in session.scalars(select(Node).where(
        Node.id.in_({c.grid_id for c in cases.values() if c.grid_id})))}
    out = []
    for cand in candidates:
        case = cases[cand.case_id]
        grid = grids.get(case.grid_id) if case.grid_id else None
        lon, lat = public_point(case.lon, case.lat)
        step = CANDIDATE_DISTANCE_STEP
        out.append({
            "code": case.code, "title": public_text(case.title, register_names(session, case.city_id)),
            "status": case.status,
            "status_label": STATUS_ZH[Status(case.status)], "lon": lon, "lat": lat,
            "grid": grid.code if grid else None, "grid_name": grid.name_zh if grid else None,
            "grid_name_en": grid.name_en if grid else None, "reported_at": case.created_at,
            "distance_m": max(step, step * round(cand.distance_m / step)),
            "similarity": round(cand.similarity, 2), "likely": cand.likely,
        })
    return out
