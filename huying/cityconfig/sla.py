"""SLA rules: how long each step of a case may take (pure: no database, no clock).

A rule gives the allowed time of one :class:`Step` for a category (and everything under
it) and a :class:`Priority`, in working hours, working days or calendar hours.
:func:`resolve_rule` picks the most specific rule for a case, :func:`due_at` turns it
into a deadline from a start moment and :func:`warn_at` into the moment a warning is due.

Example::

    rule = resolve_rule(DEFAULT_RULES, ("城乡建设", "安全生产", "安全隐患"), "normal", "handle")
    deadline = due_at(rule, reported_at, default_calendar())

A city overrides defaults by appending its rules: among equally specific rules the one
that comes last wins, e.g. ``[*DEFAULT_RULES, SlaRule(step="handle", priority="normal",
amount=3, unit="working_days")]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from numbers import Real

from huying.cityconfig.calendar import WorkCalendar

__all__ = [
    "DEFAULT_RULES",
    "CATEGORY_SEPARATOR",
    "NoRuleError",
    "Priority",
    "SlaRule",
    "Step",
    "Unit",
    "due_at",
    "resolve_rule",
    "warn_at",
]

#: Separates the levels of a category path in :attr:`SlaRule.category_code`.
CATEGORY_SEPARATOR = "/"


class Step(StrEnum):
    """The timed steps of a case."""

    DISPATCH = "dispatch"  # 分类推送: classify and send to the responsible unit
    ACCEPT = "accept"  # the unit accepts (签收) or sends it back
    HANDLE = "handle"  # 办理: until marked handled
    FOLLOWUP = "followup"  # 回访: follow-up visit after handling
    SUPERVISION_REPLY = "supervision_reply"  # reply to a supervision notice (督办)


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    URGENT = "urgent"
    EMERGENCY = "emergency"


class Unit(StrEnum):
    WORKING_HOURS = "working_hours"  # counted inside working hours of working days
    WORKING_DAYS = "working_days"  # end of the N-th working day after the start's day
    HOURS = "hours"  # calendar hours, nights and holidays included (emergencies)


@dataclass(frozen=True, kw_only=True)
class SlaRule:
    """Allowed time for one step.

    ``category_code``: ``None`` for any category; else a category and everything below
    it, either as a path from the root joined with ``/`` (``"城乡建设/安全生产"``) or as a
    single name or code matched at any level of the case's path (``"安全生产"``; use the
    full path where a name occurs under several parents, like ``其他``).
    ``priority``: ``None`` for any priority. Strings are accepted for the enum fields.
    ``amount`` in ``unit``; a number of working days must be a whole number.
    """

    category_code: str | None = None
    priority: Priority | None = None
    step: Step
    amount: float
    unit: Unit

    def __post_init__(self) -> None:
        object.__setattr__(self, "step", Step(self.step))
        object.__setattr__(self, "unit", Unit(self.unit))
        if self.priority is not None:
            object.__setattr__(self, "priority", Priority(self.priority))
        if self.category_code is not None:
            code = self.category_code.strip().strip(CATEGORY_SEPARATOR)
            parts = [p.strip() for p in code.split(CATEGORY_SEPARATOR)]
            if not code or any(not p for p in parts):
                raise ValueError(f"category_code {self.category_code!r} has an empty level")
            object.__setattr__(self, "category_code", CATEGORY_SEPARATOR.join(parts))
        if isinstance(self.amount, bool) or not isinstance(self.amount, Real | Decimal):
            raise TypeError(f"amount must be a number, got {self.amount!r}")
        object.__setattr__(self, "amount", float(self.amount))
        if not self.amount > 0:
            raise ValueError(f"amount must be > 0, got {self.amount}")
        if self.unit is Unit.WORKING_DAYS and self.amount != int(self.amount):
            raise ValueError(f"working_days must be a whole number, got {self.amount}")

    @property
    def category_levels(self) -> tuple[str, ...]:
        """The category as a tuple of levels (empty for any category)."""
        if self.category_code is None:
            return ()
        return tuple(self.category_code.split(CATEGORY_SEPARATOR))

    def category_depth(self, category_path: Sequence[str]) -> int | None:
        """How deep in ``category_path`` this rule's category matches: 0 for a rule on any
        category, the level (1 = top) of the matched node, or ``None`` if it does not
        apply."""
        levels = self.category_levels
        if not levels:
            return 0
        path = tuple(category_path)
        if len(levels) == 1:
            for depth in range(len(path), 0, -1):  # the deepest occurrence
                if path[depth - 1] == levels[0]:
                    return depth
            return None
        if path[: len(levels)] == levels:
            return len(levels)
        return None

    def describe(self) -> str:
        """E.g. ``handle 城乡建设 urgent: 2 working_days``."""
        return (
            f"{self.step} {self.category_code or '*'} {self.priority or '*'}: "
            f"{self.amount:g} {self.unit}"
        )


class NoRuleError(LookupError):
    """No rule applies to a (category, priority, step)."""


def resolve_rule(
    rules: Iterable[SlaRule],
    category_path: Sequence[str] | None,
    priority: Priority | str,
    step: Step | str,
) -> SlaRule:
    """The most specific rule of ``step`` for a case.

    A rule applies when its step is ``step``, its priority is ``None`` or ``priority`` and
    its category is ``None`` or a node on ``category_path`` (a rule on a category applies
    to all its sub-categories). Among the applicable rules the deepest category wins, then
    a priority-specific rule over a generic one, then the rule that comes last (so
    appended rules override). Raises :class:`NoRuleError` when none applies.
    """
    step = Step(step)
    priority = Priority(priority)
    path = tuple(category_path or ())
    best: SlaRule | None = None
    best_key: tuple[int, int] = (-1, -1)
    for rule in rules:
        if rule.step is not step:
            continue
        if rule.priority is not None and rule.priority is not priority:
            continue
        depth = rule.category_depth(path)
        if depth is None:
            continue
        key = (depth, 0 if rule.priority is None else 1)
        if key >= best_key:
            best, best_key = rule, key
    if best is None:
        where = CATEGORY_SEPARATOR.join(path) or "(no category)"
        raise NoRuleError(f"no SLA rule for step {step}, priority {priority}, category {where}")
    return best


def due_at(rule: SlaRule, start: datetime, calendar: WorkCalendar) -> datetime:
    """The deadline (UTC) of a step that started at ``start`` (timezone-aware).

    ``working_hours``: :meth:`WorkCalendar.add_working_hours`; ``working_days``:
    :meth:`WorkCalendar.add_working_days` (end of the N-th working day after the start's
    day); ``hours``: ``start`` plus calendar hours, holidays and nights ignored.
    """
    if rule.unit is Unit.WORKING_HOURS:
        return calendar.add_working_hours(start, rule.amount)
    if rule.unit is Unit.WORKING_DAYS:
        return calendar.add_working_days(start, int(rule.amount))
    _require_aware(start)
    return (start + timedelta(hours=rule.amount)).astimezone(UTC)


def warn_at(rule: SlaRule, start: datetime, calendar: WorkCalendar, fraction: float) -> datetime:
    """The moment (UTC) when only ``fraction`` (0..1) of the allowed time is left.

    Time is measured as the rule counts it: working time for ``working_hours`` and
    ``working_days`` (for the latter the allowed time is the working time from ``start``
    to :func:`due_at`), elapsed time for ``hours``. ``fraction=0`` gives the deadline,
    ``fraction=1`` the start. With the settings' ``sla_warn_fraction`` of 0.2, a 5-hour
    emergency rule warns 4 hours after the start.
    """
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    if rule.unit is Unit.HOURS:
        _require_aware(start)
        return (start + timedelta(hours=rule.amount * (1 - fraction))).astimezone(UTC)
    if rule.unit is Unit.WORKING_HOURS:
        allowed = rule.amount
    else:
        allowed = calendar.working_hours_between(start, due_at(rule, start, calendar))
    if fraction == 0:
        return due_at(rule, start, calendar)
    return calendar.add_working_hours(start, allowed * (1 - fraction))


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"start={moment.isoformat()} is a naive datetime: pass a timezone-aware one"
        )


def _r(
    step: Step,
    amount: float,
    unit: Unit,
    priority: Priority | None = None,
    category_code: str | None = None,
) -> SlaRule:
    return SlaRule(
        step=step, amount=amount, unit=unit, priority=priority, category_code=category_code
    )


_WH, _WD, _H = Unit.WORKING_HOURS, Unit.WORKING_DAYS, Unit.HOURS

#: Defaults for every step and priority (no category rules: a city adds its own).
#: Emergencies run on calendar hours, nights and holidays included.
DEFAULT_RULES: tuple[SlaRule, ...] = (
    # 分类推送: classify and dispatch
    _r(Step.DISPATCH, 2, _WH),
    _r(Step.DISPATCH, 1, _WH, Priority.URGENT),
    _r(Step.DISPATCH, 0.5, _H, Priority.EMERGENCY),
    # 签收: the unit accepts or returns the case
    _r(Step.ACCEPT, 4, _WH),
    _r(Step.ACCEPT, 2, _WH, Priority.URGENT),
    _r(Step.ACCEPT, 1, _H, Priority.EMERGENCY),
    # 办理: handling
    _r(Step.HANDLE, 5, _WD),
    _r(Step.HANDLE, 10, _WD, Priority.LOW),
    _r(Step.HANDLE, 2, _WD, Priority.URGENT),
    _r(Step.HANDLE, 4, _H, Priority.EMERGENCY),
    # 回访: follow-up visit after handling
    _r(Step.FOLLOWUP, 2, _WD),
    _r(Step.FOLLOWUP, 1, _WD, Priority.EMERGENCY),
    # 督办回复: reply to a supervision notice
    _r(Step.SUPERVISION_REPLY, 2, _WD),
    _r(Step.SUPERVISION_REPLY, 1, _WD, Priority.EMERGENCY),
)
