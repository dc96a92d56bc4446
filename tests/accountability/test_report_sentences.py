"""The report's sentence builders on hand-made numbers: an increase, a decrease, no change,
no year before, zeros and nothing to rate — in Chinese (the catalogue's words) and English."""

from __future__ import annotations

import datetime as dt

import pytest

from huying.accountability.report import report_period, span, year_before
from huying.accountability.report_data import Change, Figure, Statement, change
from huying.errors import InvalidInput
from huying.web import i18n
from huying.web.report_doc import (
    clause,
    count_change,
    duration,
    now_sentence,
    num,
    pct,
    period_label,
    rate_change,
    sentence,
)

ZH = i18n.translations("zh").gettext
EN = i18n.translations("en").gettext
NOW = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


def v(value: float | None, num_: int | None = None, den: int | None = None) -> Figure:
    return Figure(value, num_, den)


KIND = {"on_time_rate": "rate", "satisfaction_rate": "rate", "received": "count", "mean_hours_to_close": "mean"}


def st(key: str, figure: Figure, previous: Figure | None) -> Statement:
    return Statement(key, KIND[key], figure, previous)  # type: ignore[arg-type]


def test_numbers_have_thousands_separators_and_one_decimal_rates() -> None:
    assert num(3214) == "3,214" and num(1234567) == "1,234,567" and num(None) == "—"
    assert pct(0.918) == "91.8%" and pct(0.0) == "0.0%" and pct(None) == "—"
    assert duration(55.2, ZH) == "2.3 天" and duration(36.5, ZH) == "36.5 小时"


def test_a_rate_that_rose_says_so_in_percentage_points() -> None:
    s = st("on_time_rate", v(0.918, 918, 1000), v(0.897, 897, 1000))
    assert clause(s, "上年", ZH) == "按时办结率 91.8%，较上年提高 2.1 个百分点"
    assert clause(s, "the year before", EN) == "On-time rate 91.8%, up 2.1 percentage points on the year before"


def test_a_rate_that_fell_and_one_that_did_not_move() -> None:
    fell = st("satisfaction_rate", v(0.80), v(0.85))
    assert clause(fell, "上年", ZH) == "满意率 80.0%，较上年降低 5.0 个百分点"
    flat = st("satisfaction_rate", v(0.8001), v(0.7999))  # 0.02 points: nothing at 0.1 shown
    assert clause(flat, "上年", ZH) == "满意率 80.0%，与上年持平"
    assert "0.0 个百分点" not in clause(flat, "上年", ZH)


def test_counts_say_the_relative_change_and_from_nothing_no_percentage() -> None:
    assert clause(st("received", v(3214), v(3000)), "上年", ZH) == "共受理群众诉求 3,214 件，较上年增长 7.1%"
    assert clause(st("received", v(2700), v(3000)), "上年", ZH) == "共受理群众诉求 2,700 件，较上年下降 10.0%"
    assert clause(st("received", v(5), v(0)), "上年", ZH) == "共受理群众诉求 5 件，上年为零"
    assert clause(st("received", v(0), v(0)), "上年", ZH) == "共受理群众诉求 0 件，与上年持平"
    assert count_change(Change("up", 1, 0.0001), "上年", ZH) == "，与上年基本持平"  # no "增长 0.0%"


def test_without_a_year_before_nothing_is_compared() -> None:
    s = st("on_time_rate", v(0.5, 1, 2), None)
    assert s.change.direction == "none"
    assert clause(s, "上年", ZH) == "按时办结率 50.0%"
    assert clause(st("received", v(3), v(2)), "上年", ZH, compare=False) == "共受理群众诉求 3 件"


def test_nothing_to_rate_is_said_without_a_number() -> None:
    s = st("satisfaction_rate", v(None, 0, 0), v(0.9))
    text = clause(s, "上年", ZH)
    assert text == "满意率暂无数据"
    assert "NaN" not in text and "None" not in text and "%" not in text


def test_time_to_close_is_shorter_or_longer() -> None:
    assert clause(st("mean_hours_to_close", v(55.2), v(64.8)), "上年", ZH) == "平均办结用时 2.3 天，较上年缩短 9.6 小时"
    assert clause(st("mean_hours_to_close", v(30.0), v(20.0)), "上年", ZH) == "平均办结用时 30.0 小时，较上年延长 10.0 小时"


def test_open_and_overdue_now_are_a_state_never_compared() -> None:
    assert now_sentence(120, 8, ZH) == "目前在办 120 件，其中超期 8 件。"
    assert now_sentence(3, 0, ZH) == "目前在办 3 件，均未超期。"
    assert now_sentence(0, 0, ZH) == "目前无在办诉求。"
    assert change("now", 5, 1).direction == "none"


def test_a_sentence_joins_its_clauses_and_ends_once() -> None:
    assert sentence(["2026年，虎门镇共受理群众诉求 3,214 件", "", "办结 3,100 件"], ZH) == \
        "2026年，虎门镇共受理群众诉求 3,214 件；办结 3,100 件。"
    assert sentence([], ZH) == ""
    assert rate_change(Change("none"), "上年", ZH) == ""


def test_periods_are_named_in_the_chinese_style() -> None:
    assert period_label(span(report_period("2026", now=NOW)), ZH) == "2026年"
    assert period_label(span(report_period("2026Q3", now=NOW)), ZH) == "2026年第3季度"
    assert period_label(span(report_period("2026-07", now=NOW)), ZH) == "2026年07月"
    assert period_label(span(report_period("", "2026-01-01", "2026-03-31", now=NOW)), ZH) == "2026-01-01 至 2026-03-31"
    assert period_label(span(report_period("2026Q3", now=NOW)), EN) == "Q3 2026"


def test_the_same_period_a_year_before() -> None:
    q = year_before(report_period("2026Q1", now=NOW), now=NOW)
    assert q is not None and (q.start, q.end) == (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    leap = year_before(report_period("", "2024-02-29", "2024-03-31", now=NOW), now=NOW)
    assert leap is not None and leap.start == dt.date(2023, 2, 28)
    assert year_before(report_period("all", now=NOW), now=NOW) is None


@pytest.mark.parametrize("bad", ["2026X", "26", "2026Q5", "2026-13", "fortnight"])
def test_a_bad_period_names_the_field(bad: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        report_period(bad, now=NOW)
    assert exc.value.field == "period" or str(exc.value).startswith("period")
