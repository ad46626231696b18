"""Part of the store: The SQL behind the assessment (三率) and the monthly bulletin.

Mixed into :class:`xzconsole.store.Store`; like store.py, one of the only
modules that speak SQL.  Methods use ``self.conn``, ``self.write()``,
``self._event(...)`` and the other helpers of the core store.

Every per-ticket test of SPEC §8 is written once, as a column of the *facts*
query below (one row per ticket dispatched in the period).  The assessment
sums those columns grouped by department; the drill-down selects the ids of
the rows where a column holds.  So a number and the tickets behind it can
never disagree.

The working-day tests are joins against ``workday_index`` (day → running
working-day number), not per-ticket calls into the calendar:

* signed within 1 working day: ``signed ≤ add_workdays(dispatch, 1)``.  With
  ``num`` the running number, ``num(s) - workday(s)`` counts the working days
  strictly before ``s``; the first working day after the dispatch date ``d``
  is not among them exactly when ``s`` is on or before it, so the test is
  ``num(s) - workday(s) ≤ num(d)`` (a signature on the Saturday after a
  Friday deadline is correctly late, which ``num(s) ≤ num(d) + 1`` would miss);
* on time: the reply's local date ≤ the stored due date (a string compare);
* overdue working days: ``num(today) - num(due)`` as in the warning panel;
* working days to reply: ``num(reply) - num(dispatch)`` = ``workdays_between``.

Times are stored as local ISO strings with their ``+08:00`` offset
(``clock.format_datetime``), so ``substr(x, 1, 10)`` is the local date and
string comparison orders instants.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

# Tables this part adds to the schema.  Until the first release they are part
# of migration 1 (store.py appends them); after that, changes go in new steps.
# (The assessment needs none: it reads tickets, events, knowledge, policies and
# the working-day mirror, through the indexes the core schema already has.)
SCHEMA = """
"""

# The tickets dispatched in the period, one row each, with every per-ticket
# test of SPEC §8 as a 0/1 column (or a number).  Parameters are named; the
# center filter is spliced in as a fixed fragment (never user text).
_FACTS = """
WITH base AS (
    SELECT t.id, t.department_id, t.dispatched_at, t.due_date, t.max_level, t.satisfaction,
           t.reopen_count, t.followup_count, t.unreachable_count, t.status, t.replied_at AS replied_raw,
           -- a reopen clears signed_at; the response rate judges the first
           -- signature after the (latest) dispatch, kept in the history
           CASE WHEN t.reopen_count > 0 THEN
                (SELECT min(e.at) FROM events e
                 WHERE e.ticket_id = t.id AND e.action = 'sign' AND e.at >= t.dispatched_at)
                ELSE t.signed_at END AS signed,
           CASE WHEN t.replied_at <= :now THEN t.replied_at END AS replied
    -- the period's range of the dispatch index, always: left to itself the
    -- planner walks tickets_dept_status_received (every ticket with a
    -- department, for the GROUP BY order) — 2.5 s instead of 0.2 s at 1,000,000
    FROM tickets t INDEXED BY tickets_dispatched
    WHERE t.dispatched_at >= :start AND t.dispatched_at < :end_next AND t.dispatched_at <= :now
      AND t.department_id IS NOT NULL{center}
), facts AS (
    SELECT b.id, b.department_id, b.satisfaction, b.reopen_count, b.followup_count,
           coalesce(b.signed <= :now AND s.num - s.workday <= d.num, 0) AS signed_ok,
           (b.replied IS NOT NULL) AS replied,
           coalesce(b.replied IS NOT NULL AND substr(b.replied, 1, 10) <= b.due_date, 0) AS on_time,
           coalesce(b.replied IS NULL AND (b.status IN ('dispatched', 'signed', 'reopened') OR b.replied_raw > :now)
                    AND b.due_date < :today, 0) AS overdue_open,
           max(b.max_level, CASE
               WHEN b.replied IS NOT NULL THEN
                   CASE WHEN substr(b.replied, 1, 10) <= b.due_date OR b.due_date IS NULL THEN 0
                        WHEN r.num - u.num >= :red_at THEN 3
                        WHEN r.num - u.num >= :orange_at THEN 2 ELSE 1 END
               WHEN (b.status IN ('dispatched', 'signed', 'reopened') OR b.replied_raw > :now)
                    AND b.due_date < :today THEN
                   CASE WHEN :today_num - u.num >= :red_at THEN 3
                        WHEN :today_num - u.num >= :orange_at THEN 2 ELSE 1 END
               ELSE 0 END) AS level,
           CASE WHEN b.replied IS NOT NULL THEN max(r.num - d.num, 0) END AS reply_workdays,
           -- calls that reached the enterprise: every follow-up but the
           -- unreachable ones (an imported outcome counts as one call)
           max(b.followup_count - b.unreachable_count,
               coalesce(b.satisfaction IN ('satisfied', 'basically_satisfied', 'unsatisfied'), 0)) AS reached_calls
    FROM base b
    CROSS JOIN workday_index d ON d.day = substr(b.dispatched_at, 1, 10)
    LEFT JOIN workday_index s ON s.day = substr(b.signed, 1, 10)
    LEFT JOIN workday_index r ON r.day = substr(b.replied, 1, 10)
    LEFT JOIN workday_index u ON u.day = b.due_date
)
"""

# Drill-down: metric → condition on a facts row.  Keys are the figure names of
# reports.DepartmentFigures where a figure is a plain count of tickets.
DRILL_CONDITIONS: dict[str, str] = {
    "dispatched": "1",
    "signed_in_time": "signed_ok",
    "not_signed_in_time": "NOT signed_ok",
    "replied": "replied",
    "replied_on_time": "on_time",
    "replied_late": "replied AND NOT on_time",
    "overdue_unreplied": "overdue_open",
    "resolution_base": "(replied OR overdue_open)",
    "open_not_due": "NOT replied AND NOT overdue_open",
    "satisfied": "satisfaction = 'satisfied'",
    "basically_satisfied": "satisfaction = 'basically_satisfied'",
    "unsatisfied": "satisfaction = 'unsatisfied'",
    "unreachable": "satisfaction = 'unreachable'",
    "satisfaction_base": "satisfaction IN ('satisfied', 'basically_satisfied', 'unsatisfied')",
    "warned": "level >= 1",
    "yellow": "level = 1",
    "orange": "level = 2",
    "red": "level = 3",
    "reopened": "reopen_count > 0",
    "followed_up": "followup_count > 0",
}


class ReportsMixin:
    """The SQL behind the assessment (三率) and the monthly bulletin."""

    conn: sqlite3.Connection

    # -- parameters -------------------------------------------------------------
    def _assessment_params(self, start: dt.date, end: dt.date, now_s: str, today: dt.date,
                           today_num: int, center: str | None) -> tuple[str, dict[str, Any]]:
        from . import rules

        params: dict[str, Any] = {
            "start": start.isoformat(),
            "end_next": (end + dt.timedelta(days=1)).isoformat(),
            "now": now_s,
            "today": today.isoformat(),
            "today_num": today_num,
            "red_at": rules.RED_AT,
            "orange_at": rules.ORANGE_AT,
        }
        center_sql = ""
        if center is not None:
            # the center that took the ticket in (tickets.center)
            center_sql = " AND t.center = :center"
            params["center"] = center
        return _FACTS.format(center=center_sql), params

    def workday_index_range(self) -> tuple[dt.date, dt.date] | None:
        """First and last day the SQLite working-day mirror covers."""
        row = self.conn.execute("SELECT min(day), max(day) FROM workday_index").fetchone()
        if row is None or row[0] is None:
            return None
        return dt.date.fromisoformat(row[0]), dt.date.fromisoformat(row[1])

    # -- the figures --------------------------------------------------------------
    def assessment_counts(self, start: dt.date, end: dt.date, now_s: str, today: dt.date, today_num: int,
                          center: str | None = None) -> list[sqlite3.Row]:
        """Per department: the sums of the per-ticket facts of tickets dispatched
        to it with a local dispatch date in [start, end] (one pass over the
        tickets_dispatched index range)."""
        facts, params = self._assessment_params(start, end, now_s, today, today_num, center)
        sql = facts + """
        SELECT department_id,
               count(*) AS dispatched,
               sum(signed_ok) AS signed_in_time,
               sum(replied) AS replied,
               sum(on_time) AS replied_on_time,
               sum(overdue_open) AS overdue_unreplied,
               sum(satisfaction = 'satisfied') AS satisfied,
               sum(satisfaction = 'basically_satisfied') AS basically_satisfied,
               sum(satisfaction = 'unsatisfied') AS unsatisfied,
               sum(satisfaction = 'unreachable') AS unreachable,
               sum(level = 1) AS yellow,
               sum(level = 2) AS orange,
               sum(level = 3) AS red,
               sum(reopen_count) AS reopens,
               sum(followup_count) AS follow_ups,
               sum(reached_calls) AS follow_ups_reached,
               sum(reply_workdays) AS reply_workdays_sum,
               count(reply_workdays) AS reply_workdays_count
        FROM facts GROUP BY department_id
        """
        return self.conn.execute(sql, params).fetchall()

    def assessment_ticket_ids(self, department_id: int | None, metric: str, start: dt.date, end: dt.date,
                              now_s: str, today: dt.date, today_num: int, center: str | None = None) -> list[int]:
        """The ids of the tickets behind one count of :meth:`assessment_counts`
        (``department_id`` None: the whole center)."""
        cond = DRILL_CONDITIONS[metric]
        facts, params = self._assessment_params(start, end, now_s, today, today_num, center)
        sql = facts + f"SELECT id FROM facts WHERE ({cond})"
        if department_id is not None:
            sql += " AND department_id = :dept"
            params["dept"] = department_id
        sql += " ORDER BY id"
        return [r[0] for r in self.conn.execute(sql, params)]

    def _returns_sql(self, center: str | None) -> str:
        # A return clears tickets.department_id, so the returning department
        # is read from the event itself: its changes record department_id as
        # [returning department, null].  'return' is a return within the
        # window; 'approve_return' a late one a supervisor let through (the
        # request itself, 'request_return', and a rejected one are not returns).
        sql = (
            "SELECT e.ticket_id, CAST(json_extract(e.changes, '$.department_id[0]') AS INTEGER) AS dept "
            "FROM events e WHERE e.action IN ('return', 'approve_return') "
            "AND e.at >= :start AND e.at < :end_next AND e.at <= :now "
            "AND json_extract(e.changes, '$.department_id[0]') IS NOT NULL"
        )
        if center is not None:
            # one primary-key look-up per return event (a month holds few)
            sql += " AND (SELECT t.center FROM tickets t WHERE t.id = e.ticket_id) = :center"
        return sql

    def assessment_returns(self, start: dt.date, end: dt.date, now_s: str,
                           center: str | None = None) -> dict[int, int]:
        """Returns per returning department, by the local date of the return in
        [start, end] (via the (action, at) index of events)."""
        params = {"start": start.isoformat(), "end_next": (end + dt.timedelta(days=1)).isoformat(),
                  "now": now_s, "center": center}
        sql = f"SELECT dept, count(*) FROM ({self._returns_sql(center)}) GROUP BY dept"
        return {r[0]: r[1] for r in self.conn.execute(sql, params)}

    def assessment_return_ticket_ids(self, department_id: int | None, start: dt.date, end: dt.date, now_s: str,
                                     center: str | None = None) -> list[int]:
        params = {"start": start.isoformat(), "end_next": (end + dt.timedelta(days=1)).isoformat(),
                  "now": now_s, "center": center, "dept": department_id}
        sql = f"SELECT DISTINCT ticket_id FROM ({self._returns_sql(center)})"
        if department_id is not None:
            sql += " WHERE dept = :dept"
        return [r[0] for r in self.conn.execute(sql + " ORDER BY ticket_id", params)]

    def _extensions_sql(self, center: str | None) -> str:
        # Approvals of extensions on the tickets the period counts (dispatched
        # in it, at their current department), made after that dispatch — an
        # extension granted to an earlier department stays with that handling.
        sql = (
            "SELECT e.ticket_id, t.department_id AS dept FROM events e JOIN tickets t ON t.id = e.ticket_id "
            "WHERE e.action = 'approve_extension' AND e.at >= :start AND e.at <= :now "
            "AND t.dispatched_at >= :start AND t.dispatched_at < :end_next AND t.dispatched_at <= :now "
            "AND e.at >= t.dispatched_at AND t.department_id IS NOT NULL"
        )
        if center is not None:
            sql += " AND t.center = :center"
        return sql

    def assessment_extensions(self, start: dt.date, end: dt.date, now_s: str,
                              center: str | None = None) -> dict[int, int]:
        """Approved extensions per department on the period's tickets."""
        params = {"start": start.isoformat(), "end_next": (end + dt.timedelta(days=1)).isoformat(),
                  "now": now_s, "center": center}
        sql = f"SELECT dept, count(*) FROM ({self._extensions_sql(center)}) GROUP BY dept"
        return {r[0]: r[1] for r in self.conn.execute(sql, params)}

    def assessment_extension_ticket_ids(self, department_id: int | None, start: dt.date, end: dt.date, now_s: str,
                                        center: str | None = None) -> list[int]:
        params = {"start": start.isoformat(), "end_next": (end + dt.timedelta(days=1)).isoformat(),
                  "now": now_s, "center": center, "dept": department_id}
        sql = f"SELECT DISTINCT ticket_id FROM ({self._extensions_sql(center)})"
        if department_id is not None:
            sql += " WHERE dept = :dept"
        return [r[0] for r in self.conn.execute(sql + " ORDER BY ticket_id", params)]

    def knowledge_current(self, since_s: str) -> dict[str, int]:
        """Knowledge entries per owning department (as written in the entry:
        its short name; '' for entries without one) updated at or after ``since_s``."""
        rows = self.conn.execute(
            "SELECT department, count(*) FROM knowledge WHERE updated_at >= ? GROUP BY department",
            (since_s,),
        )
        return {r[0]: r[1] for r in rows}

    def policies_published(self, start: dt.date, end: dt.date, target_workdays: int) -> list[sqlite3.Row]:
        """Per issuer: policies published (publish date in [start, end], not a
        draft), how many have an issue date, the sum of their publication lags
        in working days (``workdays_between(issued, published)``, from the
        working-day mirror) and how many were within ``target_workdays``."""
        return self.conn.execute(
            "SELECT p.issuer, count(*) AS published, count(w.num) AS with_lag, "
            "sum(max(v.num - w.num, 0)) AS lag_sum, sum(max(v.num - w.num, 0) <= ?) AS on_target "
            "FROM policies p "
            "LEFT JOIN workday_index v ON v.day = substr(p.published_at, 1, 10) "
            "LEFT JOIN workday_index w ON w.day = substr(p.issued_at, 1, 10) "
            "WHERE p.published_at >= ? AND p.published_at < ? AND p.status != 'draft' "
            "GROUP BY p.issuer",
            (target_workdays, start.isoformat(), (end + dt.timedelta(days=1)).isoformat()),
        ).fetchall()

    def policy_ids_published(self, issuers: list[str], start: dt.date, end: dt.date) -> list[int]:
        """The policies behind a department's publication figures."""
        if not issuers:
            return []
        marks = ",".join("?" * len(issuers))
        return [r[0] for r in self.conn.execute(
            f"SELECT id FROM policies WHERE issuer IN ({marks}) AND published_at >= ? AND published_at < ? "
            "AND status != 'draft' ORDER BY id",
            (*issuers, start.isoformat(), (end + dt.timedelta(days=1)).isoformat()),
        )]

    # -- the live warning panel (SPEC §5 notices) -----------------------------------
    def panel_thresholds(self, today: dt.date) -> dict[str, str]:
        """The date thresholds of the panel's notices for ``today``, from the calendar.

        ``late_before``: a dispatch (or an intake) whose local date is on or
        before the returned day has a 1-working-day deadline that ended before
        today — ``add_workdays(d, 1) ≤ yesterday`` is ``num(d) ≤ num(yesterday) - 1``
        on the running working-day number, so it is a plain range condition
        ``dispatched_at < late_before`` on an index, not a per-ticket calendar call.
        """
        from . import rules

        cal = self.calendar()  # type: ignore[attr-defined]
        yesterday = today - dt.timedelta(days=1)
        sign_last = cal.due_threshold(yesterday, rules.SIGN_WITHIN)
        dispatch_last = cal.due_threshold(yesterday, rules.DISPATCH_WITHIN)
        return {
            "today": today.isoformat(),
            "red": cal.due_threshold(today, rules.RED_AT).isoformat(),
            "sign_before": (sign_last + dt.timedelta(days=1)).isoformat(),
            "dispatch_before": (dispatch_last + dt.timedelta(days=1)).isoformat(),
        }

    def panel_notices(self, actor: Any, now: dt.datetime, limit: int = 100) -> dict[str, tuple[int, list[int]]]:
        """The warning panel's notices as ``{kind: (count, first ids)}``.

        * ``due_today`` — awaiting a reply, deadline the end of today
          (``(status, due_date)`` index: an equality range);
        * ``unsigned`` — dispatched, not signed, past ``rules.sign_deadline``
          (``(status, received_at)`` index narrows to ``dispatched`` rows, then
          a string range on ``dispatched_at``);
        * ``undispatched`` — new, past ``rules.dispatch_deadline`` (a range on
          the ``(status, received_at)`` index itself);
        * ``part_late`` — supporting parts (协办) open past their own deadline
          (``JointMixin.late_part_notice``; the ids are their tickets').

        Oldest first; a liaison sees only their department (and has no ``new``
        tickets).  ``limit`` bounds the ids, never the count.
        """
        from .clock import local_date
        from .models import Role

        th = self.panel_thresholds(local_date(now))
        dept_sql, dept_params = "", []
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
            ids = [r[0] for r in self.conn.execute(
                f"SELECT id FROM tickets WHERE {where}{dept_sql} ORDER BY {order}", [*params, *dept_params])]
            out[kind] = (len(ids), ids[:limit])
        out["part_late"] = self.late_part_notice(actor, now, limit)  # type: ignore[attr-defined]  # 协办超期 (store_joint)
        return out

    def red_ticket_ids(self, actor: Any, now: dt.datetime) -> set[int]:
        """Ids of every ticket at the red level now (covering read of the
        ``(status, due_date, department_id)`` index) — to see which turned red."""
        from .clock import local_date
        from .models import Role

        th = self.panel_thresholds(local_date(now))
        sql = "SELECT id FROM tickets WHERE status IN ('dispatched', 'signed', 'reopened') AND due_date <= ?"
        params: list[Any] = [th["red"]]
        if actor is not None and actor.role is Role.DEPARTMENT:
            sql += " AND department_id = ?"
            params.append(actor.department_id)
        return {r[0] for r in self.conn.execute(sql, params)}

    def tickets_by_ids(self, actor: Any, ids: list[int]) -> list[Any]:
        """The tickets with these ids, in the order given, as the actor may see
        them (a liaison: only their department's, confidential ones masked)."""
        from .models import Role

        rows: dict[int, Any] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(f"SELECT * FROM tickets WHERE id IN ({marks})", chunk):
                if actor is not None and actor.role is Role.DEPARTMENT and r["department_id"] != actor.department_id:
                    continue
                rows[r["id"]] = r
        return [self._decorate(rows[i], actor) for i in ids if i in rows]  # type: ignore[attr-defined]

    def open_due_on_or_after(self, day: dt.date) -> bool:
        """Whether any ticket awaiting a reply is due on or after ``day`` (a
        covering read of the ``(status, due_date)`` index; the panel asks it
        for the first day of the first provisional year, which is cheaper than
        scanning ``due_provisional`` over every open ticket)."""
        return self.conn.execute(
            "SELECT 1 FROM tickets WHERE status IN ('dispatched', 'signed', 'reopened') AND due_date >= ? LIMIT 1",
            (day.isoformat(),),
        ).fetchone() is not None
