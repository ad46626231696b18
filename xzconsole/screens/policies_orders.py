"""定制点餐工单 (issue 15, item 2): the work orders the center sends to drafting
departments, each with its state and the due day of its current step.

The center opens an order (n: department, topic, working days to draft) and,
once the department attached its draft, sends it to chosen associations (t);
the liaison attaches one of their department's drafts (d).  Enter opens the
order's comment round, where comments are recorded per association,
forwarded, and answered one by one by the department
(:class:`~.policy_associations.CommentRoundsScreen`).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Select, Static

from .base import AppAccess, select_value, store_error_types, stored_id
from ..models import Role
from ..textsafe import literal, plain
from ..widgets.key_bar import KeyBar
from ..widgets.header import ConsoleHeader
from .dialogs import FormDialog, SubmitHook
from .policy_associations import AssociationPicker, CommentRoundsScreen, PickedAssociations

#: working days the associations have to comment when the center sends a draft out
COMMENT_WORKDAYS = 5


class OrderDialog(FormDialog[tuple[str, str, int]]):
    """新建定制点餐工单: the drafting department, the topic, working days to draft."""

    HINT = "Ctrl+S 确定 · Esc 取消"

    def __init__(self, departments: list[str], *, on_submit: SubmitHook[tuple[str, str, int]] | None = None) -> None:
        super().__init__("新建定制点餐工单", on_submit=on_submit, id="order-dialog")
        self.departments = departments

    def compose_body(self) -> ComposeResult:
        yield Label("起草单位", classes="dialog-label")
        yield Select([(plain(d), d) for d in self.departments], prompt="选择单位", id="order-dept")
        yield Label("起草事项（政策名称或主题）", classes="dialog-label")
        yield Input("", id="order-topic", classes="dialog-input")
        yield Label("起草时限（工作日）", classes="dialog-label")
        yield Input("5", id="order-days", classes="dialog-input")

    def collect(self) -> tuple[str, str, int] | None:
        dept = select_value(self.query_one("#order-dept", Select))
        if not dept:
            self.show_error("请选择起草单位")
            return None
        topic = self.query_one("#order-topic", Input).value.strip()
        if not topic:
            self.show_error("请填写起草事项")
            return None
        days = self.query_one("#order-days", Input).value.strip()
        if not days.isdigit():
            self.show_error("起草时限应为工作日数（整数）")
            return None
        return str(dept), topic, int(days)


class DraftPickDialog(FormDialog[int]):
    """提交草稿: one of the department's drafts."""

    def __init__(self, drafts: list[tuple[int, str]], *, on_submit: SubmitHook[int] | None = None) -> None:
        super().__init__("提交定制点餐草稿", on_submit=on_submit, id="draft-pick")
        self.drafts = drafts

    def compose_body(self) -> ComposeResult:
        yield Label("本单位的政策草稿（在政策库按 a 起草）", classes="dialog-label")
        yield Select([(plain(t), pid) for pid, t in self.drafts], prompt="选择草稿", id="draft-select")

    def collect(self) -> int | None:
        v = select_value(self.query_one("#draft-select", Select))
        if v is None:
            self.show_error("请选择草稿")
            return None
        return int(v)


class OrdersScreen(AppAccess, Screen[None]):
    """定制点餐工单: the center's orders (a liaison: their department's)."""

    BINDINGS = [
        Binding("n", "new_order", "新建工单", id="orders.new"),
        Binding("d", "attach", "提交草稿", id="orders.attach"),
        Binding("t", "push", "征求意见", id="orders.push"),
        Binding("enter", "open", "意见与答复", id="orders.open", priority=True),
        Binding("escape", "close", "返回", id="orders.close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.orders: list[dict[str, Any]] = []

    @property
    def liaison(self) -> str:
        u = self.user
        return u.department_name or "" if u is not None and u.role is Role.DEPARTMENT else ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        manager = self.user is not None and self.user.role is Role.SUPERVISOR
        if action in ("new_order", "push") and not manager:
            return False
        if action == "attach" and not self.liaison:
            return False
        return True

    def compose(self) -> ComposeResult:
        yield ConsoleHeader("定制点餐工单", id="header")
        yield Static("", id="orders-notice", markup=False)
        yield DataTable(id="orders-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="orders-detail", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        t = self.query_one("#orders-table", DataTable)
        t.add_column("编号", width=4, key="id")
        t.add_column("状态", width=10, key="state")
        t.add_column("期限", width=18, key="due")
        t.add_column("起草单位", width=10, key="dept")
        t.add_column("事项", key="topic")
        self.fill()
        t.focus()

    def fill(self, focus: int | None = None) -> None:
        self.orders = self.store.orders.orders(self.liaison or None)
        t: DataTable[Text] = self.query_one("#orders-table", DataTable)
        row = t.cursor_row
        t.clear()
        for o in self.orders:
            due = Text(f"{'⚠ 逾期 ' if o['overdue'] else ''}{o['due'] or '—'}", style="bold" if o["overdue"] else "")
            t.add_row(Text(str(o["id"])), Text(o["state_label"]), due, literal(o["department"]),
                      literal(o["title"] or o["topic"]), key=str(o["id"]))
        if focus is not None:
            for i, o in enumerate(self.orders):
                if o["id"] == focus:
                    t.move_cursor(row=i)
        elif row is not None and self.orders:
            t.move_cursor(row=min(row, len(self.orders) - 1))
        lines = self.store.orders.notices(self.user) if self.user is not None else []
        notice = self.query_one("#orders-notice", Static)
        notice.update("⚑ " + "；".join(lines) if lines else ("没有逾期环节" if self.orders else "尚无定制点餐工单"))
        self._detail()

    def current(self) -> dict[str, Any] | None:
        t = self.query_one("#orders-table", DataTable)
        if not self.orders or t.cursor_row is None or not 0 <= t.cursor_row < len(self.orders):
            return None
        return self.orders[t.cursor_row]

    @on(DataTable.RowHighlighted, "#orders-table")
    def _detail(self) -> None:
        o = self.current()
        box = self.query_one("#orders-detail", Static)
        if o is None:
            box.update("")
            return
        text = Text()
        text.append_text(literal(f"#{o['id']} {o['topic']} · {o['department']}起草，{o['draft_due']} 前提交草稿", style="bold"))
        text.append("\n")
        if o["title"]:
            text.append_text(literal(f"草稿：{o['title']}（{o['attached_by']} {str(o['attached_at'])[:10]} 提交）"))
            text.append("\n")
        if o["round"] is not None:
            forwarded = sum(1 for c in o["comments"] if c["forwarded_at"])
            text.append(f"征求意见：截止 {o['round']['deadline']} · 收到 {len(o['comments'])} 条 · 已转交 {forwarded} 条 · "
                        f"已答复 {o['decided']} 条（采纳 {o['adopted']}）")
            text.append("\n")
        text.append(f"当前环节：{o['state_label']}" + (f"，{'已逾期，' if o['overdue'] else ''}期限 {o['due']}" if o["due"] else ""))
        box.update(text)

    @property
    def detail_text(self) -> str:
        return str(self.query_one("#orders-detail", Static).render())

    def _fail(self, exc: BaseException) -> None:
        self.notify(plain(exc), title="未能完成", severity="error", markup=False, timeout=8)

    def action_new_order(self) -> None:
        """The center asks a department for a draft."""
        names = [d.short_name for d in self.store.departments()]

        def submit(dialog: FormDialog[tuple[str, str, int]], v: tuple[str, str, int]) -> None:
            try:
                oid = self.store.orders.open(self.user, v[0], v[1], v[2])
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(v)
            self.notify(f"已向{v[0]}派发定制点餐工单", markup=False)
            self.fill(focus=oid)

        self.app.push_screen(OrderDialog(names, on_submit=submit))

    def action_attach(self) -> None:
        """The liaison attaches one of their department's drafts to the highlighted order."""
        o = self.current()
        if o is None:
            return
        drafts = [(stored_id(p), p.title) for p in self.store.library.department_policies(self.liaison)
                  if p.status.value == "draft"]
        if not drafts:
            self.notify("本单位没有政策草稿：请先在政策库按 a 起草", severity="warning", markup=False)
            return

        def submit(dialog: FormDialog[int], pid: int) -> None:
            try:
                self.store.orders.attach(self.user, o["id"], pid)
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(pid)
            self.notify("草稿已提交中心", markup=False)
            self.fill(focus=o["id"])

        self.app.push_screen(DraftPickDialog(drafts, on_submit=submit))

    def action_push(self) -> None:
        """The center sends the attached draft to chosen associations."""
        o = self.current()
        if o is None:
            return
        if o["policy_id"] is None:
            self.notify(f"{o['department']}尚未提交草稿", severity="warning", markup=False)
            return
        suggested = {stored_id(a) for a in self.store.library.suggest_associations(o["policy_id"])}

        def submit(dialog: FormDialog[PickedAssociations], value: PickedAssociations) -> None:
            try:
                self.store.orders.push(self.user, o["id"], value[0], COMMENT_WORKDAYS, value[1])
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(value)
            self.notify(f"已向 {len(value[0])} 家协会征求意见（{COMMENT_WORKDAYS} 个工作日内反馈）", markup=False)
            self.fill(focus=o["id"])

        self.app.push_screen(AssociationPicker(f"征求意见：{o['title']}", self.store.association_list(), suggested,
                                               note_label="说明（可不填）", on_submit=submit, id="order-push"))

    def action_open(self) -> None:
        """The order's comments: record, forward, answer."""
        o = self.current()
        if o is None or o["policy_id"] is None:
            self.notify("草稿提交后才有征求意见记录", severity="warning", markup=False)
            return
        self.app.push_screen(CommentRoundsScreen(o["policy_id"]), lambda _: self.fill(focus=o["id"]))

    def action_close(self) -> None:
        self.dismiss(None)


__all__ = ["OrderDialog", "OrdersScreen"]
