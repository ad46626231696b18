"""The SQL behind the assessment (三率) and the monthly bulletin.

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
import json
import sqlite3
from typing import Any

from .. import rules
from .base import Core

# The tickets dispatched in the period, one row each, with every per-ticket
# test of SPEC §8 as a 0/1 column (or a number).  Parameters are named; the
# center filter is spliced in as a fixed fragment (never user text).
_FACTS = """
WITH base AS (
    SELECT t.id, t.department_id, t.dispatched_at, t.due_date, t.satisfaction, t.resolved,
           t.reopen_count, t.followup_count, t.unreachable_count, t.status, t.replied_at AS replied_raw,
           t.updated_at,
           -- the highest level recorded while the ticket sat at this department:
           -- a ticket never returned has had no other; after a return, only the
           -- raises recorded in the history since the latest dispatch count (the
           -- earlier department's are charged to it: returned_levels); an
           -- imported ticket with no history of returns keeps its stored level
           CASE WHEN t.return_count = 0 THEN t.max_level ELSE coalesce(
                (SELECT max(CAST(json_extract(e.changes, '$.max_level[1]') AS INTEGER)) FROM events e
                 WHERE e.ticket_id = t.id AND e.at >= t.dispatched_at
                   AND json_extract(e.changes, '$.max_level') IS NOT NULL),
                CASE WHEN EXISTS (SELECT 1 FROM events e WHERE e.ticket_id = t.id
                                  AND e.action IN ('return', 'approve_return')) THEN 0 ELSE t.max_level END)
           END AS max_level,
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
    FROM tickets t INDEXED BY {index}
    WHERE t.dispatched_at >= :start AND t.dispatched_at < :end_next AND t.dispatched_at <= :now
      AND t.department_id IS NOT NULL{center}{part}
), facts AS (
    SELECT b.id, b.department_id, substr(b.dispatched_at, 1, 7) AS month, b.updated_at, b.satisfaction, b.resolved,
           b.reopen_count, b.followup_count,
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


_AWAITING = "'dispatched', 'signed', 'reopened'"  # code constants: the partial index needs the literals


def _months(start: dt.date, end: dt.date) -> list[str]:
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _runs(months: list[str]) -> list[tuple[str, str]]:
    """Consecutive months as (first, last) runs: one query per run."""
    out: list[tuple[str, str]] = []
    for m in months:
        if out:
            y, mo = int(out[-1][1][:4]), int(out[-1][1][5:7])
            nxt = f"{y + (mo == 12):04d}-{mo % 12 + 1:02d}"
            if nxt == m:
                out[-1] = (out[-1][0], m)
                continue
        out.append((m, m))
    return out


def _merge(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of the same (department, month) added up (settled + open)."""
    by: dict[tuple[int, str], dict[str, Any]] = {}
    for r in rows:
        k = (r["department_id"], r["month"])
        have = by.get(k)
        if have is None:
            by[k] = dict(r)
            continue
        for col, v in r.items():
            if col in ("department_id", "month"):
                continue
            if col == "last_change":
                have[col] = max(have[col] or "", v or "")
            else:
                have[col] = (have[col] or 0) + (v or 0)
    return list(by.values())


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
    "on_time_base": "(replied OR overdue_open)",
    "open_not_due": "NOT replied AND NOT overdue_open",
    "satisfied": "satisfaction = 'satisfied'",
    "basically_satisfied": "satisfaction = 'basically_satisfied'",
    "unsatisfied": "satisfaction = 'unsatisfied'",
    "unreachable": "satisfaction = 'unreachable'",
    "satisfaction_base": "satisfaction IN ('satisfied', 'basically_satisfied', 'unsatisfied')",
    "resolved": "resolved = 1",
    "unresolved": "resolved = 0",
    "resolution_base": "resolved IS NOT NULL",
    "warned": "level >= 1",
    "yellow": "level = 1",
    "orange": "level = 2",
    "red": "level = 3",
    "reopened": "reopen_count > 0",
    "followed_up": "followup_count > 0",
}


class ReportsArea:
    """``store.reports``: the per-ticket facts behind the assessment and the bulletin."""

    def __init__(self, core: Core) -> None:
        self.core = core

    # -- parameters -------------------------------------------------------------
    def _assessment_params(self, start: dt.date, end: dt.date, now_s: str, today: dt.date,
                           today_num: int, center: str | None, part: str = "all") -> tuple[str, dict[str, Any]]:
        """The facts query and its parameters; ``part``: every ticket, only the
        settled ones (not awaiting a reply) or only the open ones (through
        their own small index)."""

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
        index, part_sql = "tickets_dispatched", ""
        if part == "settled":
            part_sql = f" AND t.status NOT IN ({_AWAITING})"
        elif part == "open":
            index, part_sql = "tickets_awaiting_dispatched", f" AND t.status IN ({_AWAITING})"
        return _FACTS.format(center=center_sql, index=index, part=part_sql), params

    def workday_index_range(self) -> tuple[dt.date, dt.date] | None:
        """First and last day the SQLite working-day mirror covers."""
        row = self.core.conn.execute("SELECT min(day), max(day) FROM workday_index").fetchone()
        if row is None or row[0] is None:
            return None
        return dt.date.fromisoformat(row[0]), dt.date.fromisoformat(row[1])

    # -- the figures --------------------------------------------------------------
    _SUMS = """
        SELECT department_id, month,
               count(*) AS dispatched,
               sum(signed_ok) AS signed_in_time,
               sum(replied) AS replied,
               sum(on_time) AS replied_on_time,
               sum(overdue_open) AS overdue_unreplied,
               sum(satisfaction = 'satisfied') AS satisfied,
               sum(satisfaction = 'basically_satisfied') AS basically_satisfied,
               sum(satisfaction = 'unsatisfied') AS unsatisfied,
               sum(satisfaction = 'unreachable') AS unreachable,
               sum(resolved = 1) AS resolved_yes,
               sum(resolved = 0) AS resolved_no,
               sum(level = 1) AS yellow,
               sum(level = 2) AS orange,
               sum(level = 3) AS red,
               sum(reopen_count) AS reopens,
               sum(followup_count) AS follow_ups,
               sum(reached_calls) AS follow_ups_reached,
               sum(reply_workdays) AS reply_workdays_sum,
               count(reply_workdays) AS reply_workdays_count,
               max(updated_at) AS last_change
        FROM facts GROUP BY department_id, month
        """

    def _sums(self, start: dt.date, end: dt.date, now_s: str, today: dt.date, today_num: int,
              center: str | None, part: str) -> list[dict[str, Any]]:
        facts, params = self._assessment_params(start, end, now_s, today, today_num, center, part)
        # an empty sum is NULL in SQL: 0 here, so kept, fresh and merged rows read alike
        return [{k: (0 if r[k] is None and k != "last_change" else r[k]) for k in r.keys()}
                for r in self.core.conn.execute(facts + self._SUMS, params)]

    def counts(self, start: dt.date, end: dt.date, now_s: str, today: dt.date, today_num: int,
               center: str | None = None) -> list[dict[str, Any]]:
        """Per department and month of dispatch ('YYYY-MM'): the sums of the
        per-ticket facts of tickets dispatched to it with a local dispatch date
        in [start, end].

        For a range of whole months the settled tickets (not awaiting a reply)
        of each month are summed once and kept in ``assessment_cache``: their
        facts no longer depend on the day, and triggers drop a month as soon as
        one of its tickets changes (or the calendar does).  A month is kept only
        when nothing in it changed after ``now_s``, and used only for an
        evaluation at or after the one that kept it, so a what-if ``--now`` in
        the past is always counted afresh.  The open tickets are always counted
        afresh (their own small index).  So a year costs its changed months and
        its open tickets, not a pass over every ticket of the year."""
        months = _months(start, end)
        whole = start.day == 1 and (end + dt.timedelta(days=1)).day == 1
        if not whole:
            return self._sums(start, end, now_s, today, today_num, center, "all")
        key = center or ""
        cached: dict[str, list[dict[str, Any]]] = {}
        for r in self.core.conn.execute(
                "SELECT month, rows FROM assessment_cache WHERE center = ? AND month >= ? AND month <= ? "
                "AND evaluated_at <= ?", (key, months[0], months[-1], now_s)):
            cached[r[0]] = json.loads(r[1])
        out: list[dict[str, Any]] = []
        fresh: dict[str, list[dict[str, Any]]] = {}
        for first, last in _runs([m for m in months if m not in cached]):
            m_start = dt.date.fromisoformat(first + "-01")
            y, mo = int(last[:4]), int(last[5:7])
            m_end = dt.date(y + (mo == 12), mo % 12 + 1, 1) - dt.timedelta(days=1)
            for row in self._sums(m_start, m_end, now_s, today, today_num, center, "settled"):
                fresh.setdefault(row["month"], []).append(row)
            for m in months[months.index(first):months.index(last) + 1]:
                fresh.setdefault(m, [])
        keep = [(m, key, now_s, json.dumps(rows)) for m, rows in fresh.items()
                if all((r["last_change"] or "") <= now_s for r in rows)]
        if keep:
            try:
                with self.core.write() as c:
                    c.executemany("INSERT OR REPLACE INTO assessment_cache(month, center, evaluated_at, rows) "
                                  "VALUES (?, ?, ?, ?)", keep)
            except sqlite3.OperationalError:
                pass  # a read-only database (a replica, a restored copy): just not kept
        for rows in [*cached.values(), *fresh.values()]:
            out.extend(rows)
        out.extend(self._sums(start, end, now_s, today, today_num, center, "open"))
        return _merge(out)

    def ticket_ids(self, department_id: int | None, metric: str, start: dt.date, end: dt.date,
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
        return [r[0] for r in self.core.conn.execute(sql, params)]

    def _returns_sql(self, center: str | None) -> str:
        # A return clears tickets.department_id, so the returning department
        # is read from the event itself: its changes record department_id as
        # [returning department, null].  'return' is a return within the
        # window; 'approve_return' a late one a supervisor let through (the
        # request itself, 'request_return', and a rejected one are not returns).
        sql = (
            "SELECT e.ticket_id, CAST(json_extract(e.changes, '$.department_id[0]') AS INTEGER) AS dept, "
            "substr(e.at, 1, 7) AS month "
            "FROM events e WHERE e.action IN ('return', 'approve_return') "
            "AND e.at >= :start AND e.at < :end_next AND e.at <= :now "
            "AND json_extract(e.changes, '$.department_id[0]') IS NOT NULL"
        )
        if center is not None:
            # one primary-key look-up per return event (a month holds few)
            sql += " AND (SELECT t.center FROM tickets t WHERE t.id = e.ticket_id) = :center"
        return sql

    def returns(self, start: dt.date, end: dt.date, now_s: str,
                center: str | None = None) -> dict[tuple[int, str], int]:
        """Returns per (returning department, month 'YYYY-MM' of the return),
        by the local date of the return in [start, end] (via the (action, at)
        index of events)."""
        params = {"start": start.isoformat(), "end_next": (end + dt.timedelta(days=1)).isoformat(),
                  "now": now_s, "center": center}
        sql = f"SELECT dept, month, count(*) FROM ({self._returns_sql(center)}) GROUP BY dept, month"
        return {(r[0], r[1]): r[2] for r in self.core.conn.execute(sql, params)}

    def _returned_levels_sql(self, center: str | None) -> str:
        # The level a ticket reached at a department that then returned it
        # (SPEC §8: a warning is charged to the department that held the
        # ticket when the level was reached).  The return event records that
        # department and its due date (department_id / due_date [before,
        # after]), so the level at the return is the ladder at the event's
        # date; a raise of max_level recorded in the history during that
        # handling (since the dispatch that gave the ticket to it) can be
        # higher when an extension later moved the due date.
        sql = """
            SELECT e.ticket_id, CAST(json_extract(e.changes, '$.department_id[0]') AS INTEGER) AS dept,
                   substr(e.at, 1, 7) AS month,
                   max(CASE WHEN substr(e.at, 1, 10) > json_extract(e.changes, '$.due_date[0]') THEN
                            CASE WHEN r.num - u.num >= :red_at THEN 3
                                 WHEN r.num - u.num >= :orange_at THEN 2 ELSE 1 END
                       ELSE 0 END,
                       coalesce((SELECT max(CAST(json_extract(x.changes, '$.max_level[1]') AS INTEGER)) FROM events x
                                 WHERE x.ticket_id = e.ticket_id AND x.id <= e.id
                                   AND x.id > coalesce((SELECT max(y.id) FROM events y
                                                        WHERE y.ticket_id = e.ticket_id AND y.id < e.id
                                                          AND json_extract(y.changes, '$.department_id[1]') IS NOT NULL), 0)
                                   AND json_extract(x.changes, '$.max_level') IS NOT NULL), 0)) AS level
            FROM events e
            LEFT JOIN workday_index r ON r.day = substr(e.at, 1, 10)
            LEFT JOIN workday_index u ON u.day = json_extract(e.changes, '$.due_date[0]')
            WHERE e.action IN ('return', 'approve_return')
              AND e.at >= :start AND e.at < :end_next AND e.at <= :now
              AND json_extract(e.changes, '$.department_id[0]') IS NOT NULL"""
        if center is not None:
            sql += " AND (SELECT t.center FROM tickets t WHERE t.id = e.ticket_id) = :center"
        return sql

    def _level_params(self, start: dt.date, end: dt.date, now_s: str, center: str | None) -> dict[str, Any]:
        return {"start": start.isoformat(), "end_next": (end + dt.timedelta(days=1)).isoformat(),
                "now": now_s, "center": center, "red_at": rules.RED_AT, "orange_at": rules.ORANGE_AT}

    def returned_levels(self, start: dt.date, end: dt.date, now_s: str,
                        center: str | None = None) -> dict[tuple[int, str], tuple[int, int, int]]:
        """(yellow, orange, red) reached at a department before it returned the
        ticket, per (that department, month of the return), returns dated in
        [start, end]: warnings charged to the department that held the ticket."""
        sql = (f"SELECT dept, month, sum(level = 1), sum(level = 2), sum(level = 3) "
               f"FROM ({self._returned_levels_sql(center)}) GROUP BY dept, month")
        return {(r[0], r[1]): (r[2], r[3], r[4])
                for r in self.core.conn.execute(sql, self._level_params(start, end, now_s, center))}

    def returned_level_ticket_ids(self, department_id: int | None, levels: tuple[int, ...], start: dt.date,
                                  end: dt.date, now_s: str, center: str | None = None) -> list[int]:
        """The tickets behind :meth:`returned_levels` (``levels``: which of 1, 2, 3)."""
        params = self._level_params(start, end, now_s, center)
        marks = ",".join(str(int(lv)) for lv in levels)
        sql = f"SELECT DISTINCT ticket_id FROM ({self._returned_levels_sql(center)}) WHERE level IN ({marks})"
        if department_id is not None:
            sql += " AND dept = :dept"
            params["dept"] = department_id
        return [r[0] for r in self.core.conn.execute(sql + " ORDER BY ticket_id", params)]

    def return_ticket_ids(self, department_id: int | None, start: dt.date, end: dt.date, now_s: str,
                                     center: str | None = None) -> list[int]:
        params = {"start": start.isoformat(), "end_next": (end + dt.timedelta(days=1)).isoformat(),
                  "now": now_s, "center": center, "dept": department_id}
        sql = f"SELECT DISTINCT ticket_id FROM ({self._returns_sql(center)})"
        if department_id is not None:
            sql += " WHERE dept = :dept"
        return [r[0] for r in self.core.conn.execute(sql + " ORDER BY ticket_id", params)]

    def _extensions_sql(self, center: str | None) -> str:
        # Approvals of extensions on the tickets the period counts (dispatched
        # in it, at their current department), made after that dispatch — an
        # extension granted to an earlier department stays with that handling.
        sql = (
            "SELECT e.ticket_id, t.department_id AS dept, substr(t.dispatched_at, 1, 7) AS month "
            "FROM events e JOIN tickets t ON t.id = e.ticket_id "
            "WHERE e.action = 'approve_extension' AND e.at >= :start AND e.at <= :now "
            "AND t.dispatched_at >= :start AND t.dispatched_at < :end_next AND t.dispatched_at <= :now "
            "AND e.at >= t.dispatched_at AND t.department_id IS NOT NULL"
        )
        if center is not None:
            sql += " AND t.center = :center"
        return sql

    def extensions(self, start: dt.date, end: dt.date, now_s: str,
                   center: str | None = None) -> dict[tuple[int, str], int]:
        """Approved extensions per (department, month of the ticket's dispatch) on the period's tickets."""
        params = {"start": start.isoformat(), "end_next": (end + dt.timedelta(days=1)).isoformat(),
                  "now": now_s, "center": center}
        sql = f"SELECT dept, month, count(*) FROM ({self._extensions_sql(center)}) GROUP BY dept, month"
        return {(r[0], r[1]): r[2] for r in self.core.conn.execute(sql, params)}

    def extension_ticket_ids(self, department_id: int | None, start: dt.date, end: dt.date, now_s: str,
                                        center: str | None = None) -> list[int]:
        params = {"start": start.isoformat(), "end_next": (end + dt.timedelta(days=1)).isoformat(),
                  "now": now_s, "center": center, "dept": department_id}
        sql = f"SELECT DISTINCT ticket_id FROM ({self._extensions_sql(center)})"
        if department_id is not None:
            sql += " WHERE dept = :dept"
        return [r[0] for r in self.core.conn.execute(sql + " ORDER BY ticket_id", params)]

    def knowledge_current(self, since_s: str) -> dict[str, int]:
        """Knowledge entries per owning department (as written in the entry:
        its short name; '' for entries without one) updated at or after ``since_s``."""
        rows = self.core.conn.execute(
            "SELECT department, count(*) FROM knowledge WHERE updated_at >= ? GROUP BY department",
            (since_s,),
        )
        return {r[0]: r[1] for r in rows}

    def policies_published(self, start: dt.date, end: dt.date, target_workdays: int) -> list[sqlite3.Row]:
        """Per issuer: policies published (publish date in [start, end], not a
        draft), how many have an issue date, the sum of their publication lags
        in working days (``workdays_between(issued, published)``, from the
        working-day mirror) and how many were within ``target_workdays``."""
        return self.core.conn.execute(
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
        return [r[0] for r in self.core.conn.execute(
            f"SELECT id FROM policies WHERE issuer IN ({marks}) AND published_at >= ? AND published_at < ? "
            "AND status != 'draft' ORDER BY id",
            (*issuers, start.isoformat(), (end + dt.timedelta(days=1)).isoformat()),
        )]
