"""The queue's one-row bars and the header, each one widget drawing its parts
(issue 11: every widget mounted at start costs the launch about a
millisecond), and the search line mounted by the first ``/``.

What the user sees and can do is the same as with the rows of widgets
they replace: the snapshots hold the picture; these tests hold the parts,
the click on the center and the search line's behaviour."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual.widgets import Input

from xzconsole.app import XzApp
from xzconsole.screens.dialogs import ChoiceDialog
from xzconsole.screens.queue import QueueScreen
from xzconsole.widgets.header import ConsoleHeader
from xzconsole.widgets.queue_bars import CENTER_MAX_WIDTH, QueueFilterBar
from pilot_support import screen_text, settle
from test_app_queue import intake


def queue(app: Any) -> QueueScreen:
    screen = app.screen
    assert isinstance(screen, QueueScreen), screen
    return screen


async def test_the_queue_starts_with_seven_widgets(store, staff):
    """Header, tabs, filter bar, table, preview bar, status line, key bar:
    no row of labels inside a bar, and no search line until ``/``."""
    intake(store, staff, 1)
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        q = queue(app)
        assert len(list(q.walk_children())) == 7
        assert q.search_box() is None


async def test_header_parts_and_its_line(store, staff):
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        header = app.screen.query_one(ConsoleHeader)
        line = screen_text(app).splitlines()[0]
        assert header.line == line[:120]
        # title, user, calendar and clock, each padded by a cell, the user part taking the rest
        assert line.startswith(f" {header.title} ") and line.rstrip().endswith(f" {header.calendar_text}  {header.clock_text}")
        assert header.user_text.startswith("王受理（受理员·")  # room for the center at 120 columns
        assert line.startswith(f" {header.title}  {header.user_text} ")
        # the calendar mark: warning style (a component class) while a due date is provisional
        header.set_calendar(True, [2027])
        await pilot.pause()
        assert header.calendar_text == "⚠ 暂定期限（2027）" and header.provisional
        assert "⚠ 暂定期限（2027）" in screen_text(app).splitlines()[0]
        header.set_calendar(False, [])
        await pilot.pause()
        assert header.calendar_text == "日历正常" and not header.provisional


async def test_header_gives_the_user_part_what_the_others_leave(store, staff):
    """The longest of the user's texts that fits; narrower, a shorter one (never a cut "（…")."""
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        header = app.screen.query_one(ConsoleHeader)
        wide = header.user_text
        await pilot.resize_terminal(60, 24)
        await settle(pilot)
        narrow = header.user_text
        assert cell_len(narrow) < cell_len(wide)
        assert "（" not in narrow or narrow.endswith("）")
        assert header.line == screen_text(app).splitlines()[0][:60] and narrow in header.line


async def test_a_click_on_the_center_opens_the_list_and_one_on_the_filters_does_not(store, staff):
    intake(store, staff, 1)
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        q = queue(app)
        bar = q.query_one(QueueFilterBar)
        assert bar.center_text is not None and 0 < bar.center_width <= CENTER_MAX_WIDTH
        await pilot.click(QueueFilterBar, offset=(bar.center_width + 3, 0))  # on the filters
        await settle(pilot)
        assert app.screen is q
        await pilot.click(QueueFilterBar, offset=(bar.center_width - 1, 0))  # the center's last cell
        await settle(pilot)
        assert isinstance(app.screen, ChoiceDialog)


async def test_filter_bar_cuts_a_long_center_and_shows_text_literally(store, staff):
    intake(store, staff, 1)
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        q = queue(app)
        bar = q.query_one(QueueFilterBar)
        bar.set_center("很" * 30 + " · c 切换")
        bar.set_filters("搜索“[b]x[/b]”  │  筛选：无筛选")
        await pilot.pause()
        line = screen_text(app).splitlines()[bar.region.y]
        assert bar.center_width == CENTER_MAX_WIDTH
        # 42 cells of text, as Textual cuts a label: 41 cells (20 characters and a space) and "…"
        assert line.startswith(" " + "很" * 20 + " …  搜索")
        assert "搜索“[b]x[/b]”" in line  # never markup


async def test_search_line_is_mounted_by_the_first_slash_and_keeps_its_behaviour(store, staff):
    for i in range(3):
        intake(store, staff, i)
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        q = queue(app)
        assert q.search_box() is None
        await pilot.press("escape")  # nothing to clear, nothing mounted
        assert q.search_box() is None
        await pilot.press("slash")
        box = q.search_box()
        assert isinstance(box, Input) and box.has_class("-open") and box.has_focus
        # between the filter bar and the table, where it always was
        assert box.region.y == q.query_one(QueueFilterBar).region.bottom
        await pilot.press("n", "p")
        assert box.value == "np"
        await pilot.press("escape")
        await settle(pilot)
        assert box.value == "" and not box.has_class("-open") and q.table.has_focus
        await pilot.press("slash")
        assert q.search_box() is box  # mounted once


async def test_a_saved_search_is_in_the_search_line_when_it_opens(store, staff):
    intake(store, staff, 1)
    store.saved_filters.save(staff["clerk"], "搜一号", "tab-new", {}, "一号")
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        q = queue(app)
        saved = next(t for t in q.tabs if t.saved)
        q.select_tab(saved.id)
        await settle(pilot)
        assert q.search_text == "一号" and q.search_box() is None
        await pilot.press("slash")
        box = q.search_box()
        assert box is not None and box.value == "一号"
        await settle(pilot)
        assert q.search_text == "一号"  # opening it searched nothing again
