"""One parameter model per command, parsed alike by the API, the web forms and the CLI, and
:func:`perform`, which runs a command by name. A bad parameter is an ``InvalidInput`` naming
the field; nothing else is turned into one (a bug inside a command stays a bug)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy.orm import Session

from huying.cases import ledger, loop, merge, policy, requests
from huying.cases.attachments import Upload
from huying.cases.models import Case
from huying.cases.workflow import Action
from huying.config import get_settings
from huying.errors import InvalidInput
from huying.orgs.actor import Actor

NOTE = Field(default=None, max_length=2000)
NEEDED_NOTE = Field(min_length=1, max_length=2000)


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, arbitrary_types_allowed=True,
                              populate_by_name=True)

    def kwargs(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in type(self).model_fields}


class NoteOnly(Params):
    note: str | None = NOTE


class NoteNeeded(Params):
    note: str = NEEDED_NOTE


class Classify(Params):
    category: str | None = Field(default=None, max_length=60)
    priority: str | None = Field(default=None, max_length=12)
    note: str | None = NOTE


class ToUnit(Params):
    unit: str = Field(min_length=1, max_length=80)
    note: str | None = NOTE


class CoHandlers(Params):
    units: list[str] = Field(min_length=1, max_length=20)
    note: str | None = NOTE


class Part(Params):
    note: str = NEEDED_NOTE
    uploads: list[Upload] = Field(default_factory=list, max_length=9)


class RequestExtension(Params):
    days: int = Field(ge=1, le=60)
    note: str = NEEDED_NOTE


class Escalate(Params):
    unit: str | None = Field(default=None, max_length=80)
    note: str | None = NOTE


class MarkHandled(Params):
    evidence: str = Field(min_length=1, max_length=5000, validation_alias=AliasChoices("evidence", "note"))
    uploads: list[Upload] = Field(default_factory=list, max_length=9)


class FollowUp(Params):
    satisfaction: str = Field(min_length=1, max_length=30)
    #: The reporter's answer to "is the problem solved?" (解决率); None: not asked.
    solved: bool | None = None
    method: str = "phone"
    comment: str | None = Field(default=None, max_length=2000, validation_alias=AliasChoices("comment", "note"))


class Reopen(FollowUp):
    satisfaction: str = "dissatisfied"

    @field_validator("satisfaction")
    @classmethod
    def _dissatisfied(cls, value: str) -> str:
        if loop.Satisfaction.parse(value) is not loop.Satisfaction.DISSATISFIED:
            raise ValueError("a case is reopened by a dissatisfied follow-up (不满意)")
        return value


class Close(Params):
    resolution: str | None = Field(default=None, max_length=5000)
    no_followup_reason: str | None = Field(default=None, max_length=500)


class Reject(Params):
    reason: str = Field(min_length=1, max_length=40)
    note: str | None = NOTE


def _moment(value: Any) -> Any:
    """A date alone is the end of its working day (18:00) in the city's zone."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time(18, 0), ZoneInfo(get_settings().timezone))
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return _moment(dt.date.fromisoformat(value.strip()))
        except ValueError:
            return value
    return value


class Supervise(Params):
    reason: str = Field(min_length=1, max_length=2000, validation_alias=AliasChoices("reason", "note"))
    unit: str | None = Field(default=None, max_length=80)
    reply_due: dt.datetime | None = None

    _day = field_validator("reply_due", mode="before")(lambda cls, v: _moment(v))

    @field_validator("reply_due")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give a time zone (e.g. 2026-03-02T18:00:00+08:00)")
        return value


class MilestoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    due_at: dt.datetime

    @model_validator(mode="before")
    @classmethod
    def _pair(cls, value: Any) -> Any:
        """A milestone may also be given as a [title, due] pair."""
        if isinstance(value, list | tuple) and len(value) == 2:
            return {"title": value[0], "due_at": value[1]}
        return value

    _day = field_validator("due_at", mode="before")(lambda cls, v: _moment(v))

    @field_validator("due_at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("dates must carry a time zone")
        return value


class OpenLedger(Params):
    plan: str = Field(min_length=1, max_length=5000)
    milestones: list[MilestoneIn] = Field(min_length=1, max_length=20)
    supervisor: str | None = Field(default=None, max_length=60, description="Username of the supervising leader.")

    def kwargs(self) -> dict[str, Any]:
        return {"plan": self.plan, "supervisor": self.supervisor,
                "milestones": [(m.title, m.due_at) for m in self.milestones]}

    @staticmethod
    def resolve(session: Session, case: Case, kwargs: dict[str, Any]) -> dict[str, Any]:
        username = kwargs.pop("supervisor")
        kwargs["supervisor_id"] = ledger.user_id_of(session, case.city_id, username, "supervisor") \
            if username else None
        return kwargs


class CompleteMilestone(Params):
    milestone: int = Field(ge=1, le=2**31 - 1)
    note: str | None = NOTE


class Merge(Params):
    into: str = Field(min_length=1, max_length=30, description="The code of the case this one duplicates.")
    note: str | None = NOTE


class Deliver(Params):
    how: str = Field(default="collected", max_length=12)
    note: str | None = NOTE


@dataclass(frozen=True)
class Spec:
    """A command: its parameters and the function that runs it."""

    params: type[Params]
    run: Callable[..., Any]


SPECS: dict[Action, Spec] = {
    Action.CLASSIFY: Spec(Classify, loop.classify),
    Action.DISPATCH: Spec(ToUnit, loop.dispatch),
    Action.ACCEPT: Spec(NoteOnly, loop.accept),
    Action.RETURN: Spec(NoteNeeded, loop.return_to_dispatcher),
    Action.TRANSFER: Spec(ToUnit, loop.transfer),
    Action.ADD_COHANDLER: Spec(CoHandlers, loop.add_cohandlers),
    Action.RECORD_PART: Spec(Part, loop.record_part),
    Action.REQUEST_EXTENSION: Spec(RequestExtension, loop.request_extension),
    Action.APPROVE_EXTENSION: Spec(NoteOnly, loop.approve_extension),
    Action.REFUSE_EXTENSION: Spec(NoteNeeded, loop.refuse_extension),
    Action.ESCALATE: Spec(Escalate, loop.escalate),
    Action.MARK_HANDLED: Spec(MarkHandled, loop.mark_handled),
    Action.FOLLOW_UP: Spec(FollowUp, loop.follow_up),
    Action.REOPEN: Spec(Reopen, loop.follow_up),
    Action.CLOSE: Spec(Close, loop.close),
    Action.REJECT: Spec(Reject, loop.reject),
    Action.SUPERVISE: Spec(Supervise, ledger.supervise),
    Action.OPEN_LEDGER: Spec(OpenLedger, ledger.open_ledger),
    Action.COMPLETE_MILESTONE: Spec(CompleteMilestone, ledger.complete_milestone),
    Action.MERGE: Spec(Merge, merge.merge),
    Action.UNMERGE: Spec(NoteNeeded, merge.unmerge),
    Action.REQUEST_MATERIALS: Spec(NoteNeeded, requests.request_materials),
    Action.SUPPLY_MATERIALS: Spec(NoteOnly, requests.supply_materials),
    Action.DELIVER: Spec(Deliver, requests.deliver),
}


def field_name(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "params"


def spec_of(action: str | Action) -> Spec:
    try:
        act = Action(action)
    except ValueError:
        raise InvalidInput(f"unknown action {action!r}", "action") from None
    spec = SPECS.get(act)
    if spec is None:
        raise InvalidInput(f"{act.value} is not a command on an existing case", "action")
    return spec


def parse(action: str | Action, params: dict[str, Any] | Params) -> Params:
    """The parameters of ``action`` checked by its model, or ``InvalidInput`` naming the
    first bad field. Empty values (None, "", []) count as not given."""
    spec = spec_of(action)
    if isinstance(params, spec.params):
        return params
    raw = {k: v for k, v in dict(params).items() if v not in (None, "", [])}
    try:
        return spec.params.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if err.get("type") == "extra_forbidden":
            msg = f"{action} takes no {err['loc'][-1]!r}"
        elif err.get("type") == "missing":
            msg = "required"
        raise InvalidInput(msg, field_name(tuple(err.get("loc", ())))) from None


def perform(session: Session, case: Case, actor: Actor, action: str, *, now: dt.datetime,
            params: dict[str, Any] | Params, expected_version: int | None = None) -> Any:
    """Run a command by name with its parameters (a dict as the API, a form or the CLI gives
    them, or the parsed model). The policy answers first, so that whether one may act does
    not depend on the parameters given: 404 not visible · 403 not for you · 409 not now."""
    spec = spec_of(action)
    policy.check_act(session, actor, case, Action(action))
    parsed = parse(action, params)
    kwargs = parsed.kwargs()
    resolve = getattr(parsed, "resolve", None)
    if resolve is not None:  # names in the parameters that the command takes as ids
        kwargs = resolve(session, case, kwargs)
    return spec.run(session, case, actor, now=now, expected_version=expected_version, **kwargs)
