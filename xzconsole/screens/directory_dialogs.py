"""The enterprise directory's dialogs: find-and-pick, a record's fields, a contact,
and the side-by-side confirmation of a merge.

:class:`PickDialog` looks words up in a worker on a connection of its own
(a common word may scan the directory) and drops stale answers by a token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Generic, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from .base import AppAccess
from ..models import Enterprise
from ..textsafe import literal, plain
from .dialogs import ConfirmDialog, FormDialog, SubmitHook

if TYPE_CHECKING:  # types only
    from ..areas.directory import EnterpriseHit
    from ..store import Store

P = TypeVar("P")  # what a PickDialog picks
F = TypeVar("F")  # what a Found message carries (the dialog's P)


def enterprise_summary(e: Enterprise, extra: str = "") -> Text:
    """One record in a few lines (the merge confirmation shows two of them)."""
    t = literal(e.name, style="bold")
    t.append(f"  #{e.id}\n")
    t.append_text(literal(f"信用代码：{e.uscc or '—'} · 区域：{e.district or '—'} · 行业：{e.industry or '—'}"))
    t.append("\n")
    t.append_text(literal(f"联系人：{e.contact_name or '—'} {e.contact_phone}".rstrip()))
    if extra:
        t.append("\n" + extra)
    return t


# ---------------------------------------------------------------- a search-and-pick dialog


class PickDialog(AppAccess, FormDialog[tuple[P, str]], Generic[P]):
    """Type words, see matches (found in a worker), pick one with Enter.

    ``finder(store, words)`` runs on the worker's own connection and returns
    ``(value, line)`` pairs; the dialog dismisses with ``(value, note)``, the
    note typed under ``note_label`` ("" when no note is asked for).
    """

    HINT = "回车 检索/选定 · ↓ 到列表 · Esc 取消"
    BINDINGS = [Binding("down", "to_list", "列表", id="pick.list", show=False)]

    class Found(Message, Generic[F]):
        """Matches found by the worker; ``token`` drops stale answers."""

        def __init__(self, token: int, items: list[tuple[F, Text]]) -> None:
            super().__init__()
            self.token, self.items = token, items

    def __init__(self, heading: str, placeholder: str, finder: Callable[[Store, str], list[tuple[P, Text]]], *,
                 words: str = "", note_label: str = "", id: str | None = None) -> None:
        super().__init__(heading, id=id)
        self.placeholder = placeholder
        self.finder = finder
        self.words = words
        self.note_label = note_label
        self.items: list[tuple[P, Text]] = []
        self._token = 0

    def compose_body(self) -> ComposeResult:
        yield Input(self.words, placeholder=self.placeholder, id="pick-search", classes="dialog-input")
        yield OptionList(id="pick-list", classes="dialog-list")
        if self.note_label:
            yield Label(self.note_label, classes="dialog-label")
            yield Input("", id="pick-note", classes="dialog-input")

    def on_mount(self) -> None:
        self.query_one("#pick-search", Input).focus()
        if self.words:
            self.search(self.words)

    def search(self, words: str) -> None:
        """Look the words up in the background (the list fills when found)."""
        self._token += 1
        self._find(self._token, words)

    @work(thread=True, exclusive=True, group="pick", exit_on_error=False)
    def _find(self, token: int, words: str) -> None:
        with self.console_app.readers.reader() as store:
            items = self.finder(store, words)
        self.post_message(self.Found(token, items))

    @on(Found)
    def _found(self, message: Found[P]) -> None:
        if message.token != self._token:
            return
        self.items = message.items
        ol = self.query_one("#pick-list", OptionList)
        ol.clear_options()
        ol.add_options([Option(line, id=str(i)) for i, (_, line) in enumerate(self.items)])
        if self.items:
            ol.highlighted = 0
        else:
            self.show_error("没有找到，请换个词")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "pick" and event.state is WorkerState.ERROR:
            self.show_error(f"检索失败：{event.worker.error}")

    @on(Input.Submitted, "#pick-search")
    def _searched(self, event: Input.Submitted) -> None:
        event.stop()
        self.clear_error()
        self.search(event.value)
        self.query_one("#pick-list", OptionList).focus()

    @on(Input.Submitted, "#pick-note")
    def _noted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    @on(OptionList.OptionSelected, "#pick-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.note_label:
            self.query_one("#pick-note", Input).focus()
        else:
            self.action_submit()

    def action_to_list(self) -> None:
        """From the search line down to the matches."""
        self.query_one("#pick-list", OptionList).focus()

    def collect(self) -> tuple[P, str] | None:
        idx = self.query_one("#pick-list", OptionList).highlighted
        if idx is None or not self.items:
            self.show_error("请先检索并选择一项")
            return None
        value = self.items[idx][0]
        return value, self.query_one("#pick-note", Input).value.strip() if self.note_label else ""


# ---------------------------------------------------------------- editing dialogs


RECORD_FIELDS = [  # (key, label, placeholder)
    ("name", "企业名称", "营业执照上的全称"),
    ("uscc", "统一社会信用代码", "18 位，可不填"),
    ("district", "所属区域", "如 鼓楼区、高新区"),
    ("industry", "行业", "如 装备制造"),
    ("contact_name", "联系人", "主要联系人姓名"),
    ("contact_phone", "联系电话", "手机或带区号的固定电话"),
    ("note", "备注", ""),
]


class EnterpriseDialog(FormDialog[dict[str, str]]):
    """修改档案 / 新建档案: the record's fields; dismisses with them (the caller
    saves and shows the store's refusal here, keeping what was typed)."""

    HINT = "Ctrl+S 保存 · Esc 取消"

    # one line per field, its name beside it: seven fields under their names
    # were taller than an 80×24 terminal, which opened scrolled to the first
    # field with the heading and 企业名称 out of sight (issue 16)
    DEFAULT_CSS = """
    EnterpriseDialog .ent-field { height: 1; }
    EnterpriseDialog .ent-field-label { width: 18; color: $text-muted; }
    """

    def __init__(self, heading: str, record: Enterprise | None = None, *,
                 on_submit: SubmitHook[dict[str, str]] | None = None,
                 id: str | None = None) -> None:
        super().__init__(heading, on_submit=on_submit, id=id)
        self.record = record

    def compose_body(self) -> ComposeResult:
        for key, label, hint in RECORD_FIELDS:
            value = getattr(self.record, key) if self.record is not None else ""
            with Horizontal(classes="ent-field"):
                yield Label(label, classes="ent-field-label")
                yield Input(plain(value or ""), placeholder=hint, id=f"ent-{key}", classes="dialog-input", compact=True)

    def on_mount(self) -> None:
        self.query_one("#ent-name", Input).focus()

    def values(self) -> dict[str, str]:
        return {key: self.query_one(f"#ent-{key}", Input).value.strip() for key, _, _ in RECORD_FIELDS}

    def collect(self) -> dict[str, str] | None:
        v = self.values()
        if not v["name"]:
            self.show_error("请填写企业名称")
            return None
        return v

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()


class ContactDialog(FormDialog[tuple[str, str, str]]):
    """添加联系人: name, phone, position."""

    def __init__(self, *, on_submit: SubmitHook[tuple[str, str, str]] | None = None, id: str | None = None) -> None:
        super().__init__("添加联系人", on_submit=on_submit, id=id)

    def compose_body(self) -> ComposeResult:
        for key, label, hint in (("name", "姓名", ""), ("phone", "电话", "手机或带区号的固定电话"), ("position", "职务", "可不填")):
            yield Label(label, classes="dialog-label")
            yield Input("", placeholder=hint, id=f"contact-{key}", classes="dialog-input", compact=True)

    def on_mount(self) -> None:
        self.query_one("#contact-name", Input).focus()

    def collect(self) -> tuple[str, str, str] | None:
        name, phone, position = (self.query_one(f"#contact-{k}", Input).value.strip() for k in ("name", "phone", "position"))
        if not name or not phone:
            self.show_error("请填写联系人姓名和电话")
            return None
        return name, phone, position

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()


def hit_line(hit: EnterpriseHit) -> Text:
    """A directory hit in a pick list: name · USCC · district · tickets."""
    e = hit.enterprise
    line = literal(e.name)
    line.append_text(literal(f" · {e.uscc or '无信用代码'} · {e.district or '—'} · 工单 {hit.open_tickets}/{hit.total_tickets}",
                             style="dim"))
    return line


# ---------------------------------------------------------------- merging


class MergeConfirmDialog(ConfirmDialog):
    """Both records, and what merging does, before it is done."""

    def __init__(self, message: Text) -> None:
        super().__init__("确认合并企业档案", "", "合并")
        self.text = message

    def compose_body(self) -> ComposeResult:
        yield Static(self.text, classes="dialog-message")


__all__ = ["ContactDialog", "EnterpriseDialog", "MergeConfirmDialog", "PickDialog", "enterprise_summary", "hit_line"]
