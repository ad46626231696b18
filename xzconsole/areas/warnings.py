"""The warning ladder as the panel, the wall and ``xzconsole warnings`` read it.

Counts per department and level and the list of warned tickets are range
conditions on the due date — thresholds computed once from the calendar —
and one join against the working-day table for overdue working days, never
a calendar call per ticket.  The panel's notices (due today, unsigned, the
center's own delay, late 协办 parts) are here too.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Callable

from .. import rules
from ..clock import local_date
from ..models import Role, Staff
from ..rules import WarningLevel
from .base import AWAITING, AWAITING_SQL, CONFIDENTIAL_MASK, Core
from .oversight_scope import is_oversight, warned_floor

if TYPE_CHECKING:  # types only: the joint area is built when the panel first asks (not to open the console)
    from .joint import JointArea


class WarningsArea:
    """``store.warnings``: warned tickets, counts per level, the panel's notices."""

    def __init__(self, core: Core, joint: Callable[[], JointArea]) -> None:
        self.core = core
        self._joint = joint

    @property
    def joint(self) -> JointArea:
        return self._joint()

    # -- warnings ---------------------------------------------------------------
    def level_counts(self, actor: Staff | None = None, now: dt.datetime | None = None) -> dict[int | None, dict[WarningLevel, int]]:
        """Warned tickets per department and level, as of ``now``.

        Plain range conditions on the (status, due_date, department) index: the
        date thresholds come from the calendar (see ``due_threshold``).
        """
        today = local_date(now or self.core.now())
        cal = self.core.calendar()
        red = cal.due_threshold(today, rules.RED_AT).isoformat()
        orange = cal.due_threshold(today, rules.ORANGE_AT).isoformat()
        params: list[Any] = [red, orange, red, *AWAITING, today.isoformat()]
        dept = ""
        if actor is not None and actor.role is Role.DEPARTMENT:
            dept = " AND department_id = ?"
            params.append(actor.department_id)
        floor = warned_floor(self.core, actor, today)  # 市营商办: orange and red; 市纪委监委: red
        if floor is not None:
            dept = " AND due_date <= ?"
            params.append(floor.isoformat())
        rows = self.core.q(
            "SELECT department_id, sum(due_date <= ?) AS red, sum(due_date <= ? AND due_date > ?) AS orange, count(*) AS total "
            f"FROM tickets WHERE status IN (?, ?, ?) AND due_date < ?{dept} GROUP BY department_id",
            params,
        )
        out: dict[int | None, dict[WarningLevel, int]] = {}
        for r in rows:
            out[r["department_id"]] = {
                WarningLevel.RED: r["red"],
                WarningLevel.ORANGE: r["orange"],
                WarningLevel.YELLOW: r["total"] - r["red"] - r["orange"],
            }
        return out

    def warned_tickets(self, actor: Staff | None = None, now: dt.datetime | None = None,
                       limit: int | None = None) -> list[dict[str, Any]]:
        """Every ticket past its due date and awaiting a reply, most severe first,
        with overdue working days from one join against the working-day table."""
        now = now or self.core.now()
        today = local_date(now)
        cal = self.core.calendar()
        today_num = self.core.workday_number(today, cal)
        params: list[Any] = [today_num, today.isoformat()]
        dept = ""
        if actor is not None and actor.role is Role.DEPARTMENT:
            dept = " AND t.department_id = ?"
            params.append(actor.department_id)
        floor = warned_floor(self.core, actor, today)  # 市营商办: orange and red; 市纪委监委: red
        if floor is not None:
            dept = " AND t.due_date <= ?"
            params.append(floor.isoformat())
        # The statuses are written out (code constants, not input) because SQLite
        # only uses the partial index tickets_awaiting_due when the query's own
        # text implies the index's WHERE; bound parameters cannot.
        sql = (
            "SELECT t.id, t.number, t.external_id, t.department_id, t.due_date, t.due_provisional, t.status, "
            "t.appeal_type, t.enterprise_name, t.confidential, t.title, ? - w.num AS overdue "
            "FROM tickets t JOIN workday_index w ON w.day = t.due_date "
            f"WHERE t.status IN ({AWAITING_SQL}) AND t.due_date < ?{dept} ORDER BY t.due_date, t.id"
        )
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        out = []
        names = {d.id: d.short_name for d in self.core.departments(include_inactive=True)}
        mask = actor is not None and actor.role is Role.DEPARTMENT
        levels: dict[int, tuple[str, str]] = {}  # overdue days → (level code, body): a handful of values
        # plain tuples, not sqlite3.Row: tens of thousands of rows, every field used once
        cur = self.core.conn.cursor()
        cur.row_factory = None
        for (tid, number, external_id, dept_id, due, prov, status, appeal_type, name, confidential, title,
             overdue) in cur.execute(sql, params):
            level = levels.get(overdue)
            if level is None:
                lvl = rules.level_for_overdue(True, overdue)
                level = levels[overdue] = (lvl.code, lvl.supervised_by)
            out.append({
                "id": tid,
                "number": number,
                "external_id": external_id,
                "department": names.get(dept_id),
                "due_date": due,
                "due_provisional": prov == 1,
                "overdue_workdays": overdue,
                "level": level[0],
                "supervised_by": level[1],
                "status": status,
                "appeal_type": appeal_type,
                "enterprise_name": CONFIDENTIAL_MASK if mask and confidential else name,
                "title": title,
            })
        return out

    def any_provisional_due(self) -> bool:
        """Whether any open ticket's due date is only provisional (a header mark).

        The statuses are written out so that SQLite reads the partial index of
        open tickets (a covering scan of a few percent of the table) instead of
        every ticket of those statuses (0.2 s at 1,000,000 tickets)."""
        return self.core.q1(
            f"SELECT 1 FROM tickets WHERE status IN ({AWAITING_SQL}) AND due_provisional = 1 LIMIT 1"
        ) is not None

    # -- the live warning panel (SPEC §5 notices) -----------------------------------
    def thresholds(self, today: dt.date) -> dict[str, str]:
        """The date thresholds of the panel's notices for ``today``, from the calendar.

        ``late_before``: a dispatch (or an intake) whose local date is on or
        before the returned day has a 1-working-day deadline that ended before
        today — ``add_workdays(d, 1) ≤ yesterday`` is ``num(d) ≤ num(yesterday) - 1``
        on the running working-day number, so it is a plain range condition
        ``dispatched_at < late_before`` on an index, not a per-ticket calendar call.
        """

        cal = self.core.calendar()
        yesterday = today - dt.timedelta(days=1)
        sign_last = cal.due_threshold(yesterday, rules.SIGN_WITHIN)
        dispatch_last = cal.due_threshold(yesterday, rules.DISPATCH_WITHIN)
        return {
            "today": today.isoformat(),
            "red": cal.due_threshold(today, rules.RED_AT).isoformat(),
            "sign_before": (sign_last + dt.timedelta(days=1)).isoformat(),
            "dispatch_before": (dispatch_last + dt.timedelta(days=1)).isoformat(),
        }

    def notices(self, actor: Staff | None, now: dt.datetime, limit: int = 100) -> dict[str, tuple[int, list[int]]]:
        """The warning panel's notices as ``{kind: (count, first ids)}``.

        * ``due_today`` — awaiting a reply, deadline the end of today
          (``(status, due_date)`` index: an equality range);
        * ``unsigned`` — dispatched, not signed, past ``rules.sign_deadline``
          (``(status, received_at)`` index narrows to ``dispatched`` rows, then
          a string range on ``dispatched_at``);
        * ``undispatched`` — new, past ``rules.dispatch_deadline`` (a range on
          the ``(status, received_at)`` index itself);
        * ``part_late`` — supporting parts (协办) open past their own deadline
          (``JointArea.late_part_notice``; the ids are their tickets').

        Oldest first; a liaison sees only their department (and has no ``new``
        tickets).  ``limit`` bounds the ids, never the count.
        """

        if is_oversight(actor):
            # 市营商办 / 市纪委监委 supervise warned tickets: none of these is at their level
            return {kind: (0, []) for kind in ("due_today", "unsigned", "undispatched", "part_late")}
        th = self.thresholds(local_date(now))
        dept_sql = ""
        dept_params: list[Any] = []
        if actor is not None and actor.role is Role.DEPARTMENT:
            dept_sql, dept_params = " AND department_id = ?", [actor.department_id]
        queries = {
            "due_today": ("status IN ('dispatched', 'signed', 'reopened') AND due_date = ?", [th["today"]],
                          "due_date, id"),
            "unsigned": ("status = 'dispatched' AND signed_at IS NULL AND dispatched_at < ?", [th["sign_before"]],
                         "dispatched_at, id"),
            "undispatched": ("status = 'new' AND received_at < ?", [th["dispatch_before"]], "received_at, id"),
        }
        out: dict[str, tuple[int, list[int]]] = {}
        for kind, (where, params, order) in queries.items():
            if kind == "undispatched" and dept_sql:
                out[kind] = (0, [])
                continue
            # one pass gives both the count and the first ids (the rows are
            # few — thousands at most — and the count alone would read them too)
            ids = [int(r[0]) for r in self.core.conn.execute(
                f"SELECT id FROM tickets WHERE {where}{dept_sql} ORDER BY {order}", [*params, *dept_params])]
            out[kind] = (len(ids), ids[:limit])
        out["part_late"] = self.joint.late_part_notice(actor, now, limit)  # 协办超期 (store_joint)
        return out

    def supervised_ids(self, ticket_ids: list[int]) -> set[int]:
        """Which of ``ticket_ids`` have been supervised (督办) at least once:
        the warning list marks them 已督办 (an indexed probe per ticket)."""
        out: set[int] = set()
        for start in range(0, len(ticket_ids), 500):
            chunk = [int(i) for i in ticket_ids[start:start + 500]]
            marks = ",".join("?" * len(chunk))
            out.update(int(r[0]) for r in self.core.conn.execute(
                f"SELECT DISTINCT ticket_id FROM supervisions WHERE ticket_id IN ({marks})", chunk))
        return out

    def red_ticket_ids(self, actor: Staff | None, now: dt.datetime) -> set[int]:
        """Ids of every ticket at the red level now (covering read of the
        ``(status, due_date, department_id)`` index) — to see which turned red."""

        th = self.thresholds(local_date(now))
        sql = "SELECT id FROM tickets WHERE status IN ('dispatched', 'signed', 'reopened') AND due_date <= ?"
        params: list[Any] = [th["red"]]
        if actor is not None and actor.role is Role.DEPARTMENT:
            sql += " AND department_id = ?"
            params.append(actor.department_id)
        return {int(r[0]) for r in self.core.conn.execute(sql, params)}

    def open_due_on_or_after(self, day: dt.date) -> bool:
        """Whether any ticket awaiting a reply is due on or after ``day`` (a
        covering read of the ``(status, due_date)`` index; the panel asks it
        for the first day of the first provisional year, which is cheaper than
        scanning ``due_provisional`` over every open ticket)."""
        return self.core.conn.execute(
            "SELECT 1 FROM tickets WHERE status IN ('dispatched', 'signed', 'reopened') AND due_date >= ? LIMIT 1",
            (day.isoformat(),),
        ).fetchone() is not None
