"""The text of the association screen's cells (:mod:`xzconsole.screens.associations`):
short association names, category abbreviations, the subscriptions cell,
timestamps and the summary line above the tabs.  All user text goes through
:mod:`xzconsole.textsafe`.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from ..models import AssociationSummary
from ..textsafe import literal


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


__all__ = ["category_abbreviations", "short_names", "subscriptions_cell", "summary_text", "when"]
