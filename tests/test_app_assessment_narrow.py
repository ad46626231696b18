"""The assessment screen (F6) at 80×24 (issue 16 item 5): 27 columns never
fit, so the columns out of sight are named under the table, ← / → reach each
of them (联系上满意率 was out of sight with no way shown to it), the table
scrolls by whole columns (no stray digits of a half-hidden one beside the rank)
and the status line keeps its end."""

from __future__ import annotations

from xzconsole.app import XzApp
from pilot_support import screen_text
from test_app_assessment import _open, october  # noqa: F401  (october: a fixture used by name)


def header_line(app) -> str:
    return screen_text(app).splitlines()[2]


async def test_every_column_is_reachable_at_80_columns_and_the_way_is_shown(store, staff, october):  # noqa: F811
    app = XzApp(store.path, "sup", store.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, "2026-10")
        await pilot.pause()
        want = "联系上满意率"
        value = screen.displayed()["市人社局"][want]
        assert want not in header_line(app)  # out of sight at first ...
        hint = str(screen.query_one("#assess-columns").render())
        assert hint.startswith("←→ 左右翻看") and "右侧还有" in hint and want in hint  # ... and said so
        target = [c.header for c in screen.columns].index(want)
        table = screen.table
        while table.cursor_column < target:
            await pilot.press("right")
            await pilot.pause()
            # whole columns only: the first scrolled column starts right after 排名
            widths = [c.get_render_width(table) for c in table.ordered_columns[table.fixed_columns:]]
            edges = {sum(widths[:i]) for i in range(len(widths) + 1)}
            assert int(table.scroll_x) in edges or int(table.scroll_x) == int(table.max_scroll_x)
            left, _ = screen.columns_out_of_sight()
            shown = header_line(app)
            assert all(h not in shown.split() for h in left)
        assert want in header_line(app)
        rsj_line = next(line for line in screen_text(app).splitlines() if line.lstrip().startswith("市人社局"))
        assert value in rsj_line
        assert "左侧还有" in str(screen.query_one("#assess-columns").render())
        # the status keeps its end: weights and how to drill down, on a second line
        status = str(screen.query_one("#assess-status").render())
        assert "Enter 查看数字背后的工单" in screen_text(app) and "权重" in screen_text(app)
        assert len(status.splitlines()) == 2
        # back to the start with ←: nothing left of the view
        for _ in range(target):
            await pilot.press("left")
        await pilot.pause()
        assert screen.columns_out_of_sight()[0] == [] and "综合得分" in header_line(app)


async def test_at_160_columns_the_status_is_one_line_and_the_hint_names_what_is_right(store, staff, october):  # noqa: F811
    app = XzApp(store.path, "sup", store.clock)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await _open(pilot, "2026-10")
        await pilot.pause()
        status = str(screen.query_one("#assess-status").render())
        assert len(status.splitlines()) == 1 and "用时" in status and status.endswith("Enter 查看数字背后的工单")
        left, right = screen.columns_out_of_sight()
        assert left == [] and right and "联系上满意率" in header_line(app) + " ".join(right)


async def test_drilling_from_the_rank_says_it_lists_the_dispatched_tickets(store, staff, october):  # noqa: F811
    """→ from the unit lands on 排名; Enter listed the dispatched tickets
    under the title "… · 排名", which is no set of tickets."""
    import time

    from xzconsole.screens.assessment import DrillScreen

    app = XzApp(store.path, "sup", store.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, "2026-10")
        table = screen.table
        row = table.get_row_index(str(store.department("市人社局").id))
        table.cursor_coordinate = table.cursor_coordinate._replace(row=row, column=1)
        await pilot.press("enter")
        start = time.monotonic()
        while not isinstance(app.screen, DrillScreen):
            assert time.monotonic() - start < 5
            await pilot.pause(0.05)
        await pilot.pause()
        assert app.screen.title_text.startswith("市人社局 · 派发量（2026-10-01 至 2026-10-31）")
        assert sorted(t.id for t in app.screen.tickets) == sorted(october["市人社局"])
