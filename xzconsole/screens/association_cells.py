"""The parts of the association screen (:mod:`xzconsole.screens.associations`):
the text of its cells — short association names, category abbreviations,
the subscriptions cell, timestamps and the summary line above the tabs —
and each tab's widgets and columns (a tab is built the first time it is
shown).  All user text goes through :mod:`xzconsole.textsafe`.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from rich.text import Text
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, SelectionList, Static

from ..models import AssociationSummary
from ..textsafe import literal, plain


def short_names(names: list[str]) -> list[str]:
    """The names without the prefix they all share ("徐州市…"): the list is
    narrow, and the summary line above the tabs always gives the full name."""
    if len(names) < 2:
        return names
    prefix = names[0]
    for n in names[1:]:
        while not n.startswith(prefix):
            prefix = prefix[:-1]
    return [n[len(prefix):] or n for n in names]


def category_abbreviations(tops: list[str]) -> dict[str, str]:
    """Each top category's first two characters ("外贸外资" → "外贸"), or the
    full names when two of them would read alike."""
    short = {t: t[:2] for t in tops}
    return short if len(set(short.values())) == len(short) else {t: t for t in tops}


def subscriptions_cell(categories: list[str], abbrev: dict[str, str]) -> Text:
    """A list cell of at most 14 columns: "产业 科技 外贸", or "产业 科技 +2" when there are more."""
    names = [abbrev.get(c, c) for c in categories]
    if len(names) > 3:
        names = names[:2] + [f"+{len(names) - 2}"]
    return literal(" ".join(names) or "—")


def when(value: Any, length: int = 16) -> str:
    """A stored timestamp as "2026-11-26 09:30" (or its date with ``length=10``)."""
    if value is None or value == "":
        return "—"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text.replace("T", " ")[:length]


def summary_text(a: AssociationSummary) -> Text:
    """The line above the tabs: full name, members, subscriptions, contact."""
    t = literal(a.name, style="bold")
    t.append_text(literal(f" · 会员 {a.member_count} 家 · 订阅：{'、'.join(a.categories) or '无'}"))
    t.append_text(literal(f" · 联系人：{a.contact_name or '未填'} {a.contact_phone}".rstrip()))
    if a.edited_at is not None:
        t.append_text(literal(f"（{when(a.edited_at)} {a.edited_by} 修改）", style="dim"))
    return t


def tab_widgets(tab: str, categories: Iterable[str], can_edit: bool) -> list[Widget]:
    """The widgets of one tab's pane (its lists empty, its forms blank); ``can_edit`` unlocks the forms."""
    if tab == "members":
        return [DataTable(id="assoc-members", cursor_type="row", zebra_stripes=True),
                Static("", id="assoc-members-status", classes="assoc-status", markup=False)]
    if tab == "subs":
        return [SelectionList[str](*[(plain(t), t) for t in categories], id="assoc-subs",
                                   disabled=not can_edit),
                Static("", id="assoc-subs-message", markup=False),
                Static("空格 选择/取消 · s 保存" if can_edit else "只读：订阅由受理员、值班长维护",
                       classes="assoc-hint", markup=False)]
    if tab == "pushes":
        return [DataTable(id="assoc-pushes", cursor_type="row", zebra_stripes=True),
                Static("", id="assoc-push-detail", classes="assoc-detail"),
                Static("", id="assoc-pushes-status", classes="assoc-status", markup=False)]
    if tab == "rounds":
        return [DataTable(id="assoc-rounds", cursor_type="row", zebra_stripes=True),
                Static("", id="assoc-round-detail")]
    if tab == "contact":
        return [Label("联系人姓名", classes="assoc-label"),
                Input(id="assoc-contact-name", disabled=not can_edit),
                Static("", id="assoc-contact-name-error", classes="assoc-field-error", markup=False),
                Label("联系电话（手机或带区号的固定电话）", classes="assoc-label"),
                Input(id="assoc-contact-phone", disabled=not can_edit),
                Static("", id="assoc-contact-phone-error", classes="assoc-field-error", markup=False),
                Static("Tab 进入表单 · Enter / Ctrl+S 保存" if can_edit else "只读：联系人由受理员、值班长维护",
                       id="assoc-contact-message", classes="assoc-hint", markup=False)]
    if tab == "history":
        return [DataTable(id="assoc-history", cursor_type="row", zebra_stripes=True),
                Static("", id="assoc-event-detail", classes="assoc-detail")]
    if tab == "service":
        return [DataTable(id="assoc-service", cursor_type="row", zebra_stripes=True),
                Static("", id="assoc-service-status", classes="assoc-status", markup=False)]
    raise KeyError(tab)


def table_columns(table: str, wide: bool) -> Sequence[tuple[str, int | None]]:
    """One list's columns (label, width) for a narrow or wide terminal: "list"
    (the associations) or a tab's; width None takes what the others leave."""
    columns: dict[str, Sequence[tuple[str, int | None]]] = {
        "list": [("协会", 20), ("会员", 4)] + ([("订阅", 14), ("最近推送", 10)] if wide else []),
        "members": [("企业", None)] + ([("统一社会信用代码", 18)] if wide else []) + [("区县", 6), ("入会日期", 10)],
        "pushes": [("时间", 16), ("政策", None)] + ([("文号", 16)] if wide else []) + [("推送人", 8)],
        "rounds": [("截止", 10), ("政策（征求意见稿）", None), ("反馈", 10), ("意见", 4)],
        # narrow: the note says what was done ("新增会员 …", "订阅：… → …"), so the action column goes
        "history": [("时间", 16), ("操作人", 8)] + ([("操作", 10)] if wide else []) + [("说明", None)],
        "service": [("日期", 10), ("专员", 6), ("方式", 12 if wide else 8), ("内容", None)],
    }
    return columns[table]


__all__ = ["category_abbreviations", "short_names", "subscriptions_cell", "summary_text", "tab_widgets", "table_columns",
           "when"]
