"""JumpTable: a DataTable whose Home/End and g/G move the cursor to the first
and last row (Textual's Home/End only scroll), as k9s and lazygit users expect,
and which draws its one-line text cells without Rich's general layout path.

Drawing a cell, DataTable wraps it in ``Styled(Padding(cell))`` and lets the
console lay that out: two layers of generators, two passes splitting the
segments into lines, option copies and style look-ups, for a cell that is
one line of text.  A screen of the queue is some 300 such cells, and that
layout was three quarters of the console's first frame (issue 11).
:meth:`JumpTable._render_cell` produces the same segments directly for a
``rich.text.Text`` cell in a one-line row — the same text rendering, the
same cropping and padding, the same styles in the same order — and leaves
everything else (a row label, a renderable that is not Text, a text holding
a line break or a tab, a taller row) to DataTable.  ``tests/test_jump_table.py``
checks the two agree segment for segment.
"""

from __future__ import annotations

from itertools import islice

from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._types import SegmentLines
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets._data_table import CellCacheKey


def _plain_line(cell: Text, inner: int, blank: Style, console: Console) -> list[Segment] | None:
    """A Text of one style and no spans as one line of ``inner`` cells, as
    Rich lays it out unwrapped (``Text.wrap`` with ``no_wrap``: cut — with "…"
    for ``overflow="ellipsis"`` — then padded), or
    None when it needs Rich's general path (justified, wrapped, overflow
    "ignore", or the console's options say otherwise)."""
    if (cell.justify not in (None, "default") or cell.no_wrap is False
            or cell.overflow not in (None, "fold", "crop", "ellipsis")):
        return None
    plain = cell.plain
    width = cell_len(plain)
    if width > inner:
        plain = set_cell_size(plain, inner - 1) + "…" if cell.overflow == "ellipsis" else set_cell_size(plain, inner)
        width = inner
    line = []
    if not cell.style:
        line.append(Segment(plain))  # Rich keeps an empty one too
    elif plain:
        line.append(Segment(plain, console.get_style(cell.style, default=Style.null())))
    if width < inner:
        line.append(Segment(" " * (inner - width), blank))
    return line


class JumpTable(DataTable[Text]):
    """The console's lists: Home/g the first row, End/G the last."""

    BINDINGS = [
        Binding("home,g", "first_row", "第一行", id="table.first", show=False),
        Binding("end,G", "last_row", "最后一行", id="table.last", show=False),
    ]

    def action_first_row(self) -> None:
        """Home / g: the first row."""
        if self.row_count:
            self.move_cursor(row=0, animate=False)

    def action_last_row(self) -> None:
        """End / G: the last row."""
        if self.row_count:
            self.move_cursor(row=self.row_count - 1, animate=False)

    # -- drawing ---------------------------------------------------------------
    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        """A one-line Text cell drawn directly (see the module's docstring);
        anything else as DataTable draws it."""
        if column_index < 0:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        is_header = row_index == -1
        row_key = self._header_row_key if is_header else self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        if row_key is None or column_key is None:  # not a cell of this table: DataTable says what it says
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        cache_key: CellCacheKey = (row_key, column_key, base_style, cursor, hover, self._show_hover_cursor,
                                   self._update_count, self._pseudo_class_state)
        cached = self._cell_render_cache.get(cache_key)
        if cached is not None:
            return cached
        if is_header:
            row_height = self.header_height
        else:
            row = self.rows.get(row_key)
            row_height = 0 if row is None or (row.auto_height and row.height == 0) else row.height
        row_label, cells = self._get_row_renderables(row_index)
        cell = cells[column_index] if column_index < len(cells) else None
        padding = self.cell_padding
        inner = width - 2 * padding
        if (row_height != 1 or inner < 1 or type(cell) is not Text
                or "\n" in cell.plain or "\t" in cell.plain):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        is_fixed = not is_header and (row_index < self.fixed_rows or column_index < self.fixed_columns)
        component_style, post_style = self._get_styles_to_render_cell(
            is_header, False, is_fixed, hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css")
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style

        console = self.app.console
        blank = console.get_style("none")  # what Padding pads with
        text_line = _plain_line(cell, inner, blank, console) if not cell.spans else None
        if text_line is None:
            options = self.app.console_options.update(width=inner, height=1, no_wrap=True)
            text_lines = list(islice(Segment.split_and_crop_lines(
                cell.__rich_console__(console, options), inner, pad=True, style=blank, include_new_lines=False), 1))
            text_line = text_lines[0] if text_lines else [Segment(" " * inner, blank)]
        side = Segment(" " * padding, blank)
        padded = [side, *text_line, side] if padding else text_line
        line = [Segment(text, (style + post_style if style else post_style) if post_style else style)
                for text, style in ((text, pre_style + style) for text, style, _ in padded)]
        lines = [Segment.adjust_line_length(line, width, pad=True)]
        self._cell_render_cache[cache_key] = lines
        return lines
