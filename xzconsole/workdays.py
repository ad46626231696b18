"""China's working-day calendar, as the center uses it (SPEC §3).

Three sources, strongest first:

1. the center's own schedule for a year (:class:`YearSchedule`, loaded from a
   TOML file and stored in the database so every console shares it);
2. the ``chinese-calendar`` package (the State Council notices, 2004–2026 in 1.11.0);
3. for any other year a **provisional** estimate: Monday–Friday minus the
   statutory holidays that the ``holidays`` package estimates for China.

Nothing here ever raises for a date in an uncovered year: such a date is
answered provisionally and :meth:`WorkCalendar.is_provisional` says so.

The calendar is precomputed as a table of days with a *running working-day
number* (how many working days there are up to and including that day).  With
it ``add_workdays`` and ``workdays_between`` are two list look-ups, and the
store mirrors the same table in SQLite so due dates and overdue days for every
open ticket are one pass or one join instead of one holiday-package call each.

Building the table is part of opening the console, so it is done a year (or a
run of years) at a time, never a day at a time: chinese-calendar's span is
turned into a table once per process (:func:`_official_table`) and every
calendar copies its official years from it; a center's or a provisional year
is Monday–Friday sliced from a week pattern with that year's exceptions set.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import operator
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, NamedTuple, Sequence

from chinese_calendar import constants as _cc

if TYPE_CHECKING:
    from .workdays_schedule import DayInfo as DayInfo
    from .workdays_schedule import MAX_HOLIDAY_DAYS as MAX_HOLIDAY_DAYS
    from .workdays_schedule import DayKind as DayKind
    from .workdays_schedule import YearSource as YearSource
    from .workdays_schedule import Holiday as Holiday
    from .workdays_schedule import ScheduleError as ScheduleError
    from .workdays_schedule import YearSchedule as YearSchedule

#: the names defined in :mod:`xzconsole.workdays_schedule`, imported when first asked for (PEP 562)
SCHEDULE_NAMES = frozenset({"DayInfo", "DayKind", "Holiday", "MAX_HOLIDAY_DAYS", "ScheduleError", "YearSchedule",
                            "YearSource"})

_EPOCH = dt.date(2004, 1, 1)  # the first year chinese-calendar knows; earlier years are added on demand
_ONE = dt.timedelta(days=1)

# chinese-calendar and holidays name the festivals in English; staff read Chinese.
_HOLIDAY_NAMES = (
    ("new year's eve", "除夕"),
    ("new year", "元旦"),
    ("spring", "春节"),
    ("tomb", "清明节"),
    ("labo", "劳动节"),
    ("dragon", "端午节"),
    ("mid-autumn", "中秋节"),
    ("national", "国庆节"),
    ("anti-fascist", "抗战胜利纪念日"),
)


def holiday_name_cn(name: str | None) -> str:
    """The Chinese name of a holiday named by one of the packages."""
    if not name:
        return "节假日"
    low = name.lower()
    if "chinese new year" in low or "spring festival" in low:
        return "春节"
    for key, cn in _HOLIDAY_NAMES:
        if key in low:
            return cn
    return name


# Monday–Friday as flags, a week from Monday, and weeks enough to slice any
# year out of them from the weekday of its 1 January (6 + 366 days at most)
_WEEK: tuple[bool, ...] = (True,) * 5 + (False,) * 2
_WEEKS = _WEEK * 54


def _weekday_flags(year: int) -> list[bool]:
    """Monday–Friday for each day of a year, 1 January first."""
    first = dt.date(year, 1, 1)
    days = dt.date(year + 1, 1, 1).toordinal() - first.toordinal()
    start = first.weekday()
    return list(_WEEKS[start:start + days])


@functools.cache
def _official_span() -> tuple[int, int]:
    """The first and last year chinese-calendar knows: those of its first and
    last holiday, the same bounds it checks before answering (and raising
    ``NotImplementedError`` outside them).  Read once per process: the package
    scans all its holidays for them on every question."""
    return min(_cc.holidays).year, max(_cc.holidays).year


def _official_covers(year: int) -> bool:
    """Whether ``chinese-calendar`` knows this year."""
    first, last = _official_span()
    return first <= year <= last


class _OfficialTable(NamedTuple):
    """chinese-calendar's whole span (2004 to its last year) as the calendar's
    table: a flag per day, the running working-day number from 0 at its
    start, and the ordinals of the working days.  Built once per process
    (:func:`_official_table`); a calendar copies the slices of the years it
    takes from it instead of classifying day by day."""

    first_ordinal: int
    workday: tuple[bool, ...]
    num: tuple[int, ...]
    workday_ords: tuple[int, ...]

    def years(self, first: int, last: int) -> tuple[Sequence[bool], Sequence[int], int, Sequence[int]]:
        """The days of years first..last: flags, running numbers, the number
        before the first of them (to rebase the numbers on), working ordinals."""
        lo = dt.date(first, 1, 1).toordinal() - self.first_ordinal
        hi = dt.date(last + 1, 1, 1).toordinal() - self.first_ordinal
        before = self.num[lo - 1] if lo else 0
        return self.workday[lo:hi], self.num[lo:hi], before, self.workday_ords[before:self.num[hi - 1]]


@functools.cache
def _official_table() -> _OfficialTable:
    """Build the :class:`_OfficialTable`: Monday–Friday, then chinese-calendar's
    holidays off and its make-up days on (a make-up day beats a holiday, a
    holiday a weekday, as in ``chinese_calendar.is_workday``)."""
    first, last = _official_span()
    start = dt.date(first, 1, 1)
    lo, hi = start.toordinal(), dt.date(last + 1, 1, 1).toordinal()
    weekday = start.weekday()
    flags = list(itertools.islice(itertools.cycle(_WEEK), weekday, weekday + hi - lo))
    for days, work in ((_cc.holidays, False), (_cc.workdays, True)):
        for o in map(dt.date.toordinal, days):
            if lo <= o < hi:
                flags[o - lo] = work
    return _OfficialTable(
        lo,
        tuple(flags),
        tuple(itertools.islice(itertools.accumulate(flags, initial=0), 1, None)),
        tuple(itertools.compress(range(lo, hi), flags)),
    )


def _working_ordinals(year: int, flags: Sequence[bool]) -> tuple[int, ...]:
    """The ordinals of the days of ``year`` whose flag is set."""
    first = dt.date(year, 1, 1).toordinal()
    return tuple(itertools.compress(range(first, first + len(flags)), flags))


@functools.lru_cache(maxsize=16)
def _provisional_holidays(year: int) -> Mapping[dt.date, str]:
    """The statutory holidays the ``holidays`` package estimates for China in
    ``year``, by Chinese name; the same for every calendar, so asked once per
    process (the package builds the year's whole table each time it is asked)."""
    import holidays as holidays_pkg  # only needed for years no schedule covers

    return MappingProxyType(
        {d: holiday_name_cn(n) for d, n in holidays_pkg.country_holidays("CN", years=year).items()}
    )


# ---------------------------------------------------------------- the calendar


class WorkCalendar:
    """Working days on China's official calendar, precomputed as a table.

    ``WorkCalendar()`` is the calendar without the center's own entries; pass
    ``schedules`` (from the store) to add them.  Dates are plain local dates.
    """

    def __init__(self, schedules: Iterable[YearSchedule] = (), *, until_year: int | None = None) -> None:
        self._schedules: dict[int, YearSchedule] = {s.year: s for s in schedules}
        self._override_rest: dict[dt.date, str] = {}
        self._override_work: set[dt.date] = set()
        for s in self._schedules.values():
            # a year's schedule decides that year's days only: the boundary days
            # of a New Year holiday it names in the next or previous year are
            # that year's own calendar's to decide (a 2027 file cannot rewrite 2026)
            self._override_rest.update({d: n for d, n in s.holiday_days().items() if d.year == s.year})
            self._override_work.update(d for d in s.workdays if d.year == s.year)
        self._official_cache: dict[int, bool] = {}
        self._start = _EPOCH
        self._workday: list[bool] = []
        self._num: list[int] = []  # running working-day number, inclusive
        self._prov: list[int] = []  # running count of provisional days, inclusive
        self._workday_ords: list[int] = []  # ordinals of working days, ascending
        self._end_year = _EPOCH.year - 1
        self._extend(until_year or dt.date.today().year)

    # -- building ------------------------------------------------------------
    def year_source(self, year: int) -> YearSource:
        """Where this year's working days come from."""
        if year in self._schedules:
            return "center"
        cov = self._official_cache.get(year)
        if cov is None:
            cov = self._official_cache[year] = _official_covers(year)
        return "official" if cov else "provisional"

    def _provisional_holidays(self, year: int) -> Mapping[dt.date, str]:
        return _provisional_holidays(year)

    def _classify_year(self, year: int) -> tuple[list[bool], Sequence[int]]:
        """Whether each day of a center-scheduled or provisional year is a
        working day, and the ordinals of its working days.  (Official years
        come from :func:`_official_table`.)"""
        source = self.year_source(year)
        work = _weekday_flags(year)
        jan1 = dt.date(year, 1, 1).toordinal()
        if source == "provisional":
            for d in self._provisional_holidays(year):
                if d.year == year:
                    work[d.toordinal() - jan1] = False
        # the center's schedule (only a center year has one): its make-up days
        # on, then its holidays off, so a day named both rests
        for d in self._override_work:
            if d.year == year:
                work[d.toordinal() - jan1] = True
        for d in self._override_rest:
            if d.year == year:
                work[d.toordinal() - jan1] = False
        return work, _working_ordinals(year, work)

    def _extend(self, until_year: int) -> None:
        """Grow the precomputed table to the end of ``until_year``.

        A run of official years is copied from the per-process
        :func:`_official_table` (its running numbers rebased on the count so
        far when a center's or a provisional year came before); any other
        year is classified here, its running numbers from ``accumulate``."""
        count = self._num[-1] if self._num else 0
        prov = self._prov[-1] if self._prov else 0
        year = self._end_year + 1
        while year <= until_year:
            source = self.year_source(year)
            if source == "official":
                last = year
                while last < until_year and self.year_source(last + 1) == "official":
                    last += 1
                flags, nums, before, ordinals = _official_table().years(year, last)
                year = last + 1
                if count == before:
                    self._num.extend(nums)
                else:
                    self._num.extend(map(operator.add, nums, itertools.repeat(count - before)))
            else:
                flags, ordinals = self._classify_year(year)
                year += 1
                self._num.extend(itertools.islice(itertools.accumulate(flags, initial=count), 1, None))
            days = len(flags)
            self._workday.extend(flags)
            self._workday_ords.extend(ordinals)
            count += len(ordinals)
            if source == "provisional":
                self._prov.extend(range(prov + 1, prov + days + 1))
                prov += days
            else:
                self._prov.extend(itertools.repeat(prov, days))
        self._end_year = max(self._end_year, until_year)

    def _index(self, d: dt.date) -> int:
        if d < self._start:  # an old date: rebuild the table from its year
            end = self._end_year
            self._start = dt.date(d.year, 1, 1)
            self._workday, self._num, self._prov, self._workday_ords = [], [], [], []
            self._end_year = d.year - 1
            self._extend(end)
        if d.year > self._end_year:
            self._extend(d.year + 1)
        return d.toordinal() - self._start.toordinal()

    # -- the public questions -----------------------------------------------
    def is_workday(self, d: dt.date) -> bool:
        i = self._index(d)  # may rebuild the lists: index first
        return self._workday[i]

    def number(self, d: dt.date) -> int:
        """Running working-day number: working days from the table's start up to ``d``.

        Only differences of numbers mean anything (the start may move back).
        """
        i = self._index(d)
        return self._num[i]

    def add_workdays(self, d: dt.date, n: int) -> dt.date:
        """The n-th working day strictly after ``d`` (``n == 0`` gives ``d``)."""
        if n < 0:
            raise ValueError("工作日数不能为负")
        if n == 0:
            return d
        k = self.number(d) + n - 1
        while k >= len(self._workday_ords):
            self._extend(self._end_year + 2)
        return dt.date.fromordinal(self._workday_ords[k])

    def workdays_between(self, a: dt.date, b: dt.date) -> int:
        """How many working days x there are with a < x ≤ b (0 when b ≤ a)."""
        if b <= a:
            return 0
        return self.number(b) - self.number(a)

    def is_provisional(self, d: dt.date) -> bool:
        """Whether what the calendar says of ``d`` is only an estimate."""
        self._index(d)
        return self.year_source(d.year) == "provisional"

    def provisional_between(self, a: dt.date, b: dt.date) -> bool:
        """Whether any day in (a, b] is provisional: a date computed across it is."""
        if b <= a:
            return self.is_provisional(b)
        ia = self._index(a)
        ib = self._index(b)
        return self._prov[ib] - self._prov[ia] > 0

    def day_info(self, d: dt.date) -> DayInfo:
        from .workdays_schedule import DayInfo

        work = self.is_workday(d)
        source = self.year_source(d.year)
        name = ""
        if d in self._override_rest:
            kind: DayKind = "holiday"
            name = self._override_rest[d]
        elif d in self._override_work:
            kind = "makeup"
            name = "调休上班"
        elif source == "official" and d in _cc.holidays:
            kind = "holiday"
            name = holiday_name_cn(_cc.holidays[d])
        elif source == "official" and d in _cc.workdays:
            kind = "makeup"
            name = "调休上班"
        elif source == "provisional" and not work and d.weekday() < 5:
            kind = "holiday"
            name = self._provisional_holidays(d.year).get(d, "节假日")
        else:
            kind = "workday" if work else "rest"
        return DayInfo(d, work, kind, name, source == "provisional", source)

    # -- coverage -------------------------------------------------------------
    def center_years(self) -> list[int]:
        return sorted(self._schedules)

    def official_years(self) -> list[int]:
        """Years with an official schedule: the center's own or chinese-calendar's."""
        years = {y for y in range(2004, self._end_year + 1) if self.year_source(y) != "provisional"}
        return sorted(years | set(self._schedules))

    def provisional_years(self, first: int, last: int) -> list[int]:
        """Years in [first, last] answered only by the provisional estimate."""
        return [y for y in range(first, last + 1) if self.year_source(y) == "provisional"]

    def schedules(self) -> list[YearSchedule]:
        return [self._schedules[y] for y in sorted(self._schedules)]

    # -- the table, for the SQLite mirror -----------------------------------
    def index_rows(self, first: dt.date, last: dt.date) -> Iterator[tuple[str, int, int, int]]:
        """(day, running number, is working day, is provisional) for first..last."""
        self._index(last)
        i = self._index(first)
        d = first
        while d <= last:
            yield (d.isoformat(), self._num[i], int(self._workday[i]), int(self.year_source(d.year) == "provisional"))
            d += _ONE
            i += 1

    def date_of_number(self, k: int) -> dt.date:
        """The working day whose running number is ``k``."""
        while k - 1 >= len(self._workday_ords):
            self._extend(self._end_year + 2)
        return dt.date.fromordinal(self._workday_ords[k - 1])

    def last_day_with_number_at_most(self, k: int) -> dt.date:
        """The latest day whose running number is ≤ k (used for date thresholds)."""
        if k < 1:
            return self._start - _ONE
        nxt = self.date_of_number(k + 1)  # first day whose number is k + 1
        return nxt - _ONE

    def due_threshold(self, today: dt.date, overdue: int) -> dt.date:
        """The latest due date that is at least ``overdue`` working days overdue today.

        Because the running number only grows, "workdays_between(due, today) ≥ k"
        is the same as "due ≤ this date", so the warning levels of every open
        ticket can be counted with plain range conditions on an index of due dates.
        """
        if overdue <= 0:
            return today - _ONE
        return self.last_day_with_number_at_most(self.number(today) - overdue)


def month_days(year: int, month: int) -> list[dt.date]:
    d = dt.date(year, month, 1)
    out = []
    while d.month == month:
        out.append(d)
        d += _ONE
    return out


__all__ = [
    "DayInfo",
    "Holiday",
    "ScheduleError",
    "WorkCalendar",
    "YearSchedule",
    "holiday_name_cn",
    "month_days",
]


def __getattr__(name: str) -> Any:
    """``from xzconsole.workdays import YearSchedule``: a year's schedule, its
    holidays and :class:`DayInfo` load on first use — the console opens on a
    calendar built without them (issue 11)."""
    if name in SCHEDULE_NAMES:
        from . import workdays_schedule

        value = getattr(workdays_schedule, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
