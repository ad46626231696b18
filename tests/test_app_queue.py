"""Pilot tests of the console shell and the queue (SPEC §4, §9, §13).

Each test builds its tickets through the store on a fresh temporary database
(the ``store`` fixture, clock frozen on Thursday 2026-11-26 09:30), runs the
real ``XzApp`` headless and asserts on what the table shows and on the
database afterwards.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from xzconsole.app import XzApp, ensure_utf8_output
from xzconsole.models import Status, TicketIntake, uscc_check_char
from xzconsole.rules import WarningLevel
from xzconsole.screens.queue import PAGE_SIZE, QueueScreen
from xzconsole.screens.queue_filters import QueueFilters
from xzconsole.store import CONFIDENTIAL_MASK, Store
from xzconsole.widgets.header import ConsoleHeader
from xzconsole.widgets.queue_bars import QueueFilterBar, QueuePreviewBar
from xzconsole.widgets.ticket_table import TicketTable
from pilot_support import settle

ROOT = Path(__file__).resolve().parent.parent


def uscc(n: int) -> str:
    first17 = f"91320302MA{n:06d}X"[:17]
    return first17 + uscc_check_char(first17)


def intake(store: Store, staff: dict, i: int, **kw: Any) -> int:
    data: dict[str, Any] = dict(
        appeal_type="consultation", enterprise_name=f"徐州第{i:03d}机械有限公司", uscc=uscc(i),
        contact_name="李经理", contact_phone=f"139{i:08d}", district="云龙区",
        title=f"诉求{i}", content=f"第{i}号诉求：厂区道路破损需要修复。",
    )
    data.update(kw)
    return store.tickets.accept(staff["clerk"], TicketIntake(**data)).id


def queue(app: Any) -> QueueScreen:
    screen = app.screen
    assert isinstance(screen, QueueScreen), screen
    return screen


def rows(app: Any) -> list[list[str]]:
    """The table's cells as plain strings, row by row."""
    table = app.screen.query_one(TicketTable)
    return [[c.plain for c in table.get_row_at(i)] for i in range(table.row_count)]


def numbers(app: Any) -> list[str]:
    return [t.number for t in app.screen.query_one(TicketTable).tickets]


def status_line(app: Any) -> str:
    return str(app.screen.query_one("#queue-status").render())


# ---------------------------------------------------------------- first page, counts, paging


async def test_first_page_counts_and_paging(store, staff):
    for i in range(PAGE_SIZE * 2 + 20):
        intake(store, staff, i)
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        q = queue(app)
        first = numbers(app)
        assert len(first) == PAGE_SIZE
        assert first == sorted(first, reverse=True)  # newest first
        assert "共 120 件" in status_line(app) and "第 1 页" in status_line(app)
        assert q.tab_label("tab-new") == "待受理 120"
        assert q.tab_label("tab-all") == "全部 120"

        await pilot.press("pagedown")
        await settle(pilot)
        second = numbers(app)
        assert len(second) == PAGE_SIZE and not set(first) & set(second)
        assert second[0] < first[-1]
        assert "第 2 页" in status_line(app) and "第 51–100 件" in status_line(app)

        await pilot.press("n")
        await settle(pilot)
        third = numbers(app)
        assert len(third) == 20 and "第 101–120 件" in status_line(app)
        await pilot.press("n")  # no further page: nothing moves
        await settle(pilot)
        assert numbers(app) == third

        await pilot.press("pageup")
        await settle(pilot)
        assert numbers(app) == second
        await pilot.press("p")
        await settle(pilot)
        assert numbers(app) == first and "第 1 页" in status_line(app)


async def test_tabs_filters_and_sort_change_rows(store, staff):
    new_ids = [intake(store, staff, i) for i in range(4)]
    complaint = intake(store, staff, 10, appeal_type="complaint")
    store.tickets.dispatch(staff["clerk"], new_ids[0], "市人社局")
    store.tickets.dispatch(staff["clerk"], new_ids[1], "市税务局")
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        q = queue(app)
        assert {t.id for t in q.table.tickets} == {new_ids[2], new_ids[3], complaint}
        q.select_tab("tab-dispatched")
        await settle(pilot)
        assert {t.id for t in q.table.tickets} == {new_ids[0], new_ids[1]}
        assert all(r[6] == "已派发" for r in rows(app))  # the 状态 column
        assert "共 2 件" in status_line(app)

        # the filter dialog: narrow 已派发 to one department
        await pilot.press("f")
        await settle(pilot)
        from xzconsole.screens.queue_filter_dialog import FilterDialog
        from textual.widgets import Select

        assert isinstance(app.screen, FilterDialog)
        app.screen.query_one("#filter-department", Select).value = store.department("市税务局").id
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [t.id for t in q.table.tickets] == [new_ids[1]]
        assert "单位 市税务局" in q.query_one(QueueFilterBar).filters_text

        # appeal type on the 全部 tab
        q.filters = QueueFilters(appeal_type="complaint")
        q.select_tab("tab-all")
        q.reload()
        await settle(pilot)
        assert [t.id for t in q.table.tickets] == [complaint]

        # a bad date is refused in Chinese and keeps the dialog open
        await pilot.press("f")
        await settle(pilot)
        app.screen.query_one("#filter-from", Input).value = "2026-13-01"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FilterDialog)
        assert "不是有效日期" in str(app.screen.query_one("#filter-error").render())
        await pilot.press("escape")
        await settle(pilot)

        # sort: due date puts dispatched tickets (the only ones with a due date) first
        q.filters = QueueFilters()
        q.reload()
        await pilot.press("s")
        await settle(pilot)
        # … and keeps the others after them: sorting never filters (issue 16 item 4)
        shown = [t.id for t in q.table.tickets]
        assert q.sort == "due" and set(shown[:2]) == {new_ids[0], new_ids[1]} and len(shown) == len(new_ids) + 1


# ---------------------------------------------------------------- search


async def test_search_by_number_name_uscc_phone_and_content(store, staff):
    for i in range(5):
        intake(store, staff, i)
    target = intake(store, staff, 77, enterprise_name="徐州彭城光电科技有限公司", content="厂区门口路灯坏了一周，夜间通行不便。")
    t = store.tickets.get(staff["clerk"], target)
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        q = queue(app)
        for text in (t.number, "彭城光电", t.uscc, t.contact_phone, "路灯坏了"):
            q.apply_search(text)
            await settle(pilot)
            assert [x.id for x in q.table.tickets] == [target], text
            assert "共 1 件" in status_line(app)
        # through the keyboard: / opens the line, Enter runs it, Esc clears it
        q.apply_search("")
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*list("np"))  # letters that are also keys of the queue
        assert q.query_one("#queue-search", Input).value == "np"
        await pilot.press("backspace", "backspace")
        await pilot.press(*list("第3号"))
        await pilot.press("enter")
        await settle(pilot)
        assert len(q.table.tickets) == 1 and q.table.tickets[0].content.startswith("第3号")
        await pilot.press("escape")
        await settle(pilot)
        assert len(q.table.tickets) == 6
        q.apply_search("没有这样的诉求")
        await settle(pilot)
        assert q.table.tickets == [] and "没有符合条件的工单" in status_line(app)


# ---------------------------------------------------------------- the department liaison


async def test_liaison_sees_only_own_department_and_no_confidential_identity(store, staff):
    mine = intake(store, staff, 1)
    secret = intake(store, staff, 2, appeal_type="complaint", enterprise_name="徐州保密投诉企业有限公司")
    theirs = intake(store, staff, 3)
    for tid in (mine, secret):
        store.tickets.dispatch(staff["clerk"], tid, "市人社局")
    store.tickets.dispatch(staff["clerk"], theirs, "市税务局")
    store.tickets.mark_confidential(staff["clerk"], secret)
    app = XzApp(store.path, "rsj", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        q = queue(app)
        assert q.tab.label == "待签收"
        assert q.tab_label("tab-new") is None and q.tab_label("tab-returned") is None
        assert {t.id for t in q.table.tickets} == {mine, secret}
        names = {r[2]: r[5] for r in rows(app)}
        secret_number = store.tickets.get(staff["clerk"], secret).number
        assert names[secret_number] == CONFIDENTIAL_MASK
        assert "保密投诉" not in "".join(c for r in rows(app) for c in r)
        q.select_tab("tab-all")
        await settle(pilot)
        assert {t.id for t in q.table.tickets} == {mine, secret}
        # not found by its enterprise's name or credit code
        q.apply_search("保密投诉")
        await settle(pilot)
        assert q.table.tickets == []
        q.apply_search(uscc(2))
        await settle(pilot)
        assert q.table.tickets == []
        # no department filter, no intake or bulk keys for a liaison
        assert q.check_action("bulk_dispatch", ()) is False and q.check_action("intake", ()) is False
        await pilot.press("f")
        await settle(pilot)
        assert not app.screen.query("#filter-department")


# ---------------------------------------------------------------- bulk actions


async def test_bulk_dispatch_three_tagged_tickets(store, staff):
    ids = [intake(store, staff, i) for i in range(5)]
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        q = queue(app)
        await pilot.press("space", "space", "space")
        assert len(q.marked) == 3
        assert [r[0] for r in rows(app)][:4] == ["*", "*", "*", " "]
        tagged = set(q.marked)
        await pilot.press("d")
        await settle(pilot)
        from xzconsole.screens.dialogs import DispatchDialog

        dialog = app.screen
        assert isinstance(dialog, DispatchDialog)
        dept = store.department("市人社局").id
        dialog.dismiss(dept)
        await settle(pilot)
        # each ticket's due date before anything is written (issue 16)
        from xzconsole.screens.dialogs import ConfirmDialog
        from pilot_support import screen_text

        assert isinstance(app.screen, ConfirmDialog)
        shown = screen_text(app)
        assert "批量派发 3 件至 市人社局" in shown and shown.count("截止 2026-") == 3
        assert all(store.tickets.get(staff["sup"], tid).number in shown for tid in tagged)
        await pilot.press("enter")
        await settle(pilot)
        for tid in tagged:
            t = store.tickets.get(staff["sup"], tid)
            assert t.status is Status.DISPATCHED and t.department_id == dept
            events = [e for e in store.tickets.history(staff["sup"], tid) if e.action == "dispatch"]
            assert len(events) == 1 and events[0].actor == "clerk"
        for tid in set(ids) - tagged:
            assert store.tickets.get(staff["sup"], tid).status is Status.NEW
        assert q.marked == {} and not q.bulk_running
        assert {t.id for t in q.table.tickets} == set(ids) - tagged  # 待受理 now holds the other two
        assert q.tab_label("tab-dispatched") == "已派发 3"


async def test_bulk_close_duplicates_asks_first_and_reports_failures(store, staff):
    ids = [intake(store, staff, i) for i in range(3)]
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        q = queue(app)
        await pilot.press("space", "space")
        await pilot.press("x")
        await settle(pilot)
        from xzconsole.screens.dialogs import ConfirmDialog

        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # declined: nothing happens
        await settle(pilot)
        assert all(store.tickets.get(staff["sup"], i).status is Status.NEW for i in ids)
        # someone else dispatches one of the tagged tickets meanwhile: it fails, the other closes
        tagged = list(q.marked)
        store.tickets.dispatch(staff["sup"], tagged[0], "市人社局")
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        closed = store.tickets.get(staff["sup"], tagged[1])
        assert closed.status is Status.CLOSED and closed.close_reason.value == "duplicate"
        assert [e.action for e in store.tickets.history(staff["sup"], tagged[1])][-1] == "close"
        assert store.tickets.get(staff["sup"], tagged[0]).status is Status.DISPATCHED
        assert list(q.marked) == [tagged[0]]  # the failed one stays tagged


# ---------------------------------------------------------------- palette and literal text


MARKUP_NAME = "[b]x[/b]"
ESCAPE_CONTENT = "灯\x1b[31m红 路灯[/]坏了"


async def test_palette_finds_a_ticket_and_opens_it(store, staff):
    pytest.importorskip("xzconsole.screens.ticket")
    from xzconsole.screens.ticket import TicketScreen

    intake(store, staff, 1)
    target = intake(store, staff, 2, enterprise_name="徐州云龙机械有限公司")
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*list("徐州云龙"))
        await pilot.pause(0.5)
        await settle(pilot)
        from textual.command import CommandList

        # the ticket comes first; its enterprise's directory record follows it
        options = app.screen.query_one(CommandList)
        if options.highlighted is None:
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert app.screen.ticket_id == target
        # back in the queue, Enter opens the ticket under the cursor
        await pilot.press("escape")
        await settle(pilot)
        q = queue(app)
        assert q.table.current_ticket() is not None
        first = q.table.current_ticket().id
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen) and app.screen.ticket_id == first


async def test_user_text_is_literal_in_queue_and_palette(store, staff):
    tid = intake(store, staff, 5, enterprise_name=MARKUP_NAME, title="", content=ESCAPE_CONTENT)
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        row = rows(app)[0]
        assert row[5] == MARKUP_NAME  # the characters themselves, not bold "x"
        preview = app.screen.query_one(QueuePreviewBar).preview_text
        assert "\x1b" not in str(preview) and "\\x1b[31m" in str(preview) and "路灯[/]坏了" in str(preview)
        # the palette: the hit's prompt is the literal name too
        from xzconsole.palette import TicketCommands

        provider = TicketCommands(app.screen)
        await provider.startup()
        hits = [h async for h in provider.search("[b]")]
        await provider.shutdown()
        assert hits and all(MARKUP_NAME in h.prompt.plain for h in hits)
        assert any(h.text and MARKUP_NAME in h.text for h in hits)
        # and the palette renders it without a MarkupError
        await pilot.press("ctrl+p")
        await pilot.press(*list("[b]"))
        await pilot.pause(0.5)
        await settle(pilot)
        from textual.command import CommandList

        options = app.screen.query_one(CommandList)
        assert any(MARKUP_NAME in str(options.get_option_at_index(i).prompt) for i in range(options.option_count))
    assert tid


async def test_policy_palette_shows_title_and_summary(store, staff):
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        from xzconsole.palette import PolicyCommands
        from xzconsole.screens.app_overlays import PolicyPreview

        provider = PolicyCommands(app.screen)
        await provider.startup()
        assert provider._policies, "reference data ships policies"
        pid, title = provider._policies[0][0], provider._policies[0][1]
        word = title[:2]
        hits = [h async for h in provider.search(word)]
        assert any(title == h.text for h in hits)
        app.show_policy(pid)
        await settle(pilot)
        assert isinstance(app.screen, PolicyPreview)
        assert title in str(app.screen.query_one("#policy-title").render())


# ---------------------------------------------------------------- shell: identity, header, terminal


async def test_unknown_login_is_refused_with_exit_code_2(store):
    app = XzApp(store.path, "nobody", store.clock)
    async with app.run_test() as pilot:
        await pilot.pause()
    assert app.return_code == 2


async def test_header_shows_user_clock_and_provisional_mark(store, staff, clock):
    clock.set("2026-12-30T10:00:00+08:00")  # a 5-day limit from here runs into next year
    tid = intake(store, staff, 1, appeal_type="complaint")
    store.tickets.dispatch(staff["clerk"], tid, "市人社局")
    provisional = store.warnings.any_provisional_due()
    assert provisional  # 2027 has no official schedule in this calendar package
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        header = app.screen.query_one(ConsoleHeader).line
        assert "王受理" in header and "受理员" in header and "12-30 周三 10:00" in header
        assert "⚠ 暂定期限" in header and "日历正常" not in header
        await pilot.press("f1")
        await settle(pilot)
        from xzconsole.screens.app_overlays import HelpScreen

        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


def test_non_utf8_locale_is_switched_and_explained(monkeypatch):
    import locale

    out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    err = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "__stdout__", out)
    monkeypatch.setattr(sys, "__stderr__", err)
    monkeypatch.setattr(locale, "getpreferredencoding", lambda do_setlocale=True: "ANSI_X3.4-1968")
    advice = ensure_utf8_output()
    assert advice and "export LANG=zh_CN.UTF-8" in advice and "C.UTF-8" in advice
    assert out.encoding == "utf-8" and err.encoding == "utf-8"
    err.write("中文")  # would raise UnicodeEncodeError before
    monkeypatch.setattr(locale, "getpreferredencoding", lambda do_setlocale=True: "UTF-8")
    assert ensure_utf8_output() is None


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP on this platform")
def test_sighup_exits_the_console_cleanly(store, tmp_path):
    marker = tmp_path / "ready"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from xzconsole.app import XzApp
        from xzconsole.clock import FixedClock

        class App(XzApp):
            def on_mount(self):
                super().on_mount()
                self.set_timer(0.2, lambda: open({str(marker)!r}, "w").write("up"))

        app = App({store.path!r}, "clerk", FixedClock("2026-11-26T09:30:00+08:00"))
        app.run(headless=True)
        print("exit", app.return_code, app.hangup)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    try:
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "console did not start"
            time.sleep(0.05)
        proc.send_signal(signal.SIGHUP)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "exit 0 True" in out


async def test_wall_mode_opens_the_warning_panel(store):
    warnings = pytest.importorskip("xzconsole.screens.warnings")
    app = XzApp(store.path, "clerk", store.clock, wall=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, warnings.WarningsScreen)


async def test_warning_levels_show_symbol_word_and_class(store, staff, clock):
    clock.set("2026-11-09T10:00:00+08:00")
    red = intake(store, staff, 1, appeal_type="complaint")
    store.tickets.dispatch(staff["clerk"], red, "市人社局")  # due 11-16: 8 working days late on the 26th
    clock.set("2026-11-25T10:00:00+08:00")
    today = intake(store, staff, 2, appeal_type="policy_consultation")
    store.tickets.dispatch(staff["clerk"], today, "市人社局")  # 1 working day: due 11-26
    clock.set("2026-11-26T09:30:00+08:00")
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        q = queue(app)
        q.select_tab("tab-red")
        await settle(pilot)
        assert [t.id for t in q.table.tickets] == [red]
        assert rows(app)[0][1] == "■ 红色预警"
        badge = q.query_one(QueuePreviewBar)
        assert badge.severity == "-red" and "红色预警" in badge.badge_text
        assert q.tab_label("tab-red") == "红色预警 1"
        q.select_tab("tab-dispatched")
        await settle(pilot)
        by_id = {t.id: r for t, r in zip(q.table.tickets, rows(app))}
        assert by_id[today][1] == "● 今日到期"
        assert q.table.level_of(red) is WarningLevel.RED
