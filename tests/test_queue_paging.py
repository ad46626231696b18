"""A page change in the queue swaps the rows and what follows from them —
and repaints nothing more (issue 11: page change ≤ 1.2× a bare DataTable
swap).  Plus the preview bar, which no longer lays the screen out again
for each new text, still showing each ticket's badge beside its text."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len

from xzconsole.app import XzApp
from xzconsole.screens.queue import PAGE_SIZE, QueueScreen
from xzconsole.widgets.queue_bars import QueuePreviewBar
from pilot_support import screen_text, settle
from test_app_queue import intake, numbers, status_line


def queue(app: Any) -> QueueScreen:
    screen = app.screen
    assert isinstance(screen, QueueScreen), screen
    return screen


async def test_a_page_change_lays_out_and_repaints_nothing_but_what_changed(store, staff):
    for i in range(PAGE_SIZE * 2 + 5):
        intake(store, staff, i)  # 待受理, no deadline yet: no badge on any row
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        q = queue(app)
        first = numbers(app)
        layouts, full = [], []
        refresh_layout = q._refresh_layout
        full_update = q._compositor.render_full_update

        def counted_layout(*args: Any, **kw: Any) -> None:
            layouts.append(1)
            refresh_layout(*args, **kw)

        def counted_full(*args: Any, **kw: Any) -> Any:
            full.append(1)
            return full_update(*args, **kw)

        q._refresh_layout = counted_layout  # type: ignore[method-assign]  # counting, then Textual's own
        q._compositor.render_full_update = counted_full  # type: ignore[method-assign]  # counting, then Textual's own
        q.action_next_page()
        assert q.loading  # read in a worker: "a page is being read" while it is
        await settle(pilot)
        assert not q.loading
        second = numbers(app)
        assert len(second) == PAGE_SIZE and not set(first) & set(second)
        assert "第 2 页" in status_line(app) and "第 51–100 件" in status_line(app)
        assert q.query_one(QueuePreviewBar).preview_text.endswith(q.table.tickets[0].title or "")
        # the rows, the preview and the status line were repainted; the
        # screen was neither laid out again nor repainted as a whole
        assert layouts == [] and full == []


async def test_preview_bar_shows_each_tickets_badge_beside_its_text(store, staff, clock):
    clock.set("2026-11-09T10:00:00+08:00")
    red = intake(store, staff, 1, appeal_type="complaint", title="红色那件")
    store.tickets.dispatch(staff["clerk"], red, "市人社局")  # due 11-16: 8 working days late on the 26th
    clock.set("2026-11-25T10:00:00+08:00")
    today = intake(store, staff, 2, appeal_type="policy_consultation", title="今日那件")
    store.tickets.dispatch(staff["clerk"], today, "市人社局")  # 1 working day: due 11-26
    clock.set("2026-11-26T09:00:00+08:00")
    plain = intake(store, staff, 3, title="正常那件")
    store.tickets.dispatch(staff["clerk"], plain, "市人社局")
    clock.set("2026-11-26T09:30:00+08:00")
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        q = queue(app)
        q.select_tab("tab-dispatched")
        await settle(pilot)
        assert [t.id for t in q.table.tickets] == [plain, today, red]  # newest first
        bar = q.query_one(QueuePreviewBar)
        severity = {"": None, "● 今日到期": "-today", "■ 红色预警": "-red"}
        # none → 今日到期 → 红色预警 → none again, and back up
        for row, shown, title in [(0, "", "正常那件"), (1, "● 今日到期", "今日那件"), (2, "■ 红色预警", "红色那件"),
                                  (1, "● 今日到期", "今日那件"), (0, "", "正常那件"), (2, "■ 红色预警", "红色那件")]:
            q.table.move_cursor(row=row, animate=False)
            await settle(pilot)
            assert bar.badge_text == shown and bar.severity == severity[shown]
            assert bar.preview_x == 1 + cell_len(shown) + 1  # the text starts where the badge ends (and its padding)
            line = screen_text(app).splitlines()[bar.region.y]
            kind = q.table.tickets[row].appeal_type.label
            assert line.startswith(f" {shown} {kind}｜{title}"), line
            assert line.strip().startswith(shown) and line.strip().endswith(f"｜{title}")
