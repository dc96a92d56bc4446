"""What the events say: the case folded from its events, and its evaluation.

The case row is derivable from its events (``fold``); the evaluation of a closed case (on
time, satisfied, rework, time per step) is computed from them, never stored."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from huying.cases.models import CaseEvent
from huying.cases.workflow import Action, Kind, Status, kind_created_by, next_status


class CorruptHistory(ValueError):
    """The events do not form a legal history."""


DATETIME_FIELDS = frozenset({"due_at", "sweep_at", "created_at", "updated_at", "closed_at"})


def fold(events: Sequence[CaseEvent]) -> dict[str, Any]:
    """Replay the events: check each is a legal transition from the previous status (by the
    workflow table of the case's kind, which its creating event tells, for the recorded role)
    and apply the fields it set. Returns the case's fields plus ``cohandler_ids``."""
    state: dict[str, Any] = {"status": Status.START.value, "version": 0}
    cohandlers: set[int] = set()
    kind = Kind.PROBLEM
    if events:
        try:
            kind = kind_created_by(events[0].action)
        except ValueError:
            raise CorruptHistory(f"event 1 ({events[0].action}) creates no case") from None
    for i, ev in enumerate(events, start=1):
        if ev.seq != i:
            raise CorruptHistory(f"event {i} has seq {ev.seq}")
        if (ev.from_status or Status.START.value) != state["status"]:
            raise CorruptHistory(f"event {i} starts from {ev.from_status}, the case was {state['status']}")
        if next_status(state["status"], ev.action, ev.actor_role, kind).value != ev.to_status:
            raise CorruptHistory(f"event {i}: {ev.action} does not lead to {ev.to_status}")
        payload = json.loads(ev.payload)
        for key, value in payload.get("set", {}).items():
            if key in DATETIME_FIELDS and value is not None:
                value = dt.datetime.fromisoformat(value)
            state[key] = value
        cohandlers.update(payload.get("cohandlers_added", []))
        if state["status"] != ev.to_status or state["version"] != ev.seq:
            raise CorruptHistory(f"event {i} does not record its status and version")
    state["cohandler_ids"] = sorted(cohandlers)
    return state


@dataclass
class Evaluation:
    closed: bool
    on_time: bool | None
    satisfaction: str | None
    satisfied: bool | None
    rework_count: int
    escalations: int
    hours_to_close: float | None
    #: Hours spent in each status (elapsed time).
    hours_in_status: dict[str, float] = field(default_factory=dict)


def evaluate(events: Sequence[CaseEvent], now: dt.datetime | None = None) -> Evaluation:
    """On time (never overdue), satisfied (the last follow-up), rework, time per step."""
    if not events:
        raise ValueError("no events")
    hours: dict[str, float] = {}
    for prev, nxt in zip(events, events[1:], strict=False):
        if prev.to_status != nxt.from_status:
            continue
        spent = (nxt.at - prev.at).total_seconds() / 3600
        hours[prev.to_status] = hours.get(prev.to_status, 0.0) + spent
    last = events[-1]
    closed = last.to_status in (Status.CLOSED.value, Status.REJECTED.value)
    if not closed and now is not None:
        hours[last.to_status] = hours.get(last.to_status, 0.0) + (now - last.at).total_seconds() / 3600
    overdue = any(e.action == Action.OVERDUE.value for e in events)
    sat = None
    for e in events:
        if e.action in (Action.FOLLOW_UP.value, Action.REOPEN.value):
            sat = json.loads(e.payload).get("satisfaction")
    return Evaluation(
        closed=closed,
        on_time=(not overdue) if closed else (None if not overdue else False),
        satisfaction=sat,
        satisfied=None if sat is None else sat != "dissatisfied",
        rework_count=sum(1 for e in events if e.action == Action.REOPEN.value),
        escalations=sum(1 for e in events if e.action == Action.ESCALATE.value),
        hours_to_close=(last.at - events[0].at).total_seconds() / 3600 if closed else None,
        hours_in_status={k: round(v, 4) for k, v in hours.items()},
    )
