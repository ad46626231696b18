"""Double-width characters kept whole where an overlay's edge would cut them.

**The cause** (Textual 8, ``_compositor.Compositor._render_chops``): to paint
a screen, Textual cuts every line at *every* widget edge on that line — the
edges of the widgets underneath included — and divides each widget's line at
all of those cuts, front to back, the first piece at a cut winning.  When a
cut falls in the middle of a double-width character, ``Segment.divide``
replaces the character by a space on each side.  So a toast, a drop-down, a
dialog or the command palette lying over other widgets lost the Chinese
characters of *its own* text that happened to sit over an edge of a widget
beneath it ("请先修正标  的字段", "全部  位"), although nothing covered them.

**The fix**: a line is not divided at a cut where the same widget is topmost
on both sides and a wide character straddles the cut; that widget's piece
runs on past the cut (the cut's own piece is empty).  Where an overlay
really covers half of a character underneath, the character is lost only
there — its visible half shows as a space — and every other character stays.

:func:`install` makes every screen the app creates paint this way; it is
called once, by :mod:`xzconsole.app`, before any screen exists.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence, cast

from rich.cells import get_character_cell_size
from textual import errors
from textual import screen as textual_screen
from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

_EMPTY = Strip([], 0)


def straddled(strip: Strip, positions: Sequence[int]) -> set[int]:
    """Which of ``positions`` (cells, ascending) fall inside a double-width character of ``strip``."""
    hits: set[int] = set()
    if not positions:
        return hits
    wanted = iter(positions)
    target = next(wanted)
    x = 0
    for segment in strip:
        if segment.control:
            continue
        for ch in segment.text:
            width = get_character_cell_size(ch)
            end = x + width
            while target <= x:
                target = next(wanted, -1)
                if target < 0:
                    return hits
            if width == 2 and x < target < end:
                hits.add(target)
            x = end
    return hits


class CellSafeCompositor(Compositor):
    """Textual's compositor, dividing a widget's line only where what is shown changes widget."""

    def _topmost(self, x: int, y: int) -> Widget | None:
        try:
            return self.get_widget_at(x, y)[0]
        except errors.NoWidget:
            return None

    def _render_chops(
        self,
        crop: Region,
        is_rendered_line: Callable[[int], bool],
    ) -> Sequence[Mapping[int, Strip]]:
        cuts = self.cuts
        chops: list[dict[int, Strip | None]] = [dict.fromkeys(cut_set[:-1]) for cut_set in cuts]
        intersection = Region.intersection
        crop_overlaps = crop.overlaps
        topmost = self._topmost
        for widget, (region, clip) in self.visible_widgets.items():
            if not crop_overlaps(clip):
                continue
            render_region = intersection(region, clip)
            if not (render_region.width and render_region.height):
                continue
            strips = widget.render_lines(Region(render_region.x - region.x, render_region.y - region.y,
                                                render_region.width, render_region.height))
            render_x = render_region.x
            first_cut, last_cut = render_region.column_span
            for y, strip in zip(render_region.line_range, strips):
                if not is_rendered_line(y):
                    continue
                chops_line = chops[y]
                final_cuts = [cut for cut in cuts[y] if last_cut >= cut >= first_cut]
                inner = [cut - render_x for cut in final_cuts[1:-1]]
                kept: set[int] = set()
                if inner and strip.cell_length != len(strip.text):  # only a line with wide characters
                    for rel in straddled(strip, inner):
                        cut = rel + render_x
                        if topmost(cut - 1, y) is widget and topmost(cut, y) is widget:
                            kept.add(cut)
                if not kept:
                    pieces = list(zip(final_cuts, strip.divide([cut - render_x for cut in final_cuts[1:]])))
                else:
                    starts = [cut for cut in final_cuts[:-1] if cut not in kept]
                    divided = strip.divide([cut - render_x for cut in [*starts[1:], final_cuts[-1]]])
                    pieces = list(zip(starts, divided)) + [(cut, _EMPTY) for cut in kept]
                for cut, piece in pieces:
                    if chops_line.get(cut) is None:
                        chops_line[cut] = piece
        return cast("Sequence[Mapping[int, Strip]]", chops)


def install() -> None:
    """Make every screen created from now on paint with :class:`CellSafeCompositor`.

    ``Screen.__init__`` builds its compositor from the name ``Compositor`` in
    :mod:`textual.screen`; rebinding that name (not editing Textual's files)
    is the one place that reaches every screen, the command palette included.
    """
    setattr(textual_screen, "Compositor", CellSafeCompositor)  # the seam named above, on purpose
