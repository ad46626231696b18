"""What the Pilot and snapshot tests share: waiting for the app to settle,
the two terminal sizes every screen is checked at, and opening a screen
before a snapshot is taken."""

from __future__ import annotations

import io
from typing import Any, Callable

import pytest
from rich.console import Console

#: the two terminals every snapshot is taken in: a plain SSH session and a large one
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def settle(pilot: Any) -> None:
    """Let timers, workers and the messages they post run to the end."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def open_screen(screen_factory: Callable[[], Any]) -> Callable[[Any], Any]:
    """A snapshot's ``run_before``: push the screen once the console has started."""
    async def before(pilot: Any) -> None:
        await settle(pilot)
        pilot.app.push_screen(screen_factory())
        await settle(pilot)

    return before


def screen_text(app: Any) -> str:
    """The current screen as the terminal shows it (plain text)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, color_system="truecolor",
                      record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()
