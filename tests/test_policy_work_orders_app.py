"""Pilot: a 定制点餐 work order end to end across the center, the drafting
department's liaison and the associations (issue 15, item 2)."""

from __future__ import annotations

from textual.widgets import Input, Select, SelectionList, TextArea

from xzconsole.app import XzApp
from xzconsole.screens.dialogs import ReasonDialog
from xzconsole.screens.policies import PolicyLibraryScreen
from xzconsole.screens.policies_orders import DraftPickDialog, OrderDialog, OrdersScreen
from xzconsole.screens.policy_associations import AssociationPicker, CommentDialog, CommentRoundsScreen

from pilot_support import settle

COMPLETE = {"summary": "对吸纳就业的企业给予补贴。", "interpreter_name": "刘敏", "interpreter_phone": "0516-83801234"}
TOPIC = "徐州市稳岗扩岗专项支持办法"


async def _orders(pilot) -> OrdersScreen:
    await settle(pilot)
    library = PolicyLibraryScreen()
    pilot.app.push_screen(library)
    await settle(pilot)
    await pilot.press("g")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, OrdersScreen)
    return screen


async def test_a_comment_work_order_end_to_end(store, staff):
    # the center orders a draft from 市人社局: 3 working days from Thursday 2026-11-26
    async with XzApp(store.path, "sup", store.clock).run_test(size=(120, 40)) as pilot:
        screen = await _orders(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, OrderDialog)
        dialog.query_one("#order-dept", Select).value = "市人社局"
        dialog.query_one("#order-topic", Input).value = TOPIC
        dialog.query_one("#order-days", Input).value = "3"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert screen.orders[0]["state"] == "drafting" and screen.orders[0]["draft_due"] == "2026-12-01"
    oid = store.orders.orders()[0]["id"]

    # the liaison drafts (library) and attaches the draft to the order
    draft = store.library.create(staff["rsj"], {"title": f"{TOPIC}（征求意见稿）", **COMPLETE})
    async with XzApp(store.path, "rsj", store.clock).run_test(size=(120, 40)) as pilot:
        screen = await _orders(pilot)
        assert [o["id"] for o in screen.orders] == [oid]
        await pilot.press("d")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, DraftPickDialog)
        dialog.query_one("#draft-select", Select).value = draft.id
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert store.orders.get(oid)["state"] == "drafted"

    # the center sends it to two associations; the clerk records each one's comment; the center forwards
    assocs = store.association_list()[:2]
    async with XzApp(store.path, "sup", store.clock).run_test(size=(120, 40)) as pilot:
        screen = await _orders(pilot)
        await pilot.press("t")
        await settle(pilot)
        picker = pilot.app.screen
        assert isinstance(picker, AssociationPicker)
        chosen = picker.query_one("#assoc-list", SelectionList)
        chosen.deselect_all()
        for a in assocs:
            chosen.select(a.id)
        await pilot.press("ctrl+s")
        await settle(pilot)
        o = store.orders.get(oid)
        assert o["state"] == "commenting" and o["round"]["deadline"] == "2026-12-03"
        assert "征求意见中" in screen.detail_text
    async with XzApp(store.path, "clerk", store.clock).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        rounds = CommentRoundsScreen(draft.id)
        pilot.app.push_screen(rounds)
        await settle(pilot)
        for a, text in zip(assocs, ("建议将补贴对象扩大到个体工商户", "申报材料请精简为一张表")):
            await pilot.press("a")
            await settle(pilot)
            dialog = pilot.app.screen
            assert isinstance(dialog, CommentDialog)
            dialog.query_one("#comment-assoc", Select).value = a.id
            dialog.query_one("#comment-text", TextArea).text = text
            await pilot.press("ctrl+s")
            await settle(pilot)
    async with XzApp(store.path, "sup", store.clock).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        rounds = CommentRoundsScreen(draft.id)
        pilot.app.push_screen(rounds)
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
    assert store.orders.get(oid)["state"] == "answering"

    # the department answers each comment itself
    async with XzApp(store.path, "rsj", store.clock).run_test(size=(120, 40)) as pilot:
        screen = await _orders(pilot)
        assert "待部门答复" in screen.detail_text
        await pilot.press("enter")
        await settle(pilot)
        rounds = pilot.app.screen
        assert isinstance(rounds, CommentRoundsScreen)
        for key, reason in (("y", "已在第三条增加个体工商户"), ("x", "材料清单由省厅统一规定")):
            await pilot.press(key)
            await settle(pilot)
            dialog = pilot.app.screen
            assert isinstance(dialog, ReasonDialog)
            dialog.query_one(Input).value = reason
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("down")
            await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert "已办结" in screen.detail_text
    o = store.orders.get(oid)
    assert o["state"] == "done" and o["adopted"] == 1 and o["decided"] == 2
    fates = [(c["association_name"], c["decision"], c["decided_by"]) for c in o["comments"]]
    assert fates == [(assocs[0].name, "adopted", "rsj"), (assocs[1].name, "rejected", "rsj")]
