"""Snapshot of the assessment screen (F6) at 80×24 scrolled sideways to
联系上满意率 (issue 16 item 5): the unit and rank stay, the scrolled columns
start whole, the line under the table names the columns left and right of
the screen, the status keeps its end on a second line.  Update with
``pytest --snapshot-update tests/test_snapshots_assessment.py`` and look at
the SVG before committing it."""

from __future__ import annotations

from typing import Any

from xzconsole.app import XzApp
from xzconsole.screens.assessment import AssessmentScreen
from pilot_support import settle
from test_app_assessment import october  # noqa: F401  (a fixture used by name)


async def scrolled_to_reached_satisfaction(pilot: Any) -> None:
    await settle(pilot)
    screen = AssessmentScreen("2026-10")
    pilot.app.push_screen(screen)
    await settle(pilot)
    while screen.assessment is None:
        await pilot.pause(0.05)
    await settle(pilot)
    target = [c.header for c in screen.columns].index("联系上满意率")
    for _ in range(target - screen.table.cursor_column):
        await pilot.press("right")
    await settle(pilot)


def test_assessment_at_80x24_scrolled(snap_compare, store, staff, october):  # noqa: F811
    app = XzApp(store.path, "sup", store.clock)
    assert snap_compare(app, terminal_size=(80, 24), run_before=scrolled_to_reached_satisfaction)
