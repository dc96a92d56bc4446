"""SLA rules: which rule applies to a case, and when its step is due or warned about."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huying.cityconfig.calendar import default_calendar
from huying.cityconfig.sla import (
    DEFAULT_RULES,
    NoRuleError,
    Priority,
    SlaRule,
    Step,
    Unit,
    due_at,
    resolve_rule,
    warn_at,
)

SH = ZoneInfo("Asia/Shanghai")
CAL = default_calendar()

HAZARD = ("城乡建设", "安全生产", "安全隐患")
ACCIDENT = ("城乡建设", "安全生产", "事故处理")
GREENING = ("城乡建设", "城市建设和市政管理", "园林绿化")
CITY_OTHER = ("城乡建设", "城市建设和市政管理", "其他")
LABOUR_OTHER = ("劳动和社会保障", "劳动关系", "其他")
SCHOOL = ("教育文体", "教育", "学校管理")


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def rule(
    step: str = "handle",
    amount: float = 5,
    unit: str = "working_days",
    priority: str | None = None,
    category: str | None = None,
) -> SlaRule:
    return SlaRule(
        step=Step(step),
        amount=amount,
        unit=Unit(unit),
        priority=Priority(priority) if priority else None,
        category_code=category,
    )


# --------------------------------------------------------------------- names


def test_steps_and_priorities_are_string_enums() -> None:
    assert [s.value for s in Step] == [
        "dispatch",
        "accept",
        "handle",
        "followup",
        "supervision_reply",
    ]
    assert [p.value for p in Priority] == ["low", "normal", "urgent", "emergency"]
    assert Step.HANDLE == "handle" and Priority("urgent") is Priority.URGENT


def test_a_rule_accepts_strings_for_its_enum_fields() -> None:
    r = SlaRule(step="handle", priority="urgent", amount=2, unit="working_days")  # type: ignore[arg-type]
    assert r.step is Step.HANDLE and r.priority is Priority.URGENT and r.unit is Unit.WORKING_DAYS


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"step": "handle", "amount": 0, "unit": "hours"}, "amount must be > 0"),
        ({"step": "handle", "amount": 1.5, "unit": "working_days"}, "whole number"),
        ({"step": "handel", "amount": 1, "unit": "hours"}, "handel"),
        ({"step": "handle", "amount": 1, "unit": "days"}, "days"),
        ({"step": "handle", "amount": 1, "unit": "hours", "priority": "high"}, "high"),
        ({"step": "handle", "amount": 1, "unit": "hours", "category_code": "a//b"}, "empty"),
    ],
)
def test_a_bad_rule_is_rejected(kwargs: dict[str, object], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        SlaRule(**kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------- resolution


def test_the_defaults_give_each_priority_its_handling_time() -> None:
    def handle(priority: str) -> tuple[float, Unit]:
        r = resolve_rule(DEFAULT_RULES, HAZARD, priority, "handle")
        return r.amount, r.unit

    assert handle("low") == (10, Unit.WORKING_DAYS)
    assert handle("normal") == (5, Unit.WORKING_DAYS)
    assert handle("urgent") == (2, Unit.WORKING_DAYS)
    assert handle("emergency") == (4, Unit.HOURS)


@pytest.mark.parametrize("step", list(Step))
@pytest.mark.parametrize("priority", list(Priority))
def test_the_defaults_cover_every_step_and_priority(step: Step, priority: Priority) -> None:
    start = sh(2025, 9, 30, 17)
    for path in (HAZARD, (), None):
        r = resolve_rule(DEFAULT_RULES, path, priority, step)
        assert r.step is step
        due = due_at(r, start, CAL)
        assert due > start and due.tzinfo is UTC


def test_a_level_1_category_rule_applies_to_every_leaf_under_it() -> None:
    rules = [rule(amount=5), rule(amount=3, category="城乡建设")]
    for leaf in (HAZARD, ACCIDENT, GREENING, CITY_OTHER):
        assert resolve_rule(rules, leaf, "normal", "handle").amount == 3
    assert resolve_rule(rules, SCHOOL, "normal", "handle").amount == 5
    assert resolve_rule(rules, None, "normal", "handle").amount == 5


def test_the_deepest_category_wins() -> None:
    rules = [
        rule(amount=3, category="城乡建设"),
        rule(amount=2, category="城乡建设/安全生产"),
        rule(amount=1, category="城乡建设/安全生产/安全隐患"),
        rule(amount=5),
    ]
    assert resolve_rule(rules, HAZARD, "normal", "handle").amount == 1
    assert resolve_rule(rules, ACCIDENT, "normal", "handle").amount == 2
    assert resolve_rule(rules, GREENING, "normal", "handle").amount == 3


def test_category_depth_comes_before_priority() -> None:
    rules = [
        rule(amount=1, category="城乡建设", priority="urgent"),
        rule(amount=4, category="城乡建设/安全生产"),
    ]
    assert resolve_rule(rules, HAZARD, "urgent", "handle").amount == 4
    assert resolve_rule(rules, GREENING, "urgent", "handle").amount == 1


def test_at_the_same_depth_a_priority_rule_beats_a_generic_one() -> None:
    rules = [
        rule(amount=2, category="城乡建设", priority="urgent"),
        rule(amount=5, category="城乡建设"),
    ]
    assert resolve_rule(rules, HAZARD, "urgent", "handle").amount == 2
    assert resolve_rule(rules, HAZARD, "normal", "handle").amount == 5


def test_a_later_rule_overrides_an_equally_specific_one() -> None:
    rules = [*DEFAULT_RULES, rule(amount=3, priority="normal")]
    assert resolve_rule(rules, HAZARD, "normal", "handle").amount == 3
    assert resolve_rule(rules, HAZARD, "low", "handle").amount == 10


def test_a_single_name_matches_at_any_level_and_a_path_only_from_the_root() -> None:
    rules = [rule(amount=5), rule(amount=2, category="安全生产")]
    assert resolve_rule(rules, HAZARD, "normal", "handle").amount == 2
    assert resolve_rule(rules, GREENING, "normal", "handle").amount == 5
    rules = [rule(amount=5), rule(amount=1, category="城市建设和市政管理/其他")]
    assert resolve_rule(rules, CITY_OTHER, "normal", "handle").amount == 5  # not from the root
    rules = [rule(amount=5), rule(amount=1, category="城乡建设/城市建设和市政管理/其他")]
    assert resolve_rule(rules, CITY_OTHER, "normal", "handle").amount == 1
    assert resolve_rule(rules, LABOUR_OTHER, "normal", "handle").amount == 5


def test_rules_of_other_steps_and_priorities_do_not_apply() -> None:
    rules = [rule(step="accept", amount=4, unit="working_hours"), rule(priority="urgent")]
    with pytest.raises(NoRuleError, match="step handle, priority normal, category 城乡建设"):
        resolve_rule(rules, HAZARD, "normal", "handle")
    with pytest.raises(ValueError):
        resolve_rule(rules, HAZARD, "normal", "close")


# --------------------------------------------------------------------- deadlines


def test_one_working_day_from_friday_evening_is_due_monday_at_closing_time() -> None:
    r = rule(amount=1)
    assert due_at(r, sh(2025, 3, 14, 20), CAL) == sh(2025, 3, 17, 18)


def test_normal_handling_over_national_day_counts_the_make_up_saturday() -> None:
    r = resolve_rule(DEFAULT_RULES, HAZARD, "normal", "handle")  # 5 working days
    # 10/1–10/8 off; 10/9, 10/10, 10/11 (Saturday), 10/13, 10/14
    assert due_at(r, sh(2025, 9, 30, 15), CAL) == sh(2025, 10, 14, 18)


def test_dispatch_in_working_hours_waits_for_the_end_of_spring_festival() -> None:
    r = resolve_rule(DEFAULT_RULES, HAZARD, "normal", "dispatch")  # 2 working hours
    assert due_at(r, sh(2025, 1, 27, 17, 30), CAL) == sh(2025, 2, 5, 10, 30)


def test_emergency_calendar_hours_ignore_holidays_and_nights() -> None:
    r = resolve_rule(DEFAULT_RULES, HAZARD, "emergency", "handle")  # 4 calendar hours
    assert due_at(r, sh(2025, 10, 1, 22), CAL) == sh(2025, 10, 2, 2)
    assert due_at(r, sh(2025, 1, 28, 23, 30), CAL) == sh(2025, 1, 29, 3, 30)
    assert due_at(r, sh(2025, 10, 1, 22), CAL).tzinfo is UTC


def test_a_naive_start_is_rejected_for_every_unit() -> None:
    for unit, amount in (("hours", 4), ("working_hours", 2), ("working_days", 1)):
        r = rule(unit=unit, amount=amount)
        with pytest.raises(ValueError, match="naive"):
            due_at(r, datetime(2025, 3, 14, 20), CAL)
        with pytest.raises(ValueError, match="naive"):
            warn_at(r, datetime(2025, 3, 14, 20), CAL, 0.2)


# --------------------------------------------------------------------- warnings


def test_a_working_hours_warning_comes_when_the_fraction_is_left() -> None:
    r = rule(step="accept", amount=4, unit="working_hours")
    # 4 working hours from Monday 09:00: due 14:30; 1 hour left at 12:00
    assert due_at(r, sh(2025, 3, 17, 9), CAL) == sh(2025, 3, 17, 14, 30)
    assert warn_at(r, sh(2025, 3, 17, 9), CAL, 0.25) == sh(2025, 3, 17, 12)


def test_a_working_days_warning_measures_the_working_time_allowed() -> None:
    r = rule(amount=1)  # Friday evening → Monday 18:00: 7.5 working hours allowed
    assert warn_at(r, sh(2025, 3, 14, 20), CAL, 0.2) == sh(2025, 3, 17, 16, 30)


def test_an_emergency_warning_counts_calendar_time() -> None:
    r = resolve_rule(DEFAULT_RULES, HAZARD, "emergency", "handle")
    assert warn_at(r, sh(2025, 10, 1, 22), CAL, 0.25) == sh(2025, 10, 2, 1)


def test_warning_at_the_ends_of_the_range() -> None:
    for r in (rule(amount=3), rule(amount=4, unit="working_hours"), rule(amount=4, unit="hours")):
        start = sh(2025, 9, 30, 15)
        assert warn_at(r, start, CAL, 0) == due_at(r, start, CAL)
        assert warn_at(r, start, CAL, 1) == start
    with pytest.raises(ValueError, match="between 0 and 1"):
        warn_at(rule(), sh(2025, 9, 30, 15), CAL, 1.5)


moments = st.datetimes(
    min_value=datetime(2024, 12, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
rules = st.one_of(
    st.builds(rule, amount=st.integers(1, 20), unit=st.just("working_days")),
    st.builds(rule, amount=st.floats(0.1, 80), unit=st.just("working_hours")),
    st.builds(rule, amount=st.floats(0.1, 80), unit=st.just("hours")),
)
fractions = st.floats(min_value=0, max_value=1)


@given(r=rules, start=moments, f1=fractions, f2=fractions)
def test_warnings_fall_between_start_and_deadline_earlier_for_larger_fractions(
    r: SlaRule, start: datetime, f1: float, f2: float
) -> None:
    due = due_at(r, start, CAL)
    small, large = sorted((f1, f2))
    w_small, w_large = warn_at(r, start, CAL, small), warn_at(r, start, CAL, large)
    assert start <= w_large <= w_small <= due + timedelta(microseconds=1)
