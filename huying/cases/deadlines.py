"""Deadlines of a case: the city's SLA rules over its working calendar.

Rules live in the ``sla_rules`` table (editable); a city without rules uses
``sla.DEFAULT_RULES``. They are cached per city for a short time and dropped at once when
edited through ``invalidate``."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases import sla
from huying.cases.calendar import WorkCalendar, default_calendar
from huying.cases.models import Category, SlaRuleRow
from huying.config import get_settings

_TTL = 30.0
_cache: dict[int, tuple[float, tuple[sla.SlaRule, ...]]] = {}


@dataclass(frozen=True)
class Schedule:
    due_at: dt.datetime
    warn_at: dt.datetime


def rules_for(session: Session, city_id: int) -> tuple[sla.SlaRule, ...]:
    hit = _cache.get(city_id)
    if hit and time.monotonic() - hit[0] < _TTL:
        return hit[1]
    rows = session.execute(
        select(SlaRuleRow, Category.path)
        .outerjoin(Category, Category.id == SlaRuleRow.category_id)
        .where(SlaRuleRow.city_id == city_id)
        .order_by(SlaRuleRow.id)
    ).all()
    custom = tuple(
        sla.SlaRule(
            category_code="/".join(p for p in (path or "").split("/") if p) or None,
            priority=sla.Priority(r.priority) if r.priority else None, step=sla.Step(r.step),
            amount=r.amount, unit=sla.Unit(r.unit),
        )
        for r, path in rows
    )
    # The city's rules come after the defaults, so that they win at equal specificity.
    rules = sla.DEFAULT_RULES + custom
    _cache[city_id] = (time.monotonic(), rules)
    return rules


def invalidate(city_id: int | None = None) -> None:
    if city_id is None:
        _cache.clear()
    else:
        _cache.pop(city_id, None)


def calendar() -> WorkCalendar:
    return default_calendar()


def schedule(
    session: Session, city_id: int, category_path: str | None, priority: str, step: str,
    start: dt.datetime,
) -> Schedule:
    """When the step that starts at ``start`` is due, and when to warn before that."""
    codes = tuple(p for p in (category_path or "").split("/") if p)
    rule = sla.resolve_rule(rules_for(session, city_id), codes, priority, step)
    cal = calendar()
    return Schedule(
        due_at=sla.due_at(rule, start, cal),
        warn_at=sla.warn_at(rule, start, cal, get_settings().sla_warn_fraction),
    )


def extend(due_at: dt.datetime, working_days: int) -> dt.datetime:
    """A deadline moved by an approved extension of ``working_days``."""
    return calendar().add_working_days(due_at, working_days)
