"""Pilot tests: every path of SPEC §4 through the console, as each role.

Each step runs the real app (``XzApp``) with one login on a shared temporary
database, drives the intake form, the ticket detail and its dialogs with keys,
and then checks the database through a second connection (the ``store``
fixture), which is also how another console's conflicting edit is simulated.
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.widgets import Input, OptionList, Select, Static, TextArea

from xzconsole.clock import weekday_cn
from xzconsole.models import AppealType, Satisfaction, Status, TicketIntake
from xzconsole.screens.dialogs import (
    ConfirmDialog,
    DispatchDialog,
    ExtensionDialog,
    FollowUpDialog,
    FormDialog,
    KnowledgeAnswerDialog,
    ReasonDialog,
)
from xzconsole.areas.knowledge import key_terms
from xzconsole.screens.intake import IntakeScreen
from xzconsole.screens.ticket import TicketScreen
from xzconsole.app import XzApp
from xzconsole.store import Store
from pilot_support import screen_text

def _valid_uscc(first17: str) -> str:
    from xzconsole.models import uscc_check_char

    return first17 + uscc_check_char(first17)


USCC = _valid_uscc("91320302MA1MXY8C0")
WRONG_CHECK = USCC[:-1] + ("1" if USCC[-1] != "1" else "2")


def make_app(store: Store, login: str) -> App[Any]:
    return XzApp(store.path, login, store.clock)


async def settle(pilot: Any, delay: float = 0.0) -> None:
    """Let timers, workers and the messages they post run to the end."""
    await pilot.pause(delay)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_screen(pilot: Any, screen: Any) -> Any:
    await pilot.app.push_screen(screen)
    await settle(pilot)
    return pilot.app.screen


async def type_text(pilot: Any, text: str) -> None:
    """Type into the focused field through its own editing path (as a paste or
    an input method delivers Chinese: a run of characters at the cursor), so
    the field posts its Changed events; other widgets get one key per character."""
    await pilot.pause()  # a focus() just made takes effect first
    focused = pilot.app.focused
    if isinstance(focused, Input):
        focused.insert_text_at_cursor(text)
    elif isinstance(focused, TextArea):
        focused.insert(text)
    else:
        await pilot.press(*["space" if ch == " " else ch for ch in text])
    await pilot.pause()


def new_ticket(store: Store, staff: dict, **kw: Any) -> int:
    data = dict(appeal_type="consultation", enterprise_name="徐州云龙机械有限公司", uscc=USCC,
                contact_name="李经理", contact_phone="13912345678", district="云龙区",
                title="厂区门口路灯不亮", content="厂区门口路灯坏了一周，夜间职工通行不便，请尽快维修。")
    data.update(kw)
    return store.tickets.accept(staff["clerk"], TicketIntake(**data)).id


def dispatched(store: Store, staff: dict, dept: str = "市人社局", **kw: Any) -> int:
    tid = new_ticket(store, staff, **kw)
    store.tickets.dispatch(staff["clerk"], tid, dept)
    return tid


def signed(store: Store, staff: dict, **kw: Any) -> int:
    tid = dispatched(store, staff, **kw)
    store.tickets.sign(staff["rsj"], tid)
    return tid


def replied(store: Store, staff: dict, **kw: Any) -> int:
    tid = signed(store, staff, **kw)
    store.tickets.reply(staff["rsj"], tid, "已联系供电部门修复路灯。")
    return tid


def fresh(store: Store, staff: dict, tid: int):
    return store.tickets.get(staff["sup"], tid)


# ---------------------------------------------------------------- main path


async def test_intake_dispatch_sign_reply_follow_up_closed(store, staff, clock):
    # 受理 as a clerk: every field through the keyboard, checked as it is left
    app = make_app(store, "clerk")
    async with app.run_test(size=(120, 40)) as pilot:
        result: list[Any] = []
        await app.push_screen(IntakeScreen(), result.append)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, IntakeScreen)
        screen.query_one("#intake-type", Select).value = AppealType.CONSULTATION.value
        screen.query_one("#intake-name", Input).focus()
        await type_text(pilot, "徐州云龙机械有限公司")
        await pilot.press("tab")
        await type_text(pilot, WRONG_CHECK)
        await pilot.press("tab")
        await settle(pilot)
        assert "校验位" in screen.error_of("intake-uscc")
        screen.query_one("#intake-uscc", Input).focus()
        await pilot.press("ctrl+u")
        screen.query_one("#intake-uscc", Input).value = ""
        await type_text(pilot, USCC)
        await pilot.press("tab")
        await type_text(pilot, "李经理")
        await pilot.press("tab")
        await type_text(pilot, "1391234")  # too short
        await pilot.press("tab")
        await settle(pilot)
        assert "联系电话" in screen.error_of("intake-phone")
        assert screen.error_of("intake-uscc") == ""
        screen.query_one("#intake-phone", Input).value = ""
        screen.query_one("#intake-phone", Input).focus()
        await type_text(pilot, "13912345678")
        await pilot.press("tab")
        screen.query_one("#intake-title", Input).focus()
        await type_text(pilot, "厂区门口路灯不亮")
        screen.query_one("#intake-content", TextArea).focus()
        await type_text(pilot, "厂区门口路灯坏了一周")
        assert screen.error_of("intake-phone") == ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert result and isinstance(result[0], int), "saving dismisses with the new ticket's id"
        tid = result[0]
    t = fresh(store, staff, tid)
    assert t.status is Status.NEW and t.uscc == USCC and t.contact_phone == "13912345678"
    assert t.enterprise_name == "徐州云龙机械有限公司" and t.content == "厂区门口路灯坏了一周"

    # 派发 with the due-date preview
    async with make_app(store, "clerk").run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, TicketScreen(tid))
        assert "派发" in screen.available()
        await pilot.press("d")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, DispatchDialog)
        await type_text(pilot, "人社")
        limit, due, prov = store.tickets.preview_due("consultation")
        expect = f"市人社局 · {limit} 个工作日 · 截止 {due.isoformat()} {weekday_cn(due)}"
        assert dialog.preview_text.startswith(expect)
        assert expect == "市人社局 · 3 个工作日 · 截止 2026-12-01 周二"
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is screen
    t = fresh(store, staff, tid)
    assert t.status is Status.DISPATCHED and t.department_name == "市人社局" and t.due_date == due

    # 签收 and 答复 as the department's liaison
    async with make_app(store, "rsj").run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, TicketScreen(tid))
        assert screen.available()[:3] == ["签收", "退回", "申请延期"]
        await pilot.press("s")
        await settle(pilot)
        assert fresh(store, staff, tid).status is Status.SIGNED
        assert "答复" in screen.available()
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ReasonDialog)
        await type_text(pilot, "已联系供电部门")
        await pilot.press("enter")  # a new line in the reply, not a submit
        await type_text(pilot, "修复路灯")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
    t = fresh(store, staff, tid)
    assert t.status is Status.REPLIED and t.reply_text == "已联系供电部门\n修复路灯"

    # 回访 满意 closes it
    async with make_app(store, "clerk").run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, TicketScreen(tid))
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(pilot.app.screen, FollowUpDialog)
        await pilot.press("1")
        await type_text(pilot, "企业表示满意")
        await pilot.press("enter")
        await settle(pilot)
        timeline = screen.query_one("#ticket-timeline").plain_text
        assert "回访结果：满意" in timeline and "已派发 → 办理中" in timeline
        assert screen.available() == []  # nothing left to do on a closed ticket for a clerk
    t = fresh(store, staff, tid)
    assert t.status is Status.CLOSED and t.satisfaction is Satisfaction.SATISFIED


async def test_return_then_redispatch(store, staff):
    tid = dispatched(store, staff, dept="市税务局")
    async with make_app(store, "swj").run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, TicketScreen(tid))
        await pilot.press("t")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, ReasonDialog)
        await pilot.press("enter")  # a return needs a reason
        await settle(pilot)
        assert pilot.app.screen is dialog and "理由" in dialog.error_text
        await type_text(pilot, "路灯维修不属于税务职责")
        await pilot.press("enter")
        await settle(pilot)
        # the ticket went back to the center: the liaison no longer sees it
        assert not isinstance(pilot.app.screen, (TicketScreen, FormDialog))
    t = fresh(store, staff, tid)
    assert t.status is Status.RETURNED and t.return_count == 1 and t.department_id is None

    async with make_app(store, "clerk").run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, TicketScreen(tid))
        await pilot.press("d")
        await settle(pilot)
        await type_text(pilot, "城管")
        await pilot.press("enter")
        await settle(pilot)
        assert "重新派发至 市城管局" in screen.query_one("#ticket-timeline").plain_text
    t = fresh(store, staff, tid)
    assert t.status is Status.DISPATCHED and t.department_name == "市城管局"
    assert "路灯维修不属于税务职责" in [e.note for e in store.tickets.history(staff["sup"], tid)]


async def test_extension_approved_then_another_rejected(store, staff):
    tid = signed(store, staff)
    due_before = fresh(store, staff, tid).due_date
    async with make_app(store, "rsj").run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, TicketScreen(tid))
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ExtensionDialog)
        await type_text(pilot, "11")
        await pilot.press("enter")
        await type_text(pilot, "需现场勘查")
        await pilot.press("enter")
        await settle(pilot)
        assert "不得超过 10" in pilot.app.screen.error_text  # refused in the dialog, text kept
        days = pilot.app.screen.query_one("#ext-days", Input)
        days.value = ""
        days.focus()
        await type_text(pilot, "3")
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert "申请延期" not in screen.available()  # one request at a time
    t = fresh(store, staff, tid)
    assert t.pending_extension_days == 3 and t.pending_extension_reason == "需现场勘查"

    async with make_app(store, "sup").run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, TicketScreen(tid))
        assert {"批准延期", "驳回延期"} <= set(screen.available())
        assert "待审批：申请延期 3 个工作日" in screen_text(pilot.app)
        await pilot.press("y")
        await settle(pilot)
        assert "批准后截止日期" in screen_text(pilot.app)
        await pilot.press("enter")
        await settle(pilot)
        assert "批准延期" not in screen.available()
    t = fresh(store, staff, tid)
    assert t.extension_days == 3 and t.pending_extension_days is None
    assert t.due_date == store.calendar().add_workdays(due_before, 3)

    store.tickets.request_extension(staff["rsj"], tid, 2, "材料未齐")
    async with make_app(store, "sup").run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, TicketScreen(tid))
        await pilot.press("n")
        await settle(pilot)
        await type_text(pilot, "理由不充分")
        await pilot.press("enter")
        await settle(pilot)
    t = fresh(store, staff, tid)
    assert t.extension_days == 3 and t.pending_extension_days is None
    notes = [(e.action, e.note) for e in store.tickets.history(staff["sup"], tid)]
    assert ("approve_extension", "同意延期") in notes and ("reject_extension", "理由不充分") in notes


async def test_approve_and_reject_only_with_a_pending_request(store, staff):
    tid = signed(store, staff)
    async with make_app(store, "sup").run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, TicketScreen(tid))
        assert not screen.can("approve_extension") and not screen.can("approve_return")
        await pilot.press("y")
        await settle(pilot)
        assert pilot.app.screen is screen  # the key does nothing without a request
        assert not pilot.app.screen.query(".action-button.-approve_extension")
    assert fresh(store, staff, tid).extension_days == 0


async def test_unsatisfied_follow_up_then_reopened(store, staff, clock):
    tid = replied(store, staff)
    async with make_app(store, "clerk").run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, TicketScreen(tid))
        assert "重办" not in screen.available()  # only after an unsatisfied call-back
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("3")
        await type_text(pilot, "路灯仍不亮")
        await pilot.press("enter")
        await settle(pilot)
        assert fresh(store, staff, tid).satisfaction is Satisfaction.UNSATISFIED
        assert "重办" in screen.available()
        clock.advance(days=1)
        await pilot.press("o")
        await settle(pilot)
        await type_text(pilot, "企业反映问题未解决")
        await pilot.press("enter")
        await settle(pilot)
    t = fresh(store, staff, tid)
    assert t.status is Status.REOPENED and t.reopen_count == 1
    assert t.due_date == store.calendar().add_workdays(clock.today(), 3)


async def test_direct_answer_from_knowledge_at_intake(store, staff):
    entry = store.knowledge.search("增值税")[0]
    app = make_app(store, "clerk")
    async with app.run_test(size=(120, 40)) as pilot:
        result: list[Any] = []
        await app.push_screen(IntakeScreen(), result.append)
        await settle(pilot)
        screen = app.screen
        screen.query_one("#intake-type", Select).value = AppealType.POLICY_CONSULTATION.value
        screen.query_one("#intake-name", Input).focus()
        await type_text(pilot, "徐州小微商贸有限公司")
        screen.query_one("#intake-content", TextArea).focus()
        await type_text(pilot, "我们是小规模纳税人，想问增值税减免怎么享受")
        await settle(pilot, IntakeScreen.DEBOUNCE + 0.2)
        assert screen.selected_knowledge is not None
        assert screen.selected_knowledge.id == entry.id
        assert entry.question in screen_text(app)
        await pilot.press("ctrl+r")
        await settle(pilot)
        # the answer is shown in full before anything is sent (issue 16 item 6); Esc sends nothing
        assert isinstance(app.screen, ConfirmDialog) and entry.answer[:20] in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and not result
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert result and isinstance(result[0], int)
    t = fresh(store, staff, result[0])
    assert t.status is Status.REPLIED and t.direct_answer and t.knowledge_id == entry.id
    assert t.reply_text == entry.answer


async def test_duplicate_flag_autofill_and_merge(store, staff):
    first = dispatched(store, staff)
    app = make_app(store, "clerk")
    async with app.run_test(size=(120, 40)) as pilot:
        result: list[Any] = []
        await app.push_screen(IntakeScreen(), result.append)
        await settle(pilot)
        screen = app.screen
        screen.query_one("#intake-type", Select).value = AppealType.CONSULTATION.value
        screen.query_one("#intake-uscc", Input).focus()
        await type_text(pilot, USCC.lower())
        await pilot.press("tab")
        await settle(pilot)
        # the enterprise record fills name, district and contact
        assert screen.query_one("#intake-name", Input).value == "徐州云龙机械有限公司"
        assert screen.query_one("#intake-uscc", Input).value == USCC
        assert screen.query_one("#intake-contact", Input).value == "李经理"
        assert screen.query_one("#intake-phone", Input).value == "13912345678"
        assert screen.query_one("#intake-district", Select).value == "云龙区"
        assert [t.id for t in screen.duplicates] == [first]
        assert "重复诉求" in screen_text(app)
        screen.query_one("#intake-merge", Select).value = first
        screen.query_one("#intake-content", TextArea).focus()
        await type_text(pilot, "路灯还是不亮")
        await pilot.press("ctrl+s")
        await settle(pilot)
    new = fresh(store, staff, result[0])
    assert new.status is Status.CLOSED and new.merged_into == first
    assert any(e.action == "merged_from" for e in store.tickets.history(staff["sup"], first))


async def test_required_fields_block_saving_and_keep_input(store, staff):
    app = make_app(store, "clerk")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(IntakeScreen())
        await settle(pilot)
        screen = app.screen
        screen.query_one("#intake-title", Input).focus()
        await type_text(pilot, "没有内容的标题")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert screen.error_of("intake-type") == "请选择诉求类型"
        assert screen.error_of("intake-name") == "企业名称不能为空"
        assert screen.error_of("intake-content") == "诉求内容不能为空"
        assert screen.query_one("#intake-title", Input).value == "没有内容的标题"
    assert store.queue.count_tickets(staff["sup"]) == 0


async def test_conflicting_edit_keeps_what_was_typed(store, staff):
    tid = signed(store, staff, appeal_type="complaint")
    async with make_app(store, "rsj").run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, TicketScreen(tid))
        version = screen.ticket.version
        await pilot.press("r")
        await settle(pilot)
        dialog = pilot.app.screen
        await type_text(pilot, "已安排人员维修")
        # meanwhile a clerk on another console marks the ticket confidential
        store.tickets.mark_confidential(staff["clerk"], tid, True, version=version)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is dialog, "the dialog stays open"
        assert "已被 clerk 于 2026-11-26 09:30 修改" in dialog.error_text
        assert dialog.text == "已安排人员维修"
        assert screen.ticket.version == version + 1 and screen.ticket.confidential  # reloaded
        assert fresh(store, staff, tid).status is Status.SIGNED
        await pilot.press("ctrl+s")  # send again, now against the fresh version
        await settle(pilot)
        assert pilot.app.screen is screen
    t = fresh(store, staff, tid)
    assert t.status is Status.REPLIED and t.reply_text == "已安排人员维修"


async def test_department_refused_another_departments_ticket(store, staff):
    tid = dispatched(store, staff, dept="市人社局")
    async with make_app(store, "swj").run_test(size=(120, 40)) as pilot:
        before = pilot.app.screen
        await pilot.app.push_screen(TicketScreen(tid))
        await settle(pilot)
        assert pilot.app.screen is before, "back where the liaison came from"
        messages = [n.message for n in pilot.app._notifications]
        assert any("不属于您的单位" in m for m in messages)


async def test_invalid_action_is_explained_and_nothing_lost(store, staff):
    tid = new_ticket(store, staff)  # a consultation: cannot be marked confidential
    async with make_app(store, "clerk").run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, TicketScreen(tid))
        assert "保密" not in screen.available()
        await pilot.press("c")
        await settle(pilot)
        dialog = pilot.app.screen
        await pilot.press("enter")  # closing a new ticket needs a reason
        await settle(pilot)
        assert pilot.app.screen is dialog and "办结说明" in dialog.error_text
        store.tickets.dispatch(staff["clerk"], tid, "市人社局")  # another console dispatches it
        await type_text(pilot, "无效来电")
        await pilot.press("enter")
        await settle(pilot)
        assert "已被" in dialog.error_text and dialog.text == "无效来电"
        await pilot.press("enter")  # now refused by state, still explained in Chinese
        await settle(pilot)
        assert "不能办结" in dialog.error_text and dialog.text == "无效来电"
    assert fresh(store, staff, tid).status is Status.DISPATCHED


async def test_confidential_complaint_hides_identity_from_department(store, staff):
    tid = dispatched(store, staff, appeal_type="complaint")
    async with make_app(store, "clerk").run_test(size=(120, 40)) as pilot:
        await open_screen(pilot, TicketScreen(tid))
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
    assert fresh(store, staff, tid).confidential
    async with make_app(store, "rsj").run_test(size=(120, 40)) as pilot:
        await open_screen(pilot, TicketScreen(tid))
        text = screen_text(pilot.app)
        assert "（保密）" in text and "徐州云龙机械" not in text and "13912345678" not in text


async def test_supervision_recorded_on_overdue_ticket(store, staff, clock):
    tid = signed(store, staff, appeal_type="policy_consultation")
    clock.advance(days=7)  # 2026-12-03: past the 1-day limit by several working days
    async with make_app(store, "sup").run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, TicketScreen(tid))
        badge = screen.query_one("#ticket-badge", Static)
        assert badge.has_class("-orange") and "◆ 橙色预警" in str(badge.render())
        await pilot.press("u")
        await settle(pilot)
        assert "督办单位：市营商办" in screen_text(pilot.app)
        await type_text(pilot, "请今日内答复")
        await pilot.press("enter")
        await settle(pilot)
        assert "市营商办" in str(screen.query_one("#ticket-supervisions", Static).render())
    sup = store.tickets.supervisions(staff["sup"], tid)
    assert [(s.body, s.note) for s in sup] == [("市营商办", "请今日内答复")]


async def test_merge_from_ticket_screen(store, staff):
    first = dispatched(store, staff)
    second = new_ticket(store, staff, content="同一路灯再次来电")
    async with make_app(store, "clerk").run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, TicketScreen(second))
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(pilot.app.screen.query_one("#merge-list", OptionList), OptionList)
        await pilot.press("enter")
        await settle(pilot)
        assert "已作为重复诉求并入工单" in screen_text(pilot.app)
    assert fresh(store, staff, second).merged_into == first


async def test_direct_answer_from_ticket_screen(store, staff):
    tid = new_ticket(store, staff, appeal_type="policy_consultation", title="研发费用加计扣除",
                     content="研发费用加计扣除什么时候可以享受")
    async with make_app(store, "clerk").run_test(size=(120, 40)) as pilot:
        await open_screen(pilot, TicketScreen(tid))
        await pilot.press("k")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, KnowledgeAnswerDialog)
        dialog.query_one("#kb-list", OptionList).focus()
        await pilot.press("enter")
        await pilot.press("ctrl+s")
        await settle(pilot)
    t = fresh(store, staff, tid)
    assert t.status is Status.REPLIED and t.direct_answer and t.knowledge_id is not None
    assert "加计扣除" in t.reply_text


async def test_bulk_dispatch_dialog_returns_department(store, staff):
    app = make_app(store, "clerk")
    async with app.run_test(size=(80, 24)) as pilot:
        got: list[Any] = []
        await app.push_screen(DispatchDialog(), got.append)
        await settle(pilot)
        await type_text(pilot, "gxj")
        assert "各工单按诉求类型计时" in app.screen.preview_text
        await pilot.press("enter")
        await settle(pilot)
        assert got == [store.department("市工信局").id]
        await app.push_screen(DispatchDialog(), got.append)
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert got[-1] is None


async def test_user_text_is_shown_literally(store, staff):
    tid = new_ticket(store, staff, enterprise_name="[b]x[/b]", uscc=None, title="[red]标题[/red]",
                     content="\x1b[31m路灯[/]坏了")
    async with make_app(store, "clerk").run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, TicketScreen(tid))
        text = screen_text(pilot.app)
        assert "[b]x[/b]" in text
        assert "[red]标题[/red]" in text
        assert "路灯[/]坏了" in text
        assert "\x1b" not in text
        timeline = screen.query_one("#ticket-timeline").plain_text
        assert "受理" in timeline


def test_key_terms_and_suggestions(store):
    terms = key_terms("我们公司想了解研发费用加计扣除，谢谢")
    assert "研发" in terms and "加计" in terms and "我们" not in terms and "谢谢" not in terms
    assert all(2 <= len(t) <= 4 for t in terms)
    best = store.knowledge.suggest("研发费用加计扣除怎么享受", limit=3)
    assert best and "研发费用加计扣除" in best[0].question
    assert store.knowledge.suggest("") == []


async def test_late_return_needs_supervisor_approval(store, staff, clock):
    first = dispatched(store, staff)
    second = dispatched(store, staff)
    clock.advance(days=5)  # Tuesday 12-01: past the 2-working-day window for a plain return
    async with make_app(store, "rsj").run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, TicketScreen(first))
        await pilot.press("t")
        await settle(pilot)
        assert "需值班长审批" in pilot.app.screen.heading
        await type_text(pilot, "应由属地处理")
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is screen and "退回" not in screen.available()  # one request at a time
    store.tickets.return_ticket(staff["rsj"], second, "不属本单位")
    assert fresh(store, staff, first).pending_return_reason == "应由属地处理"
    async with make_app(store, "sup").run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, TicketScreen(first))
        assert {"同意退回", "驳回退回"} <= set(screen.available())
        assert "待审批：超期退回" in screen_text(pilot.app)
        await pilot.press("g")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = await open_screen(pilot, TicketScreen(second))
        await pilot.press("b")
        await settle(pilot)
        await type_text(pilot, "请继续办理")
        await pilot.press("enter")
        await settle(pilot)
    assert fresh(store, staff, first).status is Status.RETURNED
    t = fresh(store, staff, second)
    assert t.status is Status.DISPATCHED and t.pending_return_reason is None


async def test_third_unreachable_follow_up_closes(store, staff):
    tid = replied(store, staff)
    store.tickets.follow_up(staff["clerk"], tid, "unreachable")
    store.tickets.follow_up(staff["clerk"], tid, "unreachable")
    async with make_app(store, "clerk").run_test(size=(120, 40)) as pilot:
        await open_screen(pilot, TicketScreen(tid))
        await pilot.press("f")
        await settle(pilot)
        assert "第 3 次将按“多次未联系上”办结" in screen_text(pilot.app)
        await pilot.press("4")
        await pilot.press("enter")
        await settle(pilot)
    t = fresh(store, staff, tid)
    assert t.status is Status.CLOSED and t.close_reason.value == "unreachable"


async def test_detail_follows_another_consoles_change(store, staff):
    tid = dispatched(store, staff)
    async with make_app(store, "clerk").run_test(size=(120, 40)) as pilot:
        screen = TicketScreen(tid)
        screen.POLL_SECONDS = 0.1
        await open_screen(pilot, screen)
        assert screen.ticket.status is Status.DISPATCHED
        store.tickets.sign(staff["rsj"], tid)  # the liaison signs on their own console
        await settle(pilot, 0.4)
        assert screen.ticket.status is Status.SIGNED
        assert "已派发 → 办理中" in screen.query_one("#ticket-timeline").plain_text


async def test_enterprise_found_by_uscc_typed_in_name_field(store, staff):
    new_ticket(store, staff)
    app = make_app(store, "clerk")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(IntakeScreen())
        await settle(pilot)
        screen = app.screen
        screen.query_one("#intake-name", Input).focus()
        await type_text(pilot, USCC)
        await pilot.press("tab")
        await settle(pilot)
        assert screen.query_one("#intake-name", Input).value == "徐州云龙机械有限公司"
        assert screen.query_one("#intake-uscc", Input).value == USCC
        assert screen.query_one("#intake-contact", Input).value == "李经理"


async def test_queue_opens_intake_and_ticket(store, staff):
    tid = new_ticket(store, staff)
    async with make_app(store, "clerk").run_test(size=(120, 40)) as pilot:
        queue = pilot.app.screen
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(pilot.app.screen, IntakeScreen)
        await pilot.press("escape")  # nothing typed: straight back
        await settle(pilot)
        assert pilot.app.screen is queue
        pilot.app.open_ticket(tid)
        await settle(pilot)
        assert isinstance(pilot.app.screen, TicketScreen) and pilot.app.screen.ticket.id == tid
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is queue
