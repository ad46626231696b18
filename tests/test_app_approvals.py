"""The supervisor's approvals inbox through the console (issue 14): the
queue's 待审批 tab with its count, the notice on F3 and the palette entry;
each pending 延期 / 超期退回 says who asked, why, the due date and what
approving changes; approve or reject from the list without opening the ticket.

The dataset is ``test_oversight``'s ladder (Thursday 2026-11-26 09:30) with a
3-day extension asked for the yellow ticket (due Tue 11-24 → Fri 11-27) and
a late return asked for the orange one.
"""

from __future__ import annotations

import datetime as dt

from textual.widgets import Input
from test_oversight import ladder, requests  # noqa: F401  (fixtures)

from xzconsole.app import XzApp
from xzconsole.models import Status
from xzconsole.screens.approvals import ApprovalsPanel
from xzconsole.screens.dialogs import ConfirmDialog, ReasonDialog
from xzconsole.screens.queue import QueueScreen
from xzconsole.screens.warnings import WarningsScreen
from pilot_support import screen_text, settle


def _panel(app) -> ApprovalsPanel:
    return app.screen.query_one(ApprovalsPanel)


def _cells(panel: ApprovalsPanel) -> list[list[str]]:
    t = panel.table
    return [[c.plain for c in t.get_row_at(i)] for i in range(t.row_count)]


async def _open_inbox(pilot) -> QueueScreen:
    await settle(pilot)
    q = pilot.app.screen
    assert isinstance(q, QueueScreen)
    q.select_tab("tab-pending")
    await settle(pilot)
    return q


async def test_the_tab_counts_and_lists_who_why_and_the_new_due_date(store, staff, requests):
    app = XzApp(store.path, "sup", store.clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        q = app.screen
        assert q.tab_label("tab-pending") == "待审批 2"
        q = await _open_inbox(pilot)
        panel = _panel(app)
        assert panel.display and not q.table.display
        cells = _cells(panel)
        assert [c[0] for c in cells] == ["延期3天", "超期退回"]
        assert cells[0][3:] == ["人社联络员", "需现场核查", "期限 2026-11-24 → 2026-11-27"]
        assert cells[1][2:5] == ["市税务局", "税务联络员", "属市市场监管局职责"]
        text = screen_text(app)
        assert "批准后：期限 2026-11-24 → 2026-11-27（延 3 个工作日）" in text
        assert "待审批 2 件" in text
        # the narrow terminal keeps the change in the row and the rest under it
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert _cells(panel)[0] == ["延期3天", store.tickets.get(staff["sup"], requests["YELLOW"]).number, "市人社局",
                                    "期限 2026-11-24 → 2026-11-27"]
        text = screen_text(app)
        assert "需现场核查" in text and "批准后：期限 2026-11-24 → 2026-11-27" in text
        assert "y 批准" in text and "b 驳回" in text  # the footer keeps the inbox's keys at 80 columns


async def test_approve_and_reject_from_the_list(store, staff, requests):
    app = XzApp(store.path, "sup", store.clock)
    async with app.run_test(size=(160, 45)) as pilot:
        q = await _open_inbox(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "2026-11-27" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is q  # back on the list, never on the ticket
        yellow = store.tickets.get(staff["sup"], requests["YELLOW"])
        assert yellow.due_date == dt.date(2026, 11, 27) and yellow.pending_extension_days is None
        assert [c[0] for c in _cells(_panel(app))] == ["超期退回"]
        assert q.tab_label("tab-pending") == "待审批 1"
        # a rejection needs a reason: the dialog stays with the message
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        app.screen.query_one(Input).value = "职责明确，请继续办理"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is q
        orange = store.tickets.get(staff["sup"], requests["ORANGE"])
        assert orange.pending_return_reason is None and orange.status is Status.SIGNED
        assert orange.department_name == "市税务局"
        assert store.tickets.history(staff["sup"], orange.id)[-1].note == "职责明确，请继续办理"
        assert _cells(_panel(app)) == []
        assert q.tab_label("tab-pending") == "待审批 0"
        assert "没有待审批的延期或退回申请" in screen_text(app)


async def test_a_request_changed_meanwhile_is_refused_and_the_list_reloads(store, staff, requests):
    app = XzApp(store.path, "sup", store.clock)
    async with app.run_test(size=(160, 45)) as pilot:
        q = await _open_inbox(pilot)
        # the liaison replies in another console: the extension is no longer pending
        store.tickets.reply(staff["rsj"], requests["YELLOW"], "已答复")
        await pilot.press("y")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "已被 rsj" in screen_text(app) and "重新载入" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is q
        assert [c[0] for c in _cells(_panel(app))] == ["超期退回"]


async def test_f3_notice_and_palette_lead_to_the_inbox(store, staff, requests):
    app = XzApp(store.path, "sup", store.clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        w = app.screen
        assert isinstance(w, WarningsScreen)
        for _ in range(20):
            if w.snapshot is not None:
                break
            await pilot.pause(0.05)
        await settle(pilot)
        assert "◇ 待审批 2" in screen_text(app)
        await pilot.press("a")
        await settle(pilot)
        q = app.screen
        assert isinstance(q, QueueScreen) and q.tab is not None and q.tab.pending
        assert len(_panel(app).requests) == 2
        # the palette: type 待审批, choose it
        q.select_tab("tab-new")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"待审批")
        await settle(pilot)
        await pilot.pause(0.3)
        assert "待审批（2 件）" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        q = app.screen
        assert isinstance(q, QueueScreen) and q.tab is not None and q.tab.pending


async def test_a_clerk_has_no_inbox(store, staff, requests):
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.screen.tab_label("tab-pending") is None and not app.screen.query(ApprovalsPanel)
