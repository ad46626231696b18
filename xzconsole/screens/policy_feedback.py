"""政策反馈: what enterprises say about one policy (SPEC §6).

The summary by topic and the feedback rows of one policy; clerks and
supervisors record feedback, and a supervisor turns a complaint that a
department waters the policy down into a supervised ticket in one action.
"""

from __future__ import annotations

from typing import Any, TypedDict

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Checkbox, DataTable, Input, Select, Static, TextArea

from .base import AppAccess, select_value, store_error_types
from .. import policies as pol
from ..models import Role
from ..textsafe import literal, plain
from ..widgets.header import ConsoleHeader
from ..widgets.key_bar import KeyBar
from .dialogs import ConfirmDialog, FormDialog, SubmitHook


# ---------------------------------------------------------------- feedback


class FeedbackForm(TypedDict):
    """What :class:`FeedbackDialog` collects: the store's ``feedback.record`` keywords."""

    enterprise_name: str
    uscc: str | None
    topic: str
    satisfaction: str
    text: str
    complaint: bool
    department: str | None


class FeedbackDialog(FormDialog[FeedbackForm]):
    """登记政策反馈: enterprise, topic, satisfaction, text, and whether it is a
    complaint that a department waters the policy down (then which one)."""

    HINT = "Ctrl+S 确定 · Esc 取消"

    def __init__(self, departments: list[str], *, on_submit: SubmitHook[FeedbackForm] | None = None) -> None:
        super().__init__("登记政策反馈", on_submit=on_submit, id="feedback-dialog")
        self.departments = departments

    def compose_body(self) -> ComposeResult:
        # compact widgets with their label as placeholder: the whole form fits in 80×24
        yield Input("", placeholder="企业名称", id="fb-name", classes="dialog-input", compact=True)
        yield Input("", placeholder="统一社会信用代码（可不填）", id="fb-uscc", classes="dialog-input", compact=True)
        with Horizontal(classes="feedback-row"):
            yield Select([(t, t) for t in pol.FEEDBACK_TOPICS], prompt="反馈主题", id="fb-topic", compact=True)
            yield Select([(v, k) for k, v in pol.FEEDBACK_SATISFACTION.items()], prompt="满意度", id="fb-sat",
                         compact=True)
        area = TextArea("", id="fb-text", classes="feedback-text", soft_wrap=True, compact=True)
        area.placeholder = "反馈内容"
        yield area
        yield Checkbox("投诉部门落实不到位", id="fb-complaint", compact=True)
        yield Select([(plain(d), d) for d in self.departments], prompt="被投诉的部门", id="fb-dept", compact=True)

    def on_mount(self) -> None:
        self.query_one("#fb-name", Input).focus()

    def collect(self) -> FeedbackForm | None:
        topics: Select[str] = self.query_one("#fb-topic", Select)
        satisfaction: Select[str] = self.query_one("#fb-sat", Select)
        departments: Select[str] = self.query_one("#fb-dept", Select)
        name = self.query_one("#fb-name", Input).value.strip()
        uscc = self.query_one("#fb-uscc", Input).value.strip() or None
        topic, sat = select_value(topics), select_value(satisfaction)
        text = self.query_one("#fb-text", TextArea).text.strip()
        complaint = self.query_one("#fb-complaint", Checkbox).value
        department = select_value(departments)
        if not name:
            self.show_error("请填写企业名称")
        elif topic is None:
            self.show_error("请选择反馈主题")
        elif sat is None:
            self.show_error("请选择满意度")
        elif complaint and department is None:
            self.show_error("投诉部门落实不到位，须选择被投诉的部门")
        else:
            return FeedbackForm(enterprise_name=name, uscc=uscc, topic=topic, satisfaction=sat, text=text,
                                complaint=complaint, department=department)
        return None


class FeedbackScreen(AppAccess, Screen[None]):
    """政策反馈: the summary by topic and the feedback rows of one policy;
    record feedback (clerks and supervisors), and turn a complaint that a
    department waters the policy down into a supervised ticket in one action
    (supervisors)."""

    BINDINGS = [
        Binding("a", "record", "登记反馈", id="feedback.record"),
        Binding("t", "to_ticket", "转督办工单", id="feedback.to_ticket"),
        Binding("escape,q", "close", "返回", id="feedback.close"),
    ]

    def __init__(self, policy_id: int) -> None:
        super().__init__()
        self.policy_id = policy_id
        self.rows: list[dict[str, Any]] = []


    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        role = self.user.role
        if action == "to_ticket" and role is not Role.SUPERVISOR:
            return False
        if action == "record" and role not in (Role.CLERK, Role.SUPERVISOR):
            return False
        return True

    def compose(self) -> ComposeResult:
        p = self.store.library.get(self.policy_id)
        yield ConsoleHeader("政策反馈", id="header")
        yield Static(literal(f"政策反馈：{p.title}"), id="feedback-title")
        yield DataTable(id="feedback-summary", cursor_type="none", zebra_stripes=True)
        yield DataTable(id="feedback-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="feedback-detail")
        yield KeyBar()

    def on_mount(self) -> None:
        s = self.query_one("#feedback-summary", DataTable)
        s.add_columns("主题", "条数", "满意", "基本满意", "不满意", "投诉", "满意率")
        t = self.query_one("#feedback-table", DataTable)
        t.add_columns("时间", "企业", "主题", "满意度", "投诉", "工单")
        self.refresh_feedback()
        t.focus()

    def refresh_feedback(self) -> None:
        """Read the summary and the rows again."""
        s = self.query_one("#feedback-summary", DataTable)
        s.clear()
        for topic, d in self.store.feedback.summary(policy_id=self.policy_id).items():
            rate = "—" if d["satisfaction_rate"] is None else f"{d['satisfaction_rate'] * 100:.1f}%"
            s.add_row(literal(topic), *(Text(str(d[k])) for k in ("count", "satisfied", "basically_satisfied",
                                                                   "unsatisfied", "complaints")), Text(rate))
        self.rows = self.store.feedback.entries(policy_id=self.policy_id, limit=200)
        t = self.query_one("#feedback-table", DataTable)
        t.clear()
        numbers = {}
        for r in self.rows:
            if r["ticket_id"]:
                try:
                    numbers[r["id"]] = self.store.tickets.get(self.user, r["ticket_id"]).number
                except store_error_types():
                    numbers[r["id"]] = f"#{r['ticket_id']}"
            t.add_row(Text(r["at"].replace("T", " ")[:16]), literal(r["enterprise_name"]), literal(r["topic"]),
                      Text(pol.FEEDBACK_SATISFACTION[r["satisfaction"]]),
                      literal(f"{r['department']}落实不到位" if r["complaint"] else ""),
                      Text(numbers.get(r["id"], "")), key=str(r["id"]))
        self._detail()

    def current(self) -> dict[str, Any] | None:
        t = self.query_one("#feedback-table", DataTable)
        if not self.rows or t.cursor_row is None or t.cursor_row >= len(self.rows):
            return None
        return self.rows[t.cursor_row]

    @on(DataTable.RowHighlighted, "#feedback-table")
    def _detail(self) -> None:
        r = self.current()
        box = self.query_one("#feedback-detail", Static)
        if r is None:
            box.update("暂无反馈。按 a 登记一条。")
            return
        box.update(literal(r["text"] or "（未填写具体内容）", single_line=False))

    def action_record(self) -> None:
        """Record an enterprise's feedback on this policy."""
        names = [d.short_name for d in self.store.departments()]

        def submit(dialog: FormDialog[FeedbackForm], v: FeedbackForm) -> None:
            try:
                self.store.feedback.record(self.user, self.policy_id, **v)
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(v)
            self.notify("反馈已登记", markup=False)
            self.refresh_feedback()

        self.app.push_screen(FeedbackDialog(names, on_submit=submit))

    def action_to_ticket(self) -> None:
        """Turn the highlighted complaint into a supervised ticket (受理 → 派发 → 督办)."""
        r = self.current()
        if r is None:
            self.notify("请先选择一条反馈", severity="warning", markup=False)
            return

        def done(ok: bool | None) -> None:
            if not ok:
                return
            try:
                t = self.store.feedback.to_ticket(self.user, r["id"])
            except store_error_types() as exc:
                self.notify(plain(exc), title="未能完成", severity="error", markup=False, timeout=8)
                return
            self.notify(f"已生成督办工单 {t.number}，派发 {plain(t.department_name)}", markup=False)
            self.refresh_feedback()

        self.app.push_screen(ConfirmDialog("转为督办工单", f"{r['enterprise_name']}：{r['text'] or r['topic']}\n"
                                           "将受理为投诉、派发被投诉部门并督办。", "转督办"), done)

    def action_close(self) -> None:
        """Back to the library."""
        self.dismiss(None)


__all__ = ["FeedbackDialog", "FeedbackForm", "FeedbackScreen"]
