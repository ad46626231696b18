"""A policy and the industry associations (SPEC §6): 定向推送 and 定制点餐.

Supervisors push a published policy to chosen associations
(:class:`AssociationPicker`, those subscribed to its category pre-selected)
and see where it went (:class:`PushHistoryScreen`); a draft is sent out for
comments in rounds (:class:`CommentRoundsScreen`), where clerks record what
comes back and supervisors forward it and record each comment's fate.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Select, SelectionList, Static, TextArea

from .base import AppAccess, select_value, store_error_types, stored_id
from ..models import Association, PolicyStatus, Role
from ..textsafe import literal, plain
from ..widgets.checklist import CheckList
from ..widgets.header import ConsoleHeader
from ..widgets.key_bar import KeyBar
from .dialogs import FormDialog, ReasonDialog, SubmitHook


# ---------------------------------------------------------------- associations: push and comment rounds


#: what :class:`AssociationPicker` gives: the chosen ids, the note, and the
#: deadline (None unless the picker was opened with one)
PickedAssociations = tuple[list[int], str, dt.date | None]


class AssociationPicker(FormDialog[PickedAssociations]):
    """Choose associations (space toggles), with the given ones pre-selected,
    plus a note; optionally a deadline (comment rounds).  Dismisses with
    (ids, note, deadline) — the deadline None unless ``deadline`` is asked."""

    HINT = "空格 选择/取消 · Ctrl+S 确定 · Esc 取消"

    def __init__(self, heading: str, associations: list[Association], preselected: set[int], *,
                 note_label: str = "说明", deadline: dt.date | None = None,
                 on_submit: SubmitHook[PickedAssociations] | None = None, id: str | None = None) -> None:
        super().__init__(heading, on_submit=on_submit, id=id)
        self.associations = associations
        self.preselected = preselected
        self.note_label = note_label
        self.deadline = deadline

    def compose_body(self) -> ComposeResult:
        subscribed = Text(" （★ 订阅了该类别）", style="dim") if self.preselected else Text("")
        yield Label(Text("协会") + subscribed, classes="dialog-label")
        items = []
        for a in self.associations:
            label = literal(("★ " if a.id in self.preselected else "  ") + a.name)
            items.append((label, stored_id(a), a.id in self.preselected))
        yield CheckList[int](*items, id="assoc-list", classes="dialog-list")
        # how many are chosen of how many: the list may show only some of them (issue 16 item 10)
        yield Static("", id="assoc-count", classes="dialog-hint", markup=False)
        if self.deadline is not None:
            yield Label("反馈截止日期（YYYY-MM-DD）", classes="dialog-label")
            yield Input(self.deadline.isoformat(), id="assoc-deadline", classes="dialog-input")
        yield Label(self.note_label, classes="dialog-label")
        yield Input("", id="assoc-note", classes="dialog-input")

    def on_mount(self) -> None:
        self.query_one("#assoc-list", SelectionList).focus()
        self._count()

    @on(SelectionList.SelectedChanged, "#assoc-list")
    def _count(self) -> None:
        n, total = len(self.selected_ids), len(self.associations)
        more = "（↑↓ 滚动查看全部）" if total > 10 else ""
        self.query_one("#assoc-count", Static).update(f"已选 {n} 家 / 共 {total} 家{more}")

    @property
    def selected_ids(self) -> list[int]:
        return list(self.query_one("#assoc-list", SelectionList).selected)

    def collect(self) -> PickedAssociations | None:
        ids = self.selected_ids
        if not ids:
            self.show_error("请至少选择一家协会")
            return None
        note = self.query_one("#assoc-note", Input).value.strip()
        if self.deadline is None:
            return ids, note, None
        raw = self.query_one("#assoc-deadline", Input).value.strip()
        try:
            deadline = dt.date.fromisoformat(raw.replace("/", "-"))
        except ValueError:
            self.show_error(f"截止日期“{plain(raw)}”无效，应为 YYYY-MM-DD")
            return None
        return ids, note, deadline

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()


class PushHistoryScreen(AppAccess, Screen[None]):
    """One policy's pushes (newest first) and, for the highlighted push, that
    association's pushes of every policy."""

    BINDINGS = [Binding("escape,q", "close", "返回", id="push_history.close")]

    def __init__(self, policy_id: int) -> None:
        super().__init__()
        self.policy_id = policy_id
        self.rows: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        store = self.store
        p = store.library.get(self.policy_id)
        yield ConsoleHeader("推送记录", id="header")
        yield Static(literal(f"推送记录：{p.title}"), id="push-title")
        yield DataTable(id="push-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="push-assoc", markup=False)
        yield DataTable(id="push-assoc-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        store = self.store
        self.rows = store.library.push_history(policy_id=self.policy_id)
        t = self.query_one("#push-table", DataTable)
        t.add_columns("时间", "协会", "推送人", "说明")
        for r in self.rows:
            t.add_row(Text(r["at"].replace("T", " ")[:16]), literal(r["association_name"]), literal(r["actor_name"]),
                      literal(r["note"] or ""), key=str(r["id"]))
        a = self.query_one("#push-assoc-table", DataTable)
        a.add_columns("时间", "政策", "说明")
        if not self.rows:
            self.query_one("#push-assoc", Static).update("该政策尚未推送")
        t.focus()
        self._show_association()

    @on(DataTable.RowHighlighted, "#push-table")
    def _show_association(self) -> None:
        t = self.query_one("#push-table", DataTable)
        if not self.rows or t.cursor_row is None or t.cursor_row >= len(self.rows):
            return
        r = self.rows[t.cursor_row]
        store = self.store
        self.query_one("#push-assoc", Static).update(f"{plain(r['association_name'])} 收到的推送")
        a = self.query_one("#push-assoc-table", DataTable)
        a.clear()
        for h in store.library.push_history(association_id=r["association_id"], limit=50):
            a.add_row(Text(h["at"].replace("T", " ")[:16]), literal(h["policy_title"]), literal(h["note"] or ""))

    def action_close(self) -> None:
        """Back to the library."""
        self.dismiss(None)


class CommentDialog(FormDialog[tuple[int, str]]):
    """登记意见: which association (of the round) and its comment."""

    HINT = "Ctrl+S 确定 · Esc 取消"

    def __init__(self, associations: list[dict[str, Any]], *, on_submit: SubmitHook[tuple[int, str]] | None = None) -> None:
        super().__init__("登记协会意见", on_submit=on_submit, id="comment-dialog")
        self.associations = associations

    def compose_body(self) -> ComposeResult:
        yield Label("协会", classes="dialog-label")
        yield Select([(plain(a["name"]), a["id"]) for a in self.associations], prompt="选择协会", id="comment-assoc",
                     value=self.associations[0]["id"] if self.associations else Select.NULL)
        yield Label("意见内容", classes="dialog-label")
        yield TextArea("", id="comment-text", classes="dialog-textarea", soft_wrap=True)

    def on_mount(self) -> None:
        self.query_one("#comment-text", TextArea).focus()

    def collect(self) -> tuple[int, str] | None:
        aid = select_value(self.query_one("#comment-assoc", Select))
        text = self.query_one("#comment-text", TextArea).text.strip()
        if aid is None:
            self.show_error("请选择协会")
            return None
        if not text:
            self.show_error("请填写意见内容")
            return None
        return int(aid), text


DECISIONS = {"adopted": "采纳", "rejected": "不采纳"}


class CommentRoundsScreen(AppAccess, Screen[None]):
    """定制点餐: a draft's comment rounds and every comment with its fate.

    Supervisors open a round (draft only), forward the comments to the
    issuing department and record adoption or rejection with a reason;
    clerks record the comments that come in."""

    BINDINGS = [
        Binding("o", "open_round", "发起征求", id="comments.open"),
        Binding("a", "record", "登记意见", id="comments.record"),
        Binding("f", "forward", "转交发文单位", id="comments.forward"),
        Binding("y", "decide(True)", "采纳", id="comments.adopt"),
        Binding("x", "decide(False)", "不采纳", id="comments.reject"),
        Binding("escape,q", "close", "返回", id="comments.close"),
    ]
    MANAGER_ACTIONS = {"open_round", "forward", "decide"}

    def __init__(self, policy_id: int) -> None:
        super().__init__()
        self.policy_id = policy_id
        self.rounds: list[dict[str, Any]] = []
        self.lines: list[tuple[dict[str, Any], dict[str, Any] | None]] = []  # (round, comment or None)


    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "decide" and self.user.role is Role.DEPARTMENT:
            return True  # the department answers the comments forwarded to it (the store checks which)
        if action in self.MANAGER_ACTIONS and self.user.role is not Role.SUPERVISOR:
            return False
        if action == "record" and self.user.role is Role.DEPARTMENT:
            return False
        return True

    def compose(self) -> ComposeResult:
        p = self.store.library.get(self.policy_id)
        yield ConsoleHeader("征求意见（定制点餐）", id="header")
        yield Static(literal(f"{p.title}（{p.status.label}）"), id="comments-title")
        yield DataTable(id="comments-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="comments-detail")
        yield KeyBar()

    def on_mount(self) -> None:
        t = self.query_one("#comments-table", DataTable)
        t.add_columns("轮次", "协会", "意见", "转交", "采纳")
        self.refresh_rounds()
        t.focus()

    def refresh_rounds(self) -> None:
        """Read the rounds again and redraw the table."""
        self.rounds = self.store.comments.rounds(self.policy_id)
        t = self.query_one("#comments-table", DataTable)
        row = t.cursor_row
        t.clear()
        self.lines = []
        for r in self.rounds:
            head = Text(f"第{r['id']}轮 {r['status_label']} 截止{r['deadline']}")
            if not r["comments"]:
                names = "、".join(a["name"] for a in r["associations"])
                t.add_row(head, literal(names), Text("（尚无意见）", style="dim"), Text(""), Text(""))
                self.lines.append((r, None))
            for c in r["comments"]:
                t.add_row(head, literal(c["association_name"]), literal(c["text"]),
                          Text(plain(c["forwarded_to"]) if c["forwarded_at"] else "未转交"),
                          Text(DECISIONS.get(c["decision"] or "", "待反馈")))
                self.lines.append((r, c))
        if row is not None and self.lines:
            t.move_cursor(row=min(row, len(self.lines) - 1))
        self._detail()

    def current(self) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """The highlighted (round, comment)."""
        t = self.query_one("#comments-table", DataTable)
        if not self.lines or t.cursor_row is None or t.cursor_row >= len(self.lines):
            return (self.rounds[-1] if self.rounds else None), None
        return self.lines[t.cursor_row]

    @on(DataTable.RowHighlighted, "#comments-table")
    def _detail(self) -> None:
        r, c = self.current()
        box = self.query_one("#comments-detail", Static)
        if r is None:
            box.update("尚未征求意见。草稿政策可按 o 发起征求意见。")
            return
        text = Text()
        text.append_text(literal(f"第 {r['id']} 轮 · {r['status_label']} · 截止 {r['deadline']} · 征求："
                                 + "、".join(a["name"] for a in r["associations"])))
        if c is not None:
            text.append("\n")
            text.append_text(literal(c["text"], single_line=False))
            if c["decision"]:
                text.append("\n")
                text.append_text(literal(f"{DECISIONS[c['decision']]}：{c['reason']}"))
        box.update(text)

    def _fail(self, exc: BaseException) -> None:
        self.notify(plain(exc), title="未能完成", severity="error", markup=False, timeout=8)

    def action_open_round(self) -> None:
        """Send the draft to chosen associations for comments."""
        p = self.store.library.get(self.policy_id)
        if p.status is not PolicyStatus.DRAFT:
            self.notify(f"只有草稿政策可以征求意见（当前为“{p.status.label}”）", severity="warning", markup=False)
            return
        suggested = {stored_id(a) for a in self.store.library.suggest_associations(self.policy_id)}
        deadline = self.clock.today() + dt.timedelta(days=7)

        def submit(dialog: FormDialog[PickedAssociations], value: PickedAssociations) -> None:
            ids, note, when = value
            assert when is not None  # the picker was opened with a deadline
            try:
                self.store.comments.open_round(self.user, self.policy_id, ids, when, note)
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(value)
            self.notify(f"已向 {len(ids)} 家协会征求意见", markup=False)
            self.refresh_rounds()

        self.app.push_screen(AssociationPicker(f"征求意见：{p.title}", self.store.association_list(), suggested,
                                               note_label="说明（可不填）", deadline=deadline, on_submit=submit,
                                               id="round-dialog"))

    def action_record(self) -> None:
        """Record an association's comment in the highlighted round."""
        r, _ = self.current()
        if r is None:
            self.notify("尚未发起征求意见", severity="warning", markup=False)
            return

        def submit(dialog: FormDialog[tuple[int, str]], value: tuple[int, str]) -> None:
            try:
                self.store.comments.record(self.user, r["id"], value[0], value[1])
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(value)
            self.notify("意见已登记", markup=False)
            self.refresh_rounds()

        self.app.push_screen(CommentDialog(r["associations"], on_submit=submit))

    def action_forward(self) -> None:
        """Forward the round's comments to the issuing department."""
        r, _ = self.current()
        if r is None:
            return
        try:
            n = self.store.comments.forward(self.user, r["id"])
        except store_error_types() as exc:
            self._fail(exc)
            return
        self.notify(f"已转交 {n} 条意见", markup=False)
        self.refresh_rounds()

    def action_decide(self, adopted: bool) -> None:
        """Record the issuing department's adoption or rejection, with a reason."""
        _, c = self.current()
        if c is None:
            self.notify("请先选择一条意见", severity="warning", markup=False)
            return

        def submit(dialog: FormDialog[str], reason: str) -> None:
            try:
                self.store.comments.decide(self.user, c["id"], adopted, reason)
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(reason)
            self.refresh_rounds()

        word = "采纳" if adopted else "不采纳"
        self.app.push_screen(ReasonDialog(f"{word}：{c['association_name']}的意见", label=f"{word}理由",
                                          on_submit=submit, id="decide-dialog"))

    def action_close(self) -> None:
        """Back to the library."""
        self.dismiss(None)


__all__ = ["DECISIONS", "AssociationPicker", "PickedAssociations", "CommentDialog", "CommentRoundsScreen", "PushHistoryScreen"]
