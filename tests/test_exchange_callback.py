"""是否解决 at the call-back (issue 13 item 2), in the console: the clerk records
the enterprise's answer beside 满意/基本满意/不满意/未联系上, by key or mouse,
and it is what `export results` sends back to 12345."""

from __future__ import annotations

from textual.widgets import RadioSet

from xzconsole.models import Satisfaction, Status
from xzconsole.screens.dialogs import FollowUpDialog
from xzconsole.screens.ticket import TicketScreen

from test_app_workflow import fresh, make_app, open_screen, replied, settle, type_text


async def test_call_back_records_whether_it_was_solved(store, staff):
    tid = replied(store, staff)
    async with make_app(store, "clerk").run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot, TicketScreen(tid))
        await pilot.press("f")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, FollowUpDialog)
        assert dialog.resolved is None  # 未询问 until the enterprise is asked
        await pilot.press("y")  # 已解决
        await pilot.press("2")  # 基本满意 → on to the note
        await type_text(pilot, "企业表示路灯已修好")
        await pilot.press("enter")
        await settle(pilot)
        timeline = screen.query_one("#ticket-timeline").plain_text
        assert "是否解决：— → 已解决" in timeline
    t = fresh(store, staff, tid)
    assert (t.status, t.satisfaction, t.resolved) == (Status.CLOSED, Satisfaction.BASICALLY_SATISFIED, True)
    rec = next(r for r in store.exchange.results(store.now()) if r["number"] == t.number)
    assert rec["resolved"] is True and rec["satisfaction"] == "basically_satisfied"


async def test_unsatisfied_and_not_solved_and_unreachable_cannot_be_solved(store, staff):
    tid = replied(store, staff)
    async with make_app(store, "clerk").run_test(size=(120, 40)) as pilot:
        await open_screen(pilot, TicketScreen(tid))
        await pilot.press("f")
        await settle(pilot)
        dialog = pilot.app.screen
        await pilot.press("n", "4")  # 未解决, then 未联系上: contradictory
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is dialog and "未联系上" in dialog.query_one(".dialog-error").render().plain
        # the mouse: 未询问
        await pilot.click("#followup-resolved-unasked")
        await pilot.pause()
        assert dialog.query_one("#followup-resolved", RadioSet).pressed_index == 0
        dialog.query_one("#followup-note").focus()
        await pilot.press("enter")
        await settle(pilot)
    t = fresh(store, staff, tid)
    assert (t.satisfaction, t.resolved, t.unreachable_count) == (Satisfaction.UNREACHABLE, None, 1)
    # the next call-back reaches them: 不满意, 未解决
    async with make_app(store, "clerk").run_test(size=(120, 40)) as pilot:
        await open_screen(pilot, TicketScreen(tid))
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("n", "3")
        await type_text(pilot, "路灯仍不亮")
        await pilot.press("enter")
        await settle(pilot)
    t = fresh(store, staff, tid)
    assert (t.status, t.satisfaction, t.resolved) == (Status.REPLIED, Satisfaction.UNSATISFIED, False)
