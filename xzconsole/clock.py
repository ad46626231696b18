"""The one place that reads the wall clock, and Asia/Shanghai time handling.

Every date rule of the center is in Xuzhou local time (SPEC §3), whatever the
server's time zone.  Nothing else in the code calls ``datetime.now()``: screens,
the store and the command line are handed a :class:`Clock`, so tests, ``--now``
and the live warning panel all agree on what "today" is.
"""

from __future__ import annotations

import datetime as dt
import re

#: Asia/Shanghai as what it has been since 1991: UTC+8 all year, no daylight
#: saving.  A fixed offset rather than the tz database: the same answer for
#: every date the center keeps (its calendar starts in 2004), on a server with
#: or without tzdata, and no zoneinfo to load at every launch (≈1.8 ms, issue 11).
SHANGHAI: dt.tzinfo = dt.timezone(dt.timedelta(hours=8), "CST")


class Clock:
    """The wall clock, in Asia/Shanghai."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(SHANGHAI).replace(microsecond=0)

    def today(self) -> dt.date:
        return self.now().date()


class FixedClock(Clock):
    """A clock that says what it is told; ``advance`` moves it (tests, ``--now``)."""

    def __init__(self, now: dt.datetime | str) -> None:
        self._now = to_local(parse_datetime(now) if isinstance(now, str) else now)

    def now(self) -> dt.datetime:
        return self._now

    def set(self, now: dt.datetime | str) -> None:
        self._now = to_local(parse_datetime(now) if isinstance(now, str) else now)

    def advance(self, **delta: float) -> None:
        self._now = self._now + dt.timedelta(**delta)


def to_local(value: dt.datetime) -> dt.datetime:
    """The same instant in Asia/Shanghai; a naive value is taken as local already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=SHANGHAI)
    return value.astimezone(SHANGHAI)


def local_date(value: dt.datetime | str) -> dt.date:
    """The Xuzhou calendar date of an instant (17:00 UTC Thursday is Friday here)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return to_local(value).date()


_DATE_ONLY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


def parse_datetime(text: str) -> dt.datetime:
    """Parse ISO 8601 or ``YYYY-MM-DD HH:MM[:SS]`` (also ``/`` as date separator).

    A value without an offset is Asia/Shanghai time.  A bare date means its
    start.  Raises ``ValueError`` with a Chinese message on anything else.
    """
    raw = str(text).strip()
    if not raw:
        raise ValueError("时间为空")
    norm = raw.replace("/", "-")
    if norm.endswith("Z") or norm.endswith("z"):
        norm = norm[:-1] + "+00:00"
    try:
        if _DATE_ONLY.match(norm):
            y, m, d = (int(p) for p in norm.split("-"))
            value = dt.datetime(y, m, d)
        else:
            value = dt.datetime.fromisoformat(norm)
    except (ValueError, OverflowError):
        raise ValueError(f"无法识别的时间：{raw}（应为 ISO 8601 或 YYYY-MM-DD HH:MM[:SS]）") from None
    if not 1900 <= value.year <= 2200:
        raise ValueError(f"时间超出合理范围：{raw}")
    return to_local(value).replace(microsecond=0)


def format_datetime(value: dt.datetime) -> str:
    """The storage form: local time with its +08:00 offset, sortable as text."""
    return to_local(value).replace(microsecond=0).isoformat()


WEEKDAYS = "一二三四五六日"


def weekday_cn(d: dt.date) -> str:
    """周一 … 周日."""
    return "周" + WEEKDAYS[d.weekday()]
