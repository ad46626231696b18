"""The queue follows a change of terminal size, and only a change (issue 11)."""

from __future__ import annotations

from textual import events
from textual.geometry import Size

from xzconsole.app import XzApp
from xzconsole.screens.queue import QueueScreen
from xzconsole.widgets.ticket_table import TicketTable


async def test_a_resize_to_the_same_size_lays_nothing_out_and_a_real_one_does(store, staff, clock, monkeypatch):
    app = XzApp(str(store.path), "clerk", clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        layouts: list[Size | None] = []
        relayout = queue._refresh_layout

        def counted(size: Size | None = None, scroll: bool = False) -> None:
            layouts.append(size)
            relayout(size, scroll)

        monkeypatch.setattr(queue, "_refresh_layout", counted)
        queue.post_message(events.Resize(Size(120, 40), Size(120, 40)))
        await pilot.pause()
        assert layouts == []

        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert Size(80, 24) in layouts
        table = queue.query_one(TicketTable)
        assert table.layout_width == 80 and table.size.width == 80
