"""A city's SLA rules, edited through their service: each edit is used by the next deadline
computed (the cached rules are rebuilt from the version row), a bad rule is refused with
its field and nothing stored."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from huying.cityconfig import deadlines, sla_rules
from huying.cityconfig.models import SlaRuleRow
from huying.cityconfig.sla_rules import RuleIn
from huying.errors import SettingError
from tests.cases.conftest import World

CST = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.datetime(2025, 3, 3, 10, 0, tzinfo=CST)


def handle_due(world: World, category: str | None = None) -> dt.datetime:
    return deadlines.schedule(world.session, world.city_id, category, "normal", "handle", MONDAY).due_at


def test_adding_changing_and_deleting_a_rule_moves_the_next_deadline(world: World) -> None:
    s, city = world.session, world.city_id
    assert handle_due(world) == dt.datetime(2025, 3, 10, 18, 0, tzinfo=CST)  # default: 5 working days
    rule = sla_rules.add_rule(s, city, RuleIn(None, None, "handle", "3", "working_days"))
    assert handle_due(world) == dt.datetime(2025, 3, 6, 18, 0, tzinfo=CST)
    sla_rules.update_rule(s, city, rule.id, RuleIn("01", None, "handle", "1", "working_days"))
    assert handle_due(world, "/01/01.01/") == dt.datetime(2025, 3, 4, 18, 0, tzinfo=CST)
    assert handle_due(world, "/02/") == dt.datetime(2025, 3, 10, 18, 0, tzinfo=CST)
    sla_rules.delete_rule(s, city, rule.id)
    assert handle_due(world, "/01/01.01/") == dt.datetime(2025, 3, 10, 18, 0, tzinfo=CST)


@pytest.mark.parametrize(("given", "field", "reason"), [
    (RuleIn("99", None, "handle", "3", "hours"), "category", "category"),
    (RuleIn(None, "soon", "handle", "3", "hours"), "priority", "priority"),
    (RuleIn(None, None, "nap", "3", "hours"), "step", "step"),
    (RuleIn(None, None, "handle", "3", "weeks"), "unit", "unit"),
    (RuleIn(None, None, "handle", "0", "hours"), "amount", "amount"),
    (RuleIn(None, None, "handle", "inf", "hours"), "amount", "amount"),
    (RuleIn(None, None, "handle", "nan", "hours"), "amount", "amount"),
    (RuleIn(None, None, "handle", "1.5", "working_days"), "amount", "working_days"),
])
def test_a_bad_rule_is_refused(world: World, given: RuleIn, field: str, reason: str) -> None:
    with pytest.raises(SettingError) as caught:
        sla_rules.add_rule(world.session, world.city_id, given)
    assert (caught.value.field, caught.value.reason) == (field, reason)
    world.session.rollback()
    assert world.session.scalar(select(func.count()).select_from(SlaRuleRow)) == 0
