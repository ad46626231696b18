"""A year's schedule as the center loads it (SPEC §11), and what the
calendar says of one day.

:class:`YearSchedule` (with its :class:`Holiday` ranges) is parsed and
checked from the center's TOML file; :class:`DayInfo` is one day of the
month grid and of ``calendar show``.  They live apart from
:mod:`xzconsole.workdays` so that building the calendar — part of opening
the console — does not define them: a database without a stored schedule
never needs them before a schedule or a day is shown (issue 11).
``from xzconsole.workdays import YearSchedule`` still works (PEP 562).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Iterator, Literal

YearSource = Literal["center", "official", "provisional"]
DayKind = Literal["workday", "rest", "holiday", "makeup"]

_ONE = dt.timedelta(days=1)


# ---------------------------------------------------------------- schedules

# the longest holiday a schedule may hold (the Spring Festival is 8–9 days)
MAX_HOLIDAY_DAYS = 15
# a New Year holiday and its make-up day may reach this far into the next or previous year
_BOUNDARY_DAYS = 7


def _within_year(start: dt.date, end: dt.date, year: int) -> bool:
    """Whether a day range belongs to ``year``'s schedule: it touches the year
    and reaches at most a week beyond it — a New Year holiday or its make-up
    day, e.g. the 2019 notice: 2018-12-29 上班, 2018-12-30 至 2019-01-01 放假.
    (Those outside days are still decided by their own year's calendar.)"""
    lo = dt.date(year, 1, 1) - dt.timedelta(days=_BOUNDARY_DAYS)
    hi = dt.date(year, 12, 31) + dt.timedelta(days=_BOUNDARY_DAYS)
    if start == end and start.year != year:  # a make-up day just across the New Year
        return lo <= start <= hi
    return lo <= start and end <= hi and (start.year == year or end.year == year)


class ScheduleError(ValueError):
    """A schedule file that cannot be used; ``line`` points at the culprit."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"第 {line} 行：{message}" if line else message)


@dataclass(frozen=True)
class Holiday:
    name: str
    start: dt.date
    end: dt.date

    def days(self) -> Iterator[dt.date]:
        d = self.start
        while d <= self.end:
            yield d
            d += _ONE


@dataclass(frozen=True)
class YearSchedule:
    """The center's schedule for one year: holiday ranges and make-up workdays."""

    year: int
    source: str = ""
    holidays: tuple[Holiday, ...] = ()
    workdays: tuple[dt.date, ...] = ()
    text: str = field(default="", compare=False)

    def holiday_days(self) -> dict[dt.date, str]:
        out: dict[dt.date, str] = {}
        for h in self.holidays:
            for d in h.days():
                out[d] = h.name
        return out

    @classmethod
    def from_toml(cls, text: str) -> "YearSchedule":
        """Parse and validate the TOML format of SPEC §11.

        Refused (with the line): TOML that does not parse or holds an
        impossible date, a missing or odd year, a holiday range whose end is
        before its start or outside the year's neighbourhood, a make-up
        workday that is not a Saturday or Sunday, a day listed as both.
        """
        import tomllib  # only where a schedule is stored or read: most databases have none (issue 11)

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"line (\d+)", str(exc))
            line = int(m.group(1)) if m else None
            reason = "日期不存在或格式错误" if "date" in str(exc).lower() else "TOML 格式错误"
            raise ScheduleError(f"{reason}（{exc}）", line) from None

        lines = text.splitlines()

        def line_of(*needles: object) -> int | None:
            # called only to point at a refused entry: a scan per entry made
            # a 10,000-entry file quadratic
            keys = [str(n) for n in needles if n is not None]
            for i, ln in enumerate(lines, 1):
                if keys and all(k in ln for k in keys):
                    return i
            return None

        def refuse(message: str, *candidates: tuple[object, ...]) -> ScheduleError:
            for needles in candidates:
                found = line_of(*needles)
                if found is not None:
                    return ScheduleError(message, found)
            return ScheduleError(message, None)

        year = data.get("year")
        if not isinstance(year, int) or isinstance(year, bool) or not 1990 <= year <= 2200:
            raise refuse("缺少年份 year 或年份不合理（应为 1990–2200 的整数）", ("year",))
        source = data.get("source", "")
        if not isinstance(source, str):
            raise refuse("source 应为文字", ("source",))

        raw_holidays = data.get("holidays", [])
        if not isinstance(raw_holidays, list):
            raise refuse("holidays 应为列表", ("holidays",))
        holidays: list[Holiday] = []
        for item in raw_holidays:
            if not isinstance(item, dict):
                raise refuse("holidays 的每一项应为 { name, start, end }", ("holidays",))
            name, start, end = item.get("name"), item.get("start"), item.get("end")
            where: tuple[tuple[object, ...], ...] = ((name, start), (name,), (start,), ("holidays",))
            if not isinstance(name, str) or not name.strip():
                raise refuse("节日缺少名称 name", *where)
            days: list[dt.date] = []
            for label, value in (("start", start), ("end", end)):
                if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
                    raise refuse(f"节日“{name}”的 {label} 应为日期（如 {year}-01-01）", *where)
                days.append(value)
            start, end = days
            if end < start:
                raise refuse(f"节日“{name}”的结束日期 {end} 早于开始日期 {start}", *where)
            length = (end - start).days + 1
            if length > MAX_HOLIDAY_DAYS:
                raise refuse(f"节日“{name}”长达 {length} 天，超过 {MAX_HOLIDAY_DAYS} 天，不合理", *where)
            if not (start.year == year or end.year == year) or not _within_year(start, end, year):
                raise refuse(f"节日“{name}”（{start} 至 {end}）不在 {year} 年：{year} 年的日历文件只能安排 {year} 年的日子"
                             "（跨年的元旦假期除外）", *where)
            holidays.append(Holiday(name.strip(), start, end))
        ordered = sorted(holidays, key=lambda h: (h.start, h.end))
        for before, after in zip(ordered, ordered[1:]):
            if after.start <= before.end:
                raise refuse(f"节日“{after.name}”（{after.start} 至 {after.end}）与“{before.name}”"
                             f"（{before.start} 至 {before.end}）重叠", (after.name, after.start), (after.start,), (after.name,))

        raw_workdays = data.get("workdays", [])
        if not isinstance(raw_workdays, list):
            raise refuse("workdays 应为日期列表", ("workdays",))
        rest = {d for h in holidays for d in h.days()}
        workdays: list[dt.date] = []
        for d in raw_workdays:
            where = ((d,), ("workdays",))
            if not isinstance(d, dt.date) or isinstance(d, dt.datetime):
                raise refuse(f"调休上班日应为日期，而不是 {d!r}", *where)
            if not _within_year(d, d, year):
                raise refuse(f"调休上班日 {d} 不在 {year} 年：{year} 年的日历文件只能安排 {year} 年的日子"
                             f"（相邻年份只接受跨年前后 {_BOUNDARY_DAYS} 天内的调休）", *where)
            if d.weekday() < 5:
                raise refuse(
                    f"{d} 是周{'一二三四五'[d.weekday()]}，本来就上班，不能列为调休上班日（只能是周六或周日）",
                    *where,
                )
            if d in rest:
                raise refuse(f"{d} 同时被列为节假日和调休上班日", *where)
            workdays.append(d)
        return cls(year, source.strip(), tuple(holidays), tuple(sorted(set(workdays))), text)


# ---------------------------------------------------------------- a day


@dataclass(frozen=True)
class DayInfo:
    """What the calendar says of one day (for the month grid and ``calendar show``)."""

    day: dt.date
    workday: bool
    kind: DayKind
    name: str
    provisional: bool
    source: YearSource
