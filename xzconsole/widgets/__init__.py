"""Reusable widgets of the console, named by role."""

from .header import ConsoleHeader
from .ticket_table import TicketTable
from .warning_badge import WarningBadge, badge_text, due_today

__all__ = ["ConsoleHeader", "TicketTable", "WarningBadge", "badge_text", "due_today"]
