"""Deadlines of a case: the city's SLA rules over the city's working calendar.

Rules live in the ``sla_rules`` table (edited through ``huying.cases.sla_rules``); a city
without rules uses ``sla.DEFAULT_RULES``. The calendar is the city's own
(``huying.cases.holidays``). Both are cached per process and city, and rebuilt as soon as
an edit (in any process) has bumped their version (``huying.cases.config_cache``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cityconfig import config_cache, holidays, sla
from huying.cityconfig.calendar import WorkCalendar
from huying.cityconfig.models import Category, SlaRuleRow
from huying.config import get_settings


@dataclass(frozen=True)
class Schedule:
    due_at: dt.datetime
    warn_at: dt.datetime


def rules_for(session: Session, city_id: int) -> tuple[sla.SlaRule, ...]:
    """The defaults, then the city's rules (which so win at equal specificity)."""

    def build(_token: object) -> tuple[sla.SlaRule, ...]:
        rows = session.execute(
            select(SlaRuleRow, Category.path)
            .outerjoin(Category, Category.id == SlaRuleRow.category_id)
            .where(SlaRuleRow.city_id == city_id)
            .order_by(SlaRuleRow.id)
        ).all()
        return sla.DEFAULT_RULES + tuple(
            sla.SlaRule(
                category_code="/".join(p for p in (path or "").split("/") if p) or None,
                priority=sla.Priority(r.priority) if r.priority else None, step=sla.Step(r.step),
                amount=r.amount, unit=sla.Unit(r.unit),
            )
            for r, path in rows
        )

    return config_cache.cached(session, city_id, config_cache.SLA, build)


def invalidate(city_id: int | None = None) -> None:
    """Forget the cached rules and calendars of this process (for rows written directly,
    as some tests do; edits through the services need no call)."""
    config_cache.clear()


def calendar(session: Session, city_id: int) -> WorkCalendar:
    return holidays.calendar_of(session, city_id)


def zone() -> ZoneInfo:
    """The zone in which days and years are counted (``HUYING_TIMEZONE``)."""
    return ZoneInfo(get_settings().timezone)


def schedule(
    session: Session, city_id: int, category_path: str | None, priority: str, step: str,
    start: dt.datetime,
) -> Schedule:
    """When the step that starts at ``start`` is due, and when to warn before that."""
    return schedule_rule(session, city_id, rule_for(session, city_id, category_path, priority, step), start)


def rule_for(session: Session, city_id: int, category_path: str | None, priority: str, step: str) -> sla.SlaRule:
    """The city's rule for a step of a case of this category and priority."""
    codes = tuple(p for p in (category_path or "").split("/") if p)
    return sla.resolve_rule(rules_for(session, city_id), codes, priority, step)


def due_at(session: Session, city_id: int, rule: sla.SlaRule, start: dt.datetime) -> dt.datetime:
    """When a step of ``rule`` that starts at ``start`` is due, without its warning moment
    (:func:`schedule_rule`'s deadline: for many cases at once, as history is written)."""
    return sla.due_at(rule, start, calendar(session, city_id))


def schedule_rule(session: Session, city_id: int, rule: sla.SlaRule, start: dt.datetime) -> Schedule:
    """When a step of ``rule``'s length that starts at ``start`` is due (on the city's
    calendar), and when to warn: for a step whose length is not the city's rule (a service
    request's time limit)."""
    cal = calendar(session, city_id)
    return Schedule(
        due_at=sla.due_at(rule, start, cal),
        warn_at=sla.warn_at(rule, start, cal, get_settings().sla_warn_fraction),
    )


def extend(session: Session, city_id: int, due_at: dt.datetime, working_days: int) -> dt.datetime:
    """A deadline moved by an approved extension of ``working_days``."""
    return calendar(session, city_id).add_working_days(due_at, working_days)
