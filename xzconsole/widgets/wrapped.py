"""WrappedText: a Static whose Chinese text wraps by the line-breaking rule.

Textual wraps text at whitespace and otherwise at any character, so a line
could begin with "；", "。" or "”" (issue 16 item 11).  This Static breaks its
text itself, at the width it is laid out with, through
:func:`xzconsole.textsafe.wrap_offsets` (no line starts with closing
punctuation, none ends with an opening bracket); styles are kept.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import RenderResult
from textual.geometry import Size
from textual.visual import VisualType
from textual.widgets import Static

from ..textsafe import wrap_offsets


def wrap_text(text: Text, width: int) -> Text:
    """``text`` with line breaks inserted for ``width`` cells (styles kept)."""
    if width <= 1:
        return text
    offsets: list[int] = []
    start = 0
    for paragraph in text.plain.split("\n"):
        offsets.extend(start + cut for cut in wrap_offsets(paragraph, width))
        start += len(paragraph) + 1
    if not offsets:
        return text
    return Text("\n").join(text.divide(offsets))


class WrappedText(Static):
    """A Static for prose: breaks lines the Chinese way at its own width."""

    def __init__(self, content: VisualType = "", **kwargs: object) -> None:
        super().__init__(content, **kwargs)  # type: ignore[arg-type]  # Static's own keyword arguments, passed on
        self._source = self._as_text(content)

    @staticmethod
    def _as_text(content: VisualType) -> Text | None:
        if isinstance(content, Text):
            return content
        if isinstance(content, str):
            return Text(content)
        return None  # another renderable: shown as Static shows it

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        self._source = self._as_text(content)
        super().update(content, layout=layout)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self._source is None:
            return super().get_content_height(container, viewport, width)
        return len(wrap_text(self._source, width).plain.split("\n"))

    def render(self) -> RenderResult:
        width = self.content_size.width
        if self._source is None or width <= 1:
            return super().render()
        return wrap_text(self._source, width)
