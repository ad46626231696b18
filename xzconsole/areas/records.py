"""Ticket rows and the one path every ticket action takes.

:class:`TicketRecords` reads a ticket row by id, number or external id,
checks whether an actor may see it (a liaison: their department leads or
supports it) and act on it (only the lead), turns a row into a
:class:`~xzconsole.models.Ticket` (redacted for liaisons when confidential),
appends history events, and runs an action: lock, check role, state and
version, change, bump the version, record — :meth:`TicketRecords.act`.  The
workflow (:mod:`xzconsole.areas.tickets`) and joint handling both act
through it.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any, Callable

from .. import rules
from ..clock import format_datetime
from ..errors import InvalidAction, NotFound, PermissionDenied, StaleTicket
from ..models import Action, Role, Staff, Status, Ticket
from .base import AWAITING, CONFIDENTIAL_MASK, Core
from .oversight_scope import check_in_scope


def _row_to_ticket(row: sqlite3.Row) -> Ticket:
    d = dict(row)
    return Ticket.model_validate(d)


def next_numbers(c: sqlite3.Connection, day: dt.date, count: int = 1) -> list[str]:
    """The next ``count`` ticket numbers of a local day, ``XZYYYYMMDDnnnnn``
    (five digits at least, more past 99,999 a day), taken under the caller's
    write lock.

    Each day's last sequence number is kept in ``ticket_seq``: never derived
    from ``max(number)``, which compares text and puts ``…100000`` below
    ``…99999``.  A day without a row yet (a database from before the table,
    or the demo's bulk load) continues after the highest number that day has,
    compared as a number.
    """
    key = day.strftime("%Y%m%d")
    prefix = "XZ" + key
    row = c.execute("SELECT last FROM ticket_seq WHERE day = ?", (key,)).fetchone()
    if row is not None:
        last = int(row[0])
    else:
        found = c.execute("SELECT max(CAST(substr(number, ?) AS INTEGER)) FROM tickets WHERE number >= ? AND number < ?",
                          (len(prefix) + 1, prefix, prefix + "~")).fetchone()[0]
        last = int(found or 0)
    c.execute("INSERT INTO ticket_seq(day, last) VALUES (?, ?) ON CONFLICT(day) DO UPDATE SET last = excluded.last",
              (key, last + count))
    return [f"{prefix}{n:05d}" for n in range(last + 1, last + count + 1)]


class TicketRecords:
    """Reading, checking and acting on ticket rows (shared by the ticket areas)."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def row(self, c: sqlite3.Connection, ref: int | str) -> sqlite3.Row:
        row: sqlite3.Row | None
        if isinstance(ref, int):
            row = c.execute("SELECT * FROM tickets WHERE id = ?", (ref,)).fetchone()
        else:
            row = c.execute("SELECT * FROM tickets WHERE number = ? OR external_id = ?", (ref, ref)).fetchone()
            if row is None and str(ref).isdigit():
                row = c.execute("SELECT * FROM tickets WHERE id = ?", (int(ref),)).fetchone()
        if row is None:
            raise NotFound(f"找不到工单“{ref}”")
        return row

    def check_visible(self, actor: Staff, row: sqlite3.Row | dict[str, Any], c: sqlite3.Connection | None = None) -> None:
        """A liaison sees the tickets their department leads (主办) or supports (协办);
        an oversight account (市营商办, 市纪委监委) those at its warning level or above."""
        check_in_scope(self.core, actor, row)
        if actor.role is Role.DEPARTMENT and row["department_id"] != actor.department_id:
            part = (c or self.core.conn).execute(
                "SELECT 1 FROM ticket_parts WHERE ticket_id = ? AND department_id = ? AND withdrawn_at IS NULL",
                (row["id"], actor.department_id),
            ).fetchone()
            if part is None:
                raise PermissionDenied(f"工单 {row['number']} 不属于您的单位，无权查看或办理")

    def check_lead(self, actor: Staff, row: sqlite3.Row | dict[str, Any]) -> None:
        """Only the lead department (主办) acts on the ticket itself; a supporting
        one (协办) sends its part to the lead instead."""
        if actor.role is Role.DEPARTMENT and row["department_id"] != actor.department_id:
            raise PermissionDenied(f"贵单位是工单 {row['number']} 的协办单位：请提交协办意见，由主办单位签收、答复")

    # -- reading tickets ------------------------------------------------------
    def decorate(self, row: sqlite3.Row, viewer: Staff | None = None) -> Ticket:
        t = _row_to_ticket(row)
        t.department_name = self.core.department_name(t.department_id)
        if viewer is not None and viewer.role is Role.DEPARTMENT and t.confidential:
            t.enterprise_name = CONFIDENTIAL_MASK
            t.uscc = None
            t.contact_name = CONFIDENTIAL_MASK if t.contact_name else ""
            t.contact_phone = CONFIDENTIAL_MASK if t.contact_phone else ""
            t.enterprise_id = None
            t.redacted = True
        return t

    # -- the workflow -----------------------------------------------------------
    def event(self, c: sqlite3.Connection, ticket_id: int, at: str, actor: str, action: str,
               from_status: str | None, to_status: str | None, note: str = "", changes: dict[str, Any] | None = None) -> None:
        import json  # with the first action, not with the console (issue 11)

        c.execute(
            "INSERT INTO events(ticket_id, at, actor, action, from_status, to_status, note, changes) VALUES (?,?,?,?,?,?,?,?)",
            (ticket_id, at, actor, action, from_status, to_status, note or "",
             json.dumps(changes or {}, ensure_ascii=False, default=str)),
        )

    def act(self, actor: Staff, ref: int | str, action: Action, version: int | None,
             change: Callable[[sqlite3.Connection, sqlite3.Row, dt.datetime], dict[str, Any] | None],
             *, note: str = "", event_action: str | None = None) -> Ticket:
        """The one path every ticket action takes: lock, check, change, record.

        ``change`` returns the columns to set (it may raise to refuse); the
        event records each changed column as [before, after].  Two keys are
        not columns: ``_event`` names the event's action, ``_note`` replaces its
        note with one read inside the transaction.
        """
        if actor.disabled:
            raise PermissionDenied("账号已停用")
        now = self.core.now()
        now_s = format_datetime(now)
        with self.core.write() as c:
            row = self.row(c, ref)
            self.check_visible(actor, row, c)
            if action not in rules.SUPPORTING_ACTIONS:
                self.check_lead(actor, row)
            if version is not None and row["version"] != version:
                raise StaleTicket(row["number"], row["updated_by"], row["updated_at"] or "", row["version"])
            why = rules.refusal(action, actor.role, Status(row["status"]))
            if why:
                raise InvalidAction(why)
            t = rules.TRANSITIONS[action]
            if t.needs_reason and not note.strip():
                raise InvalidAction(f"{action.label}必须填写{'答复内容' if action is Action.REPLY else '理由'}")
            updates = change(c, row, now) or {}
            event_action = updates.pop("_event", None) or event_action
            note = updates.pop("_note", note)
            # the highest warning a ticket reached stays on it (SPEC §5)
            if row["status"] in AWAITING and row["due_date"]:
                lvl = rules.warning_level(dt.date.fromisoformat(row["due_date"]), now, self.core.calendar())
                if lvl > row["max_level"]:
                    updates.setdefault("max_level", int(lvl))
            changes = {k: [row[k], v] for k, v in updates.items() if k in row.keys() and row[k] != v}
            sets = dict(updates)
            sets.update(version=row["version"] + 1, updated_at=now_s, updated_by=actor.login)
            c.execute(
                f"UPDATE tickets SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ? AND version = ?",
                (*sets.values(), row["id"], row["version"]),
            )
            to_status = updates.get("status", row["status"])
            self.event(c, row["id"], now_s, actor.login, event_action or action.value, row["status"], to_status, note, changes)
            new = c.execute("SELECT * FROM tickets WHERE id = ?", (row["id"],)).fetchone()
        return self.decorate(new, actor)
