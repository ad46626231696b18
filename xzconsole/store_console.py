"""Part of the store: Queries the console screens need beyond the core (palette look-ups and the like).

Mixed into :class:`xzconsole.store.Store`; like store.py, one of the only
modules that speak SQL.  Methods use ``self.conn``, ``self.write()``,
``self._event(...)`` and the other helpers of the core store.

What is here and why:

* :meth:`ConsoleMixin.queue_counts` — every tab's row count in two short
  queries instead of eleven ``count(*)``: a GROUP BY status over a covering
  index (``(status, due_date, department_id)``, or ``(center, status, …)``
  for one center), then the warning levels over the open tickets only (a few
  percent of the table); a liaison's 协办 tab adds one count through
  ``ticket_parts``.
* :meth:`ConsoleMixin.queue_page` — the queue's keyset page.  A search for
  something that *is* an identifier (ticket number, external id, USCC,
  phone) is answered through those columns' indexes (SQLite's OR-by-union
  plan) instead of the core filter's ``LIKE`` scan over a million contents;
  anything else falls back to the core ``list_tickets`` unchanged.
* :meth:`ConsoleMixin.palette_tickets` / :meth:`palette_policies` — the
  command palette's candidates, by index range scans only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import sqlite3
from typing import Any

# Tables this part adds to the schema.  Until the first release they are part
# of migration 1 (store.py appends them); after that, changes go in new steps.
SCHEMA = """
-- the queue's 全部 tab of a department liaison, newest first (without it a
-- liaison's first page sorts their whole department: ~1 s at 1,000,000 tickets)
CREATE INDEX tickets_dept_received ON tickets(department_id, received_at, id);
-- the queue sorted by due date across every status (全部 tab, 期限 sort)
CREATE INDEX tickets_due ON tickets(due_date, id);
"""

# what may be an identifier worth an exact, indexed look-up first
_IDENTIFIER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_\-/.]{4,63}$")


@dataclasses.dataclass
class QueueCounts:
    """Row counts of the queue's tabs under the current filters."""

    by_status: dict[str, int]
    by_level: dict[int, int]  # WarningLevel value → count (awaiting a reply only)
    total: int
    supporting: int = 0  # 协办: tickets the liaison's department supports (liaisons only)


class ConsoleMixin:
    """Queries the console screens need beyond the core (palette look-ups and the like)."""

    conn: sqlite3.Connection

    # -- the queue ---------------------------------------------------------------
    def queue_counts(self, actor: Any, f: Any = None) -> QueueCounts:
        """Counts per status and per warning level for ``f`` minus its tab
        (statuses / level / 协办); the liaison sees only their department,
        and gets the count of their 协办 tab as well.

        Two queries rather than one pass with conditional sums: the level
        sums need ``due_date``, which the ``(center, status, …)`` index does
        not hold — one pass read 600,000 table rows for the city center
        (0.54 s at 1,000,000 tickets); the status counts alone are a covering
        index read and the levels read the open tickets only (0.14 s).
        """
        from .models import Role
        from .rules import WarningLevel
        from .store import AWAITING, TicketFilter

        base = dataclasses.replace(f or TicketFilter(), statuses=None, level=None, supporting=False)
        where, params = self._filter_sql(actor, base)  # type: ignore[attr-defined]
        cond = " AND ".join(where) if where else "1"
        with self.read_snapshot():  # type: ignore[attr-defined]  # the tabs agree with each other
            by_status = {r[0]: r[1] for r in self.conn.execute(
                f"SELECT status, count(*) FROM tickets WHERE {cond} GROUP BY status", params)}
            order = (WarningLevel.YELLOW, WarningLevel.ORANGE, WarningLevel.RED)
            levels = {int(lvl): 0 for lvl in order}
            if any(by_status.get(s) for s in AWAITING):
                today = self.clock.today()  # type: ignore[attr-defined]
                ranges = [self._level_due_range(lvl, today) for lvl in order]  # type: ignore[attr-defined]
                sums = ", ".join("sum(due_date <= ?)" if lo is None else "sum(due_date > ? AND due_date <= ?)"
                                 for lo, _ in ranges)
                bounds = [d.isoformat() for pair in ranges for d in pair if d is not None]
                aw = ",".join("?" * len(AWAITING))
                row = self.conn.execute(f"SELECT {sums} FROM tickets WHERE {cond} AND status IN ({aw})",
                                        [*bounds, *params, *AWAITING]).fetchone()
                levels = {int(lvl): n or 0 for lvl, n in zip(order, row)}
            supporting = 0
            if actor.role is Role.DEPARTMENT:
                where, params = self._filter_sql(actor, dataclasses.replace(base, supporting=True))  # type: ignore[attr-defined]
                supporting = self.conn.execute(f"SELECT count(*) FROM tickets WHERE {' AND '.join(where)}", params).fetchone()[0]
        return QueueCounts(by_status, levels, sum(by_status.values()), supporting)

    def _exact_search_sql(self, actor: Any, text: str) -> tuple[str, list[Any]] | None:
        """An indexed condition for a search that names a ticket or enterprise
        exactly (number, external id, USCC, phone), or None when nothing
        matches exactly — then the caller does the substring search."""
        from .models import Role

        s = text.strip()
        if not _IDENTIFIER.match(s):
            return None
        cond = "(number = ? OR external_id = ? OR uscc = ? OR contact_phone = ?)"
        params: list[Any] = [s, s, s.upper(), s]
        dept = ""
        dparams: list[Any] = []
        if actor.role is Role.DEPARTMENT:
            # unary + keeps the planner on the identifier indexes (OR-by-union)
            # instead of walking the whole department
            dept = " AND +department_id = ?"
            dparams = [actor.department_id]
            # a liaison never finds a confidential ticket by its enterprise's identity
            cond = (f"({cond} AND (confidential = 0 OR NOT (uscc = ? OR contact_phone = ?)))")
            params += [s.upper(), s]
        hit = self.conn.execute(f"SELECT 1 FROM tickets WHERE {cond}{dept} LIMIT 1", [*params, *dparams]).fetchone()
        if hit is None:
            return None
        return cond, params

    def _exact_where(self, actor: Any, f: Any, exact: tuple[str, list[Any]]) -> tuple[list[str], list[Any]]:
        """The filter's conditions with the identifier search in place of the
        substring one.  The center is tested with a unary ``+`` so that the
        planner follows the identifier indexes (a few rows) rather than walk
        every ticket of the center (600,000 for the city's) checking each."""
        where, params = self._filter_sql(actor, dataclasses.replace(f, search=None, center=None))  # type: ignore[attr-defined]
        if f.center:
            where.append("+center = ?")
            params.append(f.center)
        return [*where, exact[0]], [*params, *exact[1]]

    def queue_page(self, actor: Any, f: Any = None, *, sort: str = "received", after: tuple[Any, int] | None = None,
                   limit: int = 50) -> tuple[list[Any], tuple[Any, int] | None]:
        """One keyset page of the queue and the key of its last row (for the
        next page), or None as key when there is no further page.

        Fetches ``limit + 1`` rows to know whether another page follows.
        """
        from .store import SORTS, TicketFilter

        f = f or TicketFilter()
        exact = self._exact_search_sql(actor, f.search) if f.search and f.search.strip() else None
        if exact is None:
            rows = self.list_tickets(actor, f, sort=sort, after=after, limit=limit + 1)  # type: ignore[attr-defined]
        else:
            column, desc = SORTS[sort]
            where, params = self._exact_where(actor, f, exact)
            if sort in ("due", "warning"):
                where.append("due_date IS NOT NULL")
            if after is not None:
                where.append(f"({column}, id) {'<' if desc else '>'} (?, ?)")
                params.extend(after)
            order = "DESC" if desc else "ASC"
            sql = f"SELECT * FROM tickets WHERE {' AND '.join(where)} ORDER BY {column} {order}, id {order} LIMIT ?"
            rows = [self._decorate(r, actor) for r in self.conn.execute(sql, [*params, limit + 1])]  # type: ignore[attr-defined]
        more = len(rows) > limit
        rows = rows[:limit]
        key = self.page_key(rows[-1], sort) if more and rows else None
        return rows, key

    def queue_count(self, actor: Any, f: Any = None) -> int:
        """How many tickets the queue's current tab, filters and search hold."""
        from .store import TicketFilter

        f = f or TicketFilter()
        exact = self._exact_search_sql(actor, f.search) if f.search and f.search.strip() else None
        if exact is None:
            return self.count_tickets(actor, f)  # type: ignore[attr-defined]
        where, params = self._exact_where(actor, f, exact)
        return self.conn.execute(f"SELECT count(*) FROM tickets WHERE {' AND '.join(where)}", params).fetchone()[0]

    @staticmethod
    def page_key(ticket: Any, sort: str) -> tuple[Any, int]:
        """The (sort value, id) of a row as stored, for ``after=``."""
        from .clock import format_datetime

        if sort == "received":
            return format_datetime(ticket.received_at), ticket.id
        return (ticket.due_date.isoformat() if ticket.due_date else None), ticket.id

    # -- centers -----------------------------------------------------------------------
    def center_overview(self) -> list[dict[str, Any]]:
        """Every center (city first) with its enabled staff and its open tickets
        (``xzconsole centers``); the counts are seeks on ``(center, status, …)``."""
        from .models import Status

        open_statuses = [s.value for s in Status if s is not Status.CLOSED]
        marks = ",".join("?" * len(open_statuses))
        staff = dict(self.conn.execute("SELECT center, count(*) FROM staff WHERE disabled = 0 GROUP BY center").fetchall())
        out = []
        for ctr in self.centers():  # type: ignore[attr-defined]
            n = self.conn.execute(f"SELECT count(*) FROM tickets WHERE center = ? AND status IN ({marks})",
                                  [ctr["name"], *open_statuses]).fetchone()[0]
            out.append({**ctr, "staff": staff.get(ctr["name"], 0), "open_tickets": n})
        return out

    # -- the command palette -------------------------------------------------------
    def palette_tickets(self, actor: Any, text: str, limit: int = 20) -> list[Any]:
        """Tickets whose number or external id starts with ``text``, or whose
        enterprise name starts with it (index range scans only).  A liaison
        gets only their department's, never a confidential one by its name."""
        from .models import Role

        t = (text or "").strip()
        if not t:
            return []
        dept, dparams = "", []
        if actor.role is Role.DEPARTMENT:
            dept, dparams = " AND department_id = ?", [actor.department_id]
        seen: dict[int, Any] = {}
        probes: list[tuple[str, list[Any]]] = []
        upper = t.upper()
        for prefix in dict.fromkeys([upper, "XZ" + t] if t.isdigit() else [upper]):
            probes.append(("number >= ? AND number < ?", [prefix, prefix + "\uffff"]))
        probes.append(("external_id >= ? AND external_id < ?", [t, t + "\uffff"]))
        name_cond = "enterprise_name >= ? AND enterprise_name < ?"
        if actor.role is Role.DEPARTMENT:
            name_cond += " AND confidential = 0"
        probes.append((name_cond, [t, t + "\uffff"]))
        for cond, params in probes:
            if len(seen) >= limit:
                break
            sql = f"SELECT * FROM tickets WHERE {cond}{dept} LIMIT ?"
            for r in self.conn.execute(sql, [*params, *dparams, limit - len(seen)]):
                if r["id"] not in seen:
                    seen[r["id"]] = self._decorate(r, actor)  # type: ignore[attr-defined]
        return list(seen.values())

    def palette_policies(self) -> list[tuple[int, str, str, str]]:
        """(id, title, document number, status) of every policy not withdrawn:
        the palette's candidates, loaded once when it opens (≈2,000 rows)."""
        return [(r[0], r[1], r[2], r[3]) for r in self.conn.execute(
            "SELECT id, title, doc_number, status FROM policies WHERE status != 'withdrawn' ORDER BY id DESC")]
