"""The console's places: every function key and the palette's 前往 entries
reach the same screens (F9 企业名录, F10 行业协会, F11 宣传推广 are new;
some terminals keep F10/F11, so the palette must reach them too)."""

from __future__ import annotations

import pytest

from xzconsole.app import XzApp
from xzconsole.palette import PlaceCommands
from pilot_support import settle


@pytest.mark.parametrize("key, screen", [
    ("f9", "DirectoryScreen"),
    ("f10", "AssociationsScreen"),
    ("f11", "OutreachScreen"),
])
async def test_function_keys_open_the_new_places(store, staff, key, screen):
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        assert type(app.screen).__name__ == screen
        await pilot.press("f2")  # back to the queue from anywhere
        await settle(pilot)
        assert type(app.screen).__name__ == "QueueScreen"


async def test_palette_lists_every_place_and_goes_there(store, staff):
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        provider = PlaceCommands(app.screen)
        await provider.startup()
        names = [h.text for h in [h async for h in provider.search("协会")]]
        assert names == ["行业协会"]
        every = {name for name, _action, _key in provider._places()}
        assert {"工单队列", "预警面板", "企业名录", "行业协会", "宣传推广"} <= every
        await pilot.press("ctrl+p")
        await pilot.press(*list("推广"))
        await pilot.pause(0.5)
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "OutreachScreen"


async def test_palette_opens_an_enterprise_record_for_a_clerk_only(store, staff):
    from xzconsole.models import TicketIntake
    from xzconsole.palette import EnterpriseCommands

    store.tickets.accept(staff["clerk"], TicketIntake(appeal_type="consultation", enterprise_name="[b]徐州[/b]恒达机械有限公司",
                                              content="用工咨询", contact_phone="13951234567"))
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        provider = EnterpriseCommands(app.screen)
        await provider.startup()
        hits = [h async for h in provider.search("恒达机械")]
        by_phone = [h async for h in provider.search("13951234567")]
        await provider.shutdown()
        assert [h.text for h in hits] == ["[b]徐州[/b]恒达机械有限公司"] == [h.text for h in by_phone]
        assert "[b]徐州[/b]" in hits[0].prompt.plain  # literal, not bold
        hits[0].command()
        await settle(pilot)
        assert type(app.screen).__name__ == "EnterpriseScreen"
    liaison = XzApp(store.path, "rsj", store.clock)
    async with liaison.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        provider = EnterpriseCommands(liaison.screen)
        await provider.startup()
        assert [h async for h in provider.search("恒达机械")] == []
        await provider.shutdown()
