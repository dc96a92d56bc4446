"""A city's own SLA rules (rows of ``sla_rules``): the commands of the administration page
and of the API. Each is one transaction that bumps the city's ``sla`` version, so the next
deadline computed in any server process uses the edit (``huying.cases.deadlines``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cityconfig import config_cache, sla
from huying.cityconfig.models import Category, SlaRuleRow
from huying.errors import NotVisible, SettingError

#: The largest allowed time of a rule, in its unit.
MAX_AMOUNT = 10_000.0


@dataclass(frozen=True)
class RuleIn:
    """A rule as given (a form's text or an API body's values): category code ("" or None:
    any), priority (None: any), step, amount, unit."""

    category: str | None
    priority: str | None
    step: str
    amount: str | float
    unit: str


def city_rules(session: Session, city_id: int) -> list[tuple[SlaRuleRow, Category | None]]:
    """The city's rules in the order they apply (later ones win at equal specificity)."""
    rows = session.execute(select(SlaRuleRow, Category)
                           .outerjoin(Category, Category.id == SlaRuleRow.category_id)
                           .where(SlaRuleRow.city_id == city_id).order_by(SlaRuleRow.id)).all()
    return [(r, c) for r, c in rows]


def _checked(session: Session, city_id: int, given: RuleIn) -> dict[str, object]:
    """The row's columns, or :class:`SettingError` with the field and reason."""
    cat = None
    code = (given.category or "").strip()
    if code:
        cat = session.scalar(select(Category).where(Category.city_id == city_id, Category.code == code))
        if cat is None:
            raise SettingError(f"no category {code!r}", "category")
    for field, value, kind in (("step", given.step, sla.Step), ("unit", given.unit, sla.Unit),
                               ("priority", given.priority or None, sla.Priority)):
        if value is not None and value not in {k.value for k in kind}:
            raise SettingError(f"{value!r} is not one of {', '.join(k.value for k in kind)}", field)
    try:
        amount = float(given.amount)
    except (TypeError, ValueError):
        raise SettingError(f"{given.amount!r} is not a number", "amount") from None
    if not math.isfinite(amount) or not 0 < amount <= MAX_AMOUNT:
        raise SettingError(f"the allowed time is a number above 0 and at most {MAX_AMOUNT:g}", "amount")
    try:  # the rule's own checks (a whole number of working days)
        sla.SlaRule(category_code=code or None, priority=sla.Priority(given.priority) if given.priority else None,
                    step=sla.Step(given.step), amount=amount, unit=sla.Unit(given.unit))
    except ValueError as exc:
        raise SettingError(str(exc), "amount", "working_days") from None
    return {"category_id": cat.id if cat else None, "priority": given.priority or None,
            "step": given.step, "amount": amount, "unit": given.unit}


def get_rule(session: Session, city_id: int, rule_id: int) -> SlaRuleRow:
    row = session.get(SlaRuleRow, rule_id)
    if row is None or row.city_id != city_id:
        raise NotVisible(f"no SLA rule {rule_id}")
    return row


def add_rule(session: Session, city_id: int, given: RuleIn) -> SlaRuleRow:
    """Add a rule; :class:`SettingError` and nothing stored when it is not valid."""
    row = SlaRuleRow(city_id=city_id, **_checked(session, city_id, given))
    session.add(row)
    config_cache.bump(session, city_id, config_cache.SLA)
    session.commit()
    return row


def update_rule(session: Session, city_id: int, rule_id: int, given: RuleIn) -> SlaRuleRow:
    """Change a rule (it keeps its place in the order)."""
    row = get_rule(session, city_id, rule_id)
    for name, value in _checked(session, city_id, given).items():
        setattr(row, name, value)
    config_cache.bump(session, city_id, config_cache.SLA)
    session.commit()
    return row


def delete_rule(session: Session, city_id: int, rule_id: int) -> None:
    session.delete(get_rule(session, city_id, rule_id))
    config_cache.bump(session, city_id, config_cache.SLA)
    session.commit()
