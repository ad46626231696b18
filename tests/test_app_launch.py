"""The console's launch to its first queue page (issue 11 item 5).

The first page is read while the queue mounts, so the console's first frame
already shows its rows: no worker reads it, the table is sized for it at
once, and the header's calendar mark is there from the start.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

from pilot_support import settle
from xzconsole.app import XzApp
from xzconsole.models import TicketIntake
from xzconsole.screens.queue import QueueScreen
from xzconsole.widgets.header import ConsoleHeader
from xzconsole.widgets.ticket_table import TicketTable


def take_in(store: Any, staff: dict[str, Any], n: int) -> list[str]:
    return [store.tickets.accept(staff["clerk"], TicketIntake(
        appeal_type="投诉", enterprise_name=f"徐州第{i:02d}机械有限公司", content=f"第{i}号诉求：厂区道路破损")).number
        for i in range(n)]


async def test_the_queue_opens_on_its_first_page_without_a_worker(store, staff, clock, monkeypatch):
    numbers = take_in(store, staff, 3)
    app = XzApp(str(store.path), "clerk", clock)
    fetched: list[Any] = []
    fetch = QueueScreen._fetch_page

    def spy(self: QueueScreen, *args: Any, **kwargs: Any) -> Any:
        fetched.append(args)
        return fetch(self, *args, **kwargs)

    monkeypatch.setattr(QueueScreen, "_fetch_page", spy)
    async with app.run_test(size=(120, 40)) as pilot:
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        table = queue.query_one("#queue-table", TicketTable)
        # on the first frame: the rows, the table focused, the header's calendar mark
        assert sorted(t.number for t in table.tickets) == sorted(numbers)
        assert app.focused is table
        assert queue.query_one(ConsoleHeader).calendar_text != ""
        await settle(pilot)
        assert "共 3 件" in str(queue.query_one("#queue-status", Static).render())  # the counts still come from a worker
        assert fetched == []  # no page worker: the first page was read while the queue mounted
        queue.action_next_page()  # (later pages still are, and the spy sees them)
        queue.reload()
        await settle(pilot)
        assert len(fetched) == 1


async def test_a_page_sizes_the_table_at_once(store, staff, clock):
    """The table's height is right as soon as a page is shown, not when the
    table next idles (the first layout would be done twice)."""
    take_in(store, staff, 3)
    app = XzApp(str(store.path), "clerk", clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        table = queue.table
        tickets = list(table.tickets)
        table.show(tickets[:2], {}, clock.today())
        assert table.virtual_size.height == 2 + 1  # two rows and the header, before any idle
        assert table.virtual_size.width == sum(c.get_render_width(table) for c in table.columns.values())


async def test_the_places_rules_come_with_the_first_other_screen(store, staff, clock):
    """The queue is styled by app.tcss alone; places.tcss (every other
    screen's rules) is read as the first other screen is pushed, and styles it."""
    from xzconsole.app import PLACES_CSS_PATH

    app = XzApp(str(store.path), "clerk", clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert not app.stylesheet.has_source(PLACES_CSS_PATH, "")
        await pilot.press("f3")
        await settle(pilot)
        assert type(app.screen).__name__ == "WarningsScreen"
        assert app.stylesheet.has_source(PLACES_CSS_PATH, "")
        levels = app.screen.query_one("#panel-levels")
        assert levels.styles.height is not None and levels.styles.height.value == 3  # WarningsScreen #panel-levels


async def test_a_pushed_screen_is_styled_with_the_places_rules_from_its_registration(store, staff, clock,
                                                                                    monkeypatch):
    """places.tcss is read before Textual registers — and styles — the first
    other screen, so the screen node itself has its rules before its first
    resume (which no longer restyles the whole screen, StyledAtMount)."""
    from textual.css.stylesheet import Stylesheet

    from xzconsole.app import PLACES_CSS_PATH

    first_styled: dict[str, bool] = {}
    apply = Stylesheet.apply

    def recorded(self: Stylesheet, node, *args, **kwargs):
        name = type(node).__name__
        if name.endswith("Screen") and name != "QueueScreen":
            first_styled.setdefault(name, self.has_source(PLACES_CSS_PATH, ""))
        return apply(self, node, *args, **kwargs)

    monkeypatch.setattr(Stylesheet, "apply", recorded)
    app = XzApp(str(store.path), "clerk", clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        assert type(app.screen).__name__ == "PolicyLibraryScreen"
    assert first_styled["PolicyLibraryScreen"] is True


async def test_the_wall_is_styled_from_its_first_screen(store, staff, clock):
    from xzconsole.app import PLACES_CSS_PATH, WallApp

    app = WallApp(str(store.path), "clerk", clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert type(app.screen).__name__ == "WarningsScreen"
        assert app.stylesheet.has_source(PLACES_CSS_PATH, "")
        assert app.screen.query_one("#panel-levels").styles.height.value == 5  # WarningsScreen.-wall #panel-levels
