"""The commands of a rectification (a case of kind ``rectification``, 软弱涣散整改): a weak
organisation's rectification opens as a case whose responsible unit is the organisation
itself, at the organisation's node; its plan is the case's ledger (台账: dated milestones, a
supervising leader, the sweeper's notices about a milestone overdue — :mod:`huying.cases.ledger`);
it is cleared (``clear``, guarded by the table: the plan is done) or cleared by hand by the
supervising leader with a reason (``clear_by_hand``). Each is one call of the kernel: one
transaction and one event. Why an organisation is weak and whether its figures recovered is
the accountability layer's (``huying.accountability.weak_service``), which calls these.

A rectification is not a resident's problem: it stays out of the figures of the closed loop
(:func:`huying.cases.timing.in_figures`) and off the public lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from huying.cases import kernel
from huying.cases.kernel import check_text, command, record, require_aware
from huying.cases.loop import city_code, new_case_fields
from huying.cases.models import Case
from huying.cases.policy import check_act
from huying.cases.units import unit_changes
from huying.cases.workflow import Action, Kind, Status
from huying.cityconfig import deadlines
from huying.geo.models import Node
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation

#: The channel of a rectification (no one reported it: it was flagged).
RECTIFICATION_CHANNEL = "rectification"


def open_rectification(session: Session, actor: Actor, *, title: str, reason: str, node: Node,
                       organisation: Organisation, now: dt.datetime,
                       extra: dict[str, Any] | None = None, commit: bool = True) -> Case:
    """A new rectification of ``organisation`` (at ``node``), opened by ``actor`` for
    ``reason``; the organisation is its responsible unit. ``commit=False``: the caller's
    command writes more in the same transaction and commits it."""
    require_aware(now)
    target = check_act(session, actor, None, Action.OPEN_RECTIFICATION, kind=Kind.RECTIFICATION)
    reason_v = check_text(reason, "reason", max_len=2000)
    case = Case(city_id=actor.city_id, status=Status.START.value, version=0, created_at=now, updated_at=now,
                code=kernel.next_code(session, actor.city_id, city_code(session, actor.city_id),
                                      now.astimezone(deadlines.zone()).year))
    fields = new_case_fields(
        actor, code=case.code, title=check_text(title, "title", max_len=200) or "", description=reason_v or "",
        category_id=None, priority="normal", channel=RECTIFICATION_CHANNEL, lon=node.centroid_lon,
        lat=node.centroid_lat, address=None, grid=(node.id, node.path), anonymous=False, contact=None, now=now,
        kind=Kind.RECTIFICATION)
    fields.update(unit_changes(organisation, node))
    fields.update(kernel.schedule(session, case, target, now, fields))
    record(session, case, Action.OPEN_RECTIFICATION, actor, now, Status.START, target, fields, reason_v,
           {"unit": organisation.code, **(extra or {})})
    if commit:
        kernel.end_command(session)
    else:
        session.flush()
    return case


def clear(session: Session, case: Case, actor: Actor, *, note: str, now: dt.datetime,
          expected_version: int | None = None, then: Callable[[], Any] | None = None) -> Case:
    """The rectification is over: its plan is done (the table's guard) and, the caller has
    checked, its figures recovered. ``then`` runs in the same transaction after the event."""
    return command(session, case, Action.CLEAR, actor, now, note=check_text(note, "note", max_len=2000),
                   changes={"resolution": note.strip()}, expected_version=expected_version, then=then)


def clear_by_hand(session: Session, case: Case, actor: Actor, *, reason: str, now: dt.datetime,
                  expected_version: int | None = None, then: Callable[[], Any] | None = None) -> Case:
    """The supervising leader clears the rectification by their decision (the table's guard),
    with the reason."""
    reason_v = check_text(reason, "reason", max_len=2000)
    return command(session, case, Action.CLEAR_BY_HAND, actor, now, note=reason_v,
                   changes={"resolution": reason_v}, expected_version=expected_version, then=then)
