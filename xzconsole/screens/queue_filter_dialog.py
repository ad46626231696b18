"""The queue's filter dialog (``f``): narrow by department, appeal type,
source and received date.

A module of its own so that the queue opens without it: the dialog is
imported when ``f`` is first pressed (issue 11).
"""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from ..models import AppealType, Source
from ..textsafe import plain
from .queue_filters import QueueFilters

V = TypeVar("V")


def _parse_date(text: str, what: str) -> dt.date | None:
    t = text.strip()
    if not t:
        return None
    try:
        return dt.date.fromisoformat(t.replace("/", "-"))
    except ValueError:
        raise ValueError(f"{what}“{plain(t)}”不是有效日期，应为 YYYY-MM-DD（如 2026-11-01）") from None


class FilterDialog(ModalScreen["QueueFilters | None"]):
    """Narrow the queue by department, appeal type, source and received date."""

    BINDINGS = [
        Binding("escape", "cancel", "取消", id="filter.cancel"),
        Binding("ctrl+s", "apply", "应用", id="filter.apply", priority=True),
        Binding("ctrl+r", "clear", "清除全部", id="filter.clear", priority=True),
    ]

    def __init__(self, current: QueueFilters, departments: list[tuple[str, int]] | None) -> None:
        super().__init__()
        self.current = current
        self.departments = departments  # None: the user may not choose (a liaison)

    def compose(self) -> ComposeResult:
        c = self.current
        with Vertical(id="filter-box"):
            yield Static("筛选工单（Ctrl+S 应用，Esc 取消）", markup=False)
            if self.departments is not None:
                yield Label("承办单位")
                yield Select([(plain(n), i) for n, i in self.departments], prompt="全部单位", id="filter-department", compact=True,
                             value=c.department_id if c.department_id is not None else Select.NULL)
            yield Label("诉求类型")
            yield Select(AppealType.choices(), prompt="全部类型", id="filter-type", compact=True,
                         value=c.appeal_type or Select.NULL)
            yield Label("来源")
            yield Select(Source.choices(), prompt="全部来源", id="filter-source", compact=True,
                         value=c.source or Select.NULL)
            yield Label("受理日期（YYYY-MM-DD，可只填一端）")
            with Horizontal(id="filter-dates"):
                yield Input(str(c.received_from or ""), placeholder="起", id="filter-from", compact=True)
                yield Input(str(c.received_to or ""), placeholder="止", id="filter-to", compact=True)
            yield Static("", id="filter-error", markup=False)
            with Horizontal(id="filter-buttons"):
                # compact fields and buttons: the whole dialog fits an 80×24 terminal (issue 16 item 5)
                yield Button("应用", variant="primary", id="filter-ok", compact=True)
                yield Button("清除", id="filter-reset", compact=True)
                yield Button("取消", id="filter-cancel", compact=True)

    def _value(self, selector: str, kind: type[V]) -> V | None:
        """The chosen value of a Select (None: none chosen, or no such Select)."""
        try:
            v = self.query_one(selector, Select).value
        except Exception:
            return None
        return v if isinstance(v, kind) else None

    def action_apply(self) -> None:
        """Check the dates and hand the filters back."""
        try:
            start = _parse_date(self.query_one("#filter-from", Input).value, "起始日期")
            end = _parse_date(self.query_one("#filter-to", Input).value, "截止日期")
            if start and end and start > end:
                raise ValueError("起始日期晚于截止日期")
        except ValueError as exc:
            self.query_one("#filter-error", Static).update(str(exc))
            return
        dept = self._value("#filter-department", int) if self.departments is not None else None
        self.dismiss(QueueFilters(dept, self._value("#filter-type", str), self._value("#filter-source", str), start, end))

    def action_clear(self) -> None:
        """Drop every filter."""
        self.dismiss(QueueFilters())

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#filter-ok")
    def _ok(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#filter-reset")
    def _reset(self) -> None:
        self.action_clear()

    @on(Button.Pressed, "#filter-cancel")
    def _cancel(self) -> None:
        self.action_cancel()


__all__ = ["FilterDialog"]
