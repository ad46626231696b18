"""Pilot tests of the enterprise directory (F9) and an enterprise's page:
search, open, tabs, open a ticket, edit, add a contact, merge and push — through
the real ``XzApp`` headless on a fresh database, asserting on what the screen
shows and on the store afterwards."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Input, OptionList, Select, TabbedContent

from xzconsole.app import XzApp
from xzconsole.models import TicketIntake, uscc_check_char
from xzconsole.screens.directory import DirectoryScreen
from xzconsole.screens.directory_dialogs import ContactDialog, EnterpriseDialog, MergeConfirmDialog, PickDialog
from xzconsole.screens.enterprise import EnterpriseScreen
from pilot_support import settle

A = "91320302MA1XK0001" + uscc_check_char("91320302MA1XK0001")
COMPLETE = {"summary": "对符合条件的企业给予补贴。", "interpreter_name": "陈永刚", "interpreter_phone": "0516-83735126"}


def intake(store, staff, name, code=None, phone="13805161234", title="稳岗返还"):
    return store.tickets.accept(staff["clerk"], TicketIntake(appeal_type="consultation", enterprise_name=name, uscc=code,
                                                     contact_phone=phone, title=title, content="稳岗返还资金至今未到账"))


def cells(screen: Any, selector: str) -> list[list[str]]:
    table = screen.query_one(selector, DataTable)
    return [[c.plain for c in table.get_row_at(i)] for i in range(table.row_count)]


async def open_directory(pilot: Any) -> DirectoryScreen:
    await settle(pilot)
    await pilot.press("f9")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, DirectoryScreen)
    return screen


async def search(pilot: Any, screen: DirectoryScreen, text: str) -> None:
    box = screen.query_one("#dir-search", Input)
    box.focus()
    await pilot.pause()
    box.value = text
    await pilot.press("enter")
    await settle(pilot)
    screen.query_one("#dir-table", DataTable).focus()
    await pilot.pause()


async def open_first(pilot: Any, screen: DirectoryScreen) -> EnterpriseScreen:
    screen.query_one("#dir-table", DataTable).move_cursor(row=0)
    await pilot.press("enter")
    await settle(pilot)
    page = pilot.app.screen
    assert isinstance(page, EnterpriseScreen)
    return page


async def test_search_open_tabs_and_a_ticket(store, staff):
    t = intake(store, staff, "徐州[b]徐州[/b]机械厂", A, title="路灯[/]坏了")
    intake(store, staff, "铜山食品有限公司")
    store.tickets.close(staff["clerk"], t.id, note="重复来电", reason="duplicate")
    async with XzApp(store.path, "clerk", store.clock).run_test(size=(120, 40)) as pilot:
        screen = await open_directory(pilot)
        assert len(cells(screen, "#dir-table")) == 2
        store.directory.update(staff["clerk"], t.enterprise_id, {"district": "铜山区"})
        screen.query_one("#dir-district", Select).value = "铜山区"
        await settle(pilot)
        assert [r[-1] for r in cells(screen, "#dir-table")] == ["徐州[b]徐州[/b]机械厂"]
        screen.query_one("#dir-district", Select).clear()
        await settle(pilot)
        await search(pilot, screen, "机械")
        rows = cells(screen, "#dir-table")
        assert [r[-1] for r in rows] == ["徐州[b]徐州[/b]机械厂"] and rows[0][0].split() == ["0", "/", "1"]
        await search(pilot, screen, A.lower())
        assert [r[-1] for r in cells(screen, "#dir-table")] == ["徐州[b]徐州[/b]机械厂"]
        assert "按信用代码检索" in screen.status_text
        page = await open_first(pilot, screen)
        assert "徐州[b]徐州[/b]机械厂" in str(page.query_one("#ent-header").render())
        assert [r[1] for r in cells(page, "#ent-tickets")] == [t.number]
        assert cells(page, "#ent-tickets")[0][-1] == "路灯[/]坏了"
        tabs = page.query_one("#ent-tabs", TabbedContent)
        tabs.active = "tab-events"
        await settle(pilot)
        assert not page.check_action("open_row", ())
        tabs.active = "tab-tickets"
        await settle(pilot)
        page.query_one("#ent-tickets", DataTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert type(pilot.app.screen).__name__ == "TicketScreen"


async def test_edit_and_add_contact(store, staff):
    eid = intake(store, staff, "铜山食品有限公司").enterprise_id
    async with XzApp(store.path, "clerk", store.clock).run_test(size=(100, 36)) as pilot:
        page = await open_first(pilot, await open_directory(pilot))
        await pilot.press("e")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, EnterpriseDialog)
        dialog.query_one("#ent-district", Input).value = "南京"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "所属区域" in dialog.error_text and dialog.query_one("#ent-district", Input).value == "南京"
        dialog.query_one("#ent-district", Input).value = "铜山"
        dialog.query_one("#ent-industry", Input).value = "食品加工"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is page
        e = store.directory.profile(staff["clerk"], eid).enterprise
        assert (e.district, e.industry) == ("铜山区", "食品加工")
        assert "食品加工" in str(page.query_one("#ent-header").render())
        assert "行业：空 → 食品加工" in " ".join(r[-1] for r in cells(page, "#ent-events"))
        await pilot.press("c")
        await settle(pilot)
        contact = pilot.app.screen
        assert isinstance(contact, ContactDialog)
        contact.query_one("#contact-name", Input).value = "张会计"
        contact.query_one("#contact-phone", Input).value = "0516-83801234"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [c.name for c in store.directory.profile(staff["clerk"], eid).contacts] == ["张会计"]


async def test_merge_via_the_screen(store, staff):
    keep = intake(store, staff, "徐州恒达机械有限公司").enterprise_id
    drop = intake(store, staff, "徐州恒达机械", A, phone="13905169999").enterprise_id
    async with XzApp(store.path, "clerk", store.clock).run_test(size=(120, 40)) as pilot:
        screen = await open_directory(pilot)
        await search(pilot, screen, "徐州恒达机械有限公司")
        page = await open_first(pilot, screen)
        assert page.enterprise_id == keep
        await pilot.press("m")
        await settle(pilot)
        pick = pilot.app.screen
        assert isinstance(pick, PickDialog)
        assert [item[0].enterprise.id for item in pick.items] == [drop]  # itself is never offered
        pick.query_one("#pick-list", OptionList).focus()
        await pilot.press("enter")
        await settle(pilot)
        confirm = pilot.app.screen
        assert isinstance(confirm, MergeConfirmDialog)
        assert "徐州恒达机械" in confirm.text.plain and A in confirm.text.plain
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is page
        prof = store.directory.profile(staff["clerk"], keep)
        assert prof.figures.total == 2 and prof.enterprise.uscc == A
        assert len(cells(page, "#ent-tickets")) == 2


async def test_push_a_published_policy(store, staff):
    eid = intake(store, staff, "铜山食品有限公司").enterprise_id
    p = store.library.create(staff["sup"], {"title": "稳岗返还实施细则", **COMPLETE})
    store.library.publish(staff["sup"], p.id)
    store.library.create(staff["sup"], {"title": "稳岗草稿"})
    async with XzApp(store.path, "clerk", store.clock).run_test(size=(120, 40)) as pilot:
        page = await open_first(pilot, await open_directory(pilot))
        await pilot.press("t")
        await settle(pilot)
        pick = pilot.app.screen
        assert isinstance(pick, PickDialog)
        pick.query_one("#pick-search", Input).value = "稳岗"
        await pilot.press("enter")
        await settle(pilot)
        titles = [item[0].title for item in pick.items]
        assert "稳岗返还实施细则" in titles and "稳岗草稿" not in titles  # drafts are not offered
        pick.query_one("#pick-list", OptionList).highlighted = titles.index("稳岗返还实施细则")
        pick.query_one("#pick-note", Input).value = "电话告知"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is page
        assert [(x.policy_title, x.note) for x in store.directory.pushes(staff["clerk"], eid)[0]] == [
            ("稳岗返还实施细则", "电话告知")]
        assert cells(page, "#ent-pushes")[0][1] == "直接推送"


async def test_a_department_liaison_is_refused_politely(store, staff):
    intake(store, staff, "铜山食品有限公司")
    async with XzApp(store.path, "rsj", store.clock).run_test(size=(80, 24)) as pilot:
        screen = await open_directory(pilot)
        assert "仅供中心工作人员" in str(screen.query_one("#dir-refused").render())
        assert not screen.query("#dir-table")
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, DirectoryScreen)
