"""A DataTable whose rows are never left drawn at the column widths from
before they were measured (the policy library's list, the outreach log).

**The cause** (Textual 8, ``DataTable``): ``add_row`` bumps the table's
``_update_count`` — part of every cached cell's key — but the widths of
auto-sized columns are measured later, when the table is next idle, and
that measurement leaves the cache alone.  A paint falling between the last
``add_row`` and that idle caches each cell at the old width (the title
column as wide as its header, "标题"), and nothing redraws them until the
next row, resize or focus change.  A list filled once the screen has been
painted (issue 11 item 5) met that paint now and then: F4 showed "沛县"
for "沛县关于做好岁末年初重点企业用工保障…".

**The fix**: when an idle pass measured new rows or cells, the cached cells
are dropped and the table repainted, once.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import DataTable


class MeasuredTable(DataTable[Text]):
    """``DataTable`` that redraws its cells after measuring new rows."""

    async def _on_idle(self, event: events.Idle) -> None:
        measuring = self._require_update_dimensions or bool(self._updated_cells)
        await super()._on_idle(event)
        if measuring:
            self._update_count += 1  # every cached cell's key: those drawn before the measuring go
            self.refresh()


__all__ = ["MeasuredTable"]
