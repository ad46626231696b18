"""JumpTable: a DataTable whose Home/End and g/G move the cursor to the first
and last row (Textual's Home/End only scroll), as k9s and lazygit users expect."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable


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
