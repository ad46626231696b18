"""专栏 (policy columns): the supervisor's list of columns, creating and
ordering them, and the dialog that puts a policy in one (issue 15, item 3).

The library itself shows the columns on its columns line and lists one with
the number keys (:mod:`.policies`); pins (置顶) are toggled there.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Label, Select, Static

from .base import AppAccess, select_value, store_error_types
from ..textsafe import literal, plain
from ..widgets.key_bar import KeyBar
from ..widgets.header import ConsoleHeader
from .dialogs import FormDialog, ReasonDialog, SubmitHook


class ColumnPickDialog(FormDialog[int]):
    """加入专栏: choose one of the columns for a policy."""

    def __init__(self, title: str, columns: list[dict[str, Any]], *, on_submit: SubmitHook[int] | None = None) -> None:
        super().__init__(title, on_submit=on_submit, id="column-pick")
        self.columns = columns

    def compose_body(self) -> ComposeResult:
        yield Label("专栏", classes="dialog-label")
        yield Select([(plain(c["name"]), int(c["id"])) for c in self.columns], prompt="选择专栏", id="column-select")

    def on_mount(self) -> None:
        self.query_one("#column-select", Select).focus()

    def collect(self) -> int | None:
        value = select_value(self.query_one("#column-select", Select))
        if value is None:
            self.show_error("请选择专栏")
            return None
        return int(value)


class ColumnsScreen(AppAccess, Screen[int | None]):
    """专栏管理: the columns in their order; new, move up / down, open one.
    Dismisses with the column to show in the library (Enter), or None."""

    BINDINGS = [
        Binding("a", "new_column", "新建专栏", id="columns.new"),
        Binding("left_square_bracket", "move(-1)", "上移", id="columns.up"),
        Binding("right_square_bracket", "move(1)", "下移", id="columns.down"),
        Binding("enter", "open", "查看", id="columns.open", priority=True),
        Binding("escape", "close", "返回", id="columns.close"),
    ]

    def compose(self) -> ComposeResult:
        yield ConsoleHeader("专栏管理", id="header")
        yield DataTable(id="columns-table", cursor_type="row", zebra_stripes=True)
        yield Static("a 新建专栏 · [ ] 调整顺序 · Enter 在政策库中查看 · 政策库中按 l 把政策加入专栏", id="columns-status",
                     markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        t = self.query_one("#columns-table", DataTable)
        t.add_column("序号", width=4, key="n")
        t.add_column("政策数", width=8, key="count")
        t.add_column("名称", key="name")
        self.columns: list[dict[str, Any]] = []
        self.fill()
        t.focus()

    def fill(self, focus: int | None = None) -> None:
        t: DataTable[Text] = self.query_one("#columns-table", DataTable)
        self.columns = self.store.library.columns()
        t.clear()
        for i, c in enumerate(self.columns, 1):
            t.add_row(Text(str(i)), Text(f"{c['published']}/{c['count']}"), literal(c["name"]), key=str(c["id"]))
        if focus is not None:
            for i, c in enumerate(self.columns):
                if c["id"] == focus:
                    t.move_cursor(row=i)

    def current(self) -> dict[str, Any] | None:
        t = self.query_one("#columns-table", DataTable)
        if not self.columns or t.cursor_row is None or not 0 <= t.cursor_row < len(self.columns):
            return None
        return self.columns[t.cursor_row]

    def action_new_column(self) -> None:
        """A new column, placed last."""
        def submit(dialog: FormDialog[str], name: str) -> None:
            try:
                cid = self.store.library.create_column(self.user, name)
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(name)
            self.fill(focus=cid)

        self.app.push_screen(ReasonDialog("新建专栏", "如：助企战疫，复工复产", label="专栏名称", on_submit=submit))

    def action_move(self, step: int) -> None:
        """Move the highlighted column up or down."""
        c = self.current()
        if c is None:
            return
        try:
            self.store.library.move_column(self.user, int(c["id"]), step)
        except store_error_types() as exc:
            self.notify(plain(exc), severity="error", markup=False)
            return
        self.fill(focus=int(c["id"]))

    def action_open(self) -> None:
        """Show the highlighted column in the library."""
        c = self.current()
        if c is not None:
            self.dismiss(int(c["id"]))

    def action_close(self) -> None:
        self.dismiss(None)


__all__ = ["ColumnPickDialog", "ColumnsScreen"]
