"""The center's own working-day schedules (SPEC §3, §11): stored per year,
previewed, loaded; loading recomputes every open ticket's (and part's) due
date and records each move in that ticket's history.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any, Iterator

from .. import rules
from ..clock import format_datetime
from ..errors import PermissionDenied
from ..models import Role, Staff
from ..workdays import WorkCalendar, YearSchedule
from .base import AWAITING, Core
from .joint import JointArea
from .records import TicketRecords


def _schedule_to_toml(s: YearSchedule) -> str:
    lines = [f"year = {s.year}", f'source = "{s.source}"', "holidays = ["]
    for h in s.holidays:
        lines.append(f'  {{ name = "{h.name}", start = {h.start}, end = {h.end} }},')
    lines.append("]")
    lines.append("workdays = [" + ", ".join(str(d) for d in s.workdays) + "]")
    return "\n".join(lines) + "\n"


class SchedulesArea:
    """``store.schedules``: the center's calendar entries and what they move."""

    def __init__(self, core: Core, records: TicketRecords, joint: JointArea) -> None:
        self.core = core
        self.records = records
        self.joint = joint

    def stored(self) -> list[YearSchedule]:
        out = []
        for r in self.core.q("SELECT body FROM calendar_years ORDER BY year"):
            out.append(YearSchedule.from_toml(r["body"]))
        return out

    def years(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.core.q("SELECT year, source, loaded_at, loaded_by FROM calendar_years ORDER BY year")]

    def preview(self, schedule: YearSchedule) -> int:
        """How many open tickets' due dates would move if this schedule were stored."""
        others = [s for s in self.stored() if s.year != schedule.year]
        new_cal = WorkCalendar([*others, schedule])
        return sum(1 for _ in self._due_changes(self.core.conn, new_cal))

    def load(self, actor: Staff, schedule: YearSchedule) -> int:
        """Store the center's schedule for a year and recompute every open
        ticket's due date from it; returns how many due dates moved.  Each
        move is recorded in that ticket's history."""
        if actor.role not in (Role.SUPERVISOR, Role.ADMIN):
            raise PermissionDenied("只有值班长或管理员可以修改工作日历")
        now = format_datetime(self.core.now())
        with self.core.write() as c:
            c.execute(
                "INSERT INTO calendar_years(year, source, body, loaded_at, loaded_by) VALUES (?,?,?,?,?) "
                "ON CONFLICT(year) DO UPDATE SET source = excluded.source, body = excluded.body, "
                "loaded_at = excluded.loaded_at, loaded_by = excluded.loaded_by",
                (schedule.year, schedule.source, schedule.text or _schedule_to_toml(schedule), now, actor.login),
            )
            cal = WorkCalendar(self.core.schedules_in(c))
            moved = 0
            for tid, due, old_due, prov, old_prov, version in list(self._due_changes(c, cal)):
                c.execute(
                    "UPDATE tickets SET due_date = ?, due_provisional = ?, version = version + 1, updated_at = ?, "
                    "updated_by = ? WHERE id = ?",
                    (due, prov, now, actor.login, tid),
                )
                changes: dict[str, list[str | bool]] = {"due_date": [old_due, due]}
                if prov != old_prov:
                    changes["due_provisional"] = [bool(old_prov), bool(prov)]
                self.records.event(c, tid, now, actor.login, "recompute_due", None, None,
                            f"{schedule.year} 年工作日历调整，重新计算办理期限", changes)
                moved += 1
            moved += self.joint.recompute_part_dues(c, cal, actor.login, now, schedule.year)
            self.core.refresh_workday_index(c, cal)
            rev = int((c.execute("SELECT value FROM meta WHERE key = 'calendar_rev'").fetchone() or ["0"])[0]) + 1
            c.execute("INSERT INTO meta(key, value) VALUES ('calendar_rev', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", (str(rev),))
        return moved

    def _due_changes(self, c: sqlite3.Connection, cal: WorkCalendar) -> Iterator[tuple[int, str, str, int, int, str | None]]:
        rows = c.execute(
            "SELECT id, clock_start, time_limit, extension_days, due_date, due_provisional, version FROM tickets "
            "WHERE status IN (?, ?, ?) AND clock_start IS NOT NULL AND time_limit IS NOT NULL",
            AWAITING,
        ).fetchall()
        for r in rows:
            start = dt.date.fromisoformat(r["clock_start"])
            due = rules.due_from_start(start, r["time_limit"], r["extension_days"], cal)
            prov = int(cal.provisional_between(start, due))
            if due.isoformat() != r["due_date"] or prov != r["due_provisional"]:
                yield r["id"], due.isoformat(), r["due_date"], prov, r["due_provisional"], r["version"]
