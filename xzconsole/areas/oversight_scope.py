"""Who an oversight account (市营商办, 市纪委监委) may see: the scope
helpers the ticket areas add to their reads (issue 14; SPEC §1, §5).

Kept apart from :mod:`.oversight` (the area that records 二次督办 and 问责):
the ticket rows, the queue and the warnings import these, and the area
imports them, so no import goes round in a circle.

A ticket is at a level when it is awaiting a reply and that far overdue now,
or when it ever reached it (``max_level``, kept on the ticket after the
reply — SPEC §5): a red ticket answered late stays in 纪委监委's view for the
问责 that follows.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from .. import rules
from ..errors import PermissionDenied
from ..models import Role, Staff
from ..rules import WarningLevel
from .base import AWAITING, AWAITING_SQL, Core

#: the lowest warning level each oversight role sees (and supervises)
OVERSIGHT_LEVEL: dict[Role, WarningLevel] = {
    Role.BUSINESS_OFFICE: WarningLevel.ORANGE,
    Role.DISCIPLINE: WarningLevel.RED,
}
OVERSIGHT_ROLES = tuple(OVERSIGHT_LEVEL)
#: the overdue working days at which each level starts
_LEVEL_AT = {WarningLevel.ORANGE: rules.ORANGE_AT, WarningLevel.RED: rules.RED_AT}
#: pending requests, written as the partial index ``tickets_pending`` is
PENDING_SQL = "(pending_extension_days IS NOT NULL OR pending_return_reason IS NOT NULL)"


def oversight_level(actor: Staff | None) -> WarningLevel | None:
    """The lowest level an oversight account sees, or None for every other role."""
    return OVERSIGHT_LEVEL.get(actor.role) if actor is not None else None


def is_oversight(actor: Staff | None) -> bool:
    return oversight_level(actor) is not None


def scope_sql(core: Core, actor: Staff | None, today: dt.date, prefix: str = "") -> tuple[str, list[Any]] | None:
    """The SQL condition (and its parameters) of the tickets an oversight
    account may see today, or None when the actor's role is not limited this way.

    The statuses and the level are code constants written into the text, so
    SQLite can answer each side of the OR from an index (``tickets_status_due``
    and ``tickets_max_level``).
    """
    level = oversight_level(actor)
    if level is None:
        return None
    threshold = core.calendar().due_threshold(today, _LEVEL_AT[level])
    p = prefix
    return (f"(({p}status IN ({AWAITING_SQL}) AND {p}due_date <= ?) OR {p}max_level >= {int(level)})",
            [threshold.isoformat()])


def scope_parts(core: Core, actor: Staff | None, today: dt.date) -> tuple[int, str] | None:
    """The two halves of :func:`scope_sql` for a count that reads each from
    its own index: (the level, compared with ``max_level``; the latest due date
    of a ticket awaiting a reply at that level today), or None for other roles."""
    level = oversight_level(actor)
    if level is None:
        return None
    return int(level), core.calendar().due_threshold(today, _LEVEL_AT[level]).isoformat()


def warned_floor(core: Core, actor: Staff | None, today: dt.date) -> dt.date | None:
    """For an oversight account, the latest due date of a ticket warned at its
    level or above today (the warning panel's lists and counts: ``due_date <=``
    this); None for every other role."""
    level = oversight_level(actor)
    if level is None:
        return None
    return core.calendar().due_threshold(today, _LEVEL_AT[level])


def ticket_level_now(core: Core, row: sqlite3.Row | dict[str, Any], now: dt.datetime) -> WarningLevel:
    """The highest level the ticket is at now or ever reached."""
    level = WarningLevel(row["max_level"] or 0)
    if row["status"] in AWAITING and row["due_date"]:
        level = max(level, rules.warning_level(dt.date.fromisoformat(row["due_date"]), now, core.calendar()))
    return level


def in_scope(core: Core, actor: Staff, row: sqlite3.Row | dict[str, Any], now: dt.datetime | None = None) -> bool:
    """Whether an oversight account may see this ticket (True for other roles)."""
    level = oversight_level(actor)
    if level is None:
        return True
    return ticket_level_now(core, row, now or core.now()) >= level


def check_in_scope(core: Core, actor: Staff, row: sqlite3.Row | dict[str, Any]) -> None:
    """Refuse a ticket below the oversight account's level, in Chinese."""
    level = oversight_level(actor)
    if level is not None and not in_scope(core, actor, row):
        raise PermissionDenied(f"工单 {row['number']} 未达到{level.label}，不在{actor.role.label}的督办范围内")
