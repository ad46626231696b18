"""市营商办 and 市纪委监委 in the console (issue 14): their queue and warning
panel show exactly their tickets; the ticket screen offers no workflow
action, only 二次督办 and (纪委监委) 问责, shown in the ticket's detail and
history.  Data: ``test_oversight``'s ladder on Thursday 2026-11-26 09:30.
"""

from __future__ import annotations

from textual.widgets import Input

from test_oversight import ladder  # noqa: F401  (fixture)

from xzconsole.app import XzApp
from xzconsole.screens.dialogs import ReasonDialog
from xzconsole.screens.oversight_dialogs import AccountabilityDialog, OutcomeDialog
from xzconsole.screens.queue import QueueScreen
from xzconsole.screens.ticket import TicketScreen
from xzconsole.screens.warnings import WarningsScreen
from xzconsole.widgets.ticket_table import TicketTable
from pilot_support import screen_text, settle


def _shown(app) -> set[int]:
    return {t.id for t in app.screen.query_one(TicketTable).tickets}


async def _panel(pilot) -> WarningsScreen:
    await pilot.press("f3")
    await settle(pilot)
    w = pilot.app.screen
    assert isinstance(w, WarningsScreen)
    for _ in range(40):
        if w.snapshot is not None:
            break
        await pilot.pause(0.05)
    await settle(pilot)
    return w


async def test_discipline_queue_and_panel_show_exactly_red(store, staff, ladder):
    app = XzApp(store.path, "jw", store.clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        q = app.screen
        assert isinstance(q, QueueScreen)
        assert [t.id for t in q.tabs] == ["tab-red", "tab-all", "tab-replied", "tab-closed"]
        assert q.center is None  # every center's tickets
        assert _shown(app) == {ladder["RED"]}
        assert q.tab_label("tab-red") == "红色预警 1"
        assert q.tab_label("tab-all") == "全部 2"
        q.select_tab("tab-all")
        await settle(pilot)
        assert _shown(app) == {ladder["RED"], ladder["LATE"]}
        w = await _panel(pilot)
        assert w.displayed_counts() == {"red": 1, "orange": 0, "yellow": 0, "due_today": 0, "unsigned": 0,
                                        "undispatched": 0, "part_late": 0}
        assert [r.id for r in w._list_rows] == [ladder["RED"]]
        assert "待审批" not in screen_text(app)


async def test_business_office_sees_orange_and_red_and_records_second_supervision(store, staff, ladder):
    app = XzApp(store.path, "yshb", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        q = app.screen
        assert [t.id for t in q.tabs] == ["tab-red", "tab-orange", "tab-all", "tab-replied", "tab-closed"]
        q.select_tab("tab-all")
        await settle(pilot)
        assert _shown(app) == {ladder["RED"], ladder["ORANGE"], ladder["LATE"]}
        w = await _panel(pilot)
        assert [r.id for r in w._list_rows] == [ladder["RED"], ladder["ORANGE"]]
        assert {k: v for k, v in w.displayed_counts().items() if k in ("red", "orange", "yellow")} == \
            {"red": 1, "orange": 1, "yellow": 0}
        w.list_table.move_cursor(row=1)
        await pilot.press("s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReasonDialog) and "二次督办" in screen_text(app)
        dialog.query_one(Input).value = "请三日内办结并报送超期说明"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is w
        sup = store.tickets.supervisions(staff["sup"], ladder["ORANGE"])
        assert [(s.body, s.actor) for s in sup] == [("市营商办", "yshb")]
        assert store.tickets.history(staff["swj"], ladder["ORANGE"])[-1].action_label == "二次督办"


async def test_the_ticket_screen_offers_only_oversight_records(store, staff, ladder):
    app = XzApp(store.path, "jw", store.clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        app.open_ticket(ladder["RED"])
        await settle(pilot)
        t = app.screen
        assert isinstance(t, TicketScreen)
        assert t.available() == ["二次督办", "启动问责"]
        # a workflow key does nothing
        await pilot.press("s", "r", "u")
        await settle(pilot)
        assert app.screen is t
        # 启动问责: the department holding it is proposed
        await pilot.press("i")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, AccountabilityDialog)
        await pilot.press("enter")  # no reason yet: refused in the dialog
        await settle(pilot)
        assert app.screen is dialog and "问责事由" in dialog.error_text
        dialog.query_one("#accountability-reason", Input).value = "红色预警超期 10 个工作日未答复"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is t
        text = screen_text(app)
        assert "问责记录" in text and "责任单位：市人社局" in text and "问责办理中" in text
        assert t.available() == ["二次督办", "启动问责", "问责办结"]
        await pilot.press("z")
        await settle(pilot)
        assert isinstance(app.screen, OutcomeDialog)
        app.screen.query_one("#outcome-text", Input).value = "通报批评"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is t
        text = screen_text(app)
        assert "问责办结" in text and "通报批评" in text and "问责办理中" not in text
        (case,) = store.oversight.cases(staff["sup"], ladder["RED"])
        assert (case.department, case.outcome, case.closed_by) == ("市人社局", "通报批评", "jw")
        # the history names both steps, for everyone who may see the ticket
        labels = [e.action_label for e in store.tickets.history(staff["rsj"], ladder["RED"])]
        assert labels[-2:] == ["启动问责", "问责办结"]
        assert t.ticket is not None and t.ticket.version == store.tickets.get(staff["sup"], ladder["RED"]).version


async def test_a_ticket_below_their_level_does_not_open(store, staff, ladder):
    app = XzApp(store.path, "jw", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        q = app.screen
        app.open_ticket(ladder["ORANGE"])
        await settle(pilot)
        assert app.screen is q
