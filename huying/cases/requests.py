"""The commands of a service request (a case of kind ``service``): accepted at a centre's
counter and routed to its unit (``open_request``), then the unit's own steps besides the ones
it shares with a problem (accept, transfer, mark handled, follow-up, close, reject): asking
the resident for missing materials, the materials coming in, and the result delivered. Each
is one call of the kernel: one transaction and one event. What a request is for (the
catalogue item, the centre, the household) is the community domain's
(``huying.community.onestop_service``), which calls :func:`open_request`."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from huying.cases import kernel
from huying.cases.kernel import check_text, command, record, require_aware
from huying.cases.loop import city_code, enum_value, new_case_fields
from huying.cases.models import Case
from huying.cases.policy import check_act
from huying.cases.units import unit_changes
from huying.cases.workflow import Action, Kind, Status
from huying.cityconfig import deadlines
from huying.orgs.actor import Actor

#: The channel of a case accepted at a service centre's counter.
CENTRE_CHANNEL = "service_centre"


class Delivery(enum.StrEnum):
    """How the resident received the result."""

    COLLECTED = "collected"  # collected at the centre (or the unit's window)
    TOLD = "told"  # told by phone / SMS (nothing to collect)
    MAILED = "mailed"  # sent by post


def open_request(
    session: Session, actor: Actor, *, title: str, description: str, grid: tuple[int, str],
    unit: tuple[Any, Any], time_limit_days: int, pending: bool, now: dt.datetime,
    resident_id: int | None, contact: str | None, lon: float | None = None, lat: float | None = None,
    address: str | None = None, note: str | None = None, extra: dict[str, Any] | None = None,
    then: Callable[[Case], Any] | None = None,
) -> Case:
    """A new service request accepted at a counter by ``actor``, for the resident living in
    ``grid`` (their user id when they have an account, their contact), already with its
    responsible ``unit`` (an (organisation, node) pair) and its time limit; ``pending``: some
    required materials are still to come (容缺受理), so it waits for them before its clock
    starts. ``then(case)`` runs in the same transaction after the event (the one-stop facts'
    row). The caller has checked the actor may accept at the centre."""
    require_aware(now)
    action = Action.ACCEPT_PENDING if pending else Action.ACCEPT_REQUEST
    target = check_act(session, actor, None, action, kind=Kind.SERVICE)
    if isinstance(time_limit_days, bool) or not isinstance(time_limit_days, int) or time_limit_days < 1:
        raise ValueError("a service request's time limit is a whole number of working days")
    case = Case(city_id=actor.city_id, status=Status.START.value, version=0, created_at=now, updated_at=now,
                code=kernel.next_code(session, actor.city_id, city_code(session, actor.city_id),
                                      now.astimezone(deadlines.zone()).year))
    fields = new_case_fields(
        actor, code=case.code, title=title, description=description, category_id=None, priority="normal",
        channel=CENTRE_CHANNEL, lon=lon, lat=lat, address=address, grid=grid, anonymous=resident_id is None,
        contact=contact, now=now, kind=Kind.SERVICE, time_limit_days=time_limit_days)
    fields.update(reporter_kind="resident" if resident_id is not None else "anonymous", reporter_id=resident_id,
                  **unit_changes(*unit))
    fields.update(kernel.schedule(session, case, target, now, fields))
    record(session, case, action, actor, now, Status.START, target, fields, note,
           {"unit": unit[0].code, **(extra or {})})
    if then is not None:
        then(case)
    kernel.end_command(session)
    return case


def request_materials(session: Session, case: Case, actor: Actor, *, note: str, now: dt.datetime,
                      expected_version: int | None = None) -> Case:
    """The unit asks the resident for what is missing (补正): the note says what. The clock
    stops until the materials come in."""
    return command(session, case, Action.REQUEST_MATERIALS, actor, now,
                   note=check_text(note, "note", max_len=2000), expected_version=expected_version)


def supply_materials(session: Session, case: Case, actor: Actor, *, note: str | None = None,
                     now: dt.datetime, expected_version: int | None = None) -> Case:
    """The missing materials came in: the request is back with its unit, and its time limit
    counts again in full from today."""
    return command(session, case, Action.SUPPLY_MATERIALS, actor, now,
                   note=check_text(note, "note", max_len=2000, required=False),
                   expected_version=expected_version)


def deliver(session: Session, case: Case, actor: Actor, *, how: str = "collected", note: str | None = None,
            now: dt.datetime, expected_version: int | None = None) -> Case:
    """The resident collected the result, or was told it (送达): they may now evaluate it."""
    way = enum_value(Delivery, how, "how")
    return command(session, case, Action.DELIVER, actor, now,
                   note=check_text(note, "note", max_len=2000, required=False),
                   extra={"how": way.value}, expected_version=expected_version)
