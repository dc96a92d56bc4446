"""Working-time arithmetic over the holiday calendar, with fixed clocks only."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huying.cityconfig.calendar import (
    CalendarDay,
    CalendarError,
    DayKind,
    WorkCalendar,
    default_calendar,
    parse_holidays,
    read_holidays,
)

SH = ZoneInfo("Asia/Shanghai")
CAL = default_calendar()


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """A moment in Beijing time."""
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def local(moment: datetime) -> datetime:
    assert moment.tzinfo is UTC, "results are in UTC"
    return moment.astimezone(SH)


# --------------------------------------------------------------------- the shipped data


def test_the_shipped_calendar_covers_2025_to_2027() -> None:
    assert {2025, 2026, 2027} <= CAL.years
    assert default_calendar() is CAL


def test_2025_and_2026_are_official_and_2027_is_provisional() -> None:
    for d in (date(2025, 1, 28), date(2026, 2, 15), date(2026, 10, 7)):
        row = CAL.day(d)
        assert row is not None and row.source == "official" and not row.provisional
    row_2027 = CAL.day(date(2027, 10, 1))
    assert row_2027 is not None and row_2027.provisional


def test_every_make_up_working_day_is_a_weekend_day() -> None:
    days = read_holidays(Path(__file__).parents[2] / "huying" / "data" / "holidays.csv")
    assert days
    for d in days:
        if d.kind is DayKind.WORKDAY:
            assert d.date.weekday() >= 5, d


@pytest.mark.parametrize(
    ("day", "worked"),
    [
        (date(2025, 1, 1), False),  # 元旦
        (date(2025, 1, 26), True),  # Sunday, 春节 make-up
        (date(2025, 1, 28), False),  # 除夕
        (date(2025, 2, 4), False),  # 初七
        (date(2025, 2, 5), True),
        (date(2025, 2, 8), True),  # Saturday, 春节 make-up
        (date(2025, 3, 15), False),  # an ordinary Saturday
        (date(2025, 3, 17), True),  # an ordinary Monday
        (date(2025, 4, 27), True),  # Sunday, 劳动节 make-up
        (date(2025, 5, 5), False),
        (date(2025, 6, 2), False),  # 端午
        (date(2025, 9, 28), True),  # Sunday, 国庆 make-up
        (date(2025, 10, 8), False),
        (date(2025, 10, 11), True),  # Saturday, 国庆 make-up
        (date(2026, 1, 4), True),  # Sunday, 元旦 make-up
        (date(2026, 2, 14), True),
        (date(2026, 2, 23), False),
        (date(2026, 2, 28), True),
        (date(2026, 5, 9), True),
        (date(2026, 9, 20), True),
        (date(2026, 9, 25), False),  # 中秋
        (date(2026, 10, 10), True),
    ],
)
def test_it_knows_holidays_and_make_up_working_days(day: date, worked: bool) -> None:
    assert CAL.is_workday(day) is worked


def test_is_workday_on_a_datetime_uses_the_local_date() -> None:
    # 2025-01-27 17:00 UTC is 2025-01-28 01:00 in Beijing: 除夕, a holiday.
    assert not CAL.is_workday(datetime(2025, 1, 27, 17, tzinfo=UTC))
    assert CAL.is_workday(datetime(2025, 1, 27, 15, tzinfo=UTC))


# --------------------------------------------------------------------- working days


def test_friday_evening_plus_one_working_day_is_due_monday_at_closing_time() -> None:
    assert local(CAL.add_working_days(sh(2025, 3, 14, 20), 1)) == sh(2025, 3, 17, 18)


def test_the_day_of_the_report_never_counts_whatever_the_hour() -> None:
    assert local(CAL.add_working_days(sh(2025, 3, 14, 8), 1)) == sh(2025, 3, 17, 18)
    assert local(CAL.add_working_days(sh(2025, 3, 17, 9), 5)) == sh(2025, 3, 24, 18)


def test_friday_before_spring_festival_is_due_on_the_make_up_sunday() -> None:
    assert local(CAL.add_working_days(sh(2025, 1, 24, 20), 1)) == sh(2025, 1, 26, 18)


def test_working_days_skip_spring_festival_2025_and_count_the_make_up_saturday() -> None:
    # Reported Monday 1/27; 1/28–2/4 off; 2/5, 2/6, 2/7 worked, 2/8 (Saturday) worked.
    assert local(CAL.add_working_days(sh(2025, 1, 27, 10), 1)) == sh(2025, 2, 5, 18)
    assert local(CAL.add_working_days(sh(2025, 1, 27, 10), 4)) == sh(2025, 2, 8, 18)
    assert local(CAL.add_working_days(sh(2025, 1, 27, 10), 5)) == sh(2025, 2, 10, 18)


def test_working_days_skip_national_day_2025_and_count_the_make_up_days() -> None:
    # 9/28 (Sunday) worked; 10/1–10/8 off; 10/11 (Saturday) worked.
    assert local(CAL.add_working_days(sh(2025, 9, 26, 19), 1)) == sh(2025, 9, 28, 18)
    assert local(CAL.add_working_days(sh(2025, 9, 30, 10), 1)) == sh(2025, 10, 9, 18)
    assert local(CAL.add_working_days(sh(2025, 9, 30, 10), 3)) == sh(2025, 10, 11, 18)
    assert local(CAL.add_working_days(sh(2025, 9, 30, 10), 4)) == sh(2025, 10, 13, 18)


def test_a_case_reported_on_a_holiday_counts_from_the_first_working_day_after() -> None:
    assert local(CAL.add_working_days(sh(2025, 10, 3, 11), 1)) == sh(2025, 10, 9, 18)
    assert local(CAL.add_working_hours(sh(2025, 10, 3, 11), 1)) == sh(2025, 10, 9, 10)
    assert local(CAL.add_working_hours(sh(2025, 2, 1, 11), 7.5)) == sh(2025, 2, 5, 18)


def test_zero_working_days_means_the_end_of_today_or_of_the_next_working_day() -> None:
    assert local(CAL.add_working_days(sh(2025, 3, 17, 10), 0)) == sh(2025, 3, 17, 18)
    assert local(CAL.add_working_days(sh(2025, 3, 17, 18), 0)) == sh(2025, 3, 18, 18)
    assert local(CAL.add_working_days(sh(2025, 3, 15, 10), 0)) == sh(2025, 3, 17, 18)


def test_working_days_must_be_a_non_negative_int() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        CAL.add_working_days(sh(2025, 3, 17, 10), -1)
    with pytest.raises(TypeError):
        CAL.add_working_days(sh(2025, 3, 17, 10), 1.5)  # type: ignore[arg-type]


# --------------------------------------------------------------------- working hours


def test_working_hours_skip_the_lunch_break() -> None:
    assert local(CAL.add_working_hours(sh(2025, 3, 17, 11), 2)) == sh(2025, 3, 17, 14, 30)
    assert local(CAL.add_working_hours(sh(2025, 3, 17, 12, 30), 1)) == sh(2025, 3, 17, 14, 30)


def test_a_deadline_on_the_end_of_a_window_stays_there() -> None:
    assert local(CAL.add_working_hours(sh(2025, 3, 17, 10), 2)) == sh(2025, 3, 17, 12)
    assert local(CAL.add_working_hours(sh(2025, 3, 17, 9), 7.5)) == sh(2025, 3, 17, 18)


def test_working_hours_skip_nights_and_weekends() -> None:
    assert local(CAL.add_working_hours(sh(2025, 3, 17, 17), 2)) == sh(2025, 3, 18, 10)
    assert local(CAL.add_working_hours(sh(2025, 3, 17, 20), 2)) == sh(2025, 3, 18, 11)
    assert local(CAL.add_working_hours(sh(2025, 3, 18, 7), 1)) == sh(2025, 3, 18, 10)
    assert local(CAL.add_working_hours(sh(2025, 3, 14, 17), 2)) == sh(2025, 3, 17, 10)


def test_working_hours_run_through_make_up_weekend_days_and_skip_spring_festival() -> None:
    assert local(CAL.add_working_hours(sh(2025, 1, 25, 10), 1)) == sh(2025, 1, 26, 10)
    assert local(CAL.add_working_hours(sh(2025, 1, 27, 17), 2)) == sh(2025, 2, 5, 10)


def test_zero_working_hours_returns_the_start_in_utc() -> None:
    start = sh(2025, 3, 15, 22)
    assert CAL.add_working_hours(start, 0) == start
    assert CAL.add_working_hours(start, 0).tzinfo is UTC


def test_working_hours_between_counts_only_working_time() -> None:
    assert CAL.working_hours_between(sh(2025, 3, 17, 9), sh(2025, 3, 17, 18)) == 7.5
    assert CAL.working_hours_between(sh(2025, 3, 17, 11), sh(2025, 3, 17, 14)) == 1.5
    assert CAL.working_hours_between(sh(2025, 3, 14, 17), sh(2025, 3, 17, 10)) == 2
    assert CAL.working_hours_between(sh(2025, 9, 30, 9), sh(2025, 10, 9, 9)) == 7.5
    assert CAL.working_hours_between(sh(2025, 10, 2, 9), sh(2025, 10, 5, 9)) == 0
    assert CAL.working_hours_between(sh(2025, 3, 17, 18), sh(2025, 3, 17, 9)) == -7.5


def test_inputs_in_any_zone_give_results_in_utc() -> None:
    friday_evening_utc = datetime(2025, 3, 14, 12, tzinfo=UTC)  # 20:00 in Beijing
    due = CAL.add_working_days(friday_evening_utc, 1)
    assert due == datetime(2025, 3, 17, 10, tzinfo=UTC)  # Monday 18:00 in Beijing
    assert due.tzinfo is UTC


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.add_working_hours(datetime(2025, 3, 17, 9), 1),
        lambda: CAL.add_working_days(datetime(2025, 3, 17, 9), 1),
        lambda: CAL.working_hours_between(datetime(2025, 3, 17, 9), sh(2025, 3, 18)),
        lambda: CAL.is_workday(datetime(2025, 3, 17, 9)),
    ],
)
def test_naive_datetimes_are_rejected(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="naive"):
        call()


def test_negative_working_hours_are_rejected() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        CAL.add_working_hours(sh(2025, 3, 17, 9), -1)


def test_a_city_can_set_its_own_hours_zone_and_days() -> None:
    cal = WorkCalendar.from_rows(
        [("2025-03-17", "holiday", "local festival", "local")],
        tz="Asia/Urumqi",
        hours=[(time(10, 0), time(13, 0)), (time(15, 0), time(19, 30))],
    )
    assert cal.hours_per_day == 7.5
    assert not cal.is_workday(date(2025, 3, 17))
    start = datetime(2025, 3, 14, 12, 30, tzinfo=ZoneInfo("Asia/Urumqi"))
    assert cal.add_working_hours(start, 1).astimezone(cal.tz) == datetime(
        2025, 3, 14, 15, 30, tzinfo=ZoneInfo("Asia/Urumqi")
    )
    assert cal.add_working_days(start, 1).astimezone(cal.tz) == datetime(
        2025, 3, 18, 19, 30, tzinfo=ZoneInfo("Asia/Urumqi")
    )


def test_bad_working_hours_are_rejected() -> None:
    with pytest.raises(ValueError, match="ends before"):
        WorkCalendar(hours=[(time(12), time(9))])
    with pytest.raises(ValueError, match="overlaps"):
        WorkCalendar(hours=[(time(9), time(12)), (time(11), time(18))])
    with pytest.raises(ValueError, match="at least one"):
        WorkCalendar(hours=[])


def test_outside_the_covered_years_only_weekends_are_off() -> None:
    assert CAL.is_workday(date(2030, 10, 1))  # a Tuesday, no data for 2030
    assert not CAL.is_workday(date(2030, 10, 5))


# --------------------------------------------------------------------- CSV validation

GOOD = """\
# a city's own calendar
date,kind,name,source

# 2025
2025-10-01,holiday,国庆节,official
2025-10-11,workday,国庆节调休上班,official
"""


def test_comment_and_blank_lines_are_ignored() -> None:
    days = parse_holidays(GOOD)
    assert days == [
        CalendarDay(date(2025, 10, 1), DayKind.HOLIDAY, "国庆节", "official"),
        CalendarDay(date(2025, 10, 11), DayKind.WORKDAY, "国庆节调休上班", "official"),
    ]


def test_a_bad_date_is_reported_with_its_line_and_field() -> None:
    text = GOOD + "2025-02-30,holiday,x,official\n2025/10/02,holiday,x,official\n"
    with pytest.raises(CalendarError) as info:
        parse_holidays(text, origin="city.csv")
    assert [(line, field) for line, field, _ in info.value.errors] == [(7, "date"), (8, "date")]
    assert "city.csv line 7, field 'date'" in str(info.value)
    assert "'2025-02-30' is not a valid date" in str(info.value)
    assert "line 8" in str(info.value)


def test_an_unknown_kind_is_reported_with_its_line() -> None:
    with pytest.raises(CalendarError, match=r"line 7, field 'kind': unknown kind 'holyday'"):
        parse_holidays(GOOD + "2025-10-02,holyday,x,official\n")


def test_a_duplicate_date_names_both_lines() -> None:
    with pytest.raises(
        CalendarError, match=r"line 7, field 'date': 2025-10-01 is already .*line 5"
    ):
        parse_holidays(GOOD + "2025-10-01,holiday,again,official\n")


def test_a_make_up_working_day_must_be_a_weekend_day() -> None:
    with pytest.raises(CalendarError, match=r"line 7, field 'kind': 2025-10-09 is a Thursday"):
        parse_holidays(GOOD + "2025-10-09,workday,x,official\n")


def test_a_row_with_the_wrong_number_of_fields_is_reported() -> None:
    with pytest.raises(CalendarError, match=r"line 7, field 'row': 2 fields"):
        parse_holidays(GOOD + "2025-10-02,holiday\n")


def test_the_header_is_checked() -> None:
    with pytest.raises(CalendarError, match=r"line 1, field 'knd': unknown column"):
        parse_holidays("date,knd\n2025-10-01,holiday\n")
    with pytest.raises(CalendarError, match="no header"):
        parse_holidays("# only comments\n")


def test_all_errors_are_reported_at_once() -> None:
    text = "date,kind\n2025-13-01,holiday\n2025-10-01,vacation\n2025-10-02,holiday\n"
    with pytest.raises(CalendarError) as info:
        parse_holidays(text)
    assert [(line, field) for line, field, _ in info.value.errors] == [(2, "date"), (3, "kind")]


def test_a_calendar_reads_any_csv_file(tmp_path: Path) -> None:
    path = tmp_path / "city.csv"
    path.write_text("\ufeff" + GOOD, encoding="utf-8")
    cal = WorkCalendar.from_csv(path)
    assert cal.is_workday(date(2025, 10, 11)) and not cal.is_workday(date(2025, 10, 1))
    path.write_text(GOOD + "2025-10-01,holiday,x,y\n", encoding="utf-8")
    with pytest.raises(CalendarError, match=f"{path.name} line 7"):
        WorkCalendar.from_csv(path)


def test_rows_are_validated_like_the_csv() -> None:
    cal = WorkCalendar.from_rows([{"date": date(2025, 10, 1), "kind": "holiday"}])
    assert not cal.is_workday(date(2025, 10, 1))
    with pytest.raises(CalendarError, match="line 3, field 'date'"):
        WorkCalendar.from_rows([("2025-10-01", "holiday"), ("2025-10-01", "holiday")])


# --------------------------------------------------------------------- properties

moments = st.datetimes(
    min_value=datetime(2024, 12, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
hours = st.floats(min_value=0, max_value=300, allow_nan=False, allow_infinity=False)
ONE_SECOND = 1 / 3600


@settings(max_examples=300)
@given(start=moments, h=hours)
def test_measuring_what_was_added_gives_it_back(start: datetime, h: float) -> None:
    end = CAL.add_working_hours(start, h)
    assert end >= start
    assert abs(CAL.working_hours_between(start, end) - h) < ONE_SECOND


@given(start=moments, h1=hours, h2=hours)
def test_more_working_hours_never_end_earlier(start: datetime, h1: float, h2: float) -> None:
    lo, hi = sorted((h1, h2))
    assert CAL.add_working_hours(start, lo) <= CAL.add_working_hours(start, hi)


@given(a=moments, b=moments, h=hours)
def test_a_later_start_never_ends_earlier(a: datetime, b: datetime, h: float) -> None:
    early, late = sorted((a, b))
    assert CAL.add_working_hours(early, h) <= CAL.add_working_hours(late, h)
    assert CAL.working_hours_between(early, late) >= 0


@given(a=moments, b=moments, c=moments)
def test_working_hours_between_adds_up(a: datetime, b: datetime, c: datetime) -> None:
    x, y, z = sorted((a, b, c))
    total = CAL.working_hours_between(x, z)
    parts = CAL.working_hours_between(x, y) + CAL.working_hours_between(y, z)
    assert abs(total - parts) < ONE_SECOND


@given(start=moments, n=st.integers(min_value=0, max_value=40))
def test_working_days_end_at_closing_time_of_a_working_day(start: datetime, n: int) -> None:
    due = local(CAL.add_working_days(start, n))
    assert due.time() == time(18, 0)
    assert CAL.is_workday(due.date())
    assert due > start
    later = local(CAL.add_working_days(start, n + 1))
    if n >= 1:
        assert later.date() == CAL.next_workday(due.date())
    else:  # "today" and "1 working day" coincide when the start is after work or on a day off
        assert later.date() in (due.date(), CAL.next_workday(due.date()))
    # n whole working days after the start's day, plus what is left of that day
    worked = CAL.working_hours_between(start, due)
    assert n * CAL.hours_per_day - ONE_SECOND <= worked
    assert worked <= (n + 1) * CAL.hours_per_day + ONE_SECOND


@given(start=moments, h=hours)
def test_a_non_zero_deadline_falls_inside_working_time(start: datetime, h: float) -> None:
    if h == 0:
        return
    end = local(CAL.add_working_hours(start, h))
    assert CAL.is_workday(end.date())
    wall = end.time().replace(tzinfo=None)
    assert any(s <= wall <= e for s, e in CAL.hours)
