"""Pilot tests of the outreach screen (宣传推广, F11): logging an activity through
the form, voiding one, the targets, the year switch, and an appeal taken on
the spot at a visit (SPEC §14).

Each test builds its activities through the store on a fresh database (the
``store`` fixture: clock frozen on Thursday 2026-11-26 09:30), runs the real
``XzApp`` headless and asserts on what the screen shows and on the database.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Input, Select, Static, TextArea

from xzconsole.app import XzApp
from xzconsole.models import Source, uscc_check_char
from xzconsole.screens.dialogs import ReasonDialog
from xzconsole.screens.intake import IntakeScreen
from xzconsole.screens.outreach import ActivityDialog, ActivityScreen, OutreachScreen, PlanDialog
from xzconsole.store import TicketFilter
from xzconsole.widgets.header import ConsoleHeader
from pilot_support import settle


def uscc(n: int) -> str:
    first17 = f"91320302MA{n:06d}X"[:17]
    return first17 + uscc_check_char(first17)


async def open_outreach(pilot: Any) -> OutreachScreen:
    await settle(pilot)
    await pilot.press("f11")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, OutreachScreen), screen
    return screen


def month_cell(screen: OutreachScreen, kind: str, month: int) -> str:
    return screen.query_one("#out-progress", DataTable).get_cell(kind, f"m{month}").plain


def log_rows(screen: OutreachScreen) -> list[list[str]]:
    table = screen.query_one("#out-log", DataTable)
    return [[c.plain for c in table.get_row_at(i)] for i in range(table.row_count)]


def summary(screen: Any) -> str:
    return str(screen.query_one("#out-summary", Static).render())


async def test_log_a_visit_through_the_form_and_see_the_month_change(store, staff):
    store.outreach.log_activity(staff["clerk"], "2026-11-03", "visit", "鼓楼区", enterprises_reached=3)
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_outreach(pilot)
        assert month_cell(screen, "visit", 11) == "3" and month_cell(screen, "visit", 12) == "·"
        await pilot.press("a")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ActivityDialog)
        dialog.query_one("#act-kind", Select).value = "visit"
        dialog.query_one("#act-date", Input).value = "2026-11-24"
        dialog.query_one("#act-place", Input).value = "云龙区[b]x[/b]园区"
        dialog.query_one("#act-depts", Input).value = "市人社局、市税务局"
        dialog.query_one("#act-enterprises", Input).value = f"徐州甲机械有限公司、路灯[/]坏了公司 {uscc(2)}"
        dialog.query_one("#act-cards", Input).value = "20"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert month_cell(screen, "visit", 11) == "5"
        assert month_cell(screen, "cards", 11) == "20"
        assert log_rows(screen)[0] == ["2026-11-24", "走访企业", "2", "20", "", "云龙区[b]x[/b]园区", "市人社局、市税务局"]
        assert "5/1000家" in summary(screen) and "▼ 落后" in summary(screen)
    a = store.outreach.activities(2026)[0]
    assert (a.place, a.recorded_by, sorted(e.name for e in store.outreach.activity(a.id).enterprises)) == (
        "云龙区[b]x[/b]园区", "clerk", ["徐州甲机械有限公司", "路灯[/]坏了公司"])


async def test_the_form_says_what_is_wrong_under_each_field_and_keeps_it(store, staff):
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_outreach(pilot)
        await pilot.press("a")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ActivityDialog)
        date = dialog.query_one("#act-date", Input)
        date.focus()
        await pilot.pause()
        date.value = "2026-12-01"
        dialog.query_one("#act-depts", Input).focus()  # leaving the date checks it
        await pilot.pause()
        assert "晚于今天（2026-11-26）" in dialog.error_of("act-date")
        dialog.query_one("#act-depts", Input).value = "市外星局"
        dialog.query_one("#act-kind", Select).value = "cards"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert "请先修正标出的字段" in dialog.error_text
        assert "找不到单位“市外星局”" in dialog.error_of("act-depts")
        assert dialog.error_of("act-place") == "请填写活动地点"
        assert "须填写寄出的联系卡张数" in dialog.error_of("act-cards")
        assert date.value == "2026-12-01"  # nothing typed is lost
        date.value = "2026-11-25"
        dialog.query_one("#act-depts", Input).value = ""
        dialog.query_one("#act-place", Input).value = "邮政寄送"
        dialog.query_one("#act-cards", Input).value = "500"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen and month_cell(screen, "cards", 11) == "500"
    assert [a.cards_sent for a in store.outreach.activities(2026)] == [500]


async def test_take_an_appeal_at_a_visit(store, staff):
    visit = store.outreach.log_activity(staff["clerk"], "2026-11-20", "visit", "泉山区",
                               enterprises=[f"徐州甲机械有限公司 {uscc(1)}", "徐州乙食品有限公司"])
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_outreach(pilot)
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, ActivityScreen)
        assert detail.query_one("#act-enterprises", DataTable).row_count == 2
        assert "现场受理的诉求：暂无" in str(detail.query_one("#act-tickets-title", Static).render())
        names = [e.name for e in detail.activity.enterprises]
        await pilot.press(*["down"] * names.index("徐州甲机械有限公司"))  # choose the enterprise the appeal is from
        await pilot.press("n")
        await settle(pilot)
        intake = app.screen
        assert isinstance(intake, IntakeScreen)
        source = intake.query_one("#intake-source", Select)
        assert source.value == Source.VISIT.value and source.disabled
        assert f"走访现场受理 · 活动 #{visit.id}" in intake.query_one(ConsoleHeader).title
        assert intake.query_one("#intake-name", Input).value == "徐州甲机械有限公司"
        assert intake.query_one("#intake-uscc", Input).value == uscc(1)
        intake.query_one("#intake-type", Select).value = "complaint"
        intake.query_one("#intake-content", TextArea).load_text("厂区门前道路破损，雨天积水严重。")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is detail
        tickets = detail.query_one("#act-tickets", DataTable)
        assert tickets.row_count == 1
        number = tickets.get_row_at(0)[0].plain
    t = store.tickets.get(staff["clerk"], number)
    assert (t.source, t.visit_id, t.enterprise_name) == (Source.VISIT, visit.id, "徐州甲机械有限公司")
    assert [x.number for x in store.outreach.activity(visit.id).tickets] == [number]
    assert [x.number for x in store.queue.list_tickets(staff["clerk"], TicketFilter(source="visit"))] == [number]


async def test_void_an_activity_and_it_leaves_the_progress(store, staff):
    store.outreach.log_activity(staff["clerk"], "2026-10-12", "station", "张集镇")
    store.outreach.log_activity(staff["clerk"], "2026-10-15", "station", "双楼港园区")
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_outreach(pilot)
        assert month_cell(screen, "station", 10) == "2"
        await pilot.press("v")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReasonDialog)
        dialog.query_one("#reason-text", Input).value = "地点登记错误"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert month_cell(screen, "station", 10) == "1"
        assert log_rows(screen)[0][:5] == ["2026-10-15", "镇街园区服务站", "0", "0", "✗ 作废"]
        await pilot.press("v")  # the same row again: already void, said so, nothing opens
        await settle(pilot)
        assert app.screen is screen


async def test_targets_year_switch_and_filters(store, staff):
    store.outreach.log_activity(staff["clerk"], "2025-06-30", "visit", "沛县", enterprises_reached=7)
    store.outreach.log_activity(staff["clerk"], "2026-03-02", "joint_event", "徐州市民服务中心")
    store.outreach.log_activity(staff["clerk"], "2026-04-02", "station", "张集镇")
    app = XzApp(store.path, "sup", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_outreach(pilot)
        await pilot.press("t")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, PlanDialog)
        dialog.query_one("#plan-joint_event", Input).value = "1"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen and "1/1场 ★ 已完成" in summary(screen)
        await pilot.press("k")  # 联合服务活动 only
        await pilot.pause()
        assert [r[1] for r in log_rows(screen)] == ["联合服务活动"]
        await pilot.press("k", "m", "m", "m", "m")  # 镇街园区服务站, April
        await pilot.pause()
        assert [r[:2] for r in log_rows(screen)] == [["2026-04-02", "镇街园区服务站"]]
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert screen.year == 2025 and month_cell(screen, "visit", 6) == "7" and month_cell(screen, "visit", 12) == "0"
        assert "1/10场" not in summary(screen) and "0/10场" in summary(screen)  # 2025 keeps the default target
    assert store.outreach.plan(2026)[0].target == 1


async def test_a_clerk_has_no_target_key(store, staff):
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_outreach(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert app.screen is screen
        assert "outreach.targets" not in {b.binding.id for b in screen.active_bindings.values() if b.enabled}


async def test_the_log_loads_the_next_page_at_its_end(store, staff):
    for i in range(53):
        store.outreach.log_activity(staff["clerk"], f"2026-{1 + i // 28:02d}-{1 + i % 28:02d}", "station", f"服务站{i}")
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_outreach(pilot)
        table = screen.query_one("#out-log", DataTable)
        assert table.row_count == 50 and screen.more
        table.move_cursor(row=49)
        await settle(pilot)
        assert table.row_count == 53 and not screen.more
        assert log_rows(screen)[-1][:2] == ["2026-01-01", "镇街园区服务站"]
        assert month_cell(screen, "station", 1) == "28" and month_cell(screen, "station", 2) == "25"


async def test_f11_fills_progress_and_log_after_its_first_paint_and_a_filter_key_at_once_holds(store, staff):
    """F11 paints the screen first and reads the progress and the log once it
    has been painted (issue 11 item 5); a filter key pressed at once is not
    undone by that first read."""
    store.outreach.log_activity(staff["clerk"], "2026-11-03", "visit", "鼓楼区", enterprises_reached=3)
    store.outreach.log_activity(staff["clerk"], "2026-11-05", "joint_event", "云龙区", enterprises_reached=12)
    async with XzApp(store.path, "clerk", store.clock).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f11", "k")  # the first kind only: 联合服务活动
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, OutreachScreen)
        assert month_cell(screen, "visit", 11) == "3" and month_cell(screen, "joint_event", 11) == "1"
        assert screen.kind_filter == "joint_event"
        assert [(r[0], r[1]) for r in log_rows(screen)] == [("2026-11-05", "联合服务活动")]
        assert pilot.app.focused is screen.query_one("#out-log", DataTable)
