"""Pilot tests of issue 16: what a day of real use found wrong with the console
(keys that lose work, characters lost under overlays, English, stale errors,
cursor and column behaviour), each reproduced through the real app."""

from __future__ import annotations

import os
import re
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st
from rich.text import Text
from textual.widgets import Input, Select

from xzconsole.app import XzApp
from xzconsole.screens.dialogs import ConfirmDialog, ExtensionDialog, ReasonDialog
from xzconsole.screens.intake import IntakeScreen
from xzconsole.screens.policy_editor import PolicyEditorScreen
from xzconsole.screens.queue import QueueScreen
from xzconsole.store import Store
from xzconsole.widgets.ticket_table import TicketTable
from pilot_support import screen_text, settle


def make_app(store: Store, login: str = "clerk") -> XzApp:
    return XzApp(store.path, login, store.clock)


async def type_into(pilot: Any, text: str) -> None:
    await pilot.pause()
    focused = pilot.app.focused
    assert isinstance(focused, Input)
    focused.insert_text_at_cursor(text)
    await pilot.pause()


# ---------------------------------------------------------------- (1) q never loses a form


async def test_q_on_the_intake_drop_down_asks_before_quitting(store):
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.push_screen(IntakeScreen())
        await settle(pilot)
        intake = app.screen
        intake.query_one("#intake-name", Input).focus()
        await type_into(pilot, "徐州云龙机械有限公司")
        await pilot.press("shift+tab")  # back onto the 诉求类型 drop-down
        await settle(pilot)
        assert isinstance(app.focused, Select)
        await pilot.press("q")
        await settle(pilot)
        assert app.is_running and app.return_code is None
        assert isinstance(app.screen, ConfirmDialog) and "退出工作台" in screen_text(app)
        await pilot.press("escape")  # no: back to the form, nothing lost
        await settle(pilot)
        assert app.screen is intake
        assert intake.query_one("#intake-name", Input).value == "徐州云龙机械有限公司"
        await pilot.press("q")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    assert app.return_code == 0


async def test_q_in_an_empty_intake_and_on_the_queue_still_quits(store):
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        await app.push_screen(IntakeScreen())
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
    assert app.return_code == 0


async def test_q_in_the_policy_editor_with_changes_asks(store):
    app = make_app(store, "sup")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.push_screen(PolicyEditorScreen(None))
        await settle(pilot)
        await type_into(pilot, "关于稳就业的若干措施")
        app.screen.query_one("#ed-level", Select).focus()
        await pilot.press("q")
        await settle(pilot)
        assert app.return_code is None and isinstance(app.screen, ConfirmDialog)


async def test_q_in_a_dialog_never_quits(store):
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.push_screen(ReasonDialog("退回理由", label="理由"))
        await settle(pilot)
        app.screen.query_one(".dialog-ok").focus()
        await pilot.press("q")
        await settle(pilot)
        assert app.return_code is None and isinstance(app.screen, ReasonDialog)  # a dialog keeps the app's q out


# ---------------------------------------------------------------- (7) no English from Textual

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
KEY_NAMES = {"ctrl", "shift", "alt", "super", "tab", "enter", "esc", "escape", "space", "home", "end", "pgup", "pgdn",
             "pageup", "pagedown", "delete", "backspace", "left", "right", "up", "down", "Ctrl", "Enter", "Esc", "Tab",
             "Home", "End", "Shift", "Space", "Delete", "Backspace"}


def english_in(descriptions: list[str]) -> list[str]:
    return [d for d in descriptions if any(w not in KEY_NAMES for w in LATIN_WORD.findall(d))]


async def help_descriptions(pilot: Any) -> list[str]:
    app = pilot.app
    await pilot.press("f1")
    await settle(pilot)
    text = screen_text(app)
    lines = app.screen.lines
    await pilot.press("escape")
    await settle(pilot)
    assert "Cursor" not in text and "Page Left" not in text and "Focus Next" not in text and "Quit" not in text
    return [line.strip().split("  ", 1)[-1] for line in lines]


async def test_f1_lists_textual_keys_in_chinese(store):
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        described = await help_descriptions(pilot)  # the queue's table is focused
        assert "上移" in described and "退出" in described
        assert english_in(described) == []
        await app.push_screen(IntakeScreen())
        await settle(pilot)
        app.screen.query_one("#intake-name", Input).focus()
        assert english_in(await help_descriptions(pilot)) == []
        app.screen.query_one("#intake-content").focus()
        assert english_in(await help_descriptions(pilot)) == []
        app.screen.query_one("#intake-form").focus()  # a scrolling container: Page Left / Page Right
        assert english_in(await help_descriptions(pilot)) == []


async def test_open_drop_down_offers_its_keys_in_chinese(store):
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.push_screen(IntakeScreen())
        await settle(pilot)
        assert isinstance(app.focused, Select)
        await pilot.press("enter")
        await settle(pilot)
        shown = [active.binding.description for active in app.screen.active_bindings.values()]
        assert "收起选项" in shown and "Dismiss menu" not in shown
        assert english_in(shown) == []


async def test_palette_prompt_and_no_match_line_are_chinese(store):
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        text = screen_text(app)
        assert "Search for commands" not in text and "搜索" in text
        await pilot.press(*"zqxjv")
        await pilot.pause(0.8)
        await settle(pilot)
        text = screen_text(app)
        assert "没有找到匹配项" in text and "No matches" not in text
        await pilot.press("ctrl+a", "ctrl+k")
        await pilot.press(*"tui")  # 退出 by the palette's own entries is Chinese too
        await pilot.pause(0.5)
        await settle(pilot)
        assert "Quit the application" not in screen_text(app)


# ---------------------------------------------------------------- (9) queue cursor, stale errors, Enter


def take(store: Store, staff: dict, i: int) -> int:
    from xzconsole.models import TicketIntake

    return store.tickets.accept(staff["clerk"], TicketIntake(
        appeal_type="consultation", enterprise_name=f"徐州第{i:03d}机械有限公司", contact_phone=f"139{i:08d}",
        content=f"第{i}号诉求：厂区道路破损需要修复。")).id


async def test_home_end_g_G_move_the_queue_cursor(store, staff):
    for i in range(12):
        take(store, staff, i)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TicketTable)
        assert table.row_count == 12 and table.cursor_row == 0
        for key, row in (("end", 11), ("home", 0), ("G", 11), ("g", 0)):
            await pilot.press(key)
            await settle(pilot)
            assert table.cursor_row == row, key


async def test_refresh_keeps_the_cursor_on_the_same_ticket(store, staff):
    ids = [take(store, staff, i) for i in range(8)]
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TicketTable)
        await pilot.press("down", "down", "down", "down")
        await settle(pilot)
        chosen = table.current_ticket_id
        above = [t.id for t in table.tickets[:table.cursor_row]]
        store.tickets.dispatch(staff["clerk"], above[0], "市人社局")  # another console: it leaves 待受理
        await pilot.press("r")
        await settle(pilot)
        assert table.current_ticket_id == chosen
        assert len(table.tickets) == len(ids) - 1


async def test_an_intake_error_goes_once_the_field_is_fixed(store):
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.push_screen(IntakeScreen())
        await settle(pilot)
        intake = app.screen
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "企业名称" in intake.error_of("intake-name")
        intake.query_one("#intake-name", Input).focus()
        await type_into(pilot, "徐州云龙机械有限公司")
        await settle(pilot)
        assert intake.error_of("intake-name") == ""  # while the cursor is still in the field
        assert intake.error_of("intake-content") != ""  # the others stay until fixed


async def test_enter_in_the_extension_dialog_confirms(store):
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        result: list[Any] = []
        await app.push_screen(ExtensionDialog(0, initial_reason="需要现场勘查"), result.append)
        await settle(pilot)
        await pilot.press("3", "enter")
        await settle(pilot)
        assert result == [(3, "需要现场勘查")]


# ---------------------------------------------------------------- (3) F4 / searches


async def test_policy_search_keeps_focus_out_of_the_issuer_field(store):
    app = make_app(store, "sup")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("slash")
        assert app.focused is not None and app.focused.id == "pol-search"
        await pilot.press("社", "保", "enter")
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "pol-table"
        await pilot.press("补", "贴", "enter")
        await settle(pilot)
        assert app.screen.query_one("#pol-issuer", Input).value == ""
        assert app.screen.query_one("#pol-search", Input).value == "社保"
        assert not app.screen.query(".-textual-loading-indicator")  # the screen is never covered by a spinner


# ---------------------------------------------------------------- (4) sorting never filters


def test_due_date_sort_pages_through_every_ticket_undated_last(store, staff):
    from xzconsole.store import TicketFilter

    ids = [take(store, staff, i) for i in range(7)]
    for tid, dept in zip(ids[:3], ("市人社局", "市税务局", "市人社局")):
        store.tickets.dispatch(staff["clerk"], tid, dept)
    for sort in ("due", "warning"):
        seen: list[Any] = []
        after = None
        while True:
            rows, after = store.queue.page(staff["sup"], TicketFilter(), sort=sort, after=after, limit=2)
            seen += rows
            if after is None:
                break
        assert sorted(t.id for t in seen) == sorted(ids), sort  # every ticket once
        dated = [t for t in seen if t.due_date is not None]
        assert seen[:len(dated)] == dated and len(dated) == 3  # the undated at the end
        assert [t.due_date for t in dated] == sorted(t.due_date for t in dated)


async def test_sorting_the_new_tab_by_due_date_keeps_its_tickets(store, staff):
    for i in range(5):
        take(store, staff, i)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TicketTable)
        assert table.row_count == 5
        await pilot.press("s")  # 办理期限（早→晚）
        await settle(pilot)
        assert app.screen.sort == "due"
        assert table.row_count == 5


# ---------------------------------------------------------------- (12) the real terminal size


def test_start_size_is_the_terminals_not_columns_lines_or_80x24(monkeypatch):
    import fcntl
    import shutil
    import struct
    import termios

    from xzconsole.app import console_driver, real_terminal_size

    master, slave = os.openpty()
    try:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 45, 160, 0, 0))
        monkeypatch.setenv("COLUMNS", "80")
        monkeypatch.setenv("LINES", "24")
        assert shutil.get_terminal_size() == (80, 24)  # what Textual would have used
        assert real_terminal_size([slave], tty=None) == (160, 45)
        driver_cls = console_driver()
        monkeypatch.setattr("xzconsole.app.real_terminal_size", lambda: real_terminal_size([slave], tty=None))
        assert driver_cls._get_terminal_size(object.__new__(driver_cls)) == (160, 45)
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 0, 0, 0, 0))  # a pane not laid out yet
        assert real_terminal_size([slave], tty=None) is None
    finally:
        os.close(master)
        os.close(slave)


# ---------------------------------------------------------------- (5) 80×24 shows what matters


async def test_filter_dialog_buttons_are_on_screen_at_80x24(store):
    from xzconsole.screens.queue_filter_dialog import FilterDialog

    app = make_app(store, "sup")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FilterDialog)
        screen = app.screen.region
        for button in ("#filter-ok", "#filter-reset", "#filter-cancel"):
            region = app.screen.query_one(button).region
            assert region.height and screen.contains_region(region), button
        text = screen_text(app)
        assert "应用" in text and "清除" in text and "取消" in text


async def test_header_never_cuts_its_closing_bracket(store):
    app = make_app(store, "sup")
    for size in ((80, 24), (160, 45)):
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            first = screen_text(app).splitlines()[0]
            assert "赵值班（值班长" in first and "）" in first, first
            if size[0] >= 120:
                assert "赵值班（值班长·" in first  # the center too where there is room
        app = make_app(store, "sup")


# ---------------------------------------------------------------- (8) columns follow the width

LONG_NAME = "徐州经济技术开发区高端装备智能制造有限公司"  # 21 characters


async def test_queue_columns_use_the_terminal_width(store, staff):
    from xzconsole.models import TicketIntake

    tid = store.tickets.accept(staff["clerk"], TicketIntake(
        appeal_type="consultation", enterprise_name=LONG_NAME, contact_phone="13900000001",
        content="咨询设备更新贷款贴息政策。")).id
    store.tickets.dispatch(staff["clerk"], tid, "市自然资源和规划局")
    dept = store.tickets.get(staff["sup"], tid).department_name
    for (width, height), whole in (((160, 45), True), ((80, 24), False)):
        app = make_app(store, "sup")
        async with app.run_test(size=(width, height)) as pilot:
            await settle(pilot)
            app.screen.select_tab("tab-all")
            await settle(pilot)
            text = screen_text(app)
            if whole:
                assert LONG_NAME in text and dept in text, text
            else:
                row = next(line for line in text.splitlines() if LONG_NAME[:5] in line)
                assert "…" in row  # cut visibly, not silently
            table = app.screen.query_one(TicketTable)
            used = sum(c.get_render_width(table) for c in table.columns.values())
            assert used >= width - 6  # no wide empty margin on the right


# ---------------------------------------------------------------- (11) Chinese line breaking

PUNCT_PROSE = "".join("企" * n + p for n, p in zip(range(1, 40), "；。”，：！？、）》" * 4))


@given(st.text(alphabet="企业服务中心abc12 ；。”“（）《》，", min_size=0, max_size=200), st.integers(min_value=2, max_value=40))
@example("。。《11", 7)  # found by hypothesis: keeping "11" whole left 《 at a line's end
@example("1。。。（11", 4)
def test_wrapping_never_starts_a_line_with_closing_punctuation(text: str, width: int) -> None:
    from xzconsole.textsafe import NO_LINE_END, NO_LINE_START, wrap_lines
    from rich.cells import cell_len

    lines = wrap_lines(text, width)
    assert "".join(lines) == text  # nothing lost or added
    for before, line in zip(lines, lines[1:]):
        assert cell_len(before) <= width
        if line and before and len(before) > 1:
            assert line[0] not in NO_LINE_START or all(c in NO_LINE_START for c in before[1:]), (before, line)
            assert before[-1] not in NO_LINE_END, (before, line)


async def test_ticket_content_lines_never_start_with_closing_punctuation(store, staff):
    from xzconsole.models import TicketIntake
    from xzconsole.screens.ticket import TicketScreen
    from xzconsole.textsafe import NO_LINE_START

    tid = store.tickets.accept(staff["clerk"], TicketIntake(
        appeal_type="consultation", enterprise_name="徐州云龙机械有限公司", contact_phone="13900000001",
        content=PUNCT_PROSE)).id
    for size in ((80, 24), (81, 24), (82, 24), (83, 24), (160, 45)):  # widths where Textual's wrap broke badly
        app = make_app(store, "sup")
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await app.push_screen(TicketScreen(tid))
            await settle(pilot)
            box = app.screen.query_one("#ticket-content")
            rows = [row[box.region.x:box.region.right] for row in grid_rows(app)[box.region.y:box.region.bottom]]
            shown = ["".join(r).strip() for r in rows if "".join(r).strip()]
            assert "".join(shown) .startswith(PUNCT_PROSE[:20])
            assert len(shown) > 1
            assert [line for line in shown[1:] if line[0] in NO_LINE_START] == []


def grid_rows(app: Any) -> list[list[str]]:
    out = []
    for line in screen_text(app).splitlines():
        cells: list[str] = []
        for ch in line:
            cells.append(ch)
            if Text(ch).cell_len == 2:
                cells.append("")
        out.append(cells)
    return out


async def test_calendar_names_the_holidays_at_80_columns(store):
    from xzconsole.screens.calendar import CalendarScreen

    store.clock.set("2027-02-01T09:00:00+08:00")  # 2027: no official schedule yet, every day provisional
    app = make_app(store, "sup")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(CalendarScreen())
        await settle(pilot)
        text = screen_text(app)
        assert "春节" in text, text
        store.clock.set("2026-10-01T09:00:00+08:00")
    app = make_app(store, "sup")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(CalendarScreen())
        await settle(pilot)
        assert "国庆节" in screen_text(app)


async def test_warning_list_at_80x24_shows_enterprise_due_date_and_its_count(store, staff, monkeypatch):
    from xzconsole.screens import warnings as panel

    monkeypatch.setattr(panel, "LIST_LIMIT", 2)  # list two, so the "列出" line shows without hundreds of tickets
    store.clock.set("2026-11-02T09:00:00+08:00")
    names = ["徐州云龙机械有限公司", "江苏彭城光电科技有限公司", "徐州淮海物流集团有限公司"]
    for i, name in enumerate(names):
        from xzconsole.models import TicketIntake

        tid = store.tickets.accept(staff["clerk"], TicketIntake(
            appeal_type="consultation", enterprise_name=name, contact_phone=f"1390000000{i}", content="路灯不亮。")).id
        store.tickets.dispatch(staff["clerk"], tid, "市人社局")
    store.clock.set("2026-11-26T09:30:00+08:00")
    app = make_app(store, "sup")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        text = screen_text(app)
        assert "企业" in text and "期限/时间" in text
        assert sum(name[:7] in text for name in names) == 2  # two listed, each with its enterprise
        assert "2026-11-" in text  # and its due date
        assert "列出第 1–2 件（共 3 件" in text, text


async def test_assessment_shows_every_rate_at_80x24(store, staff):
    from xzconsole.models import TicketIntake

    store.clock.set("2026-10-12T09:00:00+08:00")
    tid = store.tickets.accept(staff["clerk"], TicketIntake(
        appeal_type="consultation", enterprise_name="徐州云龙机械有限公司", contact_phone="13900000001",
        content="路灯不亮。")).id
    store.tickets.dispatch(staff["clerk"], tid, "市人社局")
    store.clock.set("2026-11-26T09:30:00+08:00")
    app = make_app(store, "sup")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        heading = next(line for line in screen_text(app).splitlines() if "排名" in line)
        for rate in ("响应率", "按时办结率", "解决率", "满意率"):  # the scorecard's four (SPEC §8)
            assert rate in heading, heading


# ---------------------------------------------------------------- (10) the push dialog


async def test_push_dialog_counts_the_chosen_and_marks_them_without_colour(store):
    from xzconsole.screens.policy_associations import AssociationPicker

    associations = store.association_list()
    assert len(associations) > 10
    chosen = {associations[0].id, associations[1].id}
    app = make_app(store, "sup")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(AssociationPicker("定向推送：稳岗返还", associations, chosen))
        await settle(pilot)
        text = screen_text(app)
        assert f"已选 2 家 / 共 {len(associations)} 家" in text
        rows = {a.name: next((line for line in text.splitlines() if a.name[:6] in line), "") for a in associations[:3]}
        assert "X" in rows[associations[0].name] and "X" in rows[associations[1].name]
        assert rows[associations[2].name] and "X" not in rows[associations[2].name]  # an empty box, not a grey X
        await pilot.press("space")  # the first one: unchosen
        await settle(pilot)
        assert f"已选 1 家 / 共 {len(associations)} 家" in screen_text(app)


def test_an_edit_conflict_names_the_colleague_not_the_login(store, staff):
    from xzconsole.errors import InvalidAction  # noqa: F401 - the store's refusal

    p = store.library.create(staff["sup"], {"title": "关于稳岗返还的通知", "issuer": "市人社局"})
    stale = store.library.detail(p.id)["updated_at"]
    store.clock.set("2026-11-26T10:00:00+08:00")
    store.library.update(staff["sup"], p.id, {"title": "关于稳岗返还的通知（修订）"}, expect_updated_at=stale)
    try:
        store.library.update(staff["sup"], p.id, {"title": "另一版"}, expect_updated_at=stale)
    except Exception as exc:  # noqa: BLE001 - the message is what is checked
        assert "赵值班" in str(exc) and "已被 sup " not in str(exc)
    else:
        raise AssertionError("a stale edit was accepted")
    assert store.library.detail(p.id)["updated_by_name"] == "赵值班"


async def test_after_an_intake_the_cursor_is_on_the_new_appeal(store, staff):
    for i in range(4):
        take(store, staff, i)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TicketTable)
        await pilot.press("down", "down")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        intake = app.screen
        intake.query_one("#intake-type", Select).value = "consultation"
        intake.query_one("#intake-name", Input).value = "徐州新城科技有限公司"
        intake.query_one("#intake-content").insert("咨询研发费用加计扣除。")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog) and "立即派发" in app.screen.heading
        await pilot.press("escape")  # not now: the cursor stays on the new appeal
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert table.current_ticket() is not None and table.current_ticket().enterprise_name == "徐州新城科技有限公司"
        assert table.current_ticket().status.value == "new"


async def test_after_an_intake_the_new_ticket_can_be_dispatched_at_once(store, staff):
    from xzconsole.screens.dialogs import DispatchDialog

    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        intake = app.screen
        intake.query_one("#intake-type", Select).value = "consultation"
        intake.query_one("#intake-name", Input).value = "徐州新城科技有限公司"
        intake.query_one("#intake-content").insert("咨询稳岗返还的申领条件。")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog), type(app.screen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DispatchDialog)
        await type_into(pilot, "人社")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        (tid,) = store.conn.execute("SELECT id FROM tickets").fetchone()  # the only ticket
        stored = store.tickets.get(staff["clerk"], tid)
        assert stored.enterprise_name == "徐州新城科技有限公司"
        assert stored.status.value == "dispatched" and stored.department_name == "市人社局"


async def test_f10_footer_names_its_sub_tab_keys(store):
    app = make_app(store, "sup")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        from xzconsole.screens.associations import TABS

        assert f"1-{len(TABS)} 分页" in screen_text(app).splitlines()[-1]


async def test_a_focused_drop_down_stands_out(store):
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.push_screen(IntakeScreen())
        await settle(pilot)
        focused, other = app.screen.query_one("#intake-type", Select), app.screen.query_one("#intake-source", Select)
        assert app.focused is focused
        a = focused.query_one("SelectCurrent").styles.background
        b = other.query_one("SelectCurrent").styles.background
        assert abs(a.brightness - b.brightness) > 0.08 or a.hsl.h != b.hsl.h, (a, b)


async def test_deadline_column_only_for_declaration_policies(store, staff):
    from textual.widgets import DataTable

    until = "2026-12-20"
    decl = store.library.create(staff["sup"], {"title": "2026年度高新技术企业认定申报通知", "kind": "declaration",
                                               "valid_until": until, "issuer": "市科技局"})
    other = store.library.create(staff["sup"], {"title": "关于优化营商环境的若干意见", "kind": "other",
                                                "valid_until": until, "issuer": "市发改委"})
    app = make_app(store, "sup")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        table = app.screen.query_one("#pol-table", DataTable)
        left = {}
        for pid, words in ((decl.id, "高新技术企业认定申报通知"), (other.id, "优化营商环境的若干意见")):
            app.screen.query_one("#pol-search", Input).value = words
            app.screen.reload()
            await settle(pilot)
            left[pid] = table.get_row(str(pid))[1].plain
        assert left[other.id] == "—"
        assert left[decl.id] != "—" and "天" in left[decl.id]


async def test_policy_search_survives_a_trip_to_the_queue(store):
    app = make_app(store, "sup")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("slash", "社", "保", "enter")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("f4")
        await settle(pilot)
        assert app.screen.query_one("#pol-search", Input).value == "社保"


async def test_intake_keeps_f2_f3_for_the_console_and_asks_before_leaving(store):
    from textual.widgets import OptionList

    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.push_screen(IntakeScreen())
        await settle(pilot)
        intake = app.screen
        await pilot.press("ctrl+o")
        assert isinstance(app.focused, OptionList) and app.focused.id == "intake-enterprises"
        await pilot.press("ctrl+t")
        assert isinstance(app.focused, OptionList) and app.focused.id == "intake-kb"
        intake.query_one("#intake-name", Input).focus()
        await type_into(pilot, "徐州云龙机械有限公司")
        await pilot.press("f3")  # the warning panel: the half-typed form is not dropped silently
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is intake and intake.query_one("#intake-name", Input).value == "徐州云龙机械有限公司"
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert type(app.screen).__name__ == "WarningsScreen"


async def test_warning_list_marks_supervised_tickets(store, staff):
    from xzconsole.models import TicketIntake
    from xzconsole.screens.warnings import WarningsScreen

    store.clock.set("2026-11-02T09:00:00+08:00")
    ids = []
    for i, name in enumerate(["徐州云龙机械有限公司", "江苏彭城光电科技有限公司"]):
        tid = store.tickets.accept(staff["clerk"], TicketIntake(
            appeal_type="consultation", enterprise_name=name, contact_phone=f"1390000000{i}", content="路灯不亮。")).id
        store.tickets.dispatch(staff["clerk"], tid, "市人社局")
        ids.append(tid)
    store.clock.set("2026-11-26T09:30:00+08:00")
    store.tickets.supervise(staff["sup"], ids[0], "请尽快办理")
    app = make_app(store, "sup")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.push_screen(WarningsScreen())
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        table = app.screen.list_table
        marks = {int(str(key.value)): table.get_row(key)[0].plain for key in table.rows}
        assert marks[ids[0]] == "督" and marks[ids[1]].strip() in ("", "新")


async def test_g_and_G_move_the_warning_list_cursor(store, staff):
    from xzconsole.models import TicketIntake
    from xzconsole.screens.warnings import WarningsScreen

    store.clock.set("2026-11-02T09:00:00+08:00")
    for i in range(4):
        tid = store.tickets.accept(staff["clerk"], TicketIntake(
            appeal_type="consultation", enterprise_name=f"徐州第{i}机械有限公司", contact_phone=f"1390000000{i}",
            content="路灯不亮。")).id
        store.tickets.dispatch(staff["clerk"], tid, "市人社局")
    store.clock.set("2026-11-26T09:30:00+08:00")
    app = make_app(store, "sup")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.push_screen(WarningsScreen())
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        table = app.screen.list_table
        table.focus()
        assert table.row_count == 4
        for key, row in (("G", 3), ("g", 0), ("end", 3), ("home", 0)):
            await pilot.press(key)
            assert table.cursor_row == row, key


async def test_warning_list_pages_beyond_its_limit(store, staff, monkeypatch):
    """F3 lists LIST_LIMIT tickets a page; PgDn/PgUp page on like the queue and
    the count line says which part of how many is shown (issue 16)."""
    from xzconsole.models import TicketIntake
    from xzconsole.screens import warnings as panel

    monkeypatch.setattr(panel, "LIST_LIMIT", 2)
    store.clock.set("2026-11-02T09:00:00+08:00")
    names = ["徐州云龙机械有限公司", "江苏彭城光电科技有限公司", "徐州淮海物流集团有限公司",
             "徐州汉源食品有限公司", "江苏铜山新材料有限公司"]
    for i, name in enumerate(names):
        tid = store.tickets.accept(staff["clerk"], TicketIntake(
            appeal_type="consultation", enterprise_name=name, contact_phone=f"1390000000{i}", content="路灯不亮。")).id
        store.tickets.dispatch(staff["clerk"], tid, "市人社局")
    store.clock.set("2026-11-26T09:30:00+08:00")
    app = make_app(store, "sup")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        screen = app.screen
        assert "列出第 1–2 件（共 5 件，PgDn/PgUp 翻页）" in screen_text(app)
        seen: set[int] = {r.id for r in screen._list_rows}
        for expected in ("列出第 3–4 件（共 5 件，PgDn/PgUp 翻页）", "列出第 5–5 件（共 5 件，PgDn/PgUp 翻页）"):
            await pilot.press("pagedown")
            await settle(pilot)
            await pilot.pause(0.5)
            await settle(pilot)
            assert expected in screen_text(app), screen_text(app)
            seen |= {r.id for r in screen._list_rows}
        assert len(seen) == 5  # every warned ticket reachable, none twice
        await pilot.press("pagedown")  # nothing beyond: stays on the last page
        await settle(pilot)
        assert screen.list_page == 2
        await pilot.press("pageup")
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        assert "列出第 3–4 件（共 5 件，PgDn/PgUp 翻页）" in screen_text(app)


# ---------------------------------------------------------------- pinyin and initials


def test_pinyin_keys_full_and_initials_any_case():
    from xzconsole import pinyin_keys

    assert pinyin_keys.keys("市人社局") == ("shirensheju", "srsj")
    for query in ("rsj", "RSJ", "srsj", "renshe", "RenSheJu"):
        assert pinyin_keys.matches(query, "市人社局"), query
    assert not pinyin_keys.matches("swj", "市人社局")
    assert not pinyin_keys.matches("人社", "市人社局")  # Chinese is matched as text, not here


async def test_dispatch_dialog_finds_a_department_by_pinyin(store):
    from xzconsole.screens.dialogs import DispatchDialog

    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        for query in ("RenShe", "srsj"):
            got: list[Any] = []
            await app.push_screen(DispatchDialog(), got.append)
            await settle(pilot)
            await type_into(pilot, query)
            await settle(pilot)
            assert app.screen.preview_text.startswith("市人社局"), (query, app.screen.preview_text)
            await pilot.press("enter")
            await settle(pilot)
            assert got == [store.department("市人社局").id]


async def test_palette_finds_a_place_by_pinyin_initials(store):
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"qymL")  # 企业名录, initials, any case
        await pilot.pause(0.8)
        await settle(pilot)
        assert "企业名录" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.pause(0.3)
        assert type(app.screen).__name__ == "DirectoryScreen"


# ---------------------------------------------------------------- / filters as you type


async def test_queue_search_filters_as_you_type_and_esc_clears(store, staff):
    from xzconsole.models import TicketIntake

    for i in range(3):
        take(store, staff, i)
    store.tickets.accept(staff["clerk"], TicketIntake(
        appeal_type="consultation", enterprise_name="江苏彭城光电科技有限公司", contact_phone="13900000099",
        content="咨询高新技术企业认定。"))
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        queue = app.screen
        table = queue.query_one(TicketTable)
        assert table.row_count == 4
        await pilot.press("slash")
        await settle(pilot)
        box = queue.query_one("#queue-search", Input)
        await type_into(pilot, "彭城")
        assert queue.search_text == ""  # not on every keystroke: after a pause
        await pilot.pause(0.6)
        await settle(pilot)
        await pilot.pause(0.3)
        await settle(pilot)
        assert queue.search_text == "彭城"
        assert table.row_count == 1 and table.current_ticket().enterprise_name == "江苏彭城光电科技有限公司"
        assert box.has_focus  # still typing: focus stays in the search line
        await pilot.press("escape")
        await settle(pilot)
        await pilot.pause(0.3)
        await settle(pilot)
        assert queue.search_text == "" and box.value == "" and table.row_count == 4
        await pilot.press("slash")  # Enter still searches at once
        await settle(pilot)
        await type_into(pilot, "第001")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.pause(0.3)
        await settle(pilot)
        assert queue.search_text == "第001" and table.row_count == 1


# ---------------------------------------------------------------- saved filters as tabs (SPEC §9)


async def test_saved_filter_is_a_tab_with_its_count_survives_restart_and_can_be_removed(store, staff):
    from xzconsole.widgets.tab_strip import TabStrip

    from xzconsole.models import TicketIntake
    from xzconsole.screens.dialogs import ReasonDialog

    for i in range(3):
        take(store, staff, i)
    for i in range(2):
        store.tickets.accept(staff["clerk"], TicketIntake(
            appeal_type="consultation", enterprise_name=f"江苏彭城光电{i}号有限公司", contact_phone=f"1390000009{i}",
            content="咨询高新技术企业认定。"))
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        queue = app.screen
        queue.apply_search("彭城")
        await settle(pilot)
        await pilot.pause(0.3)
        await pilot.press("F")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await type_into(pilot, "彭城光电")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert [f.name for f in store.saved_filters.list(staff["clerk"])] == ["彭城光电"]
        assert store.saved_filters.list(staff["sup"]) == []  # per staff login
        saved = [t for t in queue.tabs if t.saved]
        assert queue.tab_label(f"{saved[0].id}").startswith("★彭城光电 2")
        assert queue.query_one("#queue-tabs", TabStrip).active == saved[0].id  # on show at once
        await pilot.press("F")  # a second one while the first is there (no clash of tab ids)
        await settle(pilot)
        await type_into(pilot, "彭城二")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        assert [t.label for t in queue.tabs if t.saved] == ["★彭城光电", "★彭城二"]
        store.saved_filters.remove(staff["clerk"], store.saved_filters.list(staff["clerk"])[1].id)
    app = make_app(store)  # a restart: the tab is still there
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        queue = app.screen
        table = queue.query_one(TicketTable)
        assert table.row_count == 5 and queue.search_text == ""
        tab_id = [t.id for t in queue.tabs if t.saved][0]
        assert queue.tab_label(f"{tab_id}").startswith("★彭城光电 2")
        queue.select_tab(tab_id)
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        assert table.row_count == 2 and queue.search_text == "彭城"
        queue.select_tab(queue.builtin_tabs[0].id)  # back on a built-in tab: the saved search stays with its tab
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        assert table.row_count == 5 and queue.search_text == ""
        queue.select_tab(tab_id)
        await settle(pilot)
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("enter")  # 删除筛选？ yes
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        assert store.saved_filters.list(staff["clerk"]) == []
        assert not queue.query(f"#{tab_id}") and not any(t.saved for t in queue.tabs)


def test_saved_filter_names_are_checked(store, staff):
    from xzconsole.errors import InvalidAction

    import pytest

    with pytest.raises(InvalidAction, match="筛选名称"):
        store.saved_filters.save(staff["clerk"], "  ", "tab-new", {})
    with pytest.raises(InvalidAction, match="最多 12 个字"):
        store.saved_filters.save(staff["clerk"], "一二三四五六七八九十一二三", "tab-new", {})
    a = store.saved_filters.save(staff["clerk"], "人社", "tab-new", {"department_id": 1}, "社保")
    b = store.saved_filters.save(staff["clerk"], "人社", "tab-new", {}, "")  # the same name: replaced
    assert a.id == b.id and store.saved_filters.list(staff["clerk"])[0].search == ""


async def test_palette_finds_a_department_by_pinyin_and_narrows_the_queue(store, staff):
    from xzconsole.models import TicketIntake

    rsj = store.department("市人社局").id
    for i, dept in enumerate(["市人社局", "市税务局"]):
        tid = store.tickets.accept(staff["clerk"], TicketIntake(
            appeal_type="consultation", enterprise_name=f"徐州第{i}机械有限公司", contact_phone=f"1390000001{i}",
            content="咨询社保补贴。")).id
        store.tickets.dispatch(staff["clerk"], tid, dept)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"RenShe")
        await pilot.pause(0.8)
        await settle(pilot)
        assert "市人社局" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen) and queue.filters.department_id == rsj
