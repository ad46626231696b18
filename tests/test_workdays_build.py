"""The working-day table, built a year at a time (issue 11, start-up), against
the plain day-by-day definition of a working day.

``WorkCalendar`` copies chinese-calendar's years from a table made once per
process and classifies a center's or a provisional year from a weekday
pattern; these tests hold it to the obvious definition, day by day:

* a day of a year with a center schedule: a holiday it names rests, a make-up
  day it names works, otherwise Monday–Friday (``from_toml`` refuses a day
  named both; built directly, such a day rests, as it always has);
* otherwise, in a year chinese-calendar knows: chinese-calendar's answer;
* otherwise (a provisional year, e.g. 2027 or 1999): Monday–Friday and not a
  holiday the ``holidays`` package estimates for China.

Official dates are those of 国务院办公厅关于2025年/2026年部分节假日安排的通知
as chinese-calendar 1.11.0 encodes them.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools

import chinese_calendar
import holidays as holidays_pkg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xzconsole.workdays import Holiday, WorkCalendar, YearSchedule

D = dt.date
ONE = dt.timedelta(days=1)
FIRST, LAST = D(1998, 1, 1), D(2028, 12, 31)


# ---------------------------------------------------------------- the reference


@functools.cache
def _cn_estimate(year: int) -> frozenset[dt.date]:
    return frozenset(holidays_pkg.country_holidays("CN", years=year))


def _official(d: dt.date) -> bool | None:
    """chinese-calendar's answer, or None for a year it does not know."""
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        return None


class Reference:
    """The definition, one day at a time, with nothing precomputed."""

    def __init__(self, schedules: list[YearSchedule]) -> None:
        self.schedules = {s.year: s for s in schedules}

    def is_provisional(self, d: dt.date) -> bool:
        return d.year not in self.schedules and _official(d) is None

    def is_workday(self, d: dt.date) -> bool:
        s = self.schedules.get(d.year)
        if s is not None:
            if d in s.holiday_days():
                return False
            if d in s.workdays:
                return True
            return d.weekday() < 5
        official = _official(d)
        if official is not None:
            return official
        return d.weekday() < 5 and d not in _cn_estimate(d.year)

    def workdays_between(self, a: dt.date, b: dt.date) -> int:
        n, d = 0, a + ONE
        while d <= b:
            n += self.is_workday(d)
            d += ONE
        return n

    def add_workdays(self, d: dt.date, n: int) -> dt.date:
        while n > 0:
            d += ONE
            n -= self.is_workday(d)
        return d


def assert_table_consistent(cal: WorkCalendar) -> None:
    """The four lists describe the same days: numbers are the running count of
    the flags, the ordinals those of the flagged days, the provisional count
    that of the provisional years' days; and they reach the end of the table."""
    start = cal._start.toordinal()
    days = D(cal._end_year, 12, 31).toordinal() - start + 1
    assert len(cal._workday) == len(cal._num) == len(cal._prov) == days
    assert cal._num == list(itertools.accumulate(int(w) for w in cal._workday))
    assert cal._workday_ords == [start + i for i, w in enumerate(cal._workday) if w]
    prov_flags = (int(cal.year_source(D.fromordinal(start + i).year) == "provisional") for i in range(days))
    assert cal._prov == list(itertools.accumulate(prov_flags))
    assert all(type(n) is int for n in cal._num) and all(type(w) is bool for w in cal._workday)


# ---------------------------------------------------------------- plain examples


def test_2026_national_day_and_its_make_up_days() -> None:
    """2026: 10-01..10-07 off (7 days); Sunday 09-20 and Saturday 10-10 worked;
    Thursday 10-08 is an ordinary working day again."""
    cal = WorkCalendar()
    for day in range(1, 8):
        assert not cal.is_workday(D(2026, 10, day)), day
        assert cal.day_info(D(2026, 10, day)).name == "国庆节"
    assert cal.is_workday(D(2026, 9, 20)) and cal.day_info(D(2026, 9, 20)).kind == "makeup"
    assert cal.is_workday(D(2026, 10, 10)) and cal.day_info(D(2026, 10, 10)).kind == "makeup"
    assert cal.is_workday(D(2026, 10, 8))
    # a reply due one working day after 30 September is due on 8 October
    assert cal.add_workdays(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert cal.workdays_between(D(2026, 9, 30), D(2026, 10, 11)) == 3  # 10-08, 10-09, 10-10
    assert not cal.is_provisional(D(2026, 10, 8))


def test_2025_spring_festival_make_up_sunday_is_a_working_day() -> None:
    cal = WorkCalendar()
    assert D(2025, 1, 26).weekday() == 6
    assert cal.is_workday(D(2025, 1, 26))
    assert not cal.is_workday(D(2025, 1, 28))  # 除夕 2025 is a holiday
    assert cal.add_workdays(D(2025, 1, 24), 1) == D(2025, 1, 26)


def test_whole_table_matches_the_definition_from_1998_to_2029() -> None:
    """Every day of the table, after a rebuild from 1998 and an extension past
    2028, with a center schedule for an official year and for a provisional one."""
    h = Holiday
    schedules = [
        YearSchedule(2010, "测试", holidays=(h("测试假", D(2010, 3, 8), D(2010, 3, 10)),), workdays=(D(2010, 3, 13),)),
        YearSchedule(2027, "测试", holidays=(h("元旦", D(2026, 12, 31), D(2027, 1, 1)),), workdays=(D(2027, 1, 2),)),
    ]
    for cal in (WorkCalendar(schedules), WorkCalendar()):
        cal.is_workday(D(1998, 6, 1))  # rebuilds the table from 1998
        cal.is_workday(D(2028, 6, 1))  # extends it to 2029
        ref = Reference(schedules if cal.center_years() else [])
        assert cal._start == FIRST and cal._end_year == 2029
        assert_table_consistent(cal)
        for i, work in enumerate(cal._workday):
            d = FIRST + dt.timedelta(days=i)
            assert work == ref.is_workday(d), d
    # the schedule's 2026-12-31 lies in 2026: chinese-calendar's year decides it
    assert WorkCalendar(schedules).is_workday(D(2026, 12, 31))


def test_calendars_in_one_process_share_nothing_they_change() -> None:
    """The per-process official table is copied, never altered: a calendar
    built after one with a schedule (and a rebuild from 1999) is the plain one."""
    first = WorkCalendar(until_year=2026)
    lists = (list(first._workday), list(first._num), list(first._prov), list(first._workday_ords))
    sched = YearSchedule(2015, "测试", holidays=(Holiday("测试假", D(2015, 6, 1), D(2015, 6, 5)),))
    other = WorkCalendar([sched], until_year=2026)
    other.is_workday(D(1999, 1, 4))
    other.add_workdays(D(2026, 12, 1), 400)
    assert not other.is_workday(D(2015, 6, 3))
    again = WorkCalendar(until_year=2026)
    assert (again._workday, again._num, again._prov, again._workday_ords) == lists
    assert again.is_workday(D(2015, 6, 3))
    # the official years after the scheduled one are copied with rebased numbers
    assert other.workdays_between(D(2014, 12, 31), D(2026, 12, 31)) == (
        Reference([sched]).workdays_between(D(2014, 12, 31), D(2026, 12, 31))
    )
    assert other.workdays_between(D(2015, 12, 31), D(2026, 12, 31)) == (
        again.workdays_between(D(2015, 12, 31), D(2026, 12, 31))
    )


# ---------------------------------------------------------------- the property

years = st.integers(1998, 2028)
dates = st.dates(FIRST, LAST)


@st.composite
def schedules(draw: st.DrawFn) -> list[YearSchedule]:
    """Up to three years' small schedules, some days reaching across New Year,
    make-up days on any day (a weekday too) and possibly also named a holiday."""
    out: list[YearSchedule] = []
    for year in draw(st.lists(years, max_size=3, unique=True)):
        jan1 = D(year, 1, 1)
        hols: list[Holiday] = []
        for offset, length in draw(st.lists(st.tuples(st.integers(-7, 370), st.integers(1, 9)), max_size=3)):
            start = jan1 + dt.timedelta(days=offset)
            hols.append(Holiday("测试假", start, start + dt.timedelta(days=length - 1)))
        work = [jan1 + dt.timedelta(days=o) for o in draw(st.lists(st.integers(-7, 370), max_size=4))]
        out.append(YearSchedule(year, "测试", holidays=tuple(hols), workdays=tuple(sorted(set(work)))))
    return out


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scheds=schedules(),
    until=st.sampled_from([None, 1999, 2004, 2015, 2026, 2027]),
    touched=st.lists(dates, max_size=3),
    a=dates,
    span=st.integers(0, 400),
    n=st.integers(0, 30),
)
def test_calendar_answers_as_the_day_by_day_definition(
    scheds: list[YearSchedule], until: int | None, touched: list[dt.date], a: dt.date, span: int, n: int
) -> None:
    cal = WorkCalendar(scheds, until_year=until)
    ref = Reference(scheds)
    for d in touched:  # rebuilds from an older year, extensions, in any order
        assert cal.is_workday(d) == ref.is_workday(d), d
    b = a + dt.timedelta(days=span)
    # the running numbers over (a, b], day by day
    base, count, d = cal.number(a), 0, a
    while d < b:
        d += ONE
        work = ref.is_workday(d)
        count += work
        assert cal.is_workday(d) == work, d
        assert cal.number(d) - base == count, d
        assert cal.is_provisional(d) == ref.is_provisional(d), d
    assert cal.workdays_between(a, b) == count
    assert cal.add_workdays(a, n) == ref.add_workdays(a, n)
    expect_prov = any(ref.is_provisional(a + dt.timedelta(days=i)) for i in range(1, span + 1)) if span else (
        ref.is_provisional(b))
    assert cal.provisional_between(a, b) == expect_prov
    info = cal.day_info(b)
    assert (info.workday, info.provisional) == (ref.is_workday(b), ref.is_provisional(b))
    if cal.is_workday(b):
        assert cal.date_of_number(cal.number(b)) == b
    assert_table_consistent(cal)
