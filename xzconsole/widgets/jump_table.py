"""JumpTable: a DataTable whose Home/End and g/G move the cursor to the first
and last row (Textual's Home/End only scroll), as k9s and lazygit users expect,
and which draws its one-line rows of text cells without Rich's general layout
path and without working the row's styles out again for every cell.

Drawing a cell, DataTable wraps it in ``Styled(Padding(cell))`` and lets the
console lay that out: two layers of generators, two passes splitting the
segments into lines, option copies and style look-ups, for a cell that is
one line of text.  A screen of the queue is some 300 such cells, and that
layout was three quarters of the console's first frame (issue 11).
:func:`_text_line` produces the same segments directly for a
``rich.text.Text`` cell in a one-line row — the same text rendering, the
same cropping and padding — and :class:`_CellStyles` gives them the same
styles (see there); everything else (a row label, a renderable that is not
Text, a text holding a line break or a tab, a taller row) is left to DataTable.

Around the cells, DataTable reads its component styles (each a walk up the
DOM), its settings and its columns again for every line, sums four styles
per segment, and makes three Strips a line.  While a frame is drawn
(:meth:`JumpTable.render_lines`), those are read once (:class:`_Layout`,
:meth:`JumpTable._frame_style`), a one-line row's cells are drawn together
(:meth:`JumpTable._row_cells`, kept per state of cursor and hover as
DataTable keeps its cells), and a line is one Strip.  The first frame of the
queue's table: 13 → 6 ms.  ``tests/test_jump_table.py`` checks cells and
whole lines agree with DataTable's segment for segment, meta included.
"""

from __future__ import annotations

from itertools import chain, islice
from typing import NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.console import Console, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._segment_tools import line_crop
from textual._types import SegmentLines
from textual.binding import Binding
from textual.cache import LRUCache
from textual.color import Color
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.strip import Strip, get_line_length
from textual.widgets import DataTable
from textual.widgets._data_table import CellCacheKey, CursorType
from textual.widgets.data_table import ColumnKey, RowKey


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


def _text_line(cell: object, inner: int, console: Console) -> list[Segment] | None:
    """A Text cell of one style, one line long, as :func:`_plain_line` lays
    it out in ``inner`` cells; None for anything else."""
    if (type(cell) is not Text or inner < 1 or cell.spans
            or "\n" in cell.plain or "\t" in cell.plain):
        return None
    return _plain_line(cell, inner, _BLANK, console)


_BLANK = Style.null()  # what Padding pads with (the console's style "none")
#: Rich's ``Style._add`` without its LRU cache: a cell's meta style is new
#: every time, so caching its sums only pushes useful ones out of the cache
_add_uncached = Style._add.__wrapped__


class _CellStyles:
    """The styles of cells drawn on one base style with one component and
    post style (one kind of cell: under the cursor or not, fixed or not).

    DataTable draws a cell as ``Styled(Padding(cell), pre_style=base + meta
    + component, post_style=post)``: each segment's style is ``base + meta
    + component + style (+ post)``.  When no style after the base carries
    meta of its own, that is ``(base + component + style + post) + meta`` —
    the same colours, attributes and link, the same merged meta in the same
    order — so the sum without the meta is kept per segment style (a page
    has a handful), and a segment costs one addition instead of four."""

    __slots__ = ("base", "component", "post", "_sums")

    def __init__(self, base: Style, component: Style, post: Style) -> None:
        self.base, self.component, self.post = base, component, post
        self._sums: dict[Style | None, Style | None] = {}

    def _style(self, style: Style | None, meta: Style) -> Style:
        """The style DataTable gives a segment of ``style`` in the cell of ``meta``."""
        sums = self._sums
        try:
            total = sums[style]
        except KeyError:
            component, post = self.component, self.post
            total = sums[style] = None if component.meta or (style is not None and style.meta) or post.meta else (
                self.base + component + style + post)
        if total is None:  # DataTable's additions, in its order
            pre = self.base + meta + component + style
            return pre + post if post else pre
        combined: Style = _add_uncached(total, meta)
        return combined.copy() if combined.link else combined

    def line(self, text_line: list[Segment], padding: int, meta: Style, join: bool = True) -> list[Segment]:
        """A cell's line (``text_line`` padded with ``padding`` cells either
        side) in its styles; with ``join``, neighbouring segments of the one
        style joined, as the Strip that DataTable makes of a row joins them
        (a cell of its own keeps every segment, as DataTable's does)."""
        if join and text_line and all(style is None or style is _BLANK for _, style, _ in text_line):
            # unstyled text (most cells): one run, padding and all
            side = " " * padding
            return [Segment(side + "".join([text for text, _, _ in text_line]) + side, self._style(_BLANK, meta))]
        if padding:
            side_segment = Segment(" " * padding, _BLANK)
            text_line = [side_segment, *text_line, side_segment]
        line: list[Segment] = []
        run_text = ""
        run_style: Style | None = None
        blank: Style | None = None  # the padding's style, also that of unstyled text (adding None or null is nothing)
        last: object = line  # no segment style seen yet
        style = meta
        for text, segment_style, _ in text_line:
            if segment_style is None or segment_style is _BLANK:
                if blank is None:
                    blank = self._style(_BLANK, meta)
                style = blank
            elif segment_style is not last:
                last = segment_style
                style = self._style(segment_style, meta)
            if style is run_style and join:
                run_text += text
            else:
                if run_style is not None:
                    line.append(Segment(run_text, run_style))
                run_text, run_style = text, style
        if run_style is not None:
            line.append(Segment(run_text, run_style))
        return line


_KEPT: dict[tuple[Style, Style, Style], _CellStyles] = {}


def _cell_styles(base: Style, component: Style, post: Style) -> _CellStyles:
    """The :class:`_CellStyles` of these styles, kept: a table has a few kinds
    of cell, each drawn hundreds of times a frame."""
    key = (base, component, post)
    kept = _KEPT.get(key)
    if kept is None:
        if len(_KEPT) > 64:
            _KEPT.clear()
        kept = _KEPT[key] = _CellStyles(base, component, post)
    return kept


class _Layout(NamedTuple):
    """What every line of a frame reads from the table, read once a frame
    (drawing changes none of it)."""

    width: int  # the widget's
    scroll_x: int
    scroll_y: int
    fixed_rows_height: int  # the header's and the fixed rows' lines
    cursor_type: CursorType
    show_cursor: bool
    cursor_location: Coordinate
    hover_location: Coordinate
    padding: int
    widths: tuple[int, ...]  # each column's with its padding, in order on screen
    fixed_rows: int
    fixed_columns: int  # at most the number of columns
    labels: bool  # row labels shown: DataTable draws the rows
    priorities: tuple[bool, bool]  # the cursor's foreground and background from CSS
    zebra: bool
    header_height: int


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
    #: the styles that hold for one :meth:`render_lines` call (the widget's and
    #: the components'), looked up once instead of once or twice a line; None
    #: outside a call, when everything goes DataTable's way
    _frame_styles: dict[str, Style] | None = None
    _frame_layout: _Layout | None = None

    #: the lines of one-line rows' cells (:meth:`_row_cells`), for every state
    #: of cursor and hover DataTable keys its cell cache by, cleared with it
    _jump_cells: LRUCache[tuple[object, ...], tuple[list[list[Segment]], list[list[Segment]]]] | None = None

    def _clear_caches(self) -> None:
        super()._clear_caches()
        if self._jump_cells is not None:
            self._jump_cells.clear()

    def notify_style_update(self) -> None:
        if self._jump_cells is not None:
            self._jump_cells.clear()
        super().notify_style_update()

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame_styles = {}
        try:
            return super().render_lines(crop)
        finally:
            self._frame_styles = self._frame_layout = None

    def _layout(self) -> _Layout:
        """This frame's :class:`_Layout` (only while a frame is drawn)."""
        layout = self._frame_layout
        if layout is None:
            fixed_rows_height = 0
            for row_index in range(self.fixed_rows):
                row_key = self._row_locations.get_key(row_index)
                assert row_key is not None  # a fixed row is a row (DataTable looks it up the same way)
                fixed_rows_height += self.get_row_height(row_key)
            if self.show_header:
                fixed_rows_height += self.get_row_height(self._header_row_key)
            padding = self.cell_padding
            widths = tuple(2 * padding + (column.content_width if column.auto_width else column.width)
                           for column in self.ordered_columns)
            scroll_x, scroll_y = self.scroll_offset
            layout = self._frame_layout = _Layout(
                self.size.width, scroll_x, scroll_y, fixed_rows_height, self.cursor_type, self.show_cursor,
                self.cursor_coordinate, self.hover_coordinate, padding, widths, self.fixed_rows,
                min(self.fixed_columns, len(widths)), self._labelled_row_exists and self.show_row_labels,
                (self.cursor_foreground_priority == "css", self.cursor_background_priority == "css"),
                self.zebra_stripes, self.header_height)
        return layout

    def _frame_style(self, name: str) -> Style:
        """``get_component_styles(name).rich_style`` (or, for "", the widget's
        ``rich_style``) as DataTable reads it, once per frame."""
        frame = self._frame_styles
        if frame is None:
            return self.rich_style if not name else self.get_component_styles(name).rich_style
        style = frame.get(name)
        if style is None:
            style = frame[name] = self.rich_style if not name else self.get_component_styles(name).rich_style
        return style

    def render_line(self, y: int) -> Strip:
        """DataTable's, with what it reads from the table read once per frame."""
        if self._frame_styles is None:
            return super().render_line(y)
        layout = self._layout()
        if y >= layout.fixed_rows_height:
            y += layout.scroll_y
        return self._render_line(y, layout.scroll_x, layout.scroll_x + layout.width, self._frame_style(""))

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        """DataTable's, building one Strip instead of three: the line's
        segments cropped as DataTable crops them, padded with ``base_style``
        to the widget's width and simplified (``Strip(segments)
        .adjust_cell_length(width, base_style).simplify()``)."""
        if self._frame_styles is None:
            return super()._render_line(y, x1, x2, base_style)
        layout = self._layout()
        width = layout.width
        try:
            row_key, y_offset_in_row = self._get_offsets(y)
        except LookupError:
            return Strip.blank(width, base_style)
        cursor_location, hover_location = layout.cursor_location, layout.hover_location
        cache_key = (y, x1, x2, width, cursor_location, hover_location, base_style, layout.cursor_type,
                     self._show_hover_cursor, self._update_count, self._pseudo_class_state)
        cached = self._line_cache.get(cache_key)
        if cached is not None:
            return cached
        fixed, scrollable = self._render_line_in_row(row_key, y_offset_in_row, base_style, cursor_location,
                                                     hover_location)
        fixed_width = sum(layout.widths[: layout.fixed_columns])
        segments = list(chain.from_iterable(fixed)) if fixed else []
        segments += line_crop(list(chain.from_iterable(scrollable)), x1 + fixed_width, x2, width)
        length = get_line_length(segments)
        if length > width:
            strip = Strip(segments, length).adjust_cell_length(width, base_style).simplify()
        else:
            if length < width:
                segments.append(Segment(" " * (width - length), base_style))
            strip = Strip(Segment.simplify(segments), width)
        self._line_cache[cache_key] = strip
        return strip

    def _get_row_style(self, row_index: int, base_style: Style) -> Style:
        layout = self._layout() if self._frame_styles is not None else None
        if row_index == -1:
            return self._frame_style("datatable--header")
        if row_index < (self.fixed_rows if layout is None else layout.fixed_rows):
            return self._frame_style("datatable--fixed")
        if self.zebra_stripes if layout is None else layout.zebra:
            return self._frame_style("datatable--odd-row" if row_index % 2 else "datatable--even-row")
        return base_style

    def _render_line_in_row(
        self,
        row_key: RowKey,
        line_no: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
    ) -> tuple[SegmentLines, SegmentLines]:
        """A one-line row as DataTable draws it (the same cells, styles and
        meta, the same fill to the widget's width), its one-line text cells
        drawn by :meth:`_row_cells`; a taller row or one with a label goes
        DataTable's way."""
        if line_no or self._frame_styles is None or self._layout().labels:
            return super()._render_line_in_row(row_key, line_no, base_style, cursor_location, hover_location)
        layout = self._layout()
        cursor_type = layout.cursor_type
        show_cursor = layout.show_cursor
        show_hover_cursor = self._show_hover_cursor
        cache_key = (row_key, line_no, base_style, cursor_location, hover_location, cursor_type, show_cursor,
                     show_hover_cursor, self._update_count, self._pseudo_class_state)
        cached = self._row_render_cache.get(cache_key)
        if cached is not None:
            return cached
        found = self._row_locations.get(row_key)
        row_index = -1 if found is None else found
        is_header = row_index == -1
        if is_header:
            height = layout.header_height
        else:
            row = self.rows[row_key]
            height = 0 if row.auto_height and row.height == 0 else row.height
        if height != 1:
            return super()._render_line_in_row(row_key, line_no, base_style, cursor_location, hover_location)

        should_highlight = self._should_highlight
        padding = layout.padding
        widths = layout.widths
        count = len(widths)
        if cursor_type == "row" or cursor_type == "none":  # DataTable's answer is the same for every column
            cursors = (should_highlight(cursor_location, Coordinate(row_index, 0), cursor_type),) * count
            hovers = (should_highlight(hover_location, Coordinate(row_index, 0), cursor_type),) * count
        else:
            cursors = tuple(should_highlight(cursor_location, Coordinate(row_index, column_index), cursor_type)
                            for column_index in range(count))
            hovers = tuple(should_highlight(hover_location, Coordinate(row_index, column_index), cursor_type)
                           for column_index in range(count))
        fixed_columns = layout.fixed_columns
        fixed_style = None
        if fixed_columns:
            if is_header:
                fixed_style = self._frame_style("datatable--header")
            else:
                fixed_style = self._frame_style("datatable--fixed") + Style.from_meta({"fixed": True})
        row_style = self._get_row_style(row_index, base_style)
        priorities = layout.priorities
        cells_key = (row_key, fixed_style, row_style, cursors, hovers, show_cursor, show_hover_cursor, priorities,
                     self._update_count, self._pseudo_class_state, layout.fixed_rows, fixed_columns, widths)
        if self._jump_cells is None:
            self._jump_cells = LRUCache(500)
        row_cells = self._jump_cells.get(cells_key)
        if row_cells is None:
            row_cells = self._row_cells(row_index, fixed_style, row_style, cursors, hovers, show_cursor,
                                        show_hover_cursor, priorities, fixed_columns, widths, padding)
            self._jump_cells[cells_key] = row_cells
        fixed_row, cell_lines = row_cells
        scrollable_row = list(cell_lines)

        # the fill to the widget's width, as DataTable computes it
        table_width = sum(widths[fixed_columns:])  # and no row labels' column (DataTable draws those rows)
        remaining_space = max(0, layout.width - table_width)
        if cursor_type == "row":
            extend_style, _ = self._get_styles_to_render_cell(
                is_header, False, False, should_highlight(hover_location, Coordinate(row_index or 0, 0), cursor_type),
                row_index == cursor_location.row, show_cursor, show_hover_cursor, False, False)
            extend_style = row_style + extend_style
        elif row_style.bgcolor is not None:
            faded_color = Color.from_rich_color(row_style.bgcolor).blend(self.background_colors[1], factor=0.25)
            extend_style = Style.from_color(color=row_style.color, bgcolor=faded_color.rich_color)
        else:
            extend_style = Style.from_color(row_style.color, row_style.bgcolor)
        extend_style += Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
        scrollable_row.append([Segment(" " * remaining_space, extend_style)])

        row_pair: tuple[SegmentLines, SegmentLines] = (fixed_row, scrollable_row)
        self._row_render_cache[cache_key] = row_pair
        return row_pair

    def _row_cells(self, row_index: int, fixed_style: Style | None, row_style: Style, cursors: tuple[bool, ...],
                   hovers: tuple[bool, ...], show_cursor: bool, show_hover_cursor: bool,
                   priorities: tuple[bool, bool], fixed_columns: int, widths: tuple[int, ...],
                   padding: int) -> tuple[list[list[Segment]], list[list[Segment]]]:
        """The lines of a one-line row's cells, the fixed ones (drawn on
        ``fixed_style``) and all of them (on ``row_style``), each as
        DataTable's ``_render_cell(...)[0]``: a one-line Text cell drawn here
        (see the module's docstring), anything else by :meth:`_render_cell`."""
        cells = self._get_row_renderables(row_index).cells
        console = self.app.console
        is_header = row_index == -1
        fixed_row = row_index < self._layout().fixed_rows
        get_styles = self._get_styles_to_render_cell
        kinds: dict[tuple[bool, bool, bool, bool], _CellStyles] = {}

        def line(column_index: int, base_style: Style) -> list[Segment]:
            width = widths[column_index]
            cursor, hover = cursors[column_index], hovers[column_index]
            cell = cells[column_index] if column_index < len(cells) else None
            text_line = _text_line(cell, width - 2 * padding, console)
            if text_line is None:  # spans, a line break, no room…: drawn cell by cell (as DataTable's own)
                return self._render_cell(row_index, column_index, base_style, width, cursor, hover)[0]
            is_fixed = not is_header and (fixed_row or column_index < fixed_columns)
            kind = (base_style is row_style, is_fixed, cursor, hover)
            styles = kinds.get(kind)
            if styles is None:
                component_style, post_style = get_styles(is_header, False, is_fixed, hover, cursor, show_cursor,
                                                         show_hover_cursor, *priorities)
                styles = kinds[kind] = _cell_styles(base_style, component_style, post_style)
            return styles.line(text_line, padding, Style.from_meta({"row": row_index, "column": column_index}))

        fixed = [line(column_index, fixed_style) for column_index in range(fixed_columns)] if fixed_style else []
        return fixed, [line(column_index, row_style) for column_index in range(len(widths))]

    def _rich_text_line(self, cell: Text, inner: int) -> list[Segment] | None:
        """A one-line Text cell :func:`_text_line` leaves (spans, justified,
        wrapped…) as Rich lays it out in ``inner`` cells without a line break
        (DataTable's ``Padding(cell)`` inside); None for a line break or tab."""
        if "\n" in cell.plain or "\t" in cell.plain:
            return None
        options = self.app.console_options.update(width=inner, height=1, no_wrap=True)
        text_lines = list(islice(Segment.split_and_crop_lines(
            cell.__rich_console__(self.app.console, options), inner, pad=True, style=_BLANK,
            include_new_lines=False), 1))
        return text_lines[0] if text_lines else [Segment(" " * inner, _BLANK)]

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
        text_line = None
        if row_height == 1 and type(cell) is Text and inner >= 1:
            text_line = _text_line(cell, inner, self.app.console)
            if text_line is None:
                text_line = self._rich_text_line(cell, inner)
        if text_line is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        is_fixed = not is_header and (row_index < self.fixed_rows or column_index < self.fixed_columns)
        component_style, post_style = self._get_styles_to_render_cell(
            is_header, False, is_fixed, hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css")
        meta = Style.from_meta({"row": row_index, "column": column_index})
        lines = [_cell_styles(base_style, component_style, post_style).line(text_line, padding, meta, join=False)]
        self._cell_render_cache[cache_key] = lines
        return lines
