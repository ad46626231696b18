"""Reusable widgets of the console, named by role.

The names are loaded on first use (PEP 562): ``xzconsole.app`` imports
``widgets.cells`` and ``widgets.chinese`` at start-up, which must not pull
in the header and the ticket table (and with them the models) before the
first screen needs them.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {"ConsoleHeader": "header", "TicketTable": "ticket_table",
          "badge_text": "warning_badge", "due_today": "warning_badge"}

__all__ = ["ConsoleHeader", "TicketTable", "badge_text", "due_today"]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
