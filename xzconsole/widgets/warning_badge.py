"""The warning ladder as a badge: symbol + word + a severity class.

Colour is never the only signal (SPEC §5): each level shows its symbol
(▲ ◆ ■) and its word, and the widget carries the class ``-yellow``,
``-orange`` or ``-red`` (``-today`` for a ticket due today) so the one
stylesheet decides the colours.
"""

from __future__ import annotations

import datetime as dt

from rich.cells import cell_len
from textual.reactive import reactive
from textual.widgets import Static

from ..rules import WarningLevel

TODAY_SYMBOL = "●"
TODAY_LABEL = "今日到期"
SEVERITY_CLASSES = ("-yellow", "-orange", "-red", "-today")


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
    """The class naming this severity in app.tcss (``-red`` …), or None."""
    if level:
        return f"-{level.code}"
    return "-today" if today_due else None


class WarningBadge(Static):
    """One ticket's (or one count's) warning level, styled by class."""

    level: reactive[WarningLevel] = reactive(WarningLevel.NONE)
    today: reactive[bool] = reactive(False)

    def __init__(self, level: WarningLevel = WarningLevel.NONE, today: bool = False, *,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes, markup=False)
        self.set_reactive(WarningBadge.level, level)
        self.set_reactive(WarningBadge.today, today)
        self._cells = -1  # the width of the text shown (none yet)

    def on_mount(self) -> None:
        self._refresh_badge()

    def watch_level(self) -> None:
        self._refresh_badge()

    def watch_today(self) -> None:
        self._refresh_badge()

    def _refresh_badge(self) -> None:
        for cls in SEVERITY_CLASSES:
            self.remove_class(cls)
        severity = severity_class(self.level, self.today)
        if severity:
            self.add_class(severity)
        text = badge_text(self.level, self.today)
        # the badge is as wide as its text, so a new width lays the screen out again; but every
        # badge is as wide as every other (symbol, space, four characters): only appearing or
        # going changes it.  (Moving the queue's cursor or page from one level to another
        # relaid out the whole screen each time.)
        cells = cell_len(text)
        self.update(text, layout=cells != self._cells)
        self._cells = cells
