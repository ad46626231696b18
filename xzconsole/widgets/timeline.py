"""A ticket's history as a timeline: when, who, what, state before → after,
the note, and each changed field's before → after.

The history is append-only and short (tens of events), so the widget renders
it as one :class:`rich.text.Text`; every piece of it that a person typed (notes,
reasons, replies, field values) goes through ``literal`` so markup and escape
bytes show as text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Iterable

from rich.text import Text
from textual.widgets import Static

from ..clock import to_local
from ..models import Event, Satisfaction, Status, CloseReason, Source, AppealType
from ..textsafe import literal

#: Chinese names of the ticket columns an event may change
FIELD_LABELS: dict[str, str] = {
    "status": "状态",
    "department_id": "承办单位",
    "dispatched_at": "派发时间",
    "clock_start": "计时起点",
    "time_limit": "办理时限",
    "extension_days": "已延期",
    "due_date": "截止日期",
    "due_provisional": "截止日期暂定",
    "signed_at": "签收时间",
    "replied_at": "答复时间",
    "reply_text": "答复内容",
    "direct_answer": "直接答复",
    "closed_at": "办结时间",
    "close_reason": "办结原因",
    "satisfaction": "回访结果",
    "resolved": "是否解决",
    "followup_count": "回访次数",
    "unreachable_count": "未联系上次数",
    "reopen_count": "重办次数",
    "return_count": "退回次数",
    "pending_extension_days": "待批延期天数",
    "pending_extension_reason": "待批延期理由",
    "pending_return_reason": "待批退回理由",
    "confidential": "保密",
    "max_level": "最高预警",
    "merged_into": "并入工单",
    "knowledge_id": "知识库条目",
    "enterprise_name": "企业名称",
    "uscc": "统一社会信用代码",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "district": "所属区域",
    "title": "诉求标题",
    "content": "诉求内容",
    "appeal_type": "诉求类型",
    "source": "来源",
}

# Columns whose values are codes of an enum: shown by their Chinese label.
_ENUMS = {"status": Status, "satisfaction": Satisfaction, "close_reason": CloseReason, "source": Source,
          "appeal_type": AppealType}
_LEVELS = {0: "正常", 1: "黄色预警", 2: "橙色预警", 3: "红色预警"}
_LONG = 60  # a changed text longer than this is shown cut, the note carries it whole


def format_time(value: dt.datetime | str | None) -> str:
    """``2026-11-26 09:30`` in Xuzhou time (the timeline's time column)."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value.replace("T", " ")[:16]
    return to_local(value).strftime("%Y-%m-%d %H:%M")


def format_value(field: str, value: Any, department_name: Callable[[int | None], str | None] | None = None) -> str:
    """One field value as a clerk reads it (labels, names, yes/no, dates)."""
    if value is None or value == "":
        return "—"
    if field in _ENUMS:
        try:
            return _ENUMS[field](value).label
        except ValueError:
            return str(value)
    if field == "department_id" and department_name is not None:
        return department_name(int(value)) or f"#{value}"
    if field == "resolved":
        return "已解决" if value else "未解决"
    if field in ("confidential", "direct_answer", "due_provisional"):
        return "是" if value else "否"
    if field == "max_level":
        return _LEVELS.get(int(value), str(value))
    if field in ("time_limit", "extension_days", "pending_extension_days"):
        return f"{value} 个工作日"
    if isinstance(value, str) and len(value) >= 19 and value[10] == "T":
        return format_time(value)
    text = str(value)
    return text if len(text) <= _LONG else text[:_LONG] + "…"


def render_events(
    events: Iterable[Event],
    actor_name: Callable[[str], str] | None = None,
    department_name: Callable[[int | None], str | None] | None = None,
) -> Text:
    """The whole timeline as one Text (oldest first, like a case file)."""
    out = Text()
    first = True
    for ev in events:
        if not first:
            out.append("\n")
        first = False
        out.append("● ", style="bold")
        out.append(format_time(ev.at), style="bold")
        out.append("  ")
        who = actor_name(ev.actor) if actor_name else ev.actor
        out.append_text(literal(who))
        out.append("  ")
        out.append(ev.action_label, style="bold")
        if ev.from_status != ev.to_status and ev.to_status is not None:
            before = ev.from_status.label if ev.from_status else "—"
            out.append(f"  {before} → {ev.to_status.label}")
        if ev.note:
            out.append("\n  ")
            out.append_text(literal(ev.note))
        for field, pair in ev.changes.items():
            if field == "status" or not isinstance(pair, (list, tuple)) or len(pair) != 2:
                continue
            label = FIELD_LABELS.get(field, field)
            out.append("\n  · ")
            out.append(label, style="dim")
            out.append("：")
            out.append_text(literal(format_value(field, pair[0], department_name)))
            out.append(" → ")
            out.append_text(literal(format_value(field, pair[1], department_name)))
    if first:
        out.append("（尚无记录）")
    return out


class Timeline(Static):
    """A ticket's history, newest last; call :meth:`show` with the events."""

    DEFAULT_CSS = """
    Timeline {
        height: auto;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self.events: list[Event] = []
        self._rendered = Text()

    def show(
        self,
        events: Iterable[Event],
        actor_name: Callable[[str], str] | None = None,
        department_name: Callable[[int | None], str | None] | None = None,
    ) -> None:
        """Replace the timeline with these events."""
        self.events = list(events)
        self._rendered = render_events(self.events, actor_name, department_name)
        self.update(self._rendered)

    @property
    def plain_text(self) -> str:
        """What the timeline says, as plain text (for tests and copying)."""
        return self._rendered.plain
