"""Pilot tests of joint handling (会商会办) on the ticket screen: the clerk sets
supporting departments with their deadlines previewed, a supporting liaison
sends its part, the center withdraws one, the lead's liaison replies with
the parts in view, and the clerk records a 会商; a late part shows on the
warning panel.  Each step runs the real app as one login and checks the
database through the ``store`` fixture.

The clock stays on Thursday 2026-11-26: a consultation (3 working days)
dispatched then is due Tuesday 12-01; its parts by default Monday 11-30.
"""

from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import Input, SelectionList, TextArea

from xzconsole.app import XzApp
from xzconsole.models import Status
from xzconsole.screens.dialogs import ReasonDialog
from xzconsole.screens.joint import (
    AssignPartsDialog,
    ConsultationDialog,
    DepartmentPicker,
    ReplyDialog,
    WithdrawPartDialog,
    parse_tasks,
)
from xzconsole.screens.ticket import TicketScreen

from test_app_warnings import open_panel, wait_for
from test_app_workflow import dispatched, make_app, open_screen, settle, type_text

D = dt.date


@pytest.fixture
def liaisons(store, staff):
    """Liaisons of 市住建局 and 市市场监管局 besides the fixture's 市人社局 / 市税务局."""
    store.staff.add(staff["admin"], "zjj", "department", name="住建联络员", department="市住建局")
    store.staff.add(staff["admin"], "scj", "department", name="市场监管联络员", department="市市场监管局")


async def test_joint_handling_end_to_end(store, staff, liaisons):
    tid = dispatched(store, staff, enterprise_name="徐州[b]云龙[/b]机械有限公司")

    # 设置协办: 市税务局 picked with the keys, two more ticked; the preview shows each deadline
    async with make_app(store, "clerk").run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, TicketScreen(tid))
        assert "设置协办" in screen.available() and "撤回协办" not in screen.available()
        assert not screen.query_one("#ticket-parts").display
        await pilot.press("x")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, AssignPartsDialog)
        assert "市人社局" not in [d.short_name for d in dialog.candidates]  # the lead is not offered
        await type_text(pilot, "税务")
        await pilot.press("enter")  # to the filtered list
        await pilot.press("space")
        await settle(pilot)
        assert dialog.preview_text == "市税务局 · 2 个工作日 · 截止 2026-11-30 周一"
        picker = dialog.query_one(DepartmentPicker)
        picker.select(store.department("市住建局").id, store.department("市市场监管局").id)
        await settle(pilot)
        assert dialog.preview_text.splitlines()[1:] == ["市住建局 · 2 个工作日 · 截止 2026-11-30 周一",
                                                        "市市场监管局 · 2 个工作日 · 截止 2026-11-30 周一"]
        dialog.query_one("#parts-days", Input).value = "9"
        await settle(pilot)
        assert "不能晚于主办单位的办理期限" in dialog.preview_text
        dialog.query_one("#parts-days", Input).value = ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert screen.query_one("#ticket-parts").display and "撤回协办" in screen.available()
    parts = store.joint.parts(staff["sup"], tid)
    assert [(p.department, p.due_date, p.status) for p in parts] == [
        ("市税务局", D(2026, 11, 30), "待提交"), ("市住建局", D(2026, 11, 30), "待提交"),
        ("市市场监管局", D(2026, 11, 30), "待提交")]

    # 提交协办意见 as 市税务局: the only thing a supporting liaison is offered
    async with make_app(store, "swj").run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, TicketScreen(tid))
        assert screen.available() == ["提交协办意见"] and not screen.check_action("sign", ())
        await pilot.press("s")  # 签收 is the lead's: nothing happens
        await settle(pilot)
        assert store.tickets.get(staff["sup"], tid).status is Status.DISPATCHED
        await pilot.press("j")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ReasonDialog)
        await type_text(pilot, "经核查，该企业无欠税[/]记录")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen and screen.available() == []
    assert store.joint.parts(staff["sup"], tid)[0].text == "经核查，该企业无欠税[/]记录"

    # 撤回协办 of 市市场监管局 by the clerk, with a reason
    async with make_app(store, "clerk").run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, TicketScreen(tid))
        await pilot.press("w")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, WithdrawPartDialog)
        assert [p.department for p in dialog.parts] == ["市住建局", "市市场监管局"]
        await pilot.press("down", "enter")
        await pilot.press("enter")  # no reason yet: refused in the dialog
        await settle(pilot)
        assert "请填写撤回理由" in dialog.error_text
        await type_text(pilot, "与市场监管职责无关")
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is screen
    assert [p.status for p in store.joint.parts(staff["sup"], tid)] == ["已提交", "待提交", "已撤回"]

    # 答复 by the lead, with the parts in view; 市住建局's missing part is in the history
    async with make_app(store, "rsj").run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, TicketScreen(tid))
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, ReplyDialog)
        shown = str(dialog.query_one("#reply-parts").render())
        assert "市税务局：经核查，该企业无欠税[/]记录" in shown
        assert "市住建局：尚未提交（协办期限 2026-11-30 周一）" in shown and "市市场监管局" not in shown
        await type_text(pilot, "已协调修复路灯")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
    t = store.tickets.get(staff["sup"], tid)
    assert t.status is Status.REPLIED
    assert store.tickets.history(staff["sup"], tid)[-1].note.endswith("（答复时以下协办单位尚未提交意见：市住建局）")

    # 记录会商 by the clerk: the form, a bad task line refused in place, then recorded
    async with make_app(store, "clerk").run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, TicketScreen(tid))
        assert "设置协办" not in screen.available()  # replied: no new parts
        await pilot.press("h")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, ConsultationDialog)
        assert dialog.query_one("#meet-date", Input).value == "2026-11-26"
        assert dialog.query_one("#meet-departments", DepartmentPicker).chosen == [
            store.department(n).id for n in ("市人社局", "市税务局", "市住建局")]
        dialog.query_one("#meet-place", Input).value = "市民中心[b]3楼[/b]会议室"
        dialog.query_one("#meet-conclusions", TextArea).text = "由市人社局牵头答复；住建核查施工许可"
        dialog.query_one("#meet-tasks", TextArea).text = "市住建局 核查施工许可"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "后续任务第 1 行" in dialog.error_text
        dialog.query_one("#meet-tasks", TextArea).text = "市住建局｜核查施工许可｜2026-12-03\n市税务局|出具证明"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        minutes = str(screen.query_one("#ticket-consultations").render())
        assert "市民中心[b]3楼[/b]会议室" in minutes and "市住建局 核查施工许可（2026-12-03 周四 前）" in minutes
    [m] = store.joint.consultations(staff["sup"], tid)
    assert m.departments == ("市人社局", "市税务局", "市住建局") and len(m.tasks) == 2 and m.recorded_by == "clerk"


async def test_a_refused_assignment_keeps_the_dialog(store, staff, liaisons):
    """Another console sets the same part meanwhile: the store refuses, the
    dialog stays open with the reason and the ticks."""
    tid = dispatched(store, staff)
    async with make_app(store, "clerk").run_test(size=(120, 40)) as pilot:
        await open_screen(pilot, TicketScreen(tid))
        await pilot.press("x")
        await settle(pilot)
        dialog = pilot.app.screen
        dialog.query_one(DepartmentPicker).select(store.department("市税务局").id)
        await settle(pilot)
        store.joint.assign_parts(staff["sup"], tid, ["市税务局"])  # "another console"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is dialog
        assert "修改" in dialog.error_text  # stale: changed by 赵值班 — reload
        assert dialog.query_one(DepartmentPicker).chosen == [store.department("市税务局").id]
        assert len(dialog.query_one(SelectionList).selected) == 1


def test_parse_tasks():
    assert parse_tasks("市住建局｜核查｜2026-12-03\n\n市税务局 | 出具证明") == [
        {"department": "市住建局", "task": "核查", "due": "2026-12-03"},
        {"department": "市税务局", "task": "出具证明", "due": None}]
    with pytest.raises(ValueError, match="第 2 行"):
        parse_tasks("市住建局｜核查\n只有一段")


async def test_late_part_on_the_warning_panel(store, staff, clock, liaisons):
    """A part open past its own deadline is a 协办超期 notice, listed under the
    supporting department; the ticket is no warning of anyone (not yet due)."""
    clock.set("2026-11-23T10:00:00+08:00")  # Monday: the complaint is due Mon 11-30
    tid = dispatched(store, staff, appeal_type="complaint", enterprise_name="徐州[b]云龙[/b]机械有限公司")
    store.joint.assign_parts(staff["clerk"], tid, ["市住建局", "市税务局"], days=1)  # due Tue 11-24
    store.joint.submit_part(staff["swj"], tid, "已核查")
    clock.set("2026-11-26T09:30:00+08:00")  # Thursday: 市住建局 2 working days late
    for login, shown in (("sup", 1), ("zjj", 1), ("rsj", 0)):
        async with XzApp(store.path, login, store.clock).run_test(size=(120, 40)) as pilot:
            screen = await open_panel(pilot)
            assert screen.displayed_counts()["part_late"] == shown
            assert screen.displayed_counts()["yellow"] == 0
            screen.query_one("#panel-tabs").active = "tab-part_late"
            await wait_for(pilot, lambda: screen.snapshot.list_kind == "part_late")
            await pilot.pause()
            rows = [(r.id, r.department, r.due, r.overdue) for r in screen._list_rows]
            assert rows == ([(tid, "市住建局", "2026-11-24", 2)] if shown else [])
            if shown and login == "zjj":  # the supporting liaison opens the ticket from the notice
                await pilot.press("enter")
                await settle(pilot)
                assert isinstance(pilot.app.screen, TicketScreen) and pilot.app.screen.available() == ["提交协办意见"]
