"""Asia/Shanghai time: a fixed UTC+8, checked against the tz database where the machine has one."""

from __future__ import annotations

import datetime as dt

import pytest

from xzconsole.clock import SHANGHAI, local_date, parse_datetime, to_local


def test_shanghai_is_the_tz_database_s_asia_shanghai_on_every_day_the_center_keeps():
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        tz = zoneinfo.ZoneInfo("Asia/Shanghai")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no tz database on this machine")
    day = dt.datetime(2004, 1, 1, 12, tzinfo=dt.timezone.utc)
    while day.year < 2040:
        assert day.astimezone(SHANGHAI).utcoffset() == day.astimezone(tz).utcoffset() == dt.timedelta(hours=8)
        assert day.astimezone(SHANGHAI).date() == day.astimezone(tz).date()
        day += dt.timedelta(days=1)


def test_the_xuzhou_date_of_an_instant():
    # 17:00 UTC on Thursday 26 November 2026 is 01:00 on Friday the 27th in Xuzhou
    assert local_date("2026-11-26T17:00:00Z") == dt.date(2026, 11, 27)
    assert local_date("2026-11-26T15:59:59+00:00") == dt.date(2026, 11, 26)
    assert to_local(dt.datetime(2026, 11, 26, 9, 30)).isoformat() == "2026-11-26T09:30:00+08:00"
    assert to_local(parse_datetime("2026-12-31T16:00:00Z")).isoformat() == "2027-01-01T00:00:00+08:00"
