"""Pilot tests of the associations screen (F10, SPEC §6, §14).

Each test builds its members, pushes and rounds through the store on a fresh
temporary database (the ``store`` fixture, clock frozen on Thursday
2026-11-26 09:30), runs the real ``XzApp`` headless, opens the screen with
F10 and asserts on what it shows and on the database afterwards.
"""

from __future__ import annotations

import sys
from typing import Any

from textual.widgets import DataTable, Input, SelectionList, Static

from xzconsole.app import XzApp
from xzconsole.models import TicketIntake
from xzconsole.screens.association_dialogs import MemberPickerDialog
from xzconsole.screens.associations import AssociationsScreen
from xzconsole.screens.dialogs import ReasonDialog
from pilot_support import settle

COMPLETE = {"summary": "对符合条件的企业给予补贴。", "interpreter_name": "陈永刚", "interpreter_phone": "0516-83735126"}


def enterprise(store, staff, name: str) -> int:
    t = store.tickets.accept(staff["clerk"], TicketIntake(appeal_type="咨询求助", enterprise_name=name, district="鼓楼区",
                                                  content="咨询协会入会事宜"))
    return t.enterprise_id


async def open_screen(pilot: Any) -> AssociationsScreen:
    await settle(pilot)
    await pilot.press("f10")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, AssociationsScreen)
    return screen


def rows(screen: Any, selector: str) -> list[list[str]]:
    table = screen.query_one(selector, DataTable)
    return [[c.plain for c in table.get_row_at(i)] for i in range(table.row_count)]


def text(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_browse_associations_members_and_a_push(store, staff):
    gcjx, wl = store.associations.get("gcjx"), store.associations.get("wl")
    for name in ("徐工机械配套有限公司", "[b]徐州[/b]机械"):
        store.associations.add_member(staff["clerk"], gcjx.id, enterprise(store, staff, name))
    p = store.library.create(staff["sup"], {"title": "关于促进物流业高质量发展的若干措施", "doc_number": "徐政办发〔2026〕12号",
                                           **COMPLETE})
    store.library.publish(staff["sup"], p.id)
    store.library.push(staff["sup"], p.id, [wl.id], "请转发会员企业")
    async with XzApp(store.path, "clerk", store.clock).run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot)
        listed = rows(screen, "#assoc-list")
        assert len(listed) == 16
        assert listed[0][:3] == ["工程机械行业协会", "2", "产业 科技 外贸"]  # "徐州市" shared by all is left out
        assert listed[1][3] == "2026-11-26"  # the logistics association's last push
        assert "徐州市工程机械行业协会 · 会员 2 家" in text(screen, "#assoc-summary")
        assert [r[0] for r in rows(screen, "#assoc-members")] == ["[b]徐州[/b]机械", "徐工机械配套有限公司"]
        await pilot.press("down")
        await settle(pilot)
        assert "徐州市物流协会 · 会员 0 家" in text(screen, "#assoc-summary")
        assert rows(screen, "#assoc-members") == [] and "尚无会员企业" in text(screen, "#assoc-members-status")
        await pilot.press("3")
        await settle(pilot)
        (push,) = rows(screen, "#assoc-pushes")
        assert push == ["2026-11-26 09:30", "关于促进物流业高质量发展的若干措施", "徐政办发〔2026〕12号", "赵值班"]  # who pushed, by name (issue 16 item 10)
        await pilot.press("escape", "escape")  # from the tab to the list, then back to the queue
        await settle(pilot)
        assert not isinstance(pilot.app.screen, AssociationsScreen)


async def test_add_and_remove_a_member(store, staff):
    eid = enterprise(store, staff, "徐州恒力液压件厂")
    gcjx = store.associations.get("gcjx")
    async with XzApp(store.path, "clerk", store.clock).run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("a")
        await settle(pilot)
        picker = pilot.app.screen
        assert isinstance(picker, MemberPickerDialog)
        await pilot.press(*"恒力液压")
        await pilot.press("enter")  # find
        await settle(pilot)
        assert [e.id for e in picker.found] == [eid]
        await pilot.press("enter")  # Enter again takes the highlighted one
        await settle(pilot)
        assert pilot.app.screen is screen
        assert [m.enterprise_id for m in store.associations.members(gcjx.id)] == [eid]
        assert rows(screen, "#assoc-list")[0][1] == "1"
        assert rows(screen, "#assoc-members")[0][0] == "徐州恒力液压件厂"

        screen.query_one("#assoc-members", DataTable).focus()
        await pilot.press("d")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, ReasonDialog)
        await pilot.press("enter")  # no reason: refused inside the dialog
        await settle(pilot)
        assert pilot.app.screen is dialog and "移除原因" in dialog.error_text
        dialog.query_one("#reason-text", Input).value = "企业已退会"
        await pilot.press("enter")
        await settle(pilot)
        assert store.associations.members(gcjx.id) == []
        await pilot.press("6")
        await settle(pilot)
        history = rows(screen, "#assoc-history")  # 80 columns: time, who, what was done
        assert [r[1:] for r in history] == [["王受理", "移除会员 徐州恒力液压件厂：企业已退会"],
                                            ["王受理", "新增会员 徐州恒力液压件厂"]]
        assert "王受理 移除会员" in text(screen, "#assoc-event-detail")


async def test_edit_subscriptions_save_and_a_version_conflict_keeps_the_choice(store, staff):
    gcjx = store.associations.get("gcjx")
    async with XzApp(store.path, "sup", store.clock).run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("2")
        await settle(pilot)
        subs = screen.query_one("#assoc-subs", SelectionList)
        assert pilot.app.focused is subs and set(subs.selected) == {"产业发展", "科技创新", "外贸外资"}
        subs.highlighted = 1  # 人才就业
        await pilot.press("space")
        await settle(pilot)
        assert "未保存" in text(screen, "#assoc-subs-message")
        await pilot.press("s")
        await settle(pilot)
        saved = store.associations.get(gcjx.id)
        assert saved.categories == ["人才就业", "科技创新", "产业发展", "外贸外资"] and saved.version == 2
        assert saved.edited_by == "sup"
        assert rows(screen, "#assoc-list")[0][2] == "人才 科技 +2"

        # someone else saves meanwhile: this user's next save is refused, their choice stays
        store.associations.set_subscriptions(staff["clerk"], gcjx.id, ["财税金融"], version=2)
        subs.highlighted = 0  # 财税金融 too
        await pilot.press("space")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        message = text(screen, "#assoc-subs-message")
        assert "已被 王受理" in message and "现订阅：财税金融" in message and "已保留" in message
        assert set(subs.selected) == {"财税金融", "人才就业", "科技创新", "产业发展", "外贸外资"}
        assert store.associations.get(gcjx.id).categories == ["财税金融"]
        assert "订阅：财税金融" in text(screen, "#assoc-summary")
        await pilot.press("s")  # knowingly over the newer version
        await settle(pilot)
        assert store.associations.get(gcjx.id).categories == ["财税金融", "人才就业", "科技创新", "产业发展", "外贸外资"]


async def test_unsaved_edits_survive_a_look_at_another_association(store, staff):
    async with XzApp(store.path, "clerk", store.clock).run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("5")
        await settle(pilot)
        phone = screen.query_one("#assoc-contact-phone", Input)
        phone.value = "1395220"
        await settle(pilot)
        assert "不是有效的手机号" in text(screen, "#assoc-contact-phone-error")
        assert phone.has_class("-invalid")
        await pilot.press("ctrl+s")  # refused on the form, nothing stored
        await settle(pilot)
        assert store.associations.get("gcjx").contact_phone == "0516-83125608"
        await pilot.press("escape", "down")  # to the list, next association
        await settle(pilot)
        assert phone.value == "0516-85816237"
        await pilot.press("up")
        await settle(pilot)
        assert phone.value == "1395220"  # the draft came back
        phone.value = "13952201234"
        await settle(pilot)
        assert text(screen, "#assoc-contact-phone-error") == ""
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("tab", "tab", "enter")  # tab strip → name → phone; Enter in the phone field saves
        await settle(pilot)
        a = store.associations.get("gcjx")
        assert (a.contact_name, a.contact_phone, a.version) == ("王建国", "13952201234", 2)
        assert "13952201234" in text(screen, "#assoc-summary")


async def test_rounds_tab_shows_comments_and_their_fate(store, staff):
    gcjx = store.associations.get("gcjx")
    draft = store.library.create(staff["sup"], {"title": "关于支持工程机械再制造的意见（征求意见稿）", "issuer": "市工信局"})
    rid = store.comments.open_round(staff["sup"], draft.id, [gcjx.id], store.clock.today())
    cid = store.comments.record(staff["clerk"], rid, gcjx.id, "建议明确再制造产品认定标准")
    store.comments.forward(staff["sup"], rid)
    store.comments.decide(staff["sup"], cid, False, "认定标准另行制定")
    async with XzApp(store.path, "clerk", store.clock).run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert rows(screen, "#assoc-rounds") == [["2026-11-26", draft.title, "已反馈", "1"]]
        detail = text(screen, "#assoc-round-detail")
        assert "建议明确再制造产品认定标准（不采纳：认定标准另行制定）" in detail


async def test_a_liaison_reads_but_gets_no_editing_keys(store, staff):
    async with XzApp(store.path, "rsj", store.clock).run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        assert screen.check_action("add_member", ()) is False
        await pilot.press("a")
        await settle(pilot)
        assert pilot.app.screen is screen
        await pilot.press("2")
        await settle(pilot)
        assert screen.query_one("#assoc-subs", SelectionList).disabled
        assert screen.check_action("save", ()) is False
        assert "只读" in str(screen.query_one("#tab-subs .assoc-hint", Static).render())


async def test_enter_on_a_member_without_the_directory_says_so(store, staff, monkeypatch):
    store.associations.add_member(staff["clerk"], store.associations.get("gcjx").id, enterprise(store, staff, "徐州恒力液压件厂"))
    monkeypatch.setitem(sys.modules, "xzconsole.screens.enterprise", None)  # as if the directory were not built
    async with XzApp(store.path, "clerk", store.clock).run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        screen.query_one("#assoc-members", DataTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert any("企业名录暂不可用" in str(n.message) for n in pilot.app._notifications)


async def test_members_page_by_fifty(store, staff):
    from xzconsole.screens.associations import PAGE_SIZE

    gcjx = store.associations.get("gcjx")
    for i in range(PAGE_SIZE + 1):
        store.associations.add_member(staff["clerk"], gcjx.id, enterprise(store, staff, f"徐州第{i:03d}配套件有限公司"))
    async with XzApp(store.path, "clerk", store.clock).run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        assert len(rows(screen, "#assoc-members")) == PAGE_SIZE
        assert screen.check_action("previous_page", ()) is False and screen.check_action("next_page", ()) is True
        await pilot.press("pagedown")
        await settle(pilot)
        assert rows(screen, "#assoc-members")[0][0] == f"徐州第{PAGE_SIZE:03d}配套件有限公司"
        assert text(screen, "#assoc-members-status").startswith("第 2 页 · 共 51 家会员")
        await pilot.press("pageup")
        await settle(pilot)
        assert rows(screen, "#assoc-members")[0][0] == "徐州第000配套件有限公司"


async def test_enter_on_a_member_opens_its_directory_page(store, staff):
    eid = enterprise(store, staff, "徐州恒力液压件厂")
    store.associations.add_member(staff["clerk"], store.associations.get("gcjx").id, eid)
    async with XzApp(store.path, "clerk", store.clock).run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot)
        screen.query_one("#assoc-members", DataTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        page = pilot.app.screen
        assert type(page).__name__ == "EnterpriseScreen" and page.enterprise_id == eid


async def test_tabs_are_built_when_first_shown_and_keep_what_was_entered(store, staff):
    """F10 builds only the member tab with the screen (issue 11 item 5: a place
    key ≤ 150 ms); a tab reached by its number key is built then and works at
    once, and what was ticked or typed in one tab is still there after a look
    at another."""
    gcjx = store.associations.get("gcjx")
    p = store.library.create(staff["sup"], {"title": "关于支持工程机械产业链协同发展的若干措施", "doc_number": "徐政发〔2026〕30号",
                                           **COMPLETE})
    store.library.publish(staff["sup"], p.id)
    store.library.push(staff["sup"], p.id, [gcjx.id], "请转发会员企业")
    async with XzApp(store.path, "clerk", store.clock).run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        assert screen.is_built("members")
        assert not any(screen.is_built(tab) for tab in ("subs", "pushes", "rounds", "contact", "history", "service"))
        assert not screen.query("#assoc-pushes") and not screen.query("#assoc-contact-phone")

        await pilot.press("3")  # 推送: built now, its row read for the association shown
        await settle(pilot)
        assert screen.tab == "pushes" and screen.is_built("pushes")
        assert rows(screen, "#assoc-pushes") == [["2026-11-26 09:30", p.title, "赵值班"]]  # 80 columns: no 文号
        assert pilot.app.focused is screen.query_one("#assoc-pushes", DataTable)

        await pilot.press("2")  # 订阅: the stored subscriptions ticked; tick one more, unsaved
        await settle(pilot)
        subs = screen.query_one("#assoc-subs", SelectionList)
        assert set(subs.selected) == {"产业发展", "科技创新", "外贸外资"}
        subs.highlighted = 1  # 人才就业
        await pilot.press("space")
        await settle(pilot)
        assert "未保存" in text(screen, "#assoc-subs-message")

        await pilot.press("5")  # 联系人: the stored contact; type a phone
        await settle(pilot)
        phone = screen.query_one("#assoc-contact-phone", Input)
        assert pilot.app.focused is screen.query_one("#assoc-tabs Tabs")  # not a field: digits stay tab keys
        assert phone.value == "0516-83125608"
        phone.value = "13952201234"
        await settle(pilot)

        await pilot.press("2")  # back: the tick is still there, still unsaved
        await settle(pilot)
        assert screen.query_one("#assoc-subs", SelectionList) is subs
        assert set(subs.selected) == {"人才就业", "产业发展", "科技创新", "外贸外资"}
        assert "未保存" in text(screen, "#assoc-subs-message")
        await pilot.press("5")
        await settle(pilot)
        assert screen.query_one("#assoc-contact-phone", Input).value == "13952201234"
        await pilot.press("ctrl+s")  # and it saves
        await settle(pilot)
    a = store.associations.get(gcjx.id)
    assert a.contact_phone == "13952201234" and set(a.categories) == {"产业发展", "科技创新", "外贸外资"}  # ctrl+s saved the contact only


async def test_a_form_never_shown_keeps_its_draft_for_another_association(store, staff):
    """An edit on one tab, a look at another association, then a tab never
    built before: it shows that association's stored values, not the draft."""
    async with XzApp(store.path, "clerk", store.clock).run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("5")
        await settle(pilot)
        screen.query_one("#assoc-contact-name", Input).value = "李新"
        await pilot.press("escape", "down")  # the list, the next association
        await settle(pilot)
        await pilot.press("2")  # built now, for the logistics association
        await settle(pilot)
        wl = store.associations.get("wl")
        assert set(screen.query_one("#assoc-subs", SelectionList).selected) == set(wl.categories)
        await pilot.press("escape", "up")
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert screen.query_one("#assoc-contact-name", Input).value == "李新"


async def test_digits_after_the_contact_tab_switch_tabs_and_type_nothing(store, staff):
    """5 then 4 (the next tab) used to type "4" over the contact's name."""
    async with XzApp(store.path, "clerk", store.clock).run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert screen.query_one("#assoc-contact-name", Input).value == "王建国"
        await pilot.press("4")
        await settle(pilot)
        assert screen.tab == "rounds"
        await pilot.press("5")
        await settle(pilot)
        assert screen.query_one("#assoc-contact-name", Input).value == "王建国"
        assert text(screen, "#assoc-contact-message").startswith("Tab 进入表单")
        await pilot.press("tab")  # into the form
        await settle(pilot)
        assert pilot.app.focused is screen.query_one("#assoc-contact-name", Input)
