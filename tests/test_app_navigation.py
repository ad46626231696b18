"""Every place of the console is one function key away, and F2 comes back to the queue."""

from __future__ import annotations

import pytest

from xzconsole.app import XzApp
from xzconsole.screens.queue import QueueScreen


async def _settle(pilot) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()


@pytest.mark.parametrize("key, screen", [
    ("f3", "WarningsScreen"), ("f4", "PolicyLibraryScreen"), ("f5", "KnowledgeScreen"),
    ("f6", "AssessmentScreen"), ("f7", "CalendarScreen"), ("f8", "CollectionScreen"),
])
async def test_function_keys_open_each_place_and_f2_returns_to_the_queue(store, staff, key, screen):
    app = XzApp(store.path, "sup", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        await pilot.press(key)
        await _settle(pilot)
        assert type(app.screen).__name__ == screen
        await pilot.press(key)  # the same key again does not stack a second copy
        await _settle(pilot)
        assert [type(s).__name__ for s in app.screen_stack] == ["QueueScreen", screen]
        await pilot.press("f2")
        await _settle(pilot)
        assert [type(s).__name__ for s in app.screen_stack] == ["QueueScreen"]


@pytest.mark.parametrize("key, screen", [
    ("f3", "WarningsScreen"), ("f4", "PolicyLibraryScreen"), ("f6", "AssessmentScreen"),
    ("f7", "CalendarScreen"), ("f9", "DirectoryScreen"),
])
async def test_esc_from_a_place_is_the_queue_and_esc_on_the_queue_stays_there(store, staff, key, screen):
    # the queue is the bottom of the screen stack (Textual's default screen):
    # Esc from any place comes back to it, and Esc on it has nowhere to go
    app = XzApp(store.path, "sup", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        assert [type(s).__name__ for s in app.screen_stack] == ["QueueScreen"]
        await pilot.press(key)
        await _settle(pilot)
        assert type(app.screen).__name__ == screen
        await pilot.press("escape")
        await _settle(pilot)
        assert [type(s).__name__ for s in app.screen_stack] == ["QueueScreen"]
        await pilot.press("escape")
        await _settle(pilot)
        assert [type(s).__name__ for s in app.screen_stack] == ["QueueScreen"]
        assert app.is_running


async def test_help_lists_the_places(store, staff):
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        await pilot.press("f1")
        await _settle(pilot)
        text = "\n".join(app.screen.lines)  # type: ignore[attr-defined]
        for label in ("预警面板", "政策库", "知识库", "三率考核", "工作日历", "政策采集"):
            assert label in text
