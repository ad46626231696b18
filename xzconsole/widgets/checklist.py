"""CheckList: a SelectionList whose boxes say checked or not without colour.

Textual's SelectionList draws the same ``X`` in every box and tells a checked
one only by its colour — unreadable on a monochrome or 256-colour terminal
and for a colour-blind clerk (issue 16 item 10).  Here an unchecked box is
empty: ``▐ ▌`` against ``▐X▌``.
"""

from __future__ import annotations

from typing import TypeVar

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import SelectionList
from textual.widgets._toggle_button import ToggleButton

T = TypeVar("T")


class CheckList(SelectionList[T]):
    """A SelectionList with empty boxes for what is not chosen."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 2 or segments[1].text != ToggleButton.BUTTON_INNER:
            return strip
        box = segments[1]
        index = box.style.meta.get("option") if box.style is not None else None
        if index is None:
            return strip
        try:
            chosen = self.get_option_at_index(index).value in self.selected
        except Exception:  # noqa: BLE001 - a line being redrawn while options change: leave it as drawn
            return strip
        if chosen:
            return strip
        segments[1] = Segment(" " * len(box.text), box.style)
        return Strip(segments, strip.cell_length)
