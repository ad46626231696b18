"""The console's lists draw one-line text cells directly (issue 11: three
quarters of the first frame went through Rich's general layout) — and must
draw exactly what DataTable draws: every segment, its text and its style,
for Chinese and Latin text, cut with an ellipsis or folded, with spans, at
any column width, under the cursor or not, in fixed rows and columns."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.style import Style
from rich.text import Span, Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from xzconsole.widgets.jump_table import JumpTable

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
