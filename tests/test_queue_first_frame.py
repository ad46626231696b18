"""The console's first screen: the bottom of the stack, styled as a full restyle would style it (issue 11)."""

from __future__ import annotations

import pytest
from textual import events
from textual.css.stylesheet import Stylesheet

from xzconsole.app import XzApp
from xzconsole.models.validated import TicketIntake
from xzconsole.screens.base import StyledAtMount
from xzconsole.screens.queue import QueueScreen
from xzconsole.screens.warnings import WarningsScreen


@pytest.fixture
def long_queue(store, staff, clock):
    """More tickets than a 120×40 screen has rows: the queue's table needs its scrollbar."""
    for i in range(60):
        store.tickets.accept(staff["clerk"], TicketIntake(appeal_type="consultation",
                                                          enterprise_name=f"徐州首屏{i}有限公司", content="路灯坏了"))
    return store


def _styles(screen) -> dict[str, tuple[str, ...]]:
    """Every node's computed CSS and its component classes' rich styles."""
    out = {}
    for n, node in enumerate(screen.walk_children(with_self=True)):
        components = tuple(str(node.get_component_rich_style(name, partial=True))
                           for name in sorted(node._get_component_classes()))
        out[f"{n}:{type(node).__name__}#{node.id}"] = (node.styles.css, str(node.rich_style), *components)
    return out


@pytest.mark.parametrize("wall", [False, True])
async def test_the_first_screen_is_styled_as_a_full_restyle_styles_it(long_queue, clock, wall):
    # the first screen's first resume skips Textual's restyle of every node (they
    # were styled as they mounted): what shows must be what a restyle gives
    app = XzApp(str(long_queue.path), "sup", clock, wall=wall)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WarningsScreen if wall else QueueScreen)
        assert app.screen_stack == [screen]
        before = _styles(screen)
        app.stylesheet.update(screen)
        await pilot.pause()
        assert _styles(screen) == before


@pytest.mark.parametrize("key", ["f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", "enter"])
async def test_a_place_or_a_ticket_is_styled_at_its_first_visit_as_a_full_restyle_styles_it(long_queue, clock, key):
    # pushed screens skip their first resume's restyle too: places.tcss is read
    # before such a screen is registered, so the screen itself has its rules
    app = XzApp(str(long_queue.path), "sup", clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert screen is not app.screen_stack[0] and isinstance(screen, StyledAtMount)
        before = _styles(screen)
        app.stylesheet.update(screen)
        await pilot.pause()
        assert _styles(screen) == before


async def test_only_a_later_resume_restyles_the_whole_screen(long_queue, clock, monkeypatch):
    restyled: list[list[str]] = []
    update_nodes = Stylesheet.update_nodes

    def recorded(self, nodes, animate=False):
        nodes = list(nodes)
        restyled.append([type(n).__name__ for n in nodes])
        return update_nodes(self, nodes, animate)

    monkeypatch.setattr(Stylesheet, "update_nodes", recorded)
    app = XzApp(str(long_queue.path), "clerk", clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        # at start only what changed since mount is restyled (the table, given the focus)
        assert restyled and not any("QueueScreen" in names for names in restyled)
        restyled.clear()
        # a later resume restyles the whole screen, as Textual does
        app.screen.post_message(events.ScreenResume())
        await pilot.pause()
        assert any("QueueScreen" in names and "TicketTable" in names for names in restyled)
