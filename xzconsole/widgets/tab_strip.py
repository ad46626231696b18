"""TabStrip: the queue's row of tabs drawn by one widget.

Textual's ``Tabs`` is fifteen widgets for the queue's eleven tabs (a Tab
each, the scrolling container, the row, the underline), and mounting,
styling and laying them out was a tenth of the console's start (issue 11:
23 ms of a 250 ms launch, against 3 ms for this).  The strip draws the
labels on one line and the bar under them on the next, the active tab
bright with its stretch of the bar in the accent colour, the others dimmed
— the look of Textual's tabs.  When the labels are wider than the screen
(saved filters at 80 columns) it shows whole tabs only, from the one it
scrolled to, with ``<`` / ``>`` where more lie either side (a click on
one goes to the previous / next tab), and always brings the active tab
into view: a double-width character is never cut.

Keys belong to the screen (``[`` / ``]`` call :meth:`next` /
:meth:`previous`); a click on a label activates it.  Labels are user text
(a saved filter's name) and are always shown literally.
"""

from __future__ import annotations

from typing import Iterable

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from ..textsafe import plain

_GAP = 2  # cells between two labels (each label also has a cell of padding either side)
_MORE_LEFT, _MORE_RIGHT = "<", ">"  # ASCII: "‹ ›" are of ambiguous width, two cells in some CJK terminals


class TabStrip(Widget):
    """A row of tabs by id and label; :attr:`active` is the chosen one."""

    DEFAULT_CSS = """
    TabStrip { width: 100%; height: 2; }
    TabStrip > .tab-strip--tab { color: $foreground 50%; }
    TabStrip > .tab-strip--active { color: $foreground; text-style: bold; }
    TabStrip > .tab-strip--bar { color: $foreground 10%; }
    TabStrip > .tab-strip--bar-active { color: $block-cursor-background; }
    TabStrip:ansi > .tab-strip--tab { text-style: dim; }
    TabStrip:ansi > .tab-strip--active { text-style: not dim bold; }
    """
    COMPONENT_CLASSES = {"tab-strip--tab", "tab-strip--active", "tab-strip--bar", "tab-strip--bar-active"}

    class Activated(Message):
        """A tab became the active one (by a click, a key, or being set)."""

        def __init__(self, strip: TabStrip, tab_id: str) -> None:
            super().__init__()
            self.strip = strip
            self.tab_id = tab_id

        @property
        def control(self) -> TabStrip:
            return self.strip

    def __init__(self, tabs: Iterable[tuple[str, str]], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._labels: dict[str, str] = {}
        for tab_id, label in tabs:
            self._labels[tab_id] = label
        self._active = next(iter(self._labels), "")
        self._first = 0  # the first tab shown when they do not all fit
        #: where each shown tab lies on the line, as drawn last: (start, end, tab id); "" for < and >
        self._spans: list[tuple[int, int, str]] = []
        self._lines: tuple[int, list[list[Segment]]] | None = None  # drawn for a width

    # -- the tabs ----------------------------------------------------------------
    @property
    def tab_ids(self) -> list[str]:
        return list(self._labels)

    def label_of(self, tab_id: str) -> str:
        return self._labels[tab_id]

    def set_label(self, tab_id: str, label: str) -> None:
        if self._labels.get(tab_id) != label:
            self._labels[tab_id] = label
            self._changed()

    def add_tab(self, tab_id: str, label: str) -> None:
        self._labels[tab_id] = label
        self._changed()

    def remove_tab(self, tab_id: str) -> None:
        """Remove a tab; if it was the active one, its left neighbour becomes active."""
        ids = self.tab_ids
        if tab_id not in self._labels:
            return
        index = ids.index(tab_id)
        del self._labels[tab_id]
        if tab_id == self._active:
            rest = self.tab_ids
            if rest:
                self.active = rest[max(0, index - 1)]
            else:
                self._active = ""
        self._first = min(self._first, max(0, len(self._labels) - 1))
        self._changed()

    @property
    def active(self) -> str:
        return self._active

    @active.setter
    def active(self, tab_id: str) -> None:
        if tab_id not in self._labels or tab_id == self._active:
            return
        self._active = tab_id
        self._changed()
        self.post_message(self.Activated(self, tab_id))

    def next(self) -> None:
        """The next tab (after the last: the first)."""
        self._step(1)

    def previous(self) -> None:
        """The previous tab (before the first: the last)."""
        self._step(-1)

    def _step(self, by: int) -> None:
        ids = self.tab_ids
        if ids:
            self.active = ids[(ids.index(self._active) + by) % len(ids)] if self._active in ids else ids[0]

    def _changed(self) -> None:
        self._lines = None
        self.refresh()

    def on_resize(self) -> None:
        self._lines = None

    # -- drawing -----------------------------------------------------------------
    def _label_cells(self, tab_id: str) -> str:
        return f" {plain(self._labels[tab_id])} "

    def _window(self, width: int) -> tuple[int, int]:
        """The first and one-past-last tab to show at ``width`` cells, the active one among them."""
        ids = self.tab_ids
        widths = [cell_len(self._label_cells(t)) for t in ids]
        active = ids.index(self._active) if self._active in ids else 0
        first = min(self._first, active)

        def last_fitting(start: int) -> int:
            used = cell_len(_MORE_LEFT) + 1 if start else 0
            end = start
            while end < len(ids):
                need = widths[end] + (_GAP if end > start else 0)
                more = cell_len(_MORE_RIGHT) + 1 if end + 1 < len(ids) else 0
                if used + need + more > width:
                    break
                used += need
                end += 1
            return max(end, start + 1)

        while active >= last_fitting(first) and first < active:
            first += 1
        self._first = first
        return first, last_fitting(first)

    def _draw(self, width: int) -> list[list[Segment]]:
        if self._lines is not None and self._lines[0] == width:
            return self._lines[1]
        base = self.rich_style
        # whole styles: a partial one drops the blend of "$foreground 50%" into the background
        style = {name: self.get_component_rich_style(f"tab-strip--{name}")
                 for name in ("tab", "active", "bar", "bar-active")}
        labels: list[Segment] = []
        bar: list[Segment] = []
        spans: list[tuple[int, int, str]] = []
        x = 0

        def put(text: str, label_style: Style, bar_style: Style, tab_id: str | None) -> None:
            nonlocal x
            w = cell_len(text)
            labels.append(Segment(text, label_style))
            bar.append(Segment("━" * w, bar_style))
            if tab_id is not None:
                spans.append((x, x + w, tab_id))
            x += w

        ids = self.tab_ids
        first, end = self._window(width) if ids else (0, 0)
        if first:
            put(_MORE_LEFT, style["tab"], style["bar"], "")
            put(" ", base, style["bar"], None)
        for i in range(first, end):
            if i > first:
                put(" " * _GAP, base, style["bar"], None)
            chosen = ids[i] == self._active
            put(self._label_cells(ids[i]), style["active" if chosen else "tab"],
                style["bar-active" if chosen else "bar"], ids[i])
        if end < len(ids):
            put(" ", base, style["bar"], None)
            put(_MORE_RIGHT, style["tab"], style["bar"], "")
        if x < width:  # the bar runs on under the empty rest of the row
            bar.append(Segment("━" * (width - x), style["bar"]))
        lines = [Segment.adjust_line_length(labels, width, style=base), Segment.adjust_line_length(bar, width)]
        self._spans = spans
        self._lines = (width, lines)
        return lines

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        lines = self._draw(width)
        if y >= len(lines):
            return Strip.blank(width, self.rich_style)
        return Strip(lines[y], width)

    def on_click(self, event: events.Click) -> None:
        for start, end, tab_id in self._spans:
            if start <= event.x < end:
                if tab_id:
                    self.active = tab_id
                elif start == 0:  # <: the tab before the first one shown
                    self.previous()
                else:  # >
                    self.next()
                return
