"""The warning ladder as a badge: symbol + word + a severity name.

Colour is never the only signal (SPEC §5): each level shows its symbol
(▲ ◆ ■) and its word, and carries the severity ``-yellow``, ``-orange`` or
``-red`` (``-today`` for a ticket due today) that the one stylesheet gives
its colours (the queue's preview bar, :mod:`.queue_bars`, draws the badge).
"""

from __future__ import annotations

import datetime as dt

from ..rules import WarningLevel

TODAY_SYMBOL = "●"
TODAY_LABEL = "今日到期"


def due_today(due: dt.date | None, today: dt.date, level: WarningLevel) -> bool:
    """A notice, not a warning: the deadline is the end of today."""
    return level is WarningLevel.NONE and due is not None and due == today


def badge_text(level: WarningLevel, today_due: bool = False) -> str:
    """``■ 红色预警``, ``● 今日到期`` or empty (no warning)."""
    if level:
        return level.badge
    if today_due:
        return f"{TODAY_SYMBOL} {TODAY_LABEL}"
    return ""


def severity_class(level: WarningLevel, today_due: bool = False) -> str | None:
    """This severity's name (``-red`` …; app.tcss styles ``warning-badge--red``), or None."""
    if level:
        return f"-{level.code}"
    return "-today" if today_due else None
