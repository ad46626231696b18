"""The queue's two one-row bars, each one widget drawing its parts.

* :class:`QueueFilterBar`: the center shown (a click on it opens the center
  list, as ``c`` does) and what the queue is narrowed by;
* :class:`QueuePreviewBar`: the warning badge of the ticket under the cursor
  (symbol + word, coloured by a component class per level) and its type and
  title.

Each was a row of two or three widgets; every widget costs the queue's
launch about a millisecond (mount, style matching, layout, its own render
pass), so each bar draws its parts itself, exactly as the widgets laid them
out (issue 11).  A new text repaints the bar, never lays the screen out
again.  User text is always drawn literally (never markup).
"""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.message import Message
from textual.widget import Widget

from ..rules import WarningLevel
from ..textsafe import plain
from .warning_badge import badge_text, severity_class

#: the center part's widest, padding included (its text is cut with "…" beyond)
CENTER_MAX_WIDTH = 44


def _first_line(text: str, width: int) -> Content:
    """``text`` as a one-row label ``width`` cells wide shows it: its first
    wrapped line, padded to the width."""
    if width <= 0:
        return Content("")
    return Content(text).wrap(width)[0].truncate(width, pad=True)


class QueueFilterBar(Widget):
    """The center shown (none for a liaison) and the filters, sort and search."""

    COMPONENT_CLASSES = {"filter-bar--center", "filter-bar--filters"}

    class CenterClicked(Message):
        """The center part was clicked: the screen opens the center list."""

    def __init__(self, center: str | None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.center_text = center  # None: no center part (a liaison sees every center's)
        self.filters_text = ""

    def set_center(self, text: str) -> None:
        """What the center part says (``邳州 · c 切换``)."""
        if text != self.center_text:
            self.center_text = text
            self.refresh()

    def set_filters(self, text: str) -> None:
        """What the filters part says (the search, the filters and the sort)."""
        text = plain(text)
        if text != self.filters_text:
            self.filters_text = text
            self.refresh()

    @property
    def center_width(self) -> int:
        """Cells taken by the center part (its padding included); 0 without one."""
        if self.center_text is None:
            return 0
        return min(cell_len(self.center_text) + 2, CENTER_MAX_WIDTH)

    def on_click(self, event: events.Click) -> None:
        if event.x < self.center_width:
            event.stop()
            self.post_message(self.CenterClicked())

    def render(self) -> Content:
        width = self.size.width
        parts: list[tuple[Content, str]] = []
        center = self.center_width
        if self.center_text is not None:
            text = Content(self.center_text).truncate(center - 2, ellipsis=True)
            parts.append((text.pad(1, 1), "filter-bar--center"))
        rest = width - center
        parts.append((_first_line(self.filters_text, rest - 2).pad(1, 1), "filter-bar--filters"))
        return Content.assemble(*(c.stylize(self.get_visual_style(name)) for c, name in parts)).truncate(width)


class QueuePreviewBar(Widget):
    """The ticket under the cursor: its warning badge, then its type and title."""

    COMPONENT_CLASSES = {"warning-badge--yellow", "warning-badge--orange", "warning-badge--red",
                         "warning-badge--today"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.badge_text = ""
        self.severity: str | None = None  # the badge's severity class (``-red`` …), None: no badge
        self.preview_text = ""

    def show(self, level: WarningLevel, today: bool, text: str) -> None:
        """The badge for ``level`` (or 今日到期) and the preview text (shown literally)."""
        badge, severity, text = badge_text(level, today), severity_class(level, today), plain(text)
        if (badge, severity, text) != (self.badge_text, self.severity, self.preview_text):
            self.badge_text, self.severity, self.preview_text = badge, severity, text
            self.refresh()

    @property
    def preview_x(self) -> int:
        """Where the preview text starts: after a cell of margin, the badge and a cell of padding."""
        return 1 + cell_len(self.badge_text) + 1

    def render(self) -> Content:
        width = self.size.width
        badge = Content(self.badge_text)
        if self.severity is not None:
            badge = badge.stylize(self.get_visual_style(f"warning-badge-{self.severity}"))
        line = Content.assemble(" ", badge, " ", _first_line(self.preview_text, width - self.preview_x - 1), " ")
        return line.truncate(width)
