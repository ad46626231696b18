"""The association screen's dialogs (:mod:`xzconsole.screens.associations`):
添加会员 (find an enterprise and choose it; the search runs in a worker),
the liaison pick, and the service log entry.
"""

from __future__ import annotations

import datetime as dt

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from ..areas.associations import SERVICE_KINDS
from .base import AppAccess, select_value, stored_id
from ..models import Enterprise
from ..textsafe import literal, plain
from .dialogs import FormDialog, SubmitHook


class MemberPickerDialog(AppAccess, FormDialog[int]):
    """添加会员: find the enterprise by name or USCC and choose it.

    The search (the store's :meth:`find_enterprises`) runs in a worker on a
    connection of its own; dismisses with the enterprise's id."""

    HINT = "Enter 查找 / 选定 · Esc 取消"
    BINDINGS = [
        Binding("down", "move(1)", "下一个", id="member_picker.down", show=False),
        Binding("up", "move(-1)", "上一个", id="member_picker.up", show=False),
    ]

    def __init__(self, association_name: str, *, on_submit: SubmitHook[int] | None = None) -> None:
        super().__init__(f"添加会员：{association_name}", on_submit=on_submit, id="member-picker")
        self.found: list[Enterprise] = []
        self.searched = ""  # the words the results are for

    def compose_body(self) -> ComposeResult:
        yield Input(placeholder="企业名称或统一社会信用代码，回车查找", id="picker-search", classes="dialog-input")
        yield OptionList(id="picker-list", classes="dialog-list")
        yield Static("", id="picker-status", classes="dialog-message", markup=False)

    def on_mount(self) -> None:
        self.query_one("#picker-search", Input).focus()

    @on(Input.Submitted, "#picker-search")
    def _search(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.show_error("请输入企业名称或统一社会信用代码")
            return
        if self.found and text == self.searched:
            self.action_submit()  # Enter again on the same words takes the highlighted one
            return
        self.searched = text
        self.query_one("#picker-status", Static).update("查找中…")
        self._find(text)

    @work(thread=True, exclusive=True, group="member-picker", exit_on_error=False)
    def _find(self, text: str) -> list[Enterprise]:
        with self.console_app.readers.reader() as store:
            return store.directory.find(text, limit=20)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The search's answer (or its failure), handled once here."""
        if event.worker.group != "member-picker":
            return
        if event.state is WorkerState.SUCCESS:
            found: list[Enterprise] | None = event.worker.result  # what _find returned
            if found is not None:
                self._show(found)
        elif event.state is WorkerState.ERROR:
            self.show_error(f"查找失败：{plain(event.worker.error)}")

    def _show(self, found: list[Enterprise]) -> None:
        self.found = found
        ol = self.query_one("#picker-list", OptionList)
        ol.clear_options()
        for e in found:
            label = literal(e.name)
            label.append_text(literal(f"  {e.uscc or '无信用代码'} {e.district}".rstrip(), style="dim"))
            ol.add_option(Option(label, id=str(e.id)))
        if found:
            ol.highlighted = 0
        self.query_one("#picker-status", Static).update(
            f"找到 {len(found)} 家，Enter 添加高亮的一家" if found else f"没有找到“{plain(self.searched)}”")

    def action_move(self, step: int) -> None:
        """Move the highlight in the results while typing."""
        ol = self.query_one("#picker-list", OptionList)
        if ol.option_count:
            ol.highlighted = max(0, min(ol.option_count - 1, (ol.highlighted or 0) + step))

    @on(OptionList.OptionSelected, "#picker-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_submit()

    def collect(self) -> int | None:
        idx = self.query_one("#picker-list", OptionList).highlighted
        if idx is None or not 0 <= idx < len(self.found):
            self.show_error("请先查找并选择一家企业")
            return None
        return stored_id(self.found[idx])


class StaffPickDialog(FormDialog[str]):
    """指派服务专员: one of the center's clerks and supervisors."""

    def __init__(self, people: list[tuple[str, str]], *, on_submit: SubmitHook[str] | None = None) -> None:
        super().__init__("指派服务专员", on_submit=on_submit, id="staff-pick")
        self.people = people

    def compose_body(self) -> ComposeResult:
        yield Label("负责该协会的中心工作人员", classes="dialog-label")
        yield Select([(plain(label), login) for label, login in self.people], prompt="选择工作人员", id="staff-select")

    def collect(self) -> str | None:
        v = select_value(self.query_one("#staff-select", Select))
        if not v:
            self.show_error("请选择工作人员")
            return None
        return str(v)


class ServiceLogDialog(FormDialog[tuple[str, str, str]]):
    """记服务日志: the day (today by default), how, what was done."""

    HINT = "Ctrl+S 确定 · Esc 取消"

    def __init__(self, today: dt.date, *, on_submit: SubmitHook[tuple[str, str, str]] | None = None) -> None:
        super().__init__("记服务日志", on_submit=on_submit, id="service-dialog")
        self.today = today

    def compose_body(self) -> ComposeResult:
        yield Label("服务日期（YYYY-MM-DD）", classes="dialog-label")
        yield Input(self.today.isoformat(), id="service-day", classes="dialog-input")
        yield Label("服务方式", classes="dialog-label")
        yield Select([(label, code) for code, label in SERVICE_KINDS.items()], value="visit", allow_blank=False,
                     id="service-kind")
        yield Label("服务内容", classes="dialog-label")
        yield TextArea("", id="service-note", classes="dialog-textarea", soft_wrap=True)

    def collect(self) -> tuple[str, str, str] | None:
        note = self.query_one("#service-note", TextArea).text.strip()
        if not note:
            self.show_error("请填写服务内容")
            return None
        kind = select_value(self.query_one("#service-kind", Select)) or "other"
        return self.query_one("#service-day", Input).value.strip(), str(kind), note


__all__ = ["MemberPickerDialog", "ServiceLogDialog", "StaffPickDialog"]
