"""The console's lists draw one-line text cells directly (issue 11: three
quarters of the first frame went through Rich's general layout), and their
one-line rows with the row's styles worked out once — and must draw exactly
what DataTable draws: every segment, its text, its style and its meta (a
click selects the cell its meta names), for Chinese and Latin text, cut with
an ellipsis or folded, with spans, at any column width, under the cursor or
the mouse or not, with zebra stripes, in fixed rows and columns."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.style import Style
from rich.text import Span, Text
from textual.app import App, ComposeResult
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable

from xzconsole.app import XzApp
from xzconsole.models import AppealType, TicketIntake, uscc_check_char
from xzconsole.store import Store
from xzconsole.widgets.jump_table import JumpTable
from xzconsole.widgets.ticket_table import TicketTable

_CHARS = st.sampled_from(list("徐州市人社局路灯坏了，。“”abcXYZ 019-_[]/\\…éｱ😀\u0301"))
_STYLES = st.sampled_from(["", "bold", "red", "on blue", "italic underline", "#ff8800 on #002200", "reverse"])


@st.composite
def cells(draw: st.DrawFn) -> Text:
    plain = draw(st.text(_CHARS, max_size=30))
    text = Text(plain, style=draw(_STYLES), justify=draw(st.sampled_from([None, "left", "right", "center", "full"])),
                overflow=draw(st.sampled_from([None, "fold", "crop", "ellipsis", "ignore"])),
                no_wrap=draw(st.sampled_from([None, True, False])), end=draw(st.sampled_from(["\n", ""])))
    for _ in range(draw(st.integers(0, 3))):
        a = draw(st.integers(0, len(plain)))
        b = draw(st.integers(a, len(plain)))
        text.spans.append(Span(a, b, draw(_STYLES)))
    return text


class _Lists(App[None]):
    def compose(self) -> ComposeResult:
        yield JumpTable(id="t")


def _draw_both(widths: list[int], rows: list[list[Text]], heights: list[int], fixed: tuple[int, int],
               padding: int) -> None:
    async def run() -> None:
        app = _Lists()
        async with app.run_test(size=(120, 30)) as pilot:
            table = app.query_one(JumpTable)
            table.cell_padding = padding
            table.fixed_rows, table.fixed_columns = fixed
            for i, w in enumerate(widths):
                table.add_column(Text(f"列{i}"), width=w, key=str(i))
            for r, (cells_, h) in enumerate(zip(rows, heights)):
                table.add_row(*cells_, key=str(r), height=h)
            await pilot.pause()
            base = Style(bgcolor="grey15") + Style(color="white")
            for row in range(-1, len(rows)):
                for col in range(len(widths)):
                    width = widths[col] + 2 * padding
                    for cursor, hover in ((False, False), (True, False), (False, True), (True, True)):
                        table._cell_render_cache.clear()
                        fast = table._render_cell(row, col, base, width, cursor, hover)
                        table._cell_render_cache.clear()
                        slow = DataTable._render_cell(table, row, col, base, width, cursor, hover)
                        assert fast == slow, (row, col, cursor, hover, rows[row][col] if row >= 0 else "header")

    asyncio.run(run())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_a_cell_is_drawn_exactly_as_datatable_draws_it(data: st.DataObject) -> None:
    ncols = data.draw(st.integers(1, 4))
    widths = data.draw(st.lists(st.integers(1, 14), min_size=ncols, max_size=ncols))
    nrows = data.draw(st.integers(1, 4))
    rows = data.draw(st.lists(st.lists(cells(), min_size=ncols, max_size=ncols), min_size=nrows, max_size=nrows))
    heights = data.draw(st.lists(st.sampled_from([1, 1, 1, 2]), min_size=nrows, max_size=nrows))
    fixed = (data.draw(st.integers(0, 1)), data.draw(st.integers(0, 1)))
    _draw_both(widths, rows, heights, fixed, data.draw(st.sampled_from([1, 1, 0, 2])))


def test_queue_cells_chinese_cut_with_an_ellipsis_match() -> None:
    name = Text("徐州市铜山区某某新材料科技有限公司", no_wrap=True, overflow="ellipsis")
    due = Text("12-07")
    due.append("暂", style="italic")
    words = Text("路灯 坏了 好久 了 abc def")  # wraps at spaces when allowed to: one line shows its folded start
    _draw_both([9, 5, 1], [[name, due, Text("*", style="bold")], [Text("[b]x[/b]"), Text(""), Text(" ")],
                           [words, Text("abc defg"), Text("中")], [Text("ab cd ef", no_wrap=False), Text("ab 徐州 ef"), Text("x")],
                           # an unwrapped line keeps its trailing space until it is cut; empty cells
                           [Text("0" * 9 + " ", overflow="ellipsis"), Text("", end=""), Text("", style="bold")]],
               [1, 1, 1, 1, 1], (0, 0), 1)


# -- whole lines -----------------------------------------------------------------

def _segments(strips: list[Strip]) -> list[list[tuple[str, Style | None, dict[str, Any] | None, object]]]:
    """Every segment of every line: text, style, the style's meta, control."""
    return [[(seg.text, seg.style, None if seg.style is None else seg.style.meta, seg.control) for seg in strip]
            for strip in strips]


def _frame_both_ways(table: DataTable[Any]) -> tuple[list[Strip], list[Strip]]:
    """The table's visible lines as it draws them, and as DataTable alone
    draws them (its render_lines, its cells and row styles; every cache
    emptied before each)."""
    crop = Region(0, 0, table.size.width, table.size.height)
    table._clear_caches()
    fast = table.render_lines(crop)
    table._clear_caches()
    table._render_cell = functools.partial(DataTable._render_cell, table)  # type: ignore[method-assign]  # DataTable's own, for this comparison
    table._get_row_style = functools.partial(DataTable._get_row_style, table)  # type: ignore[method-assign]  # as above
    try:
        slow = DataTable.render_lines(table, crop)
    finally:
        del table._render_cell, table._get_row_style
        table._clear_caches()
    return fast, slow


def _lines_both_ways(widths: list[int], rows: list[list[Text]], heights: list[int], *, fixed: tuple[int, int],
                     padding: int, cursor_type: str, cursor: tuple[int, int], hover: tuple[int, int] | None,
                     zebra: bool, header: bool, label: bool = False, scroll_x: int = 0) -> None:
    async def run() -> None:
        app = _Lists()
        async with app.run_test(size=(60, 14)) as pilot:
            table = app.query_one(JumpTable)
            table.cell_padding = padding
            table.fixed_rows, table.fixed_columns = fixed
            table.zebra_stripes = zebra
            table.show_header = header
            table.cursor_type = cursor_type  # type: ignore[assignment]
            for i, w in enumerate(widths):
                table.add_column(Text(f"列{i}"), width=w, key=str(i))
            for r, (cells_, h) in enumerate(zip(rows, heights)):
                table.add_row(*cells_, key=str(r), height=h, label=Text(f"{r}号") if label and r == 0 else None)
            table.focus()
            await pilot.pause()
            table.move_cursor(row=min(cursor[0], len(rows) - 1), column=min(cursor[1], len(widths) - 1),
                              animate=False)
            if hover is not None:
                table._show_hover_cursor = True
                table.hover_coordinate = Coordinate(min(hover[0], len(rows) - 1), min(hover[1], len(widths) - 1))
            if scroll_x:
                table.scroll_to(x=scroll_x, animate=False, immediate=True)
            await pilot.pause()
            fast, slow = _frame_both_ways(table)
            assert _segments(fast) == _segments(slow)
            assert [strip.cell_length for strip in fast] == [strip.cell_length for strip in slow]

    asyncio.run(run())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_a_table_is_drawn_line_for_line_as_datatable_draws_it(data: st.DataObject) -> None:
    ncols = data.draw(st.integers(1, 5))
    widths = data.draw(st.lists(st.integers(1, 12), min_size=ncols, max_size=ncols))
    nrows = data.draw(st.integers(1, 6))
    rows = data.draw(st.lists(st.lists(cells(), min_size=ncols, max_size=ncols), min_size=nrows, max_size=nrows))
    heights = data.draw(st.lists(st.sampled_from([1, 1, 1, 1, 2]), min_size=nrows, max_size=nrows))
    _lines_both_ways(
        widths, rows, heights,
        fixed=(data.draw(st.integers(0, 1)), data.draw(st.integers(0, 1))),
        padding=data.draw(st.sampled_from([1, 1, 0, 2])),
        cursor_type=data.draw(st.sampled_from(["row", "cell", "column", "none"])),
        cursor=(data.draw(st.integers(0, 5)), data.draw(st.integers(0, 4))),
        hover=data.draw(st.none() | st.tuples(st.integers(-1, 5), st.integers(0, 4))),
        zebra=data.draw(st.booleans()), header=data.draw(st.booleans()), label=data.draw(st.booleans()))


_NAME = Text("徐州市铜山区某某新材料科技有限公司", no_wrap=True, overflow="ellipsis")
_PAGE = [[Text("*", style="bold"), Text("● 红色", style="bold red"), Text("XZ2026112600001"), _NAME, Text("已签收")],
         [Text(" "), Text(""), Text("XZ2026112600002"), Text("徐州乐越网络科技有限公司", no_wrap=True, overflow="ellipsis"),
          Text("待派发", style="on #333333")],
         [Text(" "), Text("◐ 今日", style="italic #ff8800"), Text("[b]x[/b]"), Text("路灯 坏了 好久 了"), Text("")]]


def test_a_page_of_tickets_matches_under_a_row_cursor_zebra_and_hover() -> None:
    _lines_both_ways([1, 8, 15, 9, 6], _PAGE, [1, 1, 1], fixed=(0, 0), padding=1, cursor_type="row",
                     cursor=(1, 0), hover=(2, 3), zebra=True, header=True)


def test_cell_cursor_fixed_rows_and_columns_and_a_scrolled_table_match() -> None:
    wide = [[Text(f"单元{r}{c}" * 2) for c in range(6)] for r in range(4)]
    _lines_both_ways([14] * 6, wide, [1, 1, 1, 1], fixed=(1, 1), padding=1, cursor_type="cell",
                     cursor=(2, 3), hover=(0, 1), zebra=True, header=True, scroll_x=7)
    _lines_both_ways([14] * 6, wide, [1, 2, 1, 1], fixed=(0, 2), padding=0, cursor_type="column",
                     cursor=(0, 4), hover=(-1, 2), zebra=False, header=True, scroll_x=20)


def test_the_queue_draws_its_page_as_datatable_would(store: Store, staff: dict[str, Any]) -> None:
    """The real queue: the app's stylesheet, the severity and mark styles, the
    row cursor — the same segments as DataTable's, before and after a cursor move."""
    for i in range(12):
        first17 = f"91320302MA{i:06d}X"[:17]
        store.tickets.accept(staff["clerk"], TicketIntake(
            appeal_type=AppealType.CONSULTATION, enterprise_name=f"徐州第{i:03d}号重工机械制造有限责任公司" * (1 + i % 2),
            uscc=first17 + uscc_check_char(first17), contact_name="李经理", contact_phone=f"139{i:08d}",
            district="云龙区", title=f"诉求{i}", content=f"第{i}号诉求：厂区道路破损需要修复。"))

    async def run() -> None:
        app = XzApp(store.path, "clerk", store.clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            table = app.screen.query_one(TicketTable)
            assert table.row_count == 12
            for _ in range(2):
                fast, slow = _frame_both_ways(table)
                assert _segments(fast) == _segments(slow)
                # the mouse meta DataTable's clicks read: row and column of every cell
                assert {"row": 0, "column": 3} in [seg[2] for seg in _segments(fast)[1]]
                await pilot.press("down", "down")

    asyncio.run(run())
