"""TicketTable: one page of the queue in a DataTable.

It only ever holds one keyset page (50 rows by default): loading a whole
table into a DataTable is what makes lists slow (STYLE §6).  Every cell that
carries user text is a ``rich.text.Text`` from :func:`xzconsole.textsafe.literal`,
so an enterprise called ``[b]x[/b]`` shows those characters and an escape
byte shows as ``\\x1b``.  Severity colours come from component classes
(``ticket-table--red`` …) styled in app.tcss, next to the symbol and word.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Sequence

from rich.text import Text
from textual.geometry import Size
from textual.widgets.data_table import RowKey

from ..models import Ticket
from ..rules import WarningLevel
from ..textsafe import literal
from .jump_table import JumpTable
from .warning_badge import badge_text, due_today

MARK = "*"
NARROW_BELOW = 100  # columns: below this the table drops 受理时间 and 类型
ENTERPRISE_MIN, ENTERPRISE_MAX = 14, 80  # cells: the enterprise takes whatever the department leaves
DEPARTMENT_MIN, DEPARTMENT_MAX = 8, 22  # cells: "人民银行徐州市分行" is 18


def _ellipsed(text: Text) -> Text:
    """A cell that ends in ``…`` when its column is too narrow, instead of just stopping."""
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


class TicketTable(JumpTable):
    """A page of tickets; row keys are ticket ids (as str).  Home/End and g/G
    move the cursor (:class:`~xzconsole.widgets.jump_table.JumpTable`)."""

    COMPONENT_CLASSES = {
        "ticket-table--yellow",
        "ticket-table--orange",
        "ticket-table--red",
        "ticket-table--today",
        "ticket-table--mark",
        "ticket-table--provisional",
        "ticket-table--muted",
    }

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self.narrow: bool | None = None
        self.layout_width = 0  # the terminal width the columns were laid out for
        #: a ticket for the cursor to land on at the next page shown (a new intake), else it stays on its ticket
        self.follow: int | None = None
        self.tickets: list[Ticket] = []
        self._levels: dict[int, WarningLevel] = {}

    # -- columns ---------------------------------------------------------------
    def set_layout(self, width: int) -> bool:
        """Choose the columns for a terminal ``width``; True when they changed.

        The enterprise and department columns share the width the fixed ones
        leave (three parts to two, each up to what its longest names need), so
        a name is cut with ``…`` only when it is truly too long for the
        terminal (issue 16 item 8)."""
        if width == self.layout_width:
            return False
        self.layout_width = width
        self.narrow = width < NARROW_BELOW
        fixed = [1, 10, 15, 6, 10] + ([] if self.narrow else [11, 8])
        # one cell of padding either side of every column, and the scroll bar
        spare = width - sum(fixed) - 2 * (len(fixed) + 2) - 2
        enterprise = max(ENTERPRISE_MIN, min(ENTERPRISE_MAX, spare * 3 // 5))
        department = max(DEPARTMENT_MIN, min(DEPARTMENT_MAX, spare - enterprise))
        enterprise = max(ENTERPRISE_MIN, min(ENTERPRISE_MAX, spare - department))
        self.clear(columns=True)
        # labels as Text: a str label is parsed as markup, and the first parse loads
        # Rich's emoji table (≈2.5 ms of the launch, issue 11) for words that hold none
        self.add_column(Text(" "), width=1, key="mark")
        self.add_column(Text("预警"), width=10, key="level")
        self.add_column(Text("工单编号"), width=15, key="number")
        if not self.narrow:
            self.add_column(Text("受理时间"), width=11, key="received")
            self.add_column(Text("类型"), width=8, key="type")
        self.add_column(Text("企业"), width=enterprise, key="enterprise")
        self.add_column(Text("状态"), width=6, key="status")
        self.add_column(Text("承办单位"), width=department, key="department")
        self.add_column(Text("期限"), width=10, key="due")
        return True

    # -- rows ------------------------------------------------------------------
    def _style(self, name: str) -> str:
        try:
            return str(self.get_component_rich_style(f"ticket-table--{name}", partial=True))
        except Exception:  # not mounted yet (no stylesheet): plain text still says it all
            return ""

    def level_of(self, ticket_id: int) -> WarningLevel:
        return self._levels.get(ticket_id, WarningLevel.NONE)

    def show(self, tickets: Sequence[Ticket], levels: dict[int, WarningLevel], today: dt.date,
             marked: Iterable[int] = ()) -> None:
        """Replace the rows with this page (one batch: one relayout)."""
        marked = set(marked)
        was = self.follow if self.follow is not None else self.current_ticket_id
        self.follow = None
        self.tickets = list(tickets)
        self._levels = dict(levels)
        styles = {name: self._style(name) for name in ("yellow", "orange", "red", "today", "mark", "provisional", "muted")}
        rows = []
        for t in self.tickets:
            rows.append(self._cells(t, today, t.id in marked, styles))
        with self.app.batch_update():
            cursor = self.cursor_row
            self.clear()
            for t, cells in zip(self.tickets, rows):
                self.add_row(*cells, key=str(t.id))
            if self.row_count:
                # the cursor stays on the same ticket, wherever a refresh moved it;
                # only a ticket gone from the page leaves it at the same row
                ids = [t.id for t in self.tickets]
                row = ids.index(was) if was in ids else min(cursor, self.row_count - 1)
                self.move_cursor(row=row, animate=False)
            self._settle_dimensions()

    def _settle_dimensions(self) -> None:
        """Size the table for its new rows now, as DataTable would when idle:
        the first layout then sees the page's real height, instead of laying
        out and painting the screen again once the table has measured itself
        (issue 11: the first page at start-up)."""
        if self._require_update_dimensions:
            self._require_update_dimensions = False
            new_rows = self._new_rows.copy()
            self._new_rows.clear()
            self._update_dimensions(new_rows)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """DataTable measures every new cell for the widths of auto-width
        columns; every column here has a fixed width and every row one line
        (:meth:`set_layout`), so only the table's size needs setting."""
        columns = list(self.columns.values())
        if any(column.auto_width for column in columns) or self._labelled_row_exists or any(
                row.auto_height or row.label is not None for row in (self.rows.get(key) for key in new_rows)
                if row is not None):
            super()._update_dimensions(new_rows)
            return
        width = sum(column.get_render_width(self) for column in columns) + self._row_label_column_width
        self.virtual_size = Size(width, self._total_row_height + (self.header_height if self.show_header else 0))

    @property
    def current_ticket_id(self) -> int | None:
        ticket = self.current_ticket()
        return None if ticket is None else ticket.id

    def _cells(self, t: Ticket, today: dt.date, marked: bool, styles: dict[str, str]) -> list[Text]:
        level = self._levels.get(t.id, WarningLevel.NONE)
        today_due = t.awaiting_reply and due_today(t.due_date, today, level)
        badge = badge_text(level, today_due)
        badge_style = styles[level.code] if level else styles["today"] if today_due else ""
        cells = [
            Text(MARK if marked else " ", style=styles["mark"]),
            Text(badge, style=badge_style),
            literal(t.number),
        ]
        if not self.narrow:
            received = t.received_at
            fmt = "%m-%d %H:%M" if received.year == today.year else "%Y-%m-%d"
            cells.append(Text(received.strftime(fmt)))
            cells.append(Text(t.appeal_type.label))
        cells.append(_ellipsed(literal(t.enterprise_name, style=styles["muted"] if t.redacted else "")))
        cells.append(Text(t.status.label))
        cells.append(_ellipsed(literal(t.department_name or "—")))
        if t.due_date is None:
            due = Text("—", style=styles["muted"])
        else:
            fmt = "%m-%d" if t.due_date.year == today.year else "%y-%m-%d"
            due = Text(t.due_date.strftime(fmt))
            if t.due_provisional:
                due.append("暂", style=styles["provisional"])
        cells.append(due)
        return cells

    def set_mark(self, ticket_id: int, marked: bool) -> None:
        """Show or clear the tag of one row (an in-place cell update)."""
        self.update_cell(str(ticket_id), "mark", Text(MARK if marked else " ", style=self._style("mark")))

    def current_ticket(self) -> Ticket | None:
        """The ticket under the cursor, or None for an empty page."""
        if not self.tickets or self.cursor_row < 0 or self.cursor_row >= len(self.tickets):
            return None
        return self.tickets[self.cursor_row]
