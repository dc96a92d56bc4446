"""The commands of the closed loop itself: report → classify & dispatch → handle (accept,
return, transfer, co-handling, extension, escalation) → follow-up → evaluate & close, and
reject. Each is one call of the kernel's :func:`~huying.cases.kernel.command`: one
transaction and one event."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.orm import Session

from huying.cases import kernel, policy
from huying.cases.attachments import Upload, store_uploads
from huying.cases.kernel import check_text, command, record, require_aware
from huying.cases.merge import close_merged
from huying.cases.models import Case, CaseCohandler, h3_cell_of
from huying.cases.policy import check_act
from huying.cases.reports import Channel, ReportIn, check
from huying.cases.units import escalation_target, unit, unit_changes
from huying.cases.workflow import Action, Kind, Status
from huying.cityconfig import categories, deadlines
from huying.cityconfig.sla import Priority
from huying.db import read
from huying.errors import InvalidInput
from huying.geo import service as geo
from huying.geo import tree as geo_tree
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation, is_staff

COHANDLERS: Table = CaseCohandler.__table__  # type: ignore[assignment]


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


def enum_value(cls: type[enum.StrEnum], value: str, field: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not one of {', '.join(cls)}", field) from None


# --------------------------------------------------------------------------- creating


def locate(session: Session, city_id: int, lon: float | None, lat: float | None) -> tuple[int, str] | None:
    """(grid id, grid path) of the point, or None without a point; a point outside the city
    is refused (field ``location``)."""
    if lon is None or lat is None:
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(f"({lon}, {lat}) is not a longitude/latitude", "location")
    try:
        return geo.locate_grid(session, city_id, lon, lat)
    except geo.OutsideCity as exc:
        raise InvalidInput(str(exc), "location") from None


def city_code(session: Session, city_id: int) -> str:
    """The city's code (the prefix of its case codes), remembered by the session."""
    code = geo_tree.city_code(session, city_id)
    if code is None:
        raise InvalidInput("unknown city", "city")
    return code


def new_case_fields(
    actor: Actor, *, code: str, title: str, description: str, category_id: int | None, priority: str,
    channel: str, lon: float | None, lat: float | None, address: str | None, grid: tuple[int, str],
    anonymous: bool, contact: str | None, now: dt.datetime, kind: Kind = Kind.PROBLEM,
    time_limit_days: int | None = None,
) -> dict[str, Any]:
    """Every field of a case as its report sets it (checked values; deadlines and status
    apart): the one definition for a reported case, an imported one and a service request."""
    anonymous = anonymous or actor.user_id is None
    return {
        "code": code, "kind": kind.value, "time_limit_days": time_limit_days, "title": title, "description": description, "category_id": category_id,
        "priority": priority, "channel": channel, "lon": lon, "lat": lat, "h3_cell": h3_cell_of(lon, lat),
        "address": address, "grid_id": grid[0], "grid_path": grid[1],
        "reporter_kind": "anonymous" if anonymous else ("staff" if is_staff(actor.role) else "resident"),
        "reporter_id": None if anonymous else actor.user_id, "reporter_contact": contact,
        "unit_id": None, "unit_path": None, "handling_level": "community",
        "rework_count": 0, "escalations": 0, "ever_overdue": False, "created_at": now,
        "extension_days": None, "resolution": None, "reject_reason": None, "satisfaction": None,
        "duplicate_of_id": None, "closed_at": None,
    }


def find_category(session: Session, city_id: int, category: str) -> int:
    cat = categories.find(session, city_id, category)
    if cat is None:
        raise InvalidInput(f"no category {category!r}", "category")
    return cat.id


def report(
    session: Session, actor: Actor, report_in: ReportIn, *, channel: str, now: dt.datetime,
    triage: dict[str, Any] | None = None, grid: tuple[int, str] | None = None,
    category_id: int | None = None,
) -> Case:
    """Report a problem (发现上报): a new case, located to its grid. With ``fixed_on_spot``
    (the evidence of the fix), an authorised grid worker or inspector reports, fixes and
    records it in one step (立行立改) and the case closes at once. ``triage`` is what intake
    decided (category source and confidence, suggestions, duplicate candidates, route): it
    is recorded in the report event's payload; ``grid`` the (id, path) intake located the
    point in, ``category_id`` the id of ``category`` intake found among the active ones. Channels call ``huying.intake.service.intake``, which calls this."""
    require_aware(now)
    r = check(report_in)
    action = Action.FIX_ON_SPOT if r.fixed_on_spot is not None else Action.REPORT
    target = check_act(session, actor, None, action)
    channel_v = enum_value(Channel, channel, "channel")
    if grid is None:
        grid = locate(session, actor.city_id, r.lon, r.lat)
    if grid is None:
        raise InvalidInput("the address could not be placed on the map; give lon/lat", "location")
    if category_id is None and r.category:
        category_id = find_category(session, actor.city_id, r.category)
    cat_id = category_id if r.category else None
    case = Case(
        city_id=actor.city_id,
        code=kernel.next_code(session, actor.city_id, city_code(session, actor.city_id),
                              now.astimezone(deadlines.zone()).year),
        status=Status.START.value, version=0, created_at=now, updated_at=now,
    )
    fields = new_case_fields(
        actor, code=case.code, title=r.title, description=r.description, category_id=cat_id,
        priority=r.priority, channel=channel_v.value, lon=r.lon, lat=r.lat, address=r.address,
        grid=grid, anonymous=r.anonymous, contact=r.contact, now=now)
    if target is Status.CLOSED:
        fields["resolution"] = r.fixed_on_spot
        fields.update({"due_at": None, "sweep_at": None, "warned": False, "overdue_periods": 0})
    else:
        fields.update(kernel.schedule(session, case, target, now, fields))
    event = record(session, case, action, actor, now, Status.START, target, fields, r.note,
                   {"triage": triage} if triage else None)
    if r.uploads:
        session.add_all(store_uploads(case, event.seq, r.uploads))
    kernel.end_command(session)
    return case


# --------------------------------------------------------------------------- commands


def classify(session: Session, case: Case, actor: Actor, *, category: str | None = None,
             priority: str | None = None, now: dt.datetime, note: str | None = None,
             expected_version: int | None = None) -> Case:
    """Set the category and/or the priority of a new case (the dispatch deadline follows)."""
    changes: dict[str, Any] = {}
    if category:
        changes["category_id"] = find_category(session, case.city_id, category)
    if priority:
        changes["priority"] = enum_value(Priority, priority, "priority").value
    if not changes:
        raise InvalidInput("give a category or a priority", "category")
    return command(session, case, Action.CLASSIFY, actor, now, changes=changes, note=note,
                   expected_version=expected_version)


def _unit_in_scope(session: Session, actor: Actor, case: Case, code: str) -> tuple[Any, Any]:
    org, node = unit(session, case.city_id, code)
    if not policy.may_assign_to(actor, node.path):
        raise InvalidInput(f"unit {code} is outside your scope: escalate instead", "unit")
    return org, node


def dispatch(session: Session, case: Case, actor: Actor, *, unit: str, now: dt.datetime,
             note: str | None = None, expected_version: int | None = None) -> Case:
    """Send a new case to the unit responsible (分类推送)."""
    org, node = _unit_in_scope(session, actor, case, unit)
    return command(session, case, Action.DISPATCH, actor, now, changes=unit_changes(org, node),
                   note=note, extra={"unit": org.code}, expected_version=expected_version)


def accept(session: Session, case: Case, actor: Actor, *, now: dt.datetime,
           note: str | None = None, expected_version: int | None = None) -> Case:
    return command(session, case, Action.ACCEPT, actor, now, note=note, expected_version=expected_version)


def return_to_dispatcher(session: Session, case: Case, actor: Actor, *, note: str, now: dt.datetime,
                         expected_version: int | None = None) -> Case:
    """The unit sends a misrouted case back to be dispatched again (回退)."""
    return command(session, case, Action.RETURN, actor, now, changes={"unit_id": None, "unit_path": None},
                   note=check_text(note, "note", max_len=2000), expected_version=expected_version)


def transfer(session: Session, case: Case, actor: Actor, *, unit: str, now: dt.datetime,
             note: str | None = None, expected_version: int | None = None) -> Case:
    """Hand the case to another unit (转办)."""
    org, node = _unit_in_scope(session, actor, case, unit)
    if org.id == case.unit_id:
        raise InvalidInput("the case is already with this unit", "unit")
    return command(session, case, Action.TRANSFER, actor, now, changes=unit_changes(org, node),
                   note=note, extra={"unit": org.code}, expected_version=expected_version)


def regrid(session: Session, case: Case, actor: Actor, *, grid_id: int, grid_path: str, now: dt.datetime,
           note: str | None = None, extra: dict[str, Any] | None = None) -> Case:
    """The map was redrawn under the case: it moves to the grid that now holds its point (重划
    网格); status, unit and deadline stay. The event keeps the old and the new grid."""
    if grid_id == case.grid_id and grid_path == case.grid_path:
        raise InvalidInput("the case is already in this grid", "grid")
    return command(session, case, Action.REGRID, actor, now, reschedule=False,
                   changes={"grid_id": grid_id, "grid_path": grid_path}, note=note,
                   extra={"from_grid": case.grid_path, "to_grid": grid_path, **(extra or {})})


_COHANDLERS = (select(Organisation).join(CaseCohandler, CaseCohandler.unit_id == Organisation.id)
               .where(CaseCohandler.case_id == bindparam("case")).order_by(Organisation.code))


def cohandlers_of(session: Session, case: Case) -> list[Organisation]:
    return list(session.scalars(_COHANDLERS, {"case": case.id}))


_COHANDLER_NAMES = (select(Organisation.code, Organisation.name_zh)
                    .join(CaseCohandler, CaseCohandler.unit_id == Organisation.id)
                    .where(CaseCohandler.case_id == bindparam("case")).order_by(Organisation.code))


def cohandler_names(session: Session, case: Case) -> list[tuple[str, str]]:
    """(code, name) of the case's co-handling units, in code order (what a case's page shows).
    A case this session created and gave none has none: not read (a report's answer is built
    after its commit; on PostgreSQL the read took a transaction of its own)."""
    if kernel.created_here(session, case) and case.id not in session.info.get(_COHANDLED, ()):
        return []
    return [(r[0], r[1]) for r in read(session, _COHANDLER_NAMES, {"case": case.id})]


#: ``session.info`` key: the ids of the cases this session added co-handlers to.
_COHANDLED = "huying.cohandled_cases"


def add_cohandlers(session: Session, case: Case, actor: Actor, *, units: Sequence[str],
                   now: dt.datetime, note: str | None = None,
                   expected_version: int | None = None) -> Case:
    """Add co-handling units (协办)."""
    if not units:
        raise InvalidInput("give at least one unit", "units")
    current = {o.id for o in cohandlers_of(session, case)}
    orgs: list[Any] = []
    for code in units:
        org, _node = unit(session, case.city_id, code)
        if org.id == case.unit_id or org.id in current or org in orgs:
            raise InvalidInput(f"unit {code} already handles this case", "units")
        orgs.append(org)

    def add_rows() -> None:  # after the compare-and-set: a concurrent twin fails on the version
        session.info.setdefault(_COHANDLED, set()).add(case.id)
        session.execute(insert(COHANDLERS),
                        [{"city_id": case.city_id, "case_id": case.id, "unit_id": o.id} for o in orgs])

    return command(session, case, Action.ADD_COHANDLER, actor, now, note=note,
                   extra={"cohandlers_added": [o.id for o in orgs], "units": [o.code for o in orgs]},
                   expected_version=expected_version, then=add_rows)


def record_part(session: Session, case: Case, actor: Actor, *, note: str, now: dt.datetime,
                uploads: Sequence[Upload] = (), expected_version: int | None = None) -> Case:
    """A co-handling unit (协办) records its part of the work: what it did, with evidence.
    It takes none of the lead unit's actions."""
    note_v = check_text(note, "note", max_len=2000)
    attachments = store_uploads(case, case.version + 1, uploads) if uploads else []
    unit_code = session.scalar(select(Organisation.code).where(Organisation.id == actor.organisation_id))
    return command(session, case, Action.RECORD_PART, actor, now, note=note_v, reschedule=False,
                   extra={"unit": unit_code, "attachments": len(attachments)},
                   expected_version=expected_version, then=lambda: session.add_all(attachments))


def request_extension(session: Session, case: Case, actor: Actor, *, days: int, note: str,
                      now: dt.datetime, expected_version: int | None = None) -> Case:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 60:
        raise InvalidInput("an extension is 1 to 60 working days", "days")
    return command(session, case, Action.REQUEST_EXTENSION, actor, now,
                   changes={"extension_days": float(days)}, note=check_text(note, "note", max_len=2000),
                   reschedule=False, expected_version=expected_version)


def approve_extension(session: Session, case: Case, actor: Actor, *, now: dt.datetime,
                      note: str | None = None, expected_version: int | None = None) -> Case:
    days = int(case.extension_days or 0)
    base = max(case.due_at or now, now)
    due = deadlines.extend(session, case.city_id, base, days)
    return command(session, case, Action.APPROVE_EXTENSION, actor, now,
                   changes={"due_at": due, "sweep_at": due, "warned": True, "overdue_periods": 0,
                            "extension_days": None},
                   note=note, extra={"days": days}, reschedule=False, expected_version=expected_version)


def refuse_extension(session: Session, case: Case, actor: Actor, *, note: str, now: dt.datetime,
                     expected_version: int | None = None) -> Case:
    return command(session, case, Action.REFUSE_EXTENSION, actor, now,
                   changes={"extension_days": None}, note=check_text(note, "note", max_len=2000),
                   reschedule=False, expected_version=expected_version)


def escalate(session: Session, case: Case, actor: Actor, *, now: dt.datetime, unit: str | None = None,
             note: str | None = None, expected_version: int | None = None) -> Case:
    """Send the case one level up with a new responsible unit and a new deadline."""
    org, node = escalation_target(session, case, unit)
    changes = {**unit_changes(org, node), "escalations": case.escalations + 1}
    return command(session, case, Action.ESCALATE, actor, now, changes=changes, note=note,
                   extra={"unit": org.code, "from_level": case.handling_level,
                          "to_level": changes["handling_level"]},
                   expected_version=expected_version)


def mark_handled(session: Session, case: Case, actor: Actor, *, evidence: str, now: dt.datetime,
                 uploads: Sequence[Upload] = (), expected_version: int | None = None) -> Case:
    """The unit records what it did, with evidence (text and photos)."""
    evidence_v = check_text(evidence, "evidence", max_len=5000)
    attachments = store_uploads(case, case.version + 1, uploads) if uploads else []
    session.add_all(attachments)
    return command(session, case, Action.MARK_HANDLED, actor, now, changes={"resolution": evidence_v},
                   note=evidence_v, extra={"attachments": len(attachments)},
                   expected_version=expected_version)


def follow_up(session: Session, case: Case, actor: Actor, *, satisfaction: str, method: str = "phone",
              comment: str | None = None, now: dt.datetime, solved: bool | None = None,
              expected_version: int | None = None) -> Case:
    """The follow-up visit (跟踪回访). 不满意 reopens the case for rework. ``solved``: the
    reporter's answer to "is the problem solved?" (the 解决率 of the indicator catalogue),
    kept in the event's payload; None when it was not asked."""
    sat = Satisfaction.parse(satisfaction)
    how = enum_value(FollowUpMethod, method, "method")
    comment = check_text(comment, "comment", max_len=2000, required=False)
    extra: dict[str, Any] = {"satisfaction": sat.value, "method": how.value}
    if solved is not None:
        extra["solved"] = bool(solved)
    if sat is Satisfaction.DISSATISFIED:
        return command(session, case, Action.REOPEN, actor, now,
                       changes={"rework_count": case.rework_count + 1, "satisfaction": sat.value},
                       note=comment, extra=extra, expected_version=expected_version)
    return command(session, case, Action.FOLLOW_UP, actor, now, changes={"satisfaction": sat.value},
                   note=comment, extra=extra, expected_version=expected_version)


def needs_followup_reason(case: Case) -> bool:
    """A case closes after its follow-up, unless the reporter is anonymous or cannot be
    reached: then the reason is given."""
    return case.status == Status.HANDLED and case.reporter_kind != "anonymous"


def close(session: Session, case: Case, actor: Actor, *, resolution: str | None = None,
          now: dt.datetime, no_followup_reason: str | None = None,
          expected_version: int | None = None) -> Case:
    """Evaluate and close (评价结案). Without a follow-up only when the reporter is anonymous
    or cannot be reached (the reason is recorded). The cases merged into it close with it."""
    reason = check_text(no_followup_reason, "no_followup_reason", max_len=500, required=False)
    if needs_followup_reason(case) and not reason:
        raise InvalidInput(
            "a case closes after its follow-up, unless the reporter is anonymous or cannot be "
            "reached: give the reason", "no_followup_reason")
    changes: dict[str, Any] = {}
    res = check_text(resolution, "resolution", max_len=5000, required=False)
    if res:
        changes["resolution"] = res
    return command(session, case, Action.CLOSE, actor, now, changes=changes, note=res,
                   extra={"no_followup_reason": reason} if reason else None,
                   expected_version=expected_version,
                   then=lambda: close_merged(session, case, actor, now))


def reject(session: Session, case: Case, actor: Actor, *, reason: str, now: dt.datetime,
           note: str | None = None, expected_version: int | None = None) -> Case:
    why = enum_value(RejectReason, reason, "reason")
    return command(session, case, Action.REJECT, actor, now, changes={"reject_reason": why.value},
                   note=note, expected_version=expected_version)
