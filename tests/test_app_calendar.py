"""Pilot tests of the calendar screen (SPEC §3, §9): holidays, make-up
workdays and provisional days are marked with symbol, word and class; a
supervisor sees how many due dates a schedule moves before loading it;
everyone else sees the calendar read-only."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from xzconsole.app import XzApp
from xzconsole.models import TicketIntake
from xzconsole.screens.calendar import CalendarScreen, ScheduleDialog, year_ranges

SCHEDULE_2027 = """year = 2027
source = "国务院办公厅关于2027年部分节假日安排的通知（测试）"
holidays = [
  { name = "元旦", start = 2027-01-01, end = 2027-01-01 },
]
workdays = [2027-01-02]
"""


async def _open(pilot: Any, month: dt.date | None = None) -> CalendarScreen:
    await pilot.pause()
    screen = CalendarScreen(month)
    await pilot.app.push_screen(screen)
    await pilot.pause()
    return screen


async def _until(pilot: Any, cond: Any, timeout: float = 5.0) -> None:
    start = time.monotonic()
    while not cond():
        assert time.monotonic() - start < timeout
        await pilot.pause(0.05)


def test_year_ranges():
    assert year_ranges([2004, 2005, 2006, 2009]) == "2004–2006、2009"
    assert year_ranges([]) == "无"


async def test_october_2026_holidays_and_makeup_day(store, staff):
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, dt.date(2026, 10, 1))
        oct1 = screen.cell_text(dt.date(2026, 10, 1))
        assert "休" in oct1 and "国庆节" in oct1
        assert "-holiday" in screen.cell_classes(dt.date(2026, 10, 1))
        oct10 = screen.cell_text(dt.date(2026, 10, 10))
        assert "班" in oct10 and "调休上班" in oct10
        assert "-makeup" in screen.cell_classes(dt.date(2026, 10, 10))
        assert "-holiday" not in screen.cell_classes(dt.date(2026, 10, 9))  # an ordinary Friday
        assert "-provisional" not in screen.cell_classes(dt.date(2026, 10, 9))
        # the 1st of October 2026 is a Thursday: the grid starts on Monday
        assert screen.query_one("#cal-day-3").render() == screen.cells[dt.date(2026, 10, 1)].render()
        assert "图例" in str(screen.query_one("#cal-legend").render())
        title = str(screen.query_one("#cal-title").render())
        assert "2026 年 10 月" in title and "官方安排" in title
        # read-only for a clerk
        assert screen.check_action("load", ()) is False
        await pilot.press("l")
        assert not isinstance(app.screen, ScheduleDialog)


async def test_provisional_2027_is_marked(store, staff):
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, dt.date(2026, 12, 1))
        await pilot.press("right_square_bracket")
        assert screen.month == dt.date(2027, 1, 1)
        jan4 = dt.date(2027, 1, 4)
        assert "暂" in screen.cell_text(jan4) and "-provisional" in screen.cell_classes(jan4)
        jan1 = screen.cell_text(dt.date(2027, 1, 1))
        assert "休" in jan1 and "元旦" in jan1 and "暂" in jan1
        assert "暂定" in str(screen.query_one("#cal-title").render())
        years = str(screen.query_one("#cal-years").render())
        assert "暂定：2027" in years


async def test_supervisor_previews_then_loads_a_schedule(store, staff, clock):
    # a consultation dispatched 2026-12-30: 3 working days → 2027-01-05 (provisional)
    clock.set("2026-12-30T10:00:00+08:00")
    t = store.tickets.accept(staff["clerk"], TicketIntake(appeal_type="consultation", enterprise_name="徐州云龙机械有限公司",
                                                  content="年底咨询"))
    store.tickets.dispatch(staff["clerk"], t.id, "市人社局")
    assert store.tickets.get(staff["sup"], t.id).due_date == dt.date(2027, 1, 5)
    app = XzApp(store.path, "sup", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, dt.date(2027, 1, 1))
        await pilot.press("l")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ScheduleDialog)
        assert dialog.text.startswith("year = 2027")  # a template to correct
        # a refusal names its line, in Chinese, and loses nothing
        area = dialog.query_one("#sched-text")
        area.text = SCHEDULE_2027.replace("workdays = [2027-01-02]", "workdays = [2027-01-04]")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "第 6 行" in dialog.error_text and "周一" in dialog.error_text
        assert "2027-01-04" in dialog.text
        area.text = SCHEDULE_2027
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: dialog.moved is not None)
        assert dialog.moved == 1
        assert "将调整 1 件在办工单" in dialog.preview_text
        assert store.tickets.get(staff["sup"], t.id).due_date == dt.date(2027, 1, 5)  # nothing stored yet
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: app.screen is screen)
        assert store.tickets.get(staff["sup"], t.id).due_date == dt.date(2027, 1, 4)
        assert "班" in screen.cell_text(dt.date(2027, 1, 2))
        assert "-makeup" in screen.cell_classes(dt.date(2027, 1, 2))
        assert "中心载入：2027" in str(screen.query_one("#cal-years").render())


async def test_edit_after_preview_asks_again(store, staff):
    app = XzApp(store.path, "sup", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, dt.date(2027, 1, 1))
        await pilot.press("l")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#sched-text").text = SCHEDULE_2027
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: dialog.moved is not None)
        dialog.query_one("#sched-text").text = SCHEDULE_2027 + "\n"
        await pilot.pause()
        assert dialog.previewed_text is None and "重新检查" in dialog.preview_text
        await pilot.press("escape")
        assert app.screen is screen
        assert store.schedules.stored() == []


async def test_read_schedule_from_a_file(store, staff, tmp_path):
    path = tmp_path / "2027.toml"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    app = XzApp(store.path, "sup", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, dt.date(2027, 1, 1))
        await pilot.press("l")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#sched-path").value = str(tmp_path / "missing.toml")
        await pilot.press("ctrl+o")
        assert "找不到文件" in dialog.error_text
        dialog.query_one("#sched-path").value = str(path)
        await pilot.press("ctrl+o")
        assert dialog.text == SCHEDULE_2027 and dialog.error_text == ""
