"""The calendar schedule loader (SPEC §3, §11; issue 12): a year's file decides
that year's days only, holidays are of a sane length and never overlap, a big
file loads in linear time, and no malformed file ends in anything but a
Chinese refusal with its line."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_import import NOW, _template, cli_db, rows_of, run  # noqa: F401  (fixtures)

from xzconsole.workdays import MAX_HOLIDAY_DAYS, ScheduleError, WorkCalendar, YearSchedule

D = dt.date


def schedule(year: int, holidays: str = "", workdays: str = "") -> str:
    return f'year = {year}\nsource = "测试"\nholidays = [\n{holidays}]\nworkdays = [{workdays}]\n'


def test_a_2027_file_cannot_rewrite_2026_days():
    # 2026-12-25 (a Friday) as a "holiday", 2026-12-19 (a Saturday) as a make-up day
    with pytest.raises(ScheduleError, match="不在 2027 年") as exc:
        YearSchedule.from_toml(schedule(2027, '  { name = "圣诞", start = 2026-12-25, end = 2026-12-25 },\n'))
    assert exc.value.line == 4
    with pytest.raises(ScheduleError, match="不在 2027 年") as exc:
        YearSchedule.from_toml(schedule(2027, workdays="2026-06-06"))
    assert exc.value.line == 5
    # a New Year holiday reaching back into December is the year's own (the 2019
    # notice: 2018-12-29 上班, 2018-12-30 至 2019-01-01 放假) — but the days in
    # 2026 stay what 2026's own calendar says
    s = YearSchedule.from_toml(schedule(2027, '  { name = "元旦", start = 2026-12-31, end = 2027-01-02 },\n',
                                        "2026-12-26"))
    cal = WorkCalendar([s])
    official = WorkCalendar()
    for day in (D(2026, 12, 26), D(2026, 12, 31)):
        assert cal.is_workday(day) == official.is_workday(day)
    assert not cal.is_workday(D(2027, 1, 1)) and not cal.is_workday(D(2027, 1, 2))


def test_the_2027_file_leaves_2026_tickets_as_they_were(cli_db, tmp_path, capsys):
    """Loaded for real: nothing in 2026 moves because of a 2027 file."""
    sched = tmp_path / "2027.toml"
    sched.write_text(schedule(2027, '  { name = "元旦", start = 2026-12-28, end = 2027-01-01 },\n'), encoding="utf-8")
    code, out, err = run(capsys, "calendar", "load", str(sched), "--now", NOW, login="sup")
    assert code == 0, err
    code, out, err = run(capsys, "calendar", "show", "2026-12", "--now", NOW)
    assert code == 0
    assert rows_of(cli_db, "SELECT workday FROM workday_index WHERE day = '2026-12-28'") == [(1,)]
    assert rows_of(cli_db, "SELECT workday FROM workday_index WHERE day = '2027-01-01'") == [(0,)]


def test_a_holiday_longer_than_the_maximum_is_refused_with_its_line():
    longest = f'  {{ name = "春节", start = 2027-02-01, end = 2027-02-{MAX_HOLIDAY_DAYS:02d} }},\n'
    assert YearSchedule.from_toml(schedule(2027, longest)).holidays[0].name == "春节"
    too_long = '  { name = "国庆", start = 2027-10-01, end = 2027-11-01 },\n'  # 32 days
    with pytest.raises(ScheduleError, match="长达 32 天") as exc:
        YearSchedule.from_toml(schedule(2027, too_long))
    assert exc.value.line == 4


def test_overlapping_holidays_are_refused_with_the_line_of_the_later_one(cli_db, tmp_path, capsys):
    text = schedule(2027, '  { name = "春节", start = 2027-02-06, end = 2027-02-13 },\n'
                          '  { name = "元宵", start = 2027-02-01, end = 2027-02-07 },\n'
                          '  { name = "清明", start = 2027-04-03, end = 2027-04-05 },\n')
    with pytest.raises(ScheduleError, match="重叠") as exc:
        YearSchedule.from_toml(text)
    assert exc.value.line == 4 and "春节" in str(exc.value) and "元宵" in str(exc.value)
    sched = tmp_path / "2027.toml"
    sched.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "calendar", "load", str(sched), "--now", NOW, login="sup")
    assert code == 2 and "第 4 行" in err and "重叠" in err
    assert rows_of(cli_db, "SELECT count(*) FROM calendar_years")[0][0] == 0


def test_ten_thousand_entries_load_in_linear_time(cli_db, tmp_path, capsys):
    weekends = [D(2027, 1, 2) + dt.timedelta(days=7 * i) for i in range(52)]
    entries = ", ".join(str(weekends[i % 52]) for i in range(10_000))
    text = schedule(2027, '  { name = "春节", start = 2027-02-08, end = 2027-02-12 },\n', entries)
    t0 = time.perf_counter()
    s = YearSchedule.from_toml(text)
    parsed = time.perf_counter() - t0
    assert len(s.workdays) == 52 and parsed < 1.0, parsed
    # a refusal at the very end of a big file is found once, not per entry
    assert text.endswith("]\n")
    bad = text[:-2] + ", 2027-03-03]\n"  # a Wednesday, the last of 10,001 entries
    t0 = time.perf_counter()
    with pytest.raises(ScheduleError, match="周三"):
        YearSchedule.from_toml(bad)
    assert time.perf_counter() - t0 < 1.0
    sched = tmp_path / "2027.toml"
    sched.write_text(text, encoding="utf-8")
    t0 = time.perf_counter()
    code, out, err = run(capsys, "calendar", "load", str(sched), "--now", NOW, login="sup")
    assert code == 0, err
    assert time.perf_counter() - t0 < 10.0


# ---------------------------------------------------------------- fuzz

_VALUES = st.one_of(
    st.integers(-5, 3000).map(str),
    st.sampled_from(["2027-01-01", "2027-02-30", "2026-12-31", "2028-01-05", "2027-13-01", "1979-05-27T07:32:00",
                     "07:32:00", "2027-06-05", "2027-06-07", "true", '"春节"', '""', "[]", "{}", "nan", "inf",
                     "'单引号'", '"\\u202e"', "2027-01-01 ", "[2027-01-02, 2027-01-03]"]),
    st.text(max_size=12).map(lambda t: '"' + t.replace("\\", "").replace('"', "") + '"'),
)
_KEYS = st.sampled_from(["year", "source", "holidays", "workdays", "name", "start", "end", "其它"])


@st.composite
def _holiday(draw: st.DrawFn) -> str:
    fields = draw(st.lists(st.tuples(_KEYS, _VALUES), max_size=4))
    return "{ " + ", ".join(f"{k} = {v}" for k, v in fields) + " }"


@st.composite
def _schedule_text(draw: st.DrawFn) -> str:
    lines = []
    if draw(st.booleans()):
        year = draw(st.sampled_from(["2027", "2026", "0", "99999", '"2027"', "2027.0"]))
        lines.append(f"year = {year}")
    for _ in range(draw(st.integers(0, 3))):
        lines.append(f"{draw(_KEYS)} = {draw(_VALUES)}")
    if draw(st.booleans()):
        hs = draw(st.lists(_holiday(), max_size=4))
        lines.append("holidays = [\n  " + ",\n  ".join(hs) + "\n]")
    if draw(st.booleans()):
        ws = draw(st.lists(_VALUES, max_size=5))
        lines.append("workdays = [" + ", ".join(ws) + "]")
    if draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), draw(st.text(max_size=20)))
    return "\n".join(lines) + "\n"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_schedule_text())
def test_fuzz_every_schedule_file_loads_or_is_refused_in_chinese(text):
    try:
        s = YearSchedule.from_toml(text)
    except ScheduleError as exc:
        message = str(exc)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
        if exc.line is not None:
            assert message.startswith(f"第 {exc.line} 行：") and 1 <= exc.line <= len(text.splitlines()) + 1
        return
    # what is accepted is consistent: one year, sane and disjoint holidays, weekend make-up days
    days = sorted((h.start, h.end) for h in s.holidays)
    for (a0, a1), (b0, b1) in zip(days, days[1:]):
        assert a1 < b0
    for h in s.holidays:
        assert (h.end - h.start).days < MAX_HOLIDAY_DAYS and s.year in (h.start.year, h.end.year)
    for d in s.workdays:
        assert d.weekday() >= 5 and abs((d - D(s.year, 7, 1)).days) < 200
    WorkCalendar([s]).is_workday(D(s.year, 6, 1)) if 1990 <= s.year <= 2100 else None


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=_schedule_text())
def test_fuzz_calendar_load_never_ends_in_a_traceback(cli_db, tmp_path, capsys, text):
    sched = tmp_path / "fuzz.toml"
    sched.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "calendar", "load", str(sched), "--now", NOW, login="sup")
    assert code in (0, 2), err
    assert "Traceback" not in err
    if code == 2:
        assert err.startswith("xzconsole：") and any("\u4e00" <= ch <= "\u9fff" for ch in err)


def test_ten_thousand_holidays_are_judged_in_linear_time():
    """10,000 one-day holidays (the file that took 48.8 s before): the first
    overlap is refused with its line at once."""
    first = D(2027, 1, 1)
    rows = "".join(f'  {{ name = "节{i}", start = {first + dt.timedelta(days=i % 360)}, '
                   f'end = {first + dt.timedelta(days=i % 360)} }},\n' for i in range(10_000))
    t0 = time.perf_counter()
    with pytest.raises(ScheduleError, match="重叠") as exc:
        YearSchedule.from_toml(schedule(2027, rows))
    assert time.perf_counter() - t0 < 2.0
    assert exc.value.line == 4 + 360 and "节360" in str(exc.value)
