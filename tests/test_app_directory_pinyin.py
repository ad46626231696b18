"""Pilot tests: the directory (F9) and the palette find an enterprise and its
tickets by the pinyin or initials of its name (issue 16), at 80×24."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from xzconsole.app import XzApp
from xzconsole.models import TicketIntake
from xzconsole.screens.directory import DirectoryScreen
from pilot_support import screen_text, settle


def intake(store, staff, name, phone):
    return store.tickets.accept(staff["clerk"], TicketIntake(appeal_type="consultation", enterprise_name=name,
                                                     contact_phone=phone, content="稳岗返还资金至今未到账"))


async def test_f9_typing_initials_lists_the_enterprise(store, staff):
    intake(store, staff, "徐州金盛建设工程有限公司", "13805161234")
    intake(store, staff, "铜山纺织有限公司", "13805165678")
    async with XzApp(store.path, "clerk", store.clock).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, DirectoryScreen)
        await pilot.press("slash")
        await pilot.press(*"xzjs", "enter")
        await settle(pilot)
        table = screen.query_one("#dir-table", DataTable)
        assert [table.get_row_at(i)[-1].plain for i in range(table.row_count)] == ["徐州金盛建设工程有限公司"]
        assert "按拼音检索" in screen.status_text
        assert "徐州金盛建设工程有限公司" in screen_text(pilot.app)
        # the search line says pinyin may be typed
        assert "拼音" in screen.query_one("#dir-search", Input).placeholder


async def test_the_palette_finds_a_ticket_by_its_enterprises_initials(store, staff):
    t = intake(store, staff, "徐州金盛建设工程有限公司", "13805161234")
    intake(store, staff, "铜山纺织有限公司", "13805165678")
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"XZJS")
        await pilot.pause(0.8)
        await settle(pilot)
        text = screen_text(app)
        assert t.number in text and "徐州金盛建设工程有限公司" in text and "铜山纺织" not in text
        await pilot.press("enter")
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        assert type(app.screen).__name__ == "TicketScreen" and app.screen.ticket_id == t.id


async def test_long_district_names_are_whole_or_their_short_form(store, staff):
    """At 80 columns 徐州经济技术开发区 showed as "徐州经济" (cut); at 160 as well,
    with 70 columns to spare."""
    t = intake(store, staff, "徐州金盛建设工程有限公司", "13805161234")
    store.directory.update(staff["clerk"], t.enterprise_id, {"district": "徐州经济技术开发区"})
    for size, shown in [((80, 24), "经开区"), ((160, 45), "徐州经济技术开发区")]:
        async with XzApp(store.path, "clerk", store.clock).run_test(size=size) as pilot:
            await settle(pilot)
            await pilot.press("f9")
            await settle(pilot)
            table = pilot.app.screen.query_one("#dir-table", DataTable)
            assert table.get_row_at(0)[2].plain == shown
            assert shown in screen_text(pilot.app) and "徐州金盛建设工程有限公司" in screen_text(pilot.app)


async def test_the_new_record_form_fits_80x24_whole(store, staff):
    """Seven fields under their names were taller than 80×24: the form opened
    scrolled, its heading and 企业名称 out of sight."""
    async with XzApp(store.path, "clerk", store.clock).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("ctrl+s")  # nothing typed: the refusal shows too
        await settle(pilot)
        text = screen_text(pilot.app)
        for part in ("新建企业档案", "企业名称", "统一社会信用代码", "联系电话", "备注", "请填写企业名称", "确定", "取消"):
            assert part in text, part
