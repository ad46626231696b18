"""The working-day calendar against the State Council notices for 2025 and 2026.

Dates are those of 国务院办公厅关于2025年/2026年部分节假日安排的通知 (as
encoded in chinese-calendar 1.11.0): a clerk's due dates are only right if
holidays are rest days and the make-up Saturdays and Sundays are working days.
"""

from __future__ import annotations

import datetime as dt

import pytest

from xzconsole.workdays import ScheduleError, WorkCalendar, YearSchedule

D = dt.date


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    out = []
    while first <= last:
        out.append(first)
        first += dt.timedelta(days=1)
    return out


# (name, first rest day, last rest day) — every day in between is a rest day
HOLIDAYS_2025 = [
    ("元旦", D(2025, 1, 1), D(2025, 1, 1)),
    ("春节", D(2025, 1, 28), D(2025, 2, 4)),
    ("清明节", D(2025, 4, 4), D(2025, 4, 6)),
    ("劳动节", D(2025, 5, 1), D(2025, 5, 5)),
    ("端午节", D(2025, 5, 31), D(2025, 6, 2)),
    ("国庆节、中秋节", D(2025, 10, 1), D(2025, 10, 8)),
]
MAKEUP_2025 = [D(2025, 1, 26), D(2025, 2, 8), D(2025, 4, 27), D(2025, 9, 28), D(2025, 10, 11)]

HOLIDAYS_2026 = [
    ("元旦", D(2026, 1, 1), D(2026, 1, 3)),
    ("春节", D(2026, 2, 15), D(2026, 2, 23)),
    ("清明节", D(2026, 4, 4), D(2026, 4, 6)),
    ("劳动节", D(2026, 5, 1), D(2026, 5, 5)),
    ("端午节", D(2026, 6, 19), D(2026, 6, 21)),
    ("中秋节", D(2026, 9, 25), D(2026, 9, 27)),
    ("国庆节", D(2026, 10, 1), D(2026, 10, 7)),
]
MAKEUP_2026 = [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)]


@pytest.mark.parametrize("name,first,last", HOLIDAYS_2025 + HOLIDAYS_2026, ids=lambda v: str(v))
def test_holiday_ranges_are_rest_days_and_neighbours_are_not(cal, name, first, last):
    for d in days(first, last):
        assert not cal.is_workday(d), f"{name} {d} should be a rest day"
    # the range is exact: the weekday just before and just after is a working day
    before, after = first - dt.timedelta(days=1), last + dt.timedelta(days=1)
    while before.weekday() >= 5:
        before -= dt.timedelta(days=1)
    while after.weekday() >= 5 and after not in MAKEUP_2025 + MAKEUP_2026:
        after += dt.timedelta(days=1)
    assert cal.is_workday(before), before
    assert cal.is_workday(after), after


@pytest.mark.parametrize("d", MAKEUP_2025 + MAKEUP_2026, ids=str)
def test_make_up_weekend_days_are_workdays(cal, d):
    assert d.weekday() >= 5
    assert cal.is_workday(d)
    info = cal.day_info(d)
    assert info.kind == "makeup" and info.workday and not info.provisional


def test_ordinary_weekends_rest_and_weekdays_work(cal):
    assert not cal.is_workday(D(2026, 11, 28))  # Saturday
    assert not cal.is_workday(D(2026, 11, 29))  # Sunday
    assert cal.is_workday(D(2026, 11, 30))  # Monday
    assert cal.is_workday(D(2025, 3, 12))  # Wednesday
    # whole-year totals, counted by hand from the notices:
    # 2026: 261 weekdays − 19 holiday weekdays + 6 make-up days = 248
    # 2025: 261 weekdays − 18 holiday weekdays + 5 make-up days = 248
    assert sum(cal.is_workday(d) for d in days(D(2026, 1, 1), D(2026, 12, 31))) == 248
    assert sum(cal.is_workday(d) for d in days(D(2025, 1, 1), D(2025, 12, 31))) == 248


def test_add_workdays_is_the_nth_working_day_strictly_after(cal):
    # an ordinary week: Thursday + 1 = Friday, + 2 = next Monday
    assert cal.add_workdays(D(2026, 11, 26), 1) == D(2026, 11, 27)
    assert cal.add_workdays(D(2026, 11, 26), 2) == D(2026, 11, 30)
    # from a rest day the first working day after it counts as 1
    assert cal.add_workdays(D(2026, 11, 28), 1) == D(2026, 11, 30)
    # 春节 2026: Friday Feb 13 → Saturday Feb 14 is a make-up working day
    assert cal.add_workdays(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert cal.add_workdays(D(2026, 2, 13), 2) == D(2026, 2, 24)  # Feb 15–23 off
    # 国庆 2026: Sep 30 + 1 = Oct 8 (Oct 1–7 off), +3 = Oct 10 (make-up Saturday)
    assert cal.add_workdays(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert cal.add_workdays(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert cal.add_workdays(D(2026, 9, 30), 4) == D(2026, 10, 12)
    # 元旦 2026: Dec 31 2025 + 1 = Sunday Jan 4 (make-up), + 2 = Monday Jan 5
    assert cal.add_workdays(D(2025, 12, 31), 1) == D(2026, 1, 4)
    assert cal.add_workdays(D(2025, 12, 31), 2) == D(2026, 1, 5)
    # 2025 春节 with make-ups on Sunday Jan 26 and Saturday Feb 8
    assert cal.add_workdays(D(2025, 1, 24), 1) == D(2025, 1, 26)
    assert cal.add_workdays(D(2025, 1, 27), 1) == D(2025, 2, 5)
    assert cal.add_workdays(D(2025, 2, 7), 1) == D(2025, 2, 8)
    # 2025 劳动节 make-up Sunday Apr 27; 国庆中秋 Oct 1–8 with Sep 28 and Oct 11
    assert cal.add_workdays(D(2025, 4, 25), 1) == D(2025, 4, 27)
    assert cal.add_workdays(D(2025, 4, 30), 1) == D(2025, 5, 6)
    assert cal.add_workdays(D(2025, 9, 26), 1) == D(2025, 9, 28)
    assert cal.add_workdays(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert cal.add_workdays(D(2025, 10, 10), 1) == D(2025, 10, 11)
    with pytest.raises(ValueError):
        cal.add_workdays(D(2026, 1, 5), -1)


def test_workdays_between_counts_a_excluded_b_included(cal):
    assert cal.workdays_between(D(2026, 11, 26), D(2026, 11, 26)) == 0
    assert cal.workdays_between(D(2026, 11, 26), D(2026, 11, 27)) == 1
    assert cal.workdays_between(D(2026, 11, 27), D(2026, 11, 29)) == 0  # Sat, Sun
    assert cal.workdays_between(D(2026, 11, 27), D(2026, 11, 30)) == 1
    assert cal.workdays_between(D(2026, 11, 30), D(2026, 11, 26)) == 0  # b before a
    # across the 2026 National Day: Sep 30 → Oct 12 = Oct 8, 9, 10 (make-up), 12
    assert cal.workdays_between(D(2026, 9, 30), D(2026, 10, 12)) == 4
    # across 春节 2026: Feb 13 → Feb 24 = Feb 14 (make-up), Feb 24
    assert cal.workdays_between(D(2026, 2, 13), D(2026, 2, 24)) == 2


@pytest.mark.parametrize("start", [D(2025, 1, 20) + dt.timedelta(days=i * 9) for i in range(80)], ids=str)
def test_add_and_between_are_inverse(cal, start):
    for n in (1, 2, 3, 5, 10):
        due = cal.add_workdays(start, n)
        assert cal.is_workday(due)
        assert cal.workdays_between(start, due) == n
        assert cal.workdays_between(start, due - dt.timedelta(days=1)) == n - 1


def test_uncovered_years_are_provisional_and_never_raise():
    cal = WorkCalendar()
    assert not cal.is_provisional(D(2026, 12, 31))
    for d in (D(2027, 1, 4), D(2030, 6, 3), D(1999, 3, 1)):
        assert cal.is_provisional(d)
        cal.is_workday(d)  # answers, does not raise
        cal.add_workdays(d, 5)
        assert cal.day_info(d).provisional
    # the estimate: a weekend is rest, 元旦 is a holiday, an ordinary weekday works
    assert not cal.is_workday(D(2027, 1, 1))
    assert not cal.is_workday(D(2030, 6, 1))  # Saturday
    assert cal.is_workday(D(2030, 6, 3))
    assert cal.add_workdays(D(2026, 12, 31), 1) == D(2027, 1, 4)  # Jan 1 off, then the weekend
    assert cal.provisional_between(D(2026, 12, 28), cal.add_workdays(D(2026, 12, 28), 5))
    assert not cal.provisional_between(D(2026, 12, 1), D(2026, 12, 8))
    assert 2027 in cal.provisional_years(2026, 2028) and 2026 not in cal.provisional_years(2026, 2028)


# ---------------------------------------------------------------- the center's own schedule

SCHEDULE_2027 = """\
# TEST FIXTURE ONLY — not the State Council's 2027 notice, just a schedule to load
year = 2027
source = "测试用日历"
holidays = [
  { name = "元旦", start = 2027-01-01, end = 2027-01-03 },
  { name = "春节", start = 2027-02-06, end = 2027-02-14 },
]
workdays = [2027-02-20]
"""


def test_center_schedule_overrides_the_estimate():
    sched = YearSchedule.from_toml(SCHEDULE_2027)
    assert sched.year == 2027 and sched.source == "测试用日历"
    cal = WorkCalendar([sched])
    assert cal.year_source(2027) == "center"
    assert not cal.is_provisional(D(2027, 3, 1))
    assert not cal.is_workday(D(2027, 2, 8))  # a Monday inside the stored 春节
    assert cal.is_workday(D(2027, 2, 20))  # the stored make-up Saturday
    assert cal.day_info(D(2027, 2, 20)).kind == "makeup"
    assert cal.day_info(D(2027, 1, 2)).name == "元旦"
    assert cal.add_workdays(D(2026, 12, 31), 1) == D(2027, 1, 4)
    # 2026 still comes from the official calendar
    assert cal.year_source(2026) == "official"


@pytest.mark.parametrize(
    "text,line,words",
    [
        ("year = 2027\nholidays = [\n  { name = \"元旦\", start = 2027-02-30, end = 2027-03-01 },\n]\n", 3, "日期"),
        ("year = 2027\nsource = \"x\"\nholidays = [\n  { name = \"春节\", start = 2027-02-10, end = 2027-02-06 },\n]\n",
         4, "早于"),
        ("year = 2027\nholidays = []\nworkdays = [\n  2027-01-06,\n]\n", 4, "周三"),
    ],
    ids=["impossible-date", "inverted-range", "weekday-as-makeup"],
)
def test_schedule_refusals_name_the_line(text, line, words):
    with pytest.raises(ScheduleError) as exc:
        YearSchedule.from_toml(text)
    assert exc.value.line == line
    assert f"第 {line} 行" in str(exc.value)
    assert words in str(exc.value)


def test_schedule_refuses_a_day_both_holiday_and_workday_and_a_missing_year():
    text = "year = 2027\nholidays = [{ name = \"元旦\", start = 2027-01-01, end = 2027-01-03 }]\nworkdays = [2027-01-02]\n"
    with pytest.raises(ScheduleError, match="同时"):
        YearSchedule.from_toml(text)
    with pytest.raises(ScheduleError, match="年份"):
        YearSchedule.from_toml("holidays = []\n")


def test_official_years_shared_between_calendars_keep_each_calendars_schedule():
    """Official years are classified once per process (issue 11: every worker
    connection built its own calendar from 2004 on); a center's schedule for
    one of those years still decides that year in its own calendar only."""
    from xzconsole.workdays import Holiday

    monday, saturday = D(2026, 3, 9), D(2026, 3, 14)
    plain = WorkCalendar()
    assert plain.year_source(2026) == "official"
    assert plain.is_workday(monday) and not plain.is_workday(saturday)
    sched = YearSchedule(2026, "测试用日历", holidays=(Holiday("测试假", monday, monday),), workdays=(saturday,))
    own = WorkCalendar([sched])
    assert own.year_source(2026) == "center"
    assert not own.is_workday(monday) and own.is_workday(saturday)
    # built after the scheduled one, a plain calendar is the official one again
    again = WorkCalendar()
    assert again.is_workday(monday) and not again.is_workday(saturday)
    assert again.add_workdays(D(2026, 3, 6), 1) == monday
    assert own.add_workdays(D(2026, 3, 6), 1) == D(2026, 3, 10)
    # the years either side are the official ones in both
    assert own.is_workday(D(2025, 3, 3)) == again.is_workday(D(2025, 3, 3)) is True
