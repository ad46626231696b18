"""What is typed right after / — in the same burst of keys, as a terminal
over SSH delivers a fast typist's keys — goes into the search line: nothing
is lost, and n/p in it are letters, not page keys."""

from __future__ import annotations

from textual import events

from xzconsole.app import XzApp
from xzconsole.models import TicketIntake


async def test_keys_typed_in_one_burst_after_the_slash_are_searched_for(store, staff, clock):
    for name in ("徐州恒达机械有限公司", "徐州云龙机械有限公司"):
        store.tickets.accept(staff["clerk"], TicketIntake(appeal_type="投诉", enterprise_name=name, content="社保np未到账"))
    app = XzApp(str(store.path), "clerk", clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        queue = app.screen
        for key, character in (("slash", "/"), ("社", "社"), ("保", "保"), ("n", "n"), ("p", "p")):
            app.post_message(events.Key(key, character))  # all queued before any is handled
        await pilot.pause()
        box = queue.search_box()
        assert box is not None and box.has_focus
        assert box.value == "社保np"
        assert queue.page_number == 1
