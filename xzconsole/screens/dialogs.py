"""Modal dialogs of the ticket workflow: reasons, dispatch, extension, follow-up,
merge, confirmation and answering from the knowledge base.

Every dialog is keyboard-first: Enter (or Ctrl+S where Enter types a new line)
submits, Esc cancels, and the dialog's bindings sit in its own footer.  All
user text a dialog shows (titles, department names, ticket contents, knowledge
entries) goes through :mod:`xzconsole.textsafe`, so markup and terminal escape
bytes display as text.

A dialog is used in one of two ways:

* pushed with a callback (``push_screen(DispatchDialog(), callback)``): it
  dismisses with its value, or ``None`` when cancelled;
* pushed with ``on_submit=fn``: on submit it calls ``fn(dialog, value)`` and
  stays open.  The caller performs the action and then either dismisses the
  dialog (success) or calls :meth:`FormDialog.show_error` — so when another
  console changed the ticket meanwhile, the message appears in the dialog and
  everything the user typed is still there to submit again.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Callable, Generic, Iterable, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, RadioButton, RadioSet, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from .base import AppAccess, stored_id
from .. import pinyin_keys, rules
from ..clock import weekday_cn
from ..models import Satisfaction, Ticket
from ..textsafe import literal, plain
from ..widgets.key_bar import KeyBar
from ..widgets.wrapped import WrappedText

if TYPE_CHECKING:  # types only: the pydantic models load when first used, not with the console (issue 11)
    from ..models import Department, KnowledgeEntry

T = TypeVar("T")

#: ``on_submit(dialog, value)``: perform the action, then dismiss the dialog or show the refusal in it
SubmitHook = Callable[["FormDialog[T]", T], None]


class FormDialog(ModalScreen[T], Generic[T]):
    """A centred box: heading, body, an error line, OK/Cancel buttons, and a footer.

    Subclasses compose the body in :meth:`compose_body` and turn what was typed
    into a value in :meth:`collect` (returning ``None`` after showing an error
    when the input is not acceptable yet).
    """

    BINDINGS = [
        Binding("escape", "cancel", "取消", id="dialog.cancel"),
        Binding("ctrl+s", "submit", "确定", id="dialog.submit", priority=True),
    ]

    #: what the footer-less hint line under the buttons says
    HINT = "Enter 确定 · Esc 取消"

    def __init__(self, heading: str, *, on_submit: SubmitHook[T] | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.heading = heading
        self._on_submit = on_submit
        self._busy = False

    # -- layout ---------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(literal(self.heading), classes="dialog-title")
            yield from self.compose_body()
            yield Static("", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("确定", variant="primary", compact=True, classes="dialog-ok")
                yield Button("取消", compact=True, classes="dialog-cancel")
            yield Static(self.HINT, classes="dialog-hint")
        yield KeyBar()

    def compose_body(self) -> ComposeResult:  # pragma: no cover - overridden
        yield from ()

    # -- behaviour ----------------------------------------------------------------
    def collect(self) -> T | None:  # pragma: no cover - overridden
        raise NotImplementedError

    def action_submit(self) -> None:
        """Check what was typed and hand the value on (or dismiss with it)."""
        if self._busy:
            return
        value = self.collect()
        if value is None:
            return
        self.clear_error()
        if self._on_submit is None:
            self.dismiss(value)
        else:
            self._busy = True
            self.add_class("-busy")
            self._on_submit(self, value)

    def action_cancel(self) -> None:
        """Close without doing anything."""
        self.dismiss(None)

    def show_error(self, message: str) -> None:
        """Say what went wrong inside the dialog; what was typed stays as it is."""
        self._busy = False
        self.remove_class("-busy")
        err = self.query_one(".dialog-error", Static)
        err.update(literal(message))
        err.add_class("-shown")

    def clear_error(self) -> None:
        err = self.query_one(".dialog-error", Static)
        err.update("")
        err.remove_class("-shown")

    @property
    def error_text(self) -> str:
        """The error line as plain text (what the user reads)."""
        return str(self.query_one(".dialog-error", Static).render())

    @on(Button.Pressed, ".dialog-ok")
    def _ok_pressed(self) -> None:
        self.action_submit()

    @on(Button.Pressed, ".dialog-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()


# ---------------------------------------------------------------- reason / text


class ReasonDialog(FormDialog[str]):
    """A reason, note or reply text.  One line by default (Enter submits); with
    ``multiline`` a text area where Enter types a new line and Ctrl+S submits."""

    def __init__(
        self,
        title: str,
        placeholder: str = "",
        initial: str = "",
        *,
        label: str = "",
        multiline: bool = False,
        required: bool = True,
        on_submit: SubmitHook[str] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(title, on_submit=on_submit, id=id)
        self.placeholder = placeholder
        self.initial = initial
        self.label = label
        self.multiline = multiline
        self.required = required
        if multiline:
            self.HINT = "Ctrl+S 确定 · Esc 取消"

    def compose_body(self) -> ComposeResult:
        if self.label:
            yield Label(literal(self.label), classes="dialog-label")
        if self.multiline:
            area = TextArea(self.initial, id="reason-text", classes="dialog-textarea", soft_wrap=True, show_line_numbers=False)
            area.placeholder = self.placeholder
            yield area
        else:
            yield Input(self.initial, placeholder=self.placeholder, id="reason-text", classes="dialog-input")

    def on_mount(self) -> None:
        self.query_one("#reason-text").focus()

    @property
    def text(self) -> str:
        """What is typed now (kept across failed submits)."""
        w = self.query_one("#reason-text")
        return w.text if isinstance(w, TextArea) else self.query_one("#reason-text", Input).value

    def collect(self) -> str | None:
        value = self.text.strip()
        if self.required and not value:
            self.show_error(f"请填写{self.label or '理由'}")
            return None
        return value

    @on(Input.Submitted, "#reason-text")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()


# ---------------------------------------------------------------- confirmation


class ConfirmDialog(FormDialog[bool]):
    """Yes or no: Enter (or Y) confirms, Esc (or N) cancels."""

    BINDINGS = [
        # not a priority binding: Enter on a focused 取消 button must still cancel
        Binding("enter,y", "submit", "确定", id="confirm.yes"),
        Binding("n", "cancel", "取消", id="confirm.no", show=False),
    ]
    HINT = "Enter 确定 · Esc 取消"

    def __init__(self, title: str, message: str = "", confirm_label: str = "确定", *,
                 on_submit: SubmitHook[bool] | None = None, id: str | None = None) -> None:
        super().__init__(title, on_submit=on_submit, id=id)
        self.message = message
        self.confirm_label = confirm_label

    def compose_body(self) -> ComposeResult:
        if self.message:
            yield WrappedText(literal(self.message, single_line=False), classes="dialog-message")

    def on_mount(self) -> None:
        self.query_one(".dialog-ok", Button).label = self.confirm_label

    def collect(self) -> bool | None:
        return True


# ---------------------------------------------------------------- one of a list


class ChoiceDialog(FormDialog[int]):
    """One of a short list (the queue's centers): the arrows move, Enter
    chooses, Esc leaves everything as it was.  Dismisses with the index
    chosen; the entries are shown literally."""

    HINT = "↑↓ 选择 · Enter 确定 · Esc 取消"

    def __init__(self, title: str, choices: Iterable[str], current: int = 0, *, id: str | None = None) -> None:
        super().__init__(title, id=id)
        self.choices = list(choices)
        self.current = current

    def compose_body(self) -> ComposeResult:
        yield OptionList(*[Option(literal(c)) for c in self.choices], id="choice-list", classes="dialog-list")

    def on_mount(self) -> None:
        options = self.query_one("#choice-list", OptionList)
        options.highlighted = min(max(self.current, 0), len(self.choices) - 1) if self.choices else None
        options.focus()

    def collect(self) -> int | None:
        index = self.query_one("#choice-list", OptionList).highlighted
        if index is None:
            self.show_error("请选择一项")
        return index

    @on(OptionList.OptionSelected, "#choice-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_submit()


# ---------------------------------------------------------------- dispatch


def dispatch_preview(dept: Department, limit: int, due: dt.date, provisional: bool) -> str:
    """"市人社局 · 3 个工作日 · 截止 2026-12-03 周四" (plus 暂定 on a provisional date)."""
    text = f"{dept.short_name} · {limit} 个工作日 · 截止 {due.isoformat()} {weekday_cn(due)}"
    return text + (" 暂定" if provisional else "")


class DispatchDialog(AppAccess, FormDialog[int]):
    """Choose the department to dispatch to, from a list searchable by full
    name, short name or code, with the due date it would get if dispatched now.

    ``appeal_type`` is None for a bulk dispatch of mixed tickets: each then
    gets the limit of its own type, which the preview says instead of a date.
    Dismisses with the department's id.
    """

    BINDINGS = [
        Binding("down", "move(1)", "下一个", id="dispatch.down", show=False),
        Binding("up", "move(-1)", "上一个", id="dispatch.up", show=False),
    ]

    def __init__(self, appeal_type: str | None = None, initial: int | None = None, *,
                 title: str = "派发", on_submit: SubmitHook[int] | None = None, id: str | None = None) -> None:
        super().__init__(title, on_submit=on_submit, id=id)
        self.appeal_type = appeal_type
        self.initial = initial
        self._departments: list[Department] = []
        self._shown: list[Department] = []

    def compose_body(self) -> ComposeResult:
        # one line high: with ten departments listed the dialog keeps its heading at 80×24
        yield Input(placeholder="输入单位全称、简称或代码筛选", id="dispatch-search", classes="dialog-input", compact=True)
        yield OptionList(id="dispatch-list", classes="dialog-list")
        yield Static("", id="dispatch-preview", classes="dialog-preview")

    def on_mount(self) -> None:
        self._departments = self.store.departments()
        self._fill("")
        if self.initial is not None:
            for i, d in enumerate(self._shown):
                if d.id == self.initial:
                    self.query_one("#dispatch-list", OptionList).highlighted = i
        self._preview()
        self.query_one("#dispatch-search", Input).focus()

    def _fill(self, text: str) -> None:
        t = text.strip().lower()
        self._shown = [d for d in self._departments
                       if not t or t in d.name.lower() or t in d.short_name.lower() or t in d.code.lower()
                       or pinyin_keys.matches(t, d.short_name) or pinyin_keys.matches(t, d.name)]
        ol = self.query_one("#dispatch-list", OptionList)
        ol.clear_options()
        ol.add_options([Option(self._label(d), id=str(d.id)) for d in self._shown])
        if self._shown:
            ol.highlighted = 0

    @staticmethod
    def _label(d: Department) -> Text:
        label = literal(d.short_name)
        label.append("  ")
        label.append_text(literal(d.name))
        label.stylize("dim", len(d.short_name) + 2)
        return label

    @property
    def selected(self) -> Department | None:
        """The highlighted department."""
        idx = self.query_one("#dispatch-list", OptionList).highlighted
        if idx is None or not 0 <= idx < len(self._shown):
            return None
        return self._shown[idx]

    def _preview(self) -> None:
        dept = self.selected
        box = self.query_one("#dispatch-preview", Static)
        if dept is None:
            box.update("没有匹配的单位")
            return
        if self.appeal_type is None:
            box.update(literal(f"{dept.short_name} · 各工单按诉求类型计时（政策咨询 1 / 咨询求助、建议 3 / 其他 5 个工作日）"))
            return
        limit, due, provisional = self.store.tickets.preview_due(self.appeal_type)
        box.update(literal(dispatch_preview(dept, limit, due, provisional)))

    @property
    def preview_text(self) -> str:
        return str(self.query_one("#dispatch-preview", Static).render())

    @on(Input.Changed, "#dispatch-search")
    def _search(self, event: Input.Changed) -> None:
        self._fill(event.value)
        self._preview()

    @on(OptionList.OptionHighlighted, "#dispatch-list")
    def _highlighted(self) -> None:
        self._preview()

    @on(OptionList.OptionSelected, "#dispatch-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_submit()

    @on(Input.Submitted, "#dispatch-search")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_move(self, step: int) -> None:
        """Move the highlight in the department list while typing in the search."""
        ol = self.query_one("#dispatch-list", OptionList)
        if ol.option_count:
            ol.highlighted = max(0, min(ol.option_count - 1, (ol.highlighted or 0) + step))

    def collect(self) -> int | None:
        dept = self.selected
        if dept is None:
            self.show_error("请选择承办单位")
            return None
        return stored_id(dept)


# ---------------------------------------------------------------- extension


class ExtensionDialog(FormDialog[tuple[int, str]]):
    """申请延期: working days and a reason; at most 10 working days in all."""

    def __init__(self, already: int = 0, initial_days: str = "", initial_reason: str = "", *,
                 on_submit: SubmitHook[tuple[int, str]] | None = None, id: str | None = None) -> None:
        left = max(rules.MAX_EXTENSION_DAYS - already, 0)
        super().__init__(f"申请延期（已延期 {already} 个工作日，最多还可申请 {left} 个）", on_submit=on_submit, id=id)
        self.already = already
        self.initial_days = initial_days
        self.initial_reason = initial_reason

    def compose_body(self) -> ComposeResult:
        yield Label("延期天数（工作日）", classes="dialog-label")
        yield Input(self.initial_days, placeholder="如 3", id="ext-days", classes="dialog-input", type="integer")
        yield Label("延期理由", classes="dialog-label")
        yield Input(self.initial_reason, placeholder="说明需要延期的原因", id="ext-reason", classes="dialog-input")

    def on_mount(self) -> None:
        self.query_one("#ext-days", Input).focus()

    def collect(self) -> tuple[int, str] | None:
        raw = self.query_one("#ext-days", Input).value.strip()
        try:
            days = int(raw)
        except ValueError:
            self.show_error("延期天数应为整数个工作日")
            self.query_one("#ext-days", Input).focus()
            return None
        why = rules.extension_allowed(self.already, days)
        if why:
            self.show_error(why)
            self.query_one("#ext-days", Input).focus()
            return None
        reason = self.query_one("#ext-reason", Input).value.strip()
        if not reason:
            self.show_error("请填写延期理由")
            self.query_one("#ext-reason", Input).focus()
            return None
        return days, reason

    @on(Input.Submitted, "#ext-days")
    def _days_done(self, event: Input.Submitted) -> None:
        """Enter confirms, as the hint says; only with no reason yet it goes on to the reason."""
        event.stop()
        if self.query_one("#ext-reason", Input).value.strip():
            self.action_submit()
        else:
            self.query_one("#ext-reason", Input).focus()

    @on(Input.Submitted, "#ext-reason")
    def _reason_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()


# ---------------------------------------------------------------- follow-up

OUTCOMES = [Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED, Satisfaction.UNSATISFIED, Satisfaction.UNREACHABLE]


#: 是否解决 as the dialog offers it: not asked, solved, not solved
RESOLVED_CHOICES: list[tuple[bool | None, str]] = [(None, "未询问"), (True, "已解决"), (False, "未解决")]


class FollowUpDialog(FormDialog[tuple[Satisfaction, str, bool | None]]):
    """回访: one of the four outcomes (keys 1–4 or the list), the enterprise's
    answer to 是否解决 (y 已解决 / n 未解决 while the list has focus, or the
    buttons) and a note."""

    DEFAULT_CSS = """
    FollowUpDialog #followup-resolved-row {
        height: 1;
        width: 1fr;
    }
    FollowUpDialog .followup-resolved-label {
        color: $text-muted;
        margin-right: 1;
    }
    FollowUpDialog #followup-resolved {
        layout: horizontal;
        width: auto;
        height: auto;
        border: none;
        padding: 0;
        background: transparent;
    }
    FollowUpDialog #followup-resolved RadioButton {
        margin-right: 1;
        width: auto;
    }
    """

    BINDINGS = [
        *[Binding(str(i + 1), f"outcome({i})", o.label, id=f"followup.{o.value}") for i, o in enumerate(OUTCOMES)],
        Binding("y", "resolved(1)", "已解决", id="followup.resolved"),
        Binding("n", "resolved(2)", "未解决", id="followup.unresolved"),
    ]

    def __init__(self, initial_outcome: Satisfaction | None = None, initial_note: str = "", *,
                 unreachable_count: int = 0, initial_resolved: bool | None = None,
                 on_submit: SubmitHook[tuple[Satisfaction, str, bool | None]] | None = None,
                 id: str | None = None) -> None:
        super().__init__("回访", on_submit=on_submit, id=id)
        self.initial_outcome = initial_outcome
        self.initial_note = initial_note
        self.initial_resolved = initial_resolved
        self.unreachable_count = unreachable_count

    def compose_body(self) -> ComposeResult:
        yield Label("回访结果", classes="dialog-label")
        yield OptionList(*[Option(f"{i + 1}  {o.label}", id=o.value) for i, o in enumerate(OUTCOMES)],
                         id="followup-outcome", classes="dialog-list")
        # one line under the list (the dialog must still fit an 80×24 terminal)
        with Horizontal(id="followup-resolved-row"):
            yield Label("是否解决", classes="followup-resolved-label")
            with RadioSet(id="followup-resolved"):
                for value, label in RESOLVED_CHOICES:
                    key = {None: "unasked", True: "yes", False: "no"}[value]
                    yield RadioButton(label, value=value is self.initial_resolved, id=f"followup-resolved-{key}")
            yield Label("y 已解决 · n 未解决", classes="followup-resolved-label")
        if self.unreachable_count:
            yield Static(f"此前已 {self.unreachable_count} 次未联系上；第 {rules.UNREACHABLE_LIMIT} 次将按“多次未联系上”办结",
                         classes="dialog-message")
        yield Label("回访记录", classes="dialog-label")
        yield Input(self.initial_note, placeholder="企业的意见（可不填）", id="followup-note", classes="dialog-input")

    def on_mount(self) -> None:
        ol = self.query_one("#followup-outcome", OptionList)
        ol.highlighted = OUTCOMES.index(self.initial_outcome) if self.initial_outcome else 0
        ol.focus()

    @property
    def outcome(self) -> Satisfaction:
        idx = self.query_one("#followup-outcome", OptionList).highlighted or 0
        return OUTCOMES[idx]

    @property
    def resolved(self) -> bool | None:
        idx = self.query_one("#followup-resolved", RadioSet).pressed_index
        return RESOLVED_CHOICES[idx][0] if idx >= 0 else None

    def action_resolved(self, index: int) -> None:
        """Record the enterprise's 是否解决 answer by key (y / n)."""
        buttons = list(self.query_one("#followup-resolved", RadioSet).query(RadioButton))
        buttons[index].value = True

    def action_outcome(self, index: int) -> None:
        """Choose an outcome by number and go on to the note."""
        self.query_one("#followup-outcome", OptionList).highlighted = index
        self.query_one("#followup-note", Input).focus()

    @on(OptionList.OptionSelected, "#followup-outcome")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#followup-note", Input).focus()

    @on(Input.Submitted, "#followup-note")
    def _note_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def collect(self) -> tuple[Satisfaction, str, bool | None] | None:
        outcome, resolved = self.outcome, self.resolved
        if outcome is Satisfaction.UNREACHABLE and resolved is not None:
            self.show_error("未联系上企业，是否解决应为“未询问”")
            self.query_one("#followup-resolved", RadioSet).focus()
            return None
        return outcome, self.query_one("#followup-note", Input).value.strip(), resolved


# ---------------------------------------------------------------- merge


def ticket_line(t: Ticket) -> Text:
    """One open ticket as a list line: number · status · title (or content)."""
    line = Text(f"{t.number} · {t.status.label} · ")
    line.append_text(literal((t.title or t.content)[:40]))
    return line


class MergeDialog(FormDialog[int]):
    """合并重复诉求: choose the open ticket of the same enterprise to merge into."""

    def __init__(self, candidates: Iterable[Ticket], *, on_submit: SubmitHook[int] | None = None,
                 id: str | None = None) -> None:
        super().__init__("合并重复诉求：选择并入的工单", on_submit=on_submit, id=id)
        self.candidates = list(candidates)

    def compose_body(self) -> ComposeResult:
        if not self.candidates:
            yield Static("该企业没有其他未办结的工单", classes="dialog-message")
        yield OptionList(*[Option(ticket_line(t), id=str(t.id)) for t in self.candidates],
                         id="merge-list", classes="dialog-list")

    def on_mount(self) -> None:
        self.query_one("#merge-list", OptionList).focus()

    @on(OptionList.OptionSelected, "#merge-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_submit()

    def collect(self) -> int | None:
        idx = self.query_one("#merge-list", OptionList).highlighted
        if idx is None or not self.candidates:
            self.show_error("请选择要并入的工单")
            return None
        return self.candidates[idx].id


# ---------------------------------------------------------------- knowledge answer


class KnowledgeAnswerDialog(AppAccess, FormDialog[tuple[str, int | None]]):
    """直接答复: search the knowledge base, take an entry's answer, edit it, send.

    Dismisses with (answer text, knowledge entry id or None when written freely).
    """

    HINT = "Ctrl+S 答复 · Esc 取消"

    def __init__(self, query: str = "", initial_text: str = "", *,
                 on_submit: SubmitHook[tuple[str, int | None]] | None = None, id: str | None = None) -> None:
        super().__init__("直接答复（知识库）", on_submit=on_submit, id=id)
        self.initial_query = query
        self.initial_text = initial_text
        self._entries: list[KnowledgeEntry] = []
        self._chosen_id: int | None = None

    def compose_body(self) -> ComposeResult:
        yield Input(self.initial_query, placeholder="检索知识库（空格分隔多个词）", id="kb-search", classes="dialog-input")
        yield OptionList(id="kb-list", classes="dialog-list")
        yield Label("答复内容（Enter 选用条目的答案，可再修改）", classes="dialog-label")
        yield TextArea(self.initial_text, id="kb-answer", classes="dialog-textarea", soft_wrap=True)

    def on_mount(self) -> None:
        self._search(self.initial_query)
        self.query_one("#kb-search", Input).focus()

    def _search(self, words: str) -> None:
        self._find(words)

    @work(thread=True, exclusive=True, group="kb-dialog", exit_on_error=False)
    def _find(self, words: str) -> list[KnowledgeEntry]:
        """Rank entries in a worker, on a connection of its own (a big knowledge
        base takes several substring scans)."""
        with self.console_app.readers.reader() as store:
            return store.knowledge.suggest(words, limit=8)  # the same ranking as the intake form

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "kb-dialog":
            return
        if event.state is WorkerState.SUCCESS:
            found: list[KnowledgeEntry] | None = event.worker.result  # what _find returned
            if found is not None:
                self._show(found)
        elif event.state is WorkerState.ERROR:
            self.show_error(f"知识库检索失败：{event.worker.error}")

    def _show(self, entries: list[KnowledgeEntry]) -> None:
        self._entries = entries
        ol = self.query_one("#kb-list", OptionList)
        ol.clear_options()
        ol.add_options([Option(literal(e.question), id=str(e.id)) for e in self._entries])
        if self._entries:
            ol.highlighted = 0

    @on(Input.Submitted, "#kb-search")
    def _searched(self, event: Input.Submitted) -> None:
        event.stop()
        self._search(event.value)
        self.query_one("#kb-list", OptionList).focus()

    @on(OptionList.OptionSelected, "#kb-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        entry = self._entries[event.option_index]
        self._chosen_id = entry.id
        area = self.query_one("#kb-answer", TextArea)
        area.text = plain(entry.answer, single_line=False)
        area.focus()

    def collect(self) -> tuple[str, int | None] | None:
        text = self.query_one("#kb-answer", TextArea).text.strip()
        if not text:
            self.show_error("请填写答复内容，或从知识库选用一个条目")
            return None
        return text, self._chosen_id


__all__ = [
    "ConfirmDialog",
    "DispatchDialog",
    "ExtensionDialog",
    "FollowUpDialog",
    "FormDialog",
    "KnowledgeAnswerDialog",
    "MergeDialog",
    "ReasonDialog",
    "dispatch_preview",
    "ticket_line",
]
