"""The app's own two read-only overlays: F1's list of the keys of the screen
underneath, and a policy's preview from the command palette.  Loaded with the
first of them, not with the console (issue 11); styled by places.tcss."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..textsafe import literal, plain

if TYPE_CHECKING:
    from ..models import Policy


class HelpScreen(ModalScreen[None]):
    """F1: every key of the screen underneath, with what it does."""

    BINDINGS = [Binding("escape,f1,q", "close", "关闭", id="help.close")]

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static("按键说明（Esc 关闭）", markup=False)
            yield Static("\n".join(self.lines), markup=False)

    def action_close(self) -> None:
        self.dismiss(None)


class PolicyPreview(ModalScreen[None]):
    """A policy's title and summary, read-only (from the command palette)."""

    BINDINGS = [Binding("escape,enter,q", "close", "关闭", id="policy_preview.close")]

    def __init__(self, policy: Policy) -> None:
        super().__init__()
        self.policy = policy

    def compose(self) -> ComposeResult:
        p = self.policy
        meta = " · ".join(x for x in (plain(p.doc_number), plain(p.issuer), p.level.label, p.kind.label, p.status.label) if x)
        until = f" · 截止 {p.valid_until}" if p.valid_until else ""
        interpreter = f"解读人：{plain(p.interpreter_name)} {plain(p.interpreter_phone)}" if p.interpreter_name else "解读人：未填写"
        with VerticalScroll(id="policy-box"):
            yield Static(literal(p.title), id="policy-title")
            yield Static(literal(meta + until), id="policy-meta")
            yield Static(literal(p.summary or "（暂无摘要）", single_line=False), id="policy-summary")
            yield Static(literal(interpreter), id="policy-interpreter")

    def action_close(self) -> None:
        self.dismiss(None)
