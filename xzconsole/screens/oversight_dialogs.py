"""The 问责 dialogs of 市纪委监委 on the ticket screen (issue 14).

:class:`AccountabilityDialog` opens a case — the responsible department
(by default the one holding the ticket) and the reason;
:class:`OutcomeDialog` closes one with its outcome, chosen from the usual
ones or typed.  Both are :class:`~.dialogs.FormDialog`: they stay open until
the store accepts the record, with what was typed kept on a refusal.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Label, Select

from ..textsafe import plain
from .base import select_value
from .dialogs import FormDialog, SubmitHook


class AccountabilityDialog(FormDialog[tuple[int, str]]):
    """启动问责: (responsible department id, reason)."""

    def __init__(self, heading: str, departments: list[tuple[str, int]], current: int | None, *,
                 on_submit: SubmitHook[tuple[int, str]] | None = None) -> None:
        super().__init__(heading, on_submit=on_submit)
        self.departments = departments
        self.current = current

    def compose_body(self) -> ComposeResult:
        yield Label("责任单位", classes="dialog-label")
        yield Select([(plain(n), i) for n, i in self.departments], prompt="选择责任单位", id="accountability-department",
                     value=self.current if self.current is not None else Select.NULL)
        yield Label("问责事由", classes="dialog-label")
        yield Input(placeholder="如：红色预警超期 10 个工作日仍未答复，督办后未整改", id="accountability-reason",
                    classes="dialog-input")

    def on_mount(self) -> None:
        self.query_one("#accountability-reason", Input).focus()

    def collect(self) -> tuple[int, str] | None:
        dept = select_value(self.query_one("#accountability-department", Select))
        reason = self.query_one("#accountability-reason", Input).value.strip()
        if dept is None:
            self.show_error("请选择责任单位")
            return None
        if not reason:
            self.show_error("请填写问责事由")
            return None
        return int(dept), reason

    @on(Input.Submitted, "#accountability-reason")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()


class OutcomeDialog(FormDialog[str]):
    """问责办结: the outcome (a usual one, or typed)."""

    def compose_body(self) -> ComposeResult:
        from ..areas.oversight import ACCOUNTABILITY_OUTCOMES

        yield Label("处理结果", classes="dialog-label")
        yield Select([(o, o) for o in ACCOUNTABILITY_OUTCOMES], prompt="常用结果（可选）", id="outcome-choice")
        yield Input(placeholder="处理结果及说明，如：对责任人诫勉谈话，限期整改", id="outcome-text", classes="dialog-input")

    def on_mount(self) -> None:
        self.query_one("#outcome-text", Input).focus()

    @on(Select.Changed, "#outcome-choice")
    def _chosen(self, event: Select.Changed) -> None:
        box = self.query_one("#outcome-text", Input)
        if isinstance(event.value, str) and not box.value.strip():
            box.value = event.value

    def collect(self) -> str | None:
        text = self.query_one("#outcome-text", Input).value.strip()
        if not text:
            choice = select_value(self.query_one("#outcome-choice", Select))
            text = str(choice) if choice else ""
        if not text:
            self.show_error("请填写处理结果")
            return None
        return text

    @on(Input.Submitted, "#outcome-text")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()


__all__ = ["AccountabilityDialog", "OutcomeDialog"]
